/* fsposix.c - a POSIX behaviour suite for a directory: run it on btrfs and
 * on an icc-fs mount of the same kind of tree, and compare.  Each check
 * prints "PASS name" or "FAIL name: why".  Run as root: some checks switch
 * to uid/gid 1000 in a child to test the caller's credentials. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <limits.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

static int dfd;
static const char *dirpath; /* the directory under test, for calls that take a path */
static int failures;
static char why[512];

#define CHECK(cond, ...)                                  \
	do {                                              \
		if (!(cond)) {                            \
			snprintf(why, sizeof(why), __VA_ARGS__); \
			return false;                     \
		}                                         \
	} while (0)

typedef bool (*check_fn)(void);

static bool t_regular_file(void)
{
	int fd = openat(dfd, "f", O_CREAT | O_EXCL | O_RDWR, 0640);
	CHECK(fd >= 0, "create: %s", strerror(errno));
	CHECK(write(fd, "hello", 5) == 5, "write");
	CHECK(pwrite(fd, "J", 1, 0) == 1, "pwrite");
	char buf[8] = "";
	CHECK(pread(fd, buf, 5, 0) == 5 && !memcmp(buf, "Jello", 5), "read back '%s'", buf);
	struct stat st;
	CHECK(fstat(fd, &st) == 0 && st.st_size == 5 && (st.st_mode & 07777) == 0640, "stat");
	close(fd);
	CHECK(openat(dfd, "f", O_CREAT | O_EXCL | O_RDWR, 0640) < 0 && errno == EEXIST, "O_EXCL");
	return unlinkat(dfd, "f", 0) == 0;
}

static bool t_o_trunc_o_append(void)
{
	int fd = openat(dfd, "a", O_CREAT | O_WRONLY, 0644);
	CHECK(fd >= 0 && write(fd, "123456", 6) == 6, "write");
	close(fd);
	fd = openat(dfd, "a", O_WRONLY | O_TRUNC);
	struct stat st;
	CHECK(fd >= 0 && fstat(fd, &st) == 0 && st.st_size == 0, "O_TRUNC");
	close(fd);
	int a = openat(dfd, "a", O_WRONLY | O_APPEND), b = openat(dfd, "a", O_WRONLY | O_APPEND);
	CHECK(a >= 0 && b >= 0, "open append");
	CHECK(write(a, "x", 1) == 1 && write(b, "y", 1) == 1 && write(a, "z", 1) == 1, "append writes");
	close(a);
	close(b);
	char buf[8] = "";
	fd = openat(dfd, "a", O_RDONLY);
	CHECK(read(fd, buf, 8) == 3 && !memcmp(buf, "xyz", 3), "append order '%s'", buf);
	close(fd);
	return unlinkat(dfd, "a", 0) == 0;
}

static bool t_directories(void)
{
	CHECK(mkdirat(dfd, "d", 0750) == 0, "mkdir");
	CHECK(mkdirat(dfd, "d", 0750) < 0 && errno == EEXIST, "mkdir EEXIST");
	int fd = openat(dfd, "d/x", O_CREAT | O_WRONLY, 0600);
	CHECK(fd >= 0, "create in dir");
	close(fd);
	CHECK(unlinkat(dfd, "d", AT_REMOVEDIR) < 0 && errno == ENOTEMPTY, "rmdir ENOTEMPTY (%s)", strerror(errno));
	CHECK(unlinkat(dfd, "d/x", 0) == 0 && unlinkat(dfd, "d", AT_REMOVEDIR) == 0, "rmdir");
	CHECK(unlinkat(dfd, "nonexistent", 0) < 0 && errno == ENOENT, "ENOENT");
	return true;
}

static bool t_readdir(void)
{
	CHECK(mkdirat(dfd, "rd", 0755) == 0, "mkdir");
	char name[32];
	for (int i = 0; i < 300; i++) {
		snprintf(name, sizeof(name), "rd/e%03d", i);
		int fd = openat(dfd, name, O_CREAT | O_WRONLY, 0644);
		CHECK(fd >= 0, "create %s", name);
		close(fd);
	}
	int fd = openat(dfd, "rd", O_RDONLY | O_DIRECTORY);
	DIR *d = fdopendir(fd);
	int n = 0;
	struct dirent *de;
	while ((de = readdir(d)))
		n += de->d_name[0] == 'e';
	closedir(d);
	CHECK(n == 300, "readdir saw %d of 300", n);
	for (int i = 0; i < 300; i++) {
		snprintf(name, sizeof(name), "rd/e%03d", i);
		unlinkat(dfd, name, 0);
	}
	return unlinkat(dfd, "rd", AT_REMOVEDIR) == 0;
}

static bool t_symlinks(void)
{
	CHECK(symlinkat("target/with/../dots", dfd, "sl") == 0, "symlink");
	char buf[64] = "";
	ssize_t n = readlinkat(dfd, "sl", buf, sizeof(buf));
	CHECK(n == 19 && !memcmp(buf, "target/with/../dots", 19), "readlink");
	struct stat st;
	CHECK(fstatat(dfd, "sl", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode), "lstat");
	CHECK(openat(dfd, "sl", O_RDONLY | O_NOFOLLOW) < 0 && errno == ELOOP, "O_NOFOLLOW ELOOP");
	CHECK(fchownat(dfd, "sl", 1234, 1234, AT_SYMLINK_NOFOLLOW) == 0, "lchown");
	CHECK(fstatat(dfd, "sl", &st, AT_SYMLINK_NOFOLLOW) == 0 && st.st_uid == 1234, "lchown took");
	return unlinkat(dfd, "sl", 0) == 0;
}

static bool t_hard_links(void)
{
	int fd = openat(dfd, "h1", O_CREAT | O_WRONLY, 0644);
	CHECK(fd >= 0 && write(fd, "data", 4) == 4, "create");
	close(fd);
	CHECK(linkat(dfd, "h1", dfd, "h2", 0) == 0, "link: %s", strerror(errno));
	struct stat a, b;
	CHECK(fstatat(dfd, "h1", &a, 0) == 0 && fstatat(dfd, "h2", &b, 0) == 0, "stat");
	CHECK(a.st_ino == b.st_ino && a.st_nlink == 2, "same inode, nlink %lu", (unsigned long)a.st_nlink);
	CHECK(unlinkat(dfd, "h1", 0) == 0 && fstatat(dfd, "h2", &b, 0) == 0 && b.st_nlink == 1, "nlink after unlink");
	return unlinkat(dfd, "h2", 0) == 0;
}

static bool t_special_files(void)
{
	CHECK(mknodat(dfd, "fifo", S_IFIFO | 0644, 0) == 0, "mkfifo");
	CHECK(mknodat(dfd, "chr", S_IFCHR | 0600, makedev(1, 3)) == 0, "mknod chr");
	CHECK(mknodat(dfd, "blk", S_IFBLK | 0600, makedev(7, 200)) == 0, "mknod blk");
	CHECK(mknodat(dfd, "sock", S_IFSOCK | 0644, 0) == 0, "mknod sock");
	struct stat st;
	CHECK(fstatat(dfd, "chr", &st, 0) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3), "chr rdev");
	CHECK(fstatat(dfd, "blk", &st, 0) == 0 && S_ISBLK(st.st_mode), "blk");
	CHECK(fstatat(dfd, "fifo", &st, 0) == 0 && S_ISFIFO(st.st_mode), "fifo");
	CHECK(fstatat(dfd, "sock", &st, 0) == 0 && S_ISSOCK(st.st_mode), "sock");
	/* the char device works through the mount (it is /dev/null) */
	int fd = openat(dfd, "chr", O_WRONLY);
	CHECK(fd >= 0 && write(fd, "x", 1) == 1, "write to dev: %s", strerror(errno));
	close(fd);
	unlinkat(dfd, "fifo", 0);
	unlinkat(dfd, "chr", 0);
	unlinkat(dfd, "blk", 0);
	return unlinkat(dfd, "sock", 0) == 0;
}

static bool t_unix_socket_bind(void)
{
	char path[108];
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	/* bind by the directory's absolute path */
	char dir[4096];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", dfd);
	ssize_t n = readlink(path, dir, sizeof(dir) - 1);
	CHECK(n > 0 && n < 90, "dir path");
	dir[n] = '\0';
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%.90s/usock", dir);
	CHECK(bind(s, (struct sockaddr *)&sa, sizeof(sa)) == 0, "bind: %s", strerror(errno));
	close(s);
	return unlinkat(dfd, "usock", 0) == 0;
}

static bool t_xattrs(void)
{
	int fd = openat(dfd, "x", O_CREAT | O_RDWR, 0644);
	CHECK(fd >= 0, "create");
	CHECK(fsetxattr(fd, "user.k", "v1", 2, 0) == 0, "set: %s", strerror(errno));
	CHECK(fsetxattr(fd, "user.k", "v1", 2, XATTR_CREATE) < 0 && errno == EEXIST, "XATTR_CREATE");
	char buf[64];
	CHECK(fgetxattr(fd, "user.k", buf, sizeof(buf)) == 2 && !memcmp(buf, "v1", 2), "get");
	CHECK(fgetxattr(fd, "user.none", buf, sizeof(buf)) < 0 && errno == ENODATA, "ENODATA");
	CHECK(flistxattr(fd, buf, sizeof(buf)) > 0 && strstr(buf, "user.k"), "list");
	/* file capability (cap_net_raw+ep), as setcap writes it */
	unsigned char cap[20] = {0, 0, 0, 2, 0, 0x20, 0, 0, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
	CHECK(fsetxattr(fd, "security.capability", cap, sizeof(cap), 0) == 0, "set capability: %s", strerror(errno));
	CHECK(fgetxattr(fd, "security.capability", buf, sizeof(buf)) == 20, "get capability");
	CHECK(fremovexattr(fd, "user.k") == 0, "remove");
	close(fd);
	return unlinkat(dfd, "x", 0) == 0;
}

static bool t_acl_roundtrip(void)
{
	int fd = openat(dfd, "acl", O_CREAT | O_RDWR, 0640);
	CHECK(fd >= 0, "create");
	/* user::rw- user:1000:r-- group::r-- mask::r-- other::--- */
	unsigned char acl[] = {2, 0, 0, 0,
		1, 0, 6, 0, 0xff, 0xff, 0xff, 0xff, 2, 0, 4, 0, 0xe8, 3, 0, 0,
		4, 0, 4, 0, 0xff, 0xff, 0xff, 0xff, 0x10, 0, 4, 0, 0xff, 0xff, 0xff, 0xff,
		0x20, 0, 0, 0, 0xff, 0xff, 0xff, 0xff};
	CHECK(fsetxattr(fd, "system.posix_acl_access", acl, sizeof(acl), 0) == 0, "set ACL: %s", strerror(errno));
	char buf[128];
	CHECK(fgetxattr(fd, "system.posix_acl_access", buf, sizeof(buf)) == sizeof(acl), "get ACL");
	close(fd);
	return unlinkat(dfd, "acl", 0) == 0;
}

static bool t_chmod_chown_utimens(void)
{
	int fd = openat(dfd, "m", O_CREAT | O_RDWR, 0644);
	CHECK(fd >= 0, "create");
	close(fd);
	CHECK(fchmodat(dfd, "m", 04755, 0) == 0, "chmod");
	CHECK(fchownat(dfd, "m", 1000, 1000, 0) == 0, "chown");
	struct stat st;
	CHECK(fstatat(dfd, "m", &st, 0) == 0 && st.st_uid == 1000 && st.st_gid == 1000, "owner");
	struct timespec ts[2] = {{1000000000, 123456789}, {1100000000, 987654321}};
	CHECK(utimensat(dfd, "m", ts, 0) == 0, "utimensat");
	CHECK(fstatat(dfd, "m", &st, 0) == 0 && st.st_mtim.tv_sec == 1100000000 &&
	      st.st_mtim.tv_nsec == 987654321 && st.st_atim.tv_sec == 1000000000, "times");
	struct timespec omit[2] = {{0, UTIME_OMIT}, {0, UTIME_NOW}};
	CHECK(utimensat(dfd, "m", omit, 0) == 0 && fstatat(dfd, "m", &st, 0) == 0 &&
	      st.st_atim.tv_sec == 1000000000 && st.st_mtim.tv_sec > 1100000000, "UTIME_OMIT/NOW");
	return unlinkat(dfd, "m", 0) == 0;
}

/* Run fn in a child as uid/gid 1000 (no supplementary groups). */
static bool as_user(bool (*fn)(void))
{
	pid_t pid = fork();
	if (pid == 0) {
		if (setgroups(0, NULL) < 0 || setresgid(1000, 1000, 1000) < 0 || setresuid(1000, 1000, 1000) < 0)
			_exit(2);
		bool ok = fn();
		if (!ok)
			fprintf(stderr, "%s\n", why);
		_exit(ok ? 0 : 1);
	}
	int status;
	waitpid(pid, &status, 0);
	snprintf(why, sizeof(why), "as uid 1000 (see stderr)");
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static bool user_creates(void)
{
	int fd = openat(dfd, "shared/mine", O_CREAT | O_WRONLY, 0666);
	CHECK(fd >= 0, "create as user: %s", strerror(errno));
	close(fd);
	struct stat st;
	CHECK(fstatat(dfd, "shared/mine", &st, 0) == 0 && st.st_uid == 1000 && st.st_gid == 1000,
	      "owner %u:%u", st.st_uid, st.st_gid);
	CHECK(mkdirat(dfd, "shared/sub", 0777) == 0 && fstatat(dfd, "shared/sub", &st, 0) == 0 &&
	      st.st_uid == 1000, "mkdir owner");
	CHECK(symlinkat("x", dfd, "shared/ln") == 0 && fstatat(dfd, "shared/ln", &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	      st.st_uid == 1000, "symlink owner");
	/* not allowed: the root-owned 0755 directory */
	CHECK(openat(dfd, "closed/nope", O_CREAT | O_WRONLY, 0644) < 0 && errno == EACCES, "EACCES in closed dir");
	CHECK(fchownat(dfd, "shared/mine", 0, 0, 0) < 0 && errno == EPERM, "chown to root EPERM");
	CHECK(fchmodat(dfd, "closed", 0777, 0) < 0 && errno == EPERM, "chmod of root's dir EPERM");
	/* sticky /tmp-like dir: cannot remove root's file */
	CHECK(unlinkat(dfd, "sticky/roots", 0) < 0 && (errno == EPERM || errno == EACCES), "sticky");
	/* setgid dir: new file takes the dir's group */
	fd = openat(dfd, "sgid/f", O_CREAT | O_WRONLY, 0644);
	CHECK(fd >= 0 && fstat(fd, &st) == 0 && st.st_gid == 4321, "setgid dir group %u", st.st_gid);
	close(fd);
	CHECK(mkdirat(dfd, "sgid/d", 0755) == 0 && fstatat(dfd, "sgid/d", &st, 0) == 0 && (st.st_mode & S_ISGID),
	      "setgid inherited by subdir");
	/* the umask applies */
	umask(027);
	fd = openat(dfd, "shared/masked", O_CREAT | O_WRONLY, 0666);
	CHECK(fd >= 0 && fstat(fd, &st) == 0 && (st.st_mode & 0777) == 0640, "umask mode %o", st.st_mode & 0777);
	close(fd);
	return true;
}

static bool t_caller_credentials(void)
{
	CHECK(mkdirat(dfd, "shared", 0777) == 0 && fchmodat(dfd, "shared", 0777, 0) == 0, "shared");
	CHECK(mkdirat(dfd, "closed", 0755) == 0, "closed");
	CHECK(mkdirat(dfd, "sticky", 0777) == 0 && fchmodat(dfd, "sticky", 01777, 0) == 0, "sticky");
	int fd = openat(dfd, "sticky/roots", O_CREAT | O_WRONLY, 0666);
	CHECK(fd >= 0, "root file");
	close(fd);
	CHECK(mkdirat(dfd, "sgid", 0777) == 0 && fchownat(dfd, "sgid", 0, 4321, 0) == 0 &&
	      fchmodat(dfd, "sgid", 02777, 0) == 0, "sgid dir");
	return as_user(user_creates);
}

static mode_t mode_of(const char *name)
{
	struct stat st;
	return fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 ? st.st_mode & 07777 : 0;
}

/* uid 1000 (no CAP_FSETID) truncates and writes root's world-writable set-ID files */
static bool user_kills_setid(void)
{
	int fd = openat(dfd, "kill/trunc", O_WRONLY | O_TRUNC);
	CHECK(fd >= 0, "open O_TRUNC: %s", strerror(errno));
	close(fd);
	CHECK(mode_of("kill/trunc") == 0777, "O_TRUNC left mode %o", mode_of("kill/trunc"));
	fd = openat(dfd, "kill/sgid", O_WRONLY | O_TRUNC);
	close(fd);
	CHECK(mode_of("kill/sgid") == 0777, "O_TRUNC of g+s,g+x left mode %o", mode_of("kill/sgid"));
	fd = openat(dfd, "kill/write", O_WRONLY);
	CHECK(fd >= 0 && write(fd, "x", 1) == 1, "write");
	close(fd);
	CHECK(mode_of("kill/write") == 0777, "write left mode %o", mode_of("kill/write"));
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/kill/truncate", dirpath);
	CHECK(truncate(path, 1) == 0, "truncate: %s", strerror(errno));
	CHECK(mode_of("kill/truncate") == 0777, "truncate(2) left mode %o", mode_of("kill/truncate"));
	fd = openat(dfd, "kill/ftrunc", O_WRONLY);
	CHECK(fd >= 0 && ftruncate(fd, 1) == 0, "ftruncate");
	close(fd);
	CHECK(mode_of("kill/ftrunc") == 0777, "ftruncate left mode %o", mode_of("kill/ftrunc"));
	return true;
}

static bool t_setid_killed_by_non_owner(void)
{
	static const char *const names[] = {"trunc", "sgid", "write", "truncate", "ftrunc", "root"};
	static const mode_t modes[] = {04777, 02777, 04777, 04777, 04777, 06777};
	CHECK(mkdirat(dfd, "kill", 0755) == 0, "mkdir");
	for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		char p[64];
		snprintf(p, sizeof(p), "kill/%s", names[k]);
		int fd = openat(dfd, p, O_CREAT | O_WRONLY, 0600);
		CHECK(fd >= 0 && write(fd, "data", 4) == 4 && fchmod(fd, modes[k]) == 0, "create %s", p);
		close(fd);
	}
	if (!as_user(user_kills_setid))
		return false;
	/* root has CAP_FSETID: its O_TRUNC keeps both bits */
	int fd = openat(dfd, "kill/root", O_WRONLY | O_TRUNC);
	CHECK(fd >= 0 && write(fd, "x", 1) == 1, "root O_TRUNC");
	close(fd);
	CHECK(mode_of("kill/root") == 06777, "root's O_TRUNC left mode %o", mode_of("kill/root"));
	return true;
}

static bool t_rename(void)
{
	int fd = openat(dfd, "r1", O_CREAT | O_WRONLY, 0644);
	CHECK(fd >= 0 && write(fd, "1", 1) == 1, "r1");
	close(fd);
	fd = openat(dfd, "r2", O_CREAT | O_WRONLY, 0644);
	CHECK(fd >= 0 && write(fd, "22", 2) == 2, "r2");
	close(fd);
	CHECK(renameat2(dfd, "r1", dfd, "r2", RENAME_NOREPLACE) < 0 && errno == EEXIST, "NOREPLACE");
	CHECK(renameat2(dfd, "r1", dfd, "r2", RENAME_EXCHANGE) == 0, "EXCHANGE: %s", strerror(errno));
	struct stat st;
	CHECK(fstatat(dfd, "r1", &st, 0) == 0 && st.st_size == 2, "exchanged");
	CHECK(renameat(dfd, "r1", dfd, "r2") == 0, "rename over");
	CHECK(fstatat(dfd, "r1", &st, 0) < 0 && fstatat(dfd, "r2", &st, 0) == 0 && st.st_size == 2, "replaced");
	CHECK(mkdirat(dfd, "rdir", 0755) == 0 && renameat(dfd, "r2", dfd, "rdir/r3") == 0, "rename into dir");
	CHECK(renameat(dfd, "rdir", dfd, "rdir/sub") < 0 && errno == EINVAL, "rename dir into itself EINVAL");
	unlinkat(dfd, "rdir/r3", 0);
	return unlinkat(dfd, "rdir", AT_REMOVEDIR) == 0;
}

static bool t_truncate_fallocate_sparse(void)
{
	int fd = openat(dfd, "sp", O_CREAT | O_RDWR, 0644);
	CHECK(fd >= 0, "create");
	CHECK(ftruncate(fd, 1 << 20) == 0, "ftruncate grow");
	CHECK(pwrite(fd, "x", 1, 512 << 10) == 1, "write in middle");
	off_t data = lseek(fd, 0, SEEK_DATA);
	off_t hole = lseek(fd, data, SEEK_HOLE);
	CHECK(data >= 0 && data <= (512 << 10) && hole > data, "SEEK_DATA %ld / SEEK_HOLE %ld", (long)data, (long)hole);
	CHECK(lseek(fd, 0, SEEK_HOLE) == 0, "hole at 0");
	CHECK(fallocate(fd, 0, 2 << 20, 1 << 20) == 0, "fallocate: %s", strerror(errno));
	struct stat st;
	CHECK(fstat(fd, &st) == 0 && st.st_size == 3 << 20, "size after fallocate");
	CHECK(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 512 << 10, 4096) == 0, "punch hole");
	char c = 1;
	CHECK(pread(fd, &c, 1, 512 << 10) == 1 && c == 0, "punched");
	close(fd);
	return unlinkat(dfd, "sp", 0) == 0;
}

static bool t_mmap(void)
{
	int fd = openat(dfd, "mm", O_CREAT | O_RDWR, 0644);
	CHECK(fd >= 0 && ftruncate(fd, 8192) == 0, "create");
	char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(p != MAP_FAILED, "mmap shared: %s", strerror(errno));
	memcpy(p + 4096, "shared", 6);
	CHECK(msync(p, 8192, MS_SYNC) == 0, "msync");
	munmap(p, 8192);
	char buf[8] = "";
	CHECK(pread(fd, buf, 6, 4096) == 6 && !memcmp(buf, "shared", 6), "shared write visible");
	p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	CHECK(p != MAP_FAILED, "mmap private");
	memcpy(p, "private", 7);
	munmap(p, 8192);
	CHECK(pread(fd, buf, 7, 0) == 7 && buf[0] == 0, "private write not visible");
	close(fd);
	return unlinkat(dfd, "mm", 0) == 0;
}

static bool t_unlinked_open(void)
{
	int fd = openat(dfd, "u", O_CREAT | O_RDWR, 0644);
	CHECK(fd >= 0 && write(fd, "still here", 10) == 10, "create");
	CHECK(unlinkat(dfd, "u", 0) == 0, "unlink");
	char buf[16] = "";
	CHECK(pread(fd, buf, 10, 0) == 10 && !memcmp(buf, "still here", 10), "read after unlink");
	CHECK(pwrite(fd, "again", 5, 0) == 5, "write after unlink");
	struct stat st;
	CHECK(fstat(fd, &st) == 0 && st.st_nlink == 0, "nlink 0");
	CHECK(ftruncate(fd, 3) == 0, "ftruncate after unlink");
	close(fd);
	return true;
}

static bool t_locks(void)
{
	int fd = openat(dfd, "lk", O_CREAT | O_RDWR, 0644);
	CHECK(fd >= 0, "create");
	CHECK(flock(fd, LOCK_EX) == 0, "flock");
	int fd2 = openat(dfd, "lk", O_RDWR);
	CHECK(flock(fd2, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK, "flock conflict");
	flock(fd, LOCK_UN);
	CHECK(flock(fd2, LOCK_EX | LOCK_NB) == 0, "flock after unlock");
	close(fd2);
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 10};
	CHECK(fcntl(fd, F_SETLK, &fl) == 0, "fcntl lock");
	pid_t pid = fork();
	if (pid == 0) {
		int f = openat(dfd, "lk", O_RDWR);
		struct flock t = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 5, .l_len = 1};
		_exit(fcntl(f, F_SETLK, &t) < 0 && (errno == EAGAIN || errno == EACCES) ? 0 : 1);
	}
	int status;
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "fcntl conflict in another process");
	close(fd);
	return unlinkat(dfd, "lk", 0) == 0;
}

static bool t_copy_file_range(void)
{
	int a = openat(dfd, "c1", O_CREAT | O_RDWR, 0644), b = openat(dfd, "c2", O_CREAT | O_RDWR, 0644);
	CHECK(a >= 0 && b >= 0, "create");
	char buf[65536];
	memset(buf, 'q', sizeof(buf));
	CHECK(write(a, buf, sizeof(buf)) == sizeof(buf), "write");
	loff_t in = 0, out = 0;
	CHECK(copy_file_range(a, &in, b, &out, sizeof(buf), 0) == sizeof(buf), "copy_file_range: %s", strerror(errno));
	char c;
	CHECK(pread(b, &c, 1, 1000) == 1 && c == 'q', "copied");
	close(a);
	close(b);
	unlinkat(dfd, "c1", 0);
	return unlinkat(dfd, "c2", 0) == 0;
}

/* The FICLONE ioctl (cp --reflink=always): the kernel serves it only for
 * filesystems with remap_file_range, which FUSE lacks. */
static bool t_ficlone(void)
{
	int a = openat(dfd, "c1", O_CREAT | O_RDWR, 0644), b = openat(dfd, "c2", O_CREAT | O_RDWR, 0644);
	CHECK(a >= 0 && b >= 0 && write(a, "abc", 3) == 3, "create");
	int r = ioctl(b, FICLONE, a);
	int e = errno;
	close(a);
	close(b);
	unlinkat(dfd, "c1", 0);
	unlinkat(dfd, "c2", 0);
	CHECK(r == 0, "FICLONE: %s", strerror(e));
	return true;
}

static bool t_statfs(void)
{
	struct statfs a;
	CHECK(fstatfs(dfd, &a) == 0 && a.f_blocks > 0 && a.f_bsize > 0 && a.f_namelen >= 255, "statfs");
	return true;
}

static bool t_long_names_deep_paths(void)
{
	char name[300];
	memset(name, 'n', 255);
	name[255] = '\0';
	int fd = openat(dfd, name, O_CREAT | O_WRONLY, 0644);
	CHECK(fd >= 0, "255-byte name: %s", strerror(errno));
	close(fd);
	unlinkat(dfd, name, 0);
	memset(name, 'n', 256);
	name[256] = '\0';
	CHECK(openat(dfd, name, O_CREAT | O_WRONLY, 0644) < 0 && errno == ENAMETOOLONG, "256: %s", strerror(errno));
	struct stat st;
	CHECK(fstatat(dfd, name, &st, 0) < 0 && errno == ENAMETOOLONG, "stat 256: %s", strerror(errno));
	/* 100 levels deep */
	int cur = dup(dfd);
	for (int i = 0; i < 100; i++) {
		CHECK(mkdirat(cur, "deep", 0755) == 0, "mkdir level %d", i);
		int next = openat(cur, "deep", O_RDONLY | O_DIRECTORY);
		close(cur);
		cur = next;
		CHECK(cur >= 0, "open level %d", i);
	}
	fd = openat(cur, "bottom", O_CREAT | O_WRONLY, 0644);
	CHECK(fd >= 0, "file at the bottom");
	close(fd);
	close(cur);
	return true;
}

struct check {
	const char *name;
	check_fn fn;
};

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: fsposix DIR\n");
		return 2;
	}
	umask(022);
	dirpath = argv[1];
	dfd = open(argv[1], O_RDONLY | O_DIRECTORY);
	if (dfd < 0) {
		perror(argv[1]);
		return 2;
	}
	static const struct check checks[] = {
		{"regular_file", t_regular_file}, {"o_trunc_o_append", t_o_trunc_o_append},
		{"directories", t_directories}, {"readdir_300", t_readdir}, {"symlinks", t_symlinks},
		{"hard_links", t_hard_links}, {"special_files", t_special_files},
		{"unix_socket_bind", t_unix_socket_bind}, {"xattrs_and_capability", t_xattrs},
		{"posix_acl", t_acl_roundtrip}, {"chmod_chown_utimens", t_chmod_chown_utimens},
		{"caller_credentials", t_caller_credentials},
		{"setid_killed_by_non_owner", t_setid_killed_by_non_owner}, {"rename_flags", t_rename},
		{"truncate_fallocate_sparse", t_truncate_fallocate_sparse}, {"mmap", t_mmap},
		{"unlinked_open", t_unlinked_open}, {"locks", t_locks},
		{"copy_file_range", t_copy_file_range}, {"ficlone", t_ficlone}, {"statfs", t_statfs},
		{"long_names_deep_paths", t_long_names_deep_paths},
	};
	for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
		why[0] = '\0';
		bool ok = checks[i].fn();
		if (ok)
			printf("PASS %s\n", checks[i].name);
		else {
			printf("FAIL %s: %s\n", checks[i].name, why);
			failures++;
		}
		fflush(stdout);
	}
	return failures ? 1 : 0;
}
