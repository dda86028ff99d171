/* main.c - icc-fs: options, mounting, daemonizing, the FUSE session loop */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <btrfsutil.h>

#include "iccfs.h"

struct iccfs fs;

static const char *mount_arg; /* as given, for messages */

static void usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void usage_error(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "icc-fs: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static void mount_error(const char *reason)
{
	fprintf(stderr, "icc-fs: cannot mount '%s': %s\n", mount_arg, reason);
	exit(1);
}

static char fuse_msg[512];
static bool debug;

static void log_func(enum fuse_log_level level, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

static void log_func(enum fuse_log_level level, const char *fmt, va_list ap)
{
	if (debug) {
		vfprintf(stderr, fmt, ap);
		return;
	}
	/* keep the first error line (libfuse builds some from several calls) */
	size_t n = strlen(fuse_msg);
	if (level > FUSE_LOG_ERR || (n && fuse_msg[n - 1] == '\n') || n + 1 >= sizeof(fuse_msg))
		return;
	vsnprintf(fuse_msg + n, sizeof(fuse_msg) - n, fmt, ap);
}

/* The first line libfuse logged, without its newline. */
static const char *fuse_reason(const char *dflt)
{
	char *nl = strchr(fuse_msg, '\n');
	if (nl)
		*nl = '\0';
	return fuse_msg[0] ? fuse_msg : dflt;
}

static char *xstrdup(const char *s)
{
	char *d = strdup(s);
	if (!d) {
		fprintf(stderr, "icc-fs: out of memory\n");
		exit(1);
	}
	return d;
}

/* Split one -o list; icc-fs's own keys are consumed, the rest returned. */
static void parse_opts(char *list, char **fuse_opts)
{
	char *save = NULL;
	for (char *o = strtok_r(list, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(o, '=');
		const char *val = eq ? eq + 1 : NULL;
		size_t klen = eq ? (size_t)(eq - o) : strlen(o);
#define KEY(k) (klen == strlen(k) && !strncmp(o, k, klen))
		if (KEY("snapdir") || KEY("lock") || KEY("id") || KEY("name") ||
		    KEY("image") || KEY("delete") || KEY("save") || KEY("fdcache") ||
		    KEY("pidfile") || KEY("passthrough") || KEY("uring")) {
			if (!val || !*val)
				usage_error("option '%.*s' needs a value", (int)klen, o);
			if (KEY("snapdir"))
				fs.snapdir_path = xstrdup(val);
			else if (KEY("lock"))
				fs.lock_path = xstrdup(val);
			else if (KEY("id"))
				fs.id = xstrdup(val);
			else if (KEY("name"))
				fs.name = xstrdup(val);
			else if (KEY("image"))
				fs.image = xstrdup(val);
			else if (KEY("pidfile"))
				fs.pidfile = xstrdup(val);
			else if (KEY("passthrough")) {
				if (!strcmp(val, "off"))
					pt_disable();
				else if (strcmp(val, "on"))
					usage_error("bad value for passthrough: '%s' (on or off)", val);
			} else if (KEY("uring")) {
				if (!strcmp(val, "off"))
					uring_disable();
				else if (strcmp(val, "on"))
					usage_error("bad value for uring: '%s' (on or off)", val);
			}
			else if (KEY("delete")) {
				if (!strcmp(val, "root"))
					fs.delete_writers = false;
				else if (!strcmp(val, "writers"))
					fs.delete_writers = true;
				else
					usage_error("bad value for delete: '%s' (root or writers)", val);
			} else if (KEY("save")) {
				if (!strcmp(val, "writers"))
					fs.save_all = false;
				else if (!strcmp(val, "all"))
					fs.save_all = true;
				else
					usage_error("bad value for save: '%s' (writers or all)", val);
			} else if (KEY("fdcache")) {
				char *end;
				errno = 0;
				unsigned long n = strtoul(val, &end, 10);
				if (errno || *end || n < 16 || n > 1000000)
					usage_error("bad value for fdcache: '%s' (16..1000000)", val);
				fs.fdcache_max = n;
			}
		} else {
			size_t old = *fuse_opts ? strlen(*fuse_opts) : 0;
			char *n = realloc(*fuse_opts, old + strlen(o) + 2);
			if (!n)
				usage_error("out of memory");
			if (old)
				n[old++] = ',';
			strcpy(n + old, o);
			*fuse_opts = n;
		}
#undef KEY
	}
}

static int mount_id_of(int fd)
{
	struct {
		struct file_handle fh;
		unsigned char buf[MAX_HANDLE_SZ];
	} h;
	h.fh.handle_bytes = MAX_HANDLE_SZ;
	int mnt;
	if (name_to_handle_at(fd, "", &h.fh, &mnt, AT_EMPTY_PATH) < 0)
		return -errno;
	return mnt;
}

/* The subvolume to serve and the mountpoint; *rst: the subvolume's root. Exits on failure. */
static void open_subvolume(const char *subvol, const char *mountpoint, struct stat *rst)
{
	char rp[PATH_MAX];
	if (!realpath(subvol, rp)) {
		char msg[600];
		snprintf(msg, sizeof(msg), "subvolume '%s': %s", subvol, strerror(errno));
		mount_error(msg);
	}
	fs.subvol = xstrdup(rp);
	if (!realpath(mountpoint, rp))
		mount_error(strerror(errno));
	fs.mountpoint = xstrdup(rp);
	struct stat mst;
	if (stat(fs.mountpoint, &mst) < 0)
		mount_error(strerror(errno));
	if (!S_ISDIR(mst.st_mode))
		mount_error(strerror(ENOTDIR));

	fs.root_fd = open(fs.subvol, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fs.root_fd < 0) {
		char msg[600];
		snprintf(msg, sizeof(msg), "subvolume '%s': %s", fs.subvol, strerror(errno));
		mount_error(msg);
	}
	fstat(fs.root_fd, rst);
	if (btrfs_util_is_subvolume_fd(fs.root_fd) != BTRFS_UTIL_OK) {
		char msg[600];
		snprintf(msg, sizeof(msg), "'%s' is not a btrfs subvolume", fs.subvol);
		mount_error(msg);
	}
	fs.mnt_id = mount_id_of(fs.root_fd);
	if (fs.mnt_id < 0)
		mount_error(strerror(-fs.mnt_id));
}

/* The snapshot directory (default .NAME.snapshots beside the subvolume), its lock, the UUID. */
static void open_snapdir(void)
{
	if (!fs.snapdir_path) {
		char *a = xstrdup(fs.subvol), *b = xstrdup(fs.subvol);
		char *dir = dirname(a), *base = basename(b);
		size_t need = strlen(dir) + strlen(base) + 20;
		fs.snapdir_path = malloc(need);
		if (!fs.snapdir_path)
			mount_error("out of memory");
		snprintf(fs.snapdir_path, need, "%s/.%s.snapshots",
			 strcmp(dir, "/") ? dir : "", base);
		free(a);
		free(b);
	}
	struct icc_err err;
	if (icc_snapdir_open(&fs.sd, fs.snapdir_path, &err) < 0)
		mount_error(err.msg);
	fs.snap_mnt_id = mount_id_of(fs.sd.dirfd);
	if (fs.snap_mnt_id < 0)
		mount_error(strerror(-fs.snap_mnt_id));
	if (!fs.lock_path) {
		size_t need = strlen(fs.snapdir_path) + 8;
		fs.lock_path = malloc(need);
		if (!fs.lock_path)
			mount_error("out of memory");
		snprintf(fs.lock_path, need, "%s/.lock", fs.snapdir_path);
	}
	{
		/* the subvolume's btrfs UUID: the id by default, and what .icc/info
		 * names (never the host path, which is none of the container's business) */
		struct btrfs_util_subvolume_info info;
		char u[40] = "";
		if (btrfs_util_subvolume_info_fd(fs.root_fd, 0, &info) == BTRFS_UTIL_OK)
			icc_uuid_format(info.uuid, u);
		snprintf(fs.subvol_uuid, sizeof(fs.subvol_uuid), "%s", u);
		if (!fs.id)
			fs.id = xstrdup(u);
	}
}

/* The inode table, the root inode, /.icc, and fds: the open-file limit raised to its maximum. */
static void init_state(const struct stat *rst)
{
	pthread_mutex_init(&fs.lock, NULL);
	pthread_mutex_init(&fs.save_lock, NULL);
	if (ino_table_init() < 0)
		mount_error("out of memory");
	memset(&fs.root, 0, sizeof(fs.root));
	fs.root.kind = INO_REAL;
	fs.root.dev = rst->st_dev;
	fs.root.ino = rst->st_ino;
	fs.root.st_ino = rst->st_ino;
	fs.root.type = S_IFDIR;
	fs.root.fd = fs.root_fd;
	fs.root.stale_fd = -1;
	fs.root.nlookup = 1;
	fs.root.mount_fd = fs.root_fd;
	fs.root.hashed = false;
	ctl_init();

	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    fs.fdcache_max + 256 > rl.rlim_cur / 2)
		fs.fdcache_max = rl.rlim_cur / 2 > 512 ? rl.rlim_cur / 2 - 256 : 64;
	umask(0);
}

static void write_pidfile(void)
{
	if (!fs.pidfile)
		return;
	FILE *f = fopen(fs.pidfile, "we");
	if (f) {
		fprintf(f, "%d\n", (int)getpid());
		fclose(f);
	}
}

/* Fork; the parent exits 0 once the child serves (pidfile written), so the mount is live. */
static void daemonize(struct fuse_session *se)
{
	int pfd[2];
	if (pipe(pfd) < 0) {
		fuse_session_unmount(se);
		mount_error(strerror(errno));
	}
	pid_t pid = fork();
	if (pid < 0) {
		fuse_session_unmount(se);
		mount_error(strerror(errno));
	}
	if (pid > 0) {
		close(pfd[1]);
		char c;
		ssize_t n = read(pfd[0], &c, 1);
		_exit(n == 1 ? 0 : 1);
	}
	close(pfd[0]);
	setsid();
	if (chdir("/") < 0) {
		/* ignore */
	}
	int nul = open("/dev/null", O_RDWR);
	if (nul >= 0) {
		dup2(nul, 0);
		dup2(nul, 1);
		dup2(nul, 2);
		if (nul > 2)
			close(nul);
	}
	write_pidfile();
	if (write(pfd[1], "x", 1) != 1) {
		/* parent gone: keep serving */
	}
	close(pfd[1]);
}

/* libfuse's arguments: icc-fs's mount options, its fsname (what mount
 * shows), the user's -o rest and -d; the option string to free after use. */
static char *fuse_args_build(const char *argv0, const char *fuse_opts, struct fuse_args *args)
{
	char *mopts = NULL;
	const char *label = fs.name ? fs.name : fs.subvol;
	if (fuse_opt_add_arg(args, argv0) < 0 ||
	    fuse_opt_add_opt(&mopts, "default_permissions,allow_other,suid,dev,subtype=icc-fs") < 0)
		mount_error("out of memory");
	char *fsname = malloc(strlen(label) + 16);
	if (!fsname)
		mount_error("out of memory");
	sprintf(fsname, "fsname=icc-fs:%s", label);
	if (fuse_opt_add_opt_escaped(&mopts, fsname) < 0)
		mount_error("out of memory");
	free(fsname);
	if (fuse_opts && fuse_opt_add_opt(&mopts, fuse_opts) < 0)
		mount_error("out of memory");
	if (fuse_opt_add_arg(args, "-o") < 0 || fuse_opt_add_arg(args, mopts) < 0)
		mount_error("out of memory");
	if (debug && fuse_opt_add_arg(args, "-d") < 0)
		mount_error("out of memory");
	return mopts;
}

int main(int argc, char **argv)
{
	bool foreground = false;
	char *fuse_opts = NULL;
	const char *pos[2];
	int npos = 0;

	fs.fdcache_max = 4096;
	fs.entry_timeout = 10.0;
	fs.attr_timeout = 10.0;

	for (int k = 1; k < argc; k++) {
		const char *a = argv[k];
		if (!strcmp(a, "-f")) {
			foreground = true;
		} else if (!strcmp(a, "-d")) {
			debug = true;
			foreground = true;
		} else if (!strcmp(a, "--transport")) {
			/* what the kernel offers and icc-fs uses (icc system info) */
			return pt_probe();
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			printf("usage: icc-fs [-f] [-d] [-o OPT[,OPT...]] SUBVOL MOUNTPOINT\n"
			       "       icc-fs --transport\n"
			       "options: snapdir=DIR lock=FILE id=STR name=STR image=STR\n"
			       "         delete=root|writers save=writers|all fdcache=N pidfile=FILE\n"
			       "         passthrough=on|off uring=on|off\n"
			       "         (others are passed to libfuse)\n");
			return 0;
		} else if (!strcmp(a, "-o") || !strncmp(a, "-o", 2)) {
			const char *v = a[2] ? a + 2 : (k + 1 < argc ? argv[++k] : NULL);
			if (!v)
				usage_error("option '-o' needs a value");
			char *copy = xstrdup(v);
			parse_opts(copy, &fuse_opts);
			free(copy);
		} else if (a[0] == '-' && a[1]) {
			usage_error("unknown option '%s'", a);
		} else {
			if (npos == 2)
				usage_error("too many arguments (usage: icc-fs [-f] [-d] [-o OPT] SUBVOL MOUNTPOINT)");
			pos[npos++] = a;
		}
	}
	if (npos != 2)
		usage_error("usage: icc-fs [-f] [-d] [-o OPT[,OPT...]] SUBVOL MOUNTPOINT");
	mount_arg = pos[1];
	iccfs_log_to_stderr(foreground);
	openlog("icc-fs", LOG_PID, LOG_DAEMON); /* connects at the first message */
	/* a daemon must not keep its caller's pipes (a shell's $(...) would
	 * wait for it) or files open */
	if (!foreground)
		close_range(3, ~0U, 0);

	struct stat rst;
	open_subvolume(pos[0], pos[1], &rst);
	open_snapdir();

	init_state(&rst);

	fuse_set_log_func(log_func);
	struct fuse_args args = FUSE_ARGS_INIT(0, NULL);
	char *mopts = fuse_args_build(argv[0], fuse_opts, &args);

	struct fuse_session *se = fuse_session_new(&args, &iccfs_ops, sizeof(iccfs_ops), NULL);
	free(mopts);
	if (!se) {
		fprintf(stderr, "icc-fs: cannot mount '%s': %s\n", mount_arg,
			fuse_reason("invalid options"));
		return 2;
	}
	fs.se = se;
	if (fuse_set_signal_handlers(se) != 0)
		mount_error("cannot set signal handlers");
	uring_mount_begin();
	if (fuse_session_mount(se, fs.mountpoint) != 0) {
		uring_mount_end();
		mount_error(fuse_reason("mount failed"));
	}
	if (pt_setup(se) < 0)
		iccfs_log("passthrough off: libfuse refused custom io on /dev/fuse");

	if (!foreground)
		daemonize(se);
	else
		write_pidfile();

	struct fuse_loop_config *cfg = fuse_loop_cfg_create();
	int ret;
	if (cfg) {
		fuse_loop_cfg_set_clone_fd(cfg, 1);
		fuse_loop_cfg_set_max_threads(cfg, 64);
		fuse_loop_cfg_set_idle_threads(cfg, 8);
		ret = fuse_session_loop_mt(se, cfg);
		fuse_loop_cfg_destroy(cfg);
	} else {
		ret = fuse_session_loop(se);
	}
	uring_stop();
	uring_mount_end(); /* if INIT never came */
	fuse_session_unmount(se);
	fuse_remove_signal_handlers(se);
	fuse_session_destroy(se);
	fuse_opt_free_args(&args);
	if (fs.pidfile)
		unlink(fs.pidfile);
	return ret < 0 ? 1 : 0;
}
