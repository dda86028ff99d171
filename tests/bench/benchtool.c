/* benchtool.c - small timed operations for tests/bench/run.sh (one process, no fork noise)
 *
 *   benchtool smallfiles DIR N     create N 64-byte files, stat them twice (right after
 *                                  the writes, then again), unlink them; prints "create S",
 *                                  "stat S", "restat S", "unlink S" (seconds)
 *   benchtool save FILE            open FILE O_WRONLY|O_TRUNC, write "\n", close (an icc save);
 *                                  prints SECONDS
 *   benchtool ctl FILE TEXT        the same with TEXT (a rollback: ctl MNT/.icc/rollback
 *                                  "NAME keep=no\n"); prints SECONDS
 *   benchtool snap SUBVOL DIR NAME read-only snapshot of SUBVOL as DIR/NAME by
 *                                  BTRFS_IOC_SNAP_CREATE_V2; prints SECONDS
 *   benchtool fill DIR BYTES       a tree of 64 KiB files, 256 per directory, BYTES in all
 *   benchtool mkfiles DIR N        N empty files, 600 per directory
 *   benchtool dirty FILE BYTES     write BYTES to FILE in 1 MiB writes, no fsync
 *   benchtool cproj DIR N          a C project: N .c files, one header, a Makefile
 *   benchtool rtt PATH N           stat PATH N times; prints the mean in seconds (on an
 *                                  icc-fs mount, PATH=MNT/.icc/snapshots: attributes never
 *                                  cached, so one GETATTR round trip per stat - the floor)
 *   benchtool quota MODE DIR       turn btrfs quotas on for DIR's filesystem: MODE full or
 *                                  simple (kernel 6.7+; btrfs-progs 6.2 has no --simple),
 *                                  waiting for the first rescan (BENCH_QUOTA in run.sh)
 *
 * Times are wall-clock (CLOCK_MONOTONIC) seconds with 6 decimals.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/btrfs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what, const char *arg)
{
	fprintf(stderr, "benchtool: %s '%s': %s\n", what, arg, strerror(errno));
	exit(1);
}

static long long parse_size(const char *s)
{
	char *end;
	long long v = strtoll(s, &end, 10);
	switch (*end) {
	case 'K': case 'k': v <<= 10; break;
	case 'M': case 'm': v <<= 20; break;
	case 'G': case 'g': v <<= 30; break;
	default: break;
	}
	return v;
}

static char buf[1 << 20];

static void write_all(int fd, const char *p, size_t n, const char *name)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			die("write", name);
		}
		p += w;
		n -= (size_t)w;
	}
}

static int smallfiles(const char *dir, int n)
{
	char name[64];
	struct stat st;
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	if (dfd < 0)
		die("open", dir);
	memset(buf, 'x', 64);
	double t0 = now();
	for (int k = 0; k < n; k++) {
		snprintf(name, sizeof(name), "f%05d", k);
		int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL, 0644);
		if (fd < 0)
			die("create", name);
		write_all(fd, buf, 64, name);
		close(fd);
	}
	double t1 = now();
	for (int k = 0; k < n; k++) {
		snprintf(name, sizeof(name), "f%05d", k);
		if (fstatat(dfd, name, &st, 0) < 0)
			die("stat", name);
	}
	double t2 = now();
	for (int k = 0; k < n; k++) {
		snprintf(name, sizeof(name), "f%05d", k);
		if (fstatat(dfd, name, &st, 0) < 0)
			die("stat", name);
	}
	double t2b = now();
	for (int k = 0; k < n; k++) {
		snprintf(name, sizeof(name), "f%05d", k);
		if (unlinkat(dfd, name, 0) < 0)
			die("unlink", name);
	}
	double t3 = now();
	close(dfd);
	printf("create %.6f\nstat %.6f\nrestat %.6f\nunlink %.6f\n", t1 - t0, t2 - t1, t2b - t2,
	       t3 - t2b);
	return 0;
}

static int save(const char *file, const char *text)
{
	double t0 = now();
	int fd = open(file, O_WRONLY | O_TRUNC);
	if (fd < 0)
		die("open", file);
	write_all(fd, text, strlen(text), file);
	if (close(fd) < 0)
		die("close", file);
	printf("%.6f\n", now() - t0);
	return 0;
}

static int snap(const char *subvol, const char *dir, const char *name)
{
	struct btrfs_ioctl_vol_args_v2 args;
	double t0 = now();
	int sfd = open(subvol, O_RDONLY | O_DIRECTORY);
	if (sfd < 0)
		die("open", subvol);
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	if (dfd < 0)
		die("open", dir);
	memset(&args, 0, sizeof(args));
	args.fd = sfd;
	args.flags = BTRFS_SUBVOL_RDONLY;
	snprintf(args.name, sizeof(args.name), "%s", name);
	if (ioctl(dfd, BTRFS_IOC_SNAP_CREATE_V2, &args) < 0)
		die("snapshot", subvol);
	close(sfd);
	close(dfd);
	printf("%.6f\n", now() - t0);
	return 0;
}

static int rtt(const char *path, int n)
{
	struct stat st;
	if (stat(path, &st) < 0)
		die("stat", path);
	double t0 = now();
	for (int k = 0; k < n; k++)
		if (stat(path, &st) < 0)
			die("stat", path);
	printf("%.9f\n", (now() - t0) / n);
	return 0;
}

/* File k of a tree of `per` files a directory: DIR/dNNNN/fNNN, its directory
 * made with its first file; `n` bytes of buf written to it. */
static void make_file(const char *dir, long long k, long long per, size_t n)
{
	char path[4096];
	if (k % per == 0) {
		snprintf(path, sizeof(path), "%s/d%05lld", dir, k / per);
		if (mkdir(path, 0755) < 0 && errno != EEXIST)
			die("mkdir", path);
	}
	snprintf(path, sizeof(path), "%s/d%05lld/f%03lld", dir, k / per, k % per);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		die("create", path);
	if (n) {
		buf[0] = (char)k; /* distinct contents, no accidental dedupe */
		write_all(fd, buf, n, path);
	}
	close(fd);
}

static int fill(const char *dir, long long bytes)
{
	memset(buf, 'a', sizeof(buf));
	long long nfiles = (bytes + 65535) / 65536;
	for (long long k = 0; k < nfiles; k++)
		make_file(dir, k, 256, 65536);
	return 0;
}

static int mkfiles(const char *dir, long n)
{
	for (long k = 0; k < n; k++)
		make_file(dir, k, 600, 0);
	return 0;
}

static int dirty(const char *file, long long bytes)
{
	memset(buf, 'd', sizeof(buf));
	int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		die("create", file);
	while (bytes > 0) {
		size_t n = bytes > (long long)sizeof(buf) ? sizeof(buf) : (size_t)bytes;
		write_all(fd, buf, n, file);
		bytes -= (long long)n;
	}
	if (close(fd) < 0)
		die("close", file);
	return 0;
}

static int make_cproj(const char *dir, int n)
{
	char path[4096];
	FILE *f;
	snprintf(path, sizeof(path), "%s/lib.h", dir);
	if (!(f = fopen(path, "w")))
		die("create", path);
	fprintf(f, "#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n");
	for (int k = 0; k < n; k++)
		fprintf(f, "int unit%d(int);\n", k);
	fclose(f);
	for (int k = 0; k < n; k++) {
		snprintf(path, sizeof(path), "%s/u%03d.c", dir, k);
		if (!(f = fopen(path, "w")))
			die("create", path);
		fprintf(f, "#include \"lib.h\"\n");
		for (int j = 0; j < 8; j++)
			fprintf(f,
				"static int f%d(int x) {\n"
				"\tchar b[64]; int s = 0;\n"
				"\tsnprintf(b, sizeof(b), \"%%d-%d\", x);\n"
				"\tfor (size_t i = 0; i < strlen(b); i++) s = s * 31 + b[i];\n"
				"\treturn s ^ x;\n}\n", j, j);
		fprintf(f, "int unit%d(int x) { return f0(x) + f1(x) + f2(x) + f3(x) + f4(x) + f5(x) + f6(x) + f7(x); }\n", k);
		fclose(f);
	}
	snprintf(path, sizeof(path), "%s/main.c", dir);
	if (!(f = fopen(path, "w")))
		die("create", path);
	fprintf(f, "#include \"lib.h\"\nint main(void) { int s = 0;\n");
	for (int k = 0; k < n; k++)
		fprintf(f, "\ts += unit%d(%d);\n", k, k);
	fprintf(f, "\tprintf(\"%%d\\n\", s); return 0; }\n");
	fclose(f);
	snprintf(path, sizeof(path), "%s/Makefile", dir);
	if (!(f = fopen(path, "w")))
		die("create", path);
	fprintf(f, "CFLAGS = -O1 -g\nSRC = $(wildcard *.c)\nOBJ = $(SRC:.c=.o)\n"
		   "prog: $(OBJ)\n\t$(CC) -o $@ $(OBJ)\n%%.o: %%.c lib.h\n\t$(CC) $(CFLAGS) -c -o $@ $<\n");
	fclose(f);
	return 0;
}

#ifndef BTRFS_QUOTA_CTL_ENABLE_SIMPLE_QUOTA
#define BTRFS_QUOTA_CTL_ENABLE_SIMPLE_QUOTA 4
#endif

static int quota(const char *mode, const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		die("open", dir);
	struct btrfs_ioctl_quota_ctl_args a = {
		.cmd = !strcmp(mode, "simple") ? BTRFS_QUOTA_CTL_ENABLE_SIMPLE_QUOTA : BTRFS_QUOTA_CTL_ENABLE,
	};
	if (ioctl(fd, BTRFS_IOC_QUOTA_CTL, &a) < 0)
		die("quota enable", dir);
	if (ioctl(fd, BTRFS_IOC_QUOTA_RESCAN_WAIT) < 0 && errno != EINVAL && errno != ENOTCONN)
		die("quota rescan wait", dir);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";
	if (!strcmp(cmd, "smallfiles") && argc == 4)
		return smallfiles(argv[2], atoi(argv[3]));
	if (!strcmp(cmd, "save") && argc == 3)
		return save(argv[2], "\n");
	if (!strcmp(cmd, "ctl") && argc == 4)
		return save(argv[2], argv[3]);
	if (!strcmp(cmd, "snap") && argc == 5)
		return snap(argv[2], argv[3], argv[4]);
	if (!strcmp(cmd, "fill") && argc == 4)
		return fill(argv[2], parse_size(argv[3]));
	if (!strcmp(cmd, "mkfiles") && argc == 4)
		return mkfiles(argv[2], atol(argv[3]));
	if (!strcmp(cmd, "dirty") && argc == 4)
		return dirty(argv[2], parse_size(argv[3]));
	if (!strcmp(cmd, "cproj") && argc == 4)
		return make_cproj(argv[2], atoi(argv[3]));
	if (!strcmp(cmd, "rtt") && argc == 4)
		return rtt(argv[2], atoi(argv[3]));
	if (!strcmp(cmd, "quota") && argc == 4 && (!strcmp(argv[2], "full") || !strcmp(argv[2], "simple")))
		return quota(argv[2], argv[3]);
	fprintf(stderr, "usage: benchtool smallfiles|save|ctl|snap|fill|mkfiles|dirty|cproj|rtt|quota ARGS (see the source)\n");
	return 2;
}
