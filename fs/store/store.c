/* store.c - open the store: find or make its btrfs, create the layout, lock */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <linux/magic.h>

#include "icc/base/proc.h"
#include "icc/store/qgroup.h"
#include "icc/store/store.h"

const char *icc_store_default_root(const char *root)
{
	if (root && *root)
		return root;
	const char *env = getenv("ICC_ROOT");
	if (env && *env)
		return env;
	return ICC_DEFAULT_ROOT;
}

const char *icc_store_missing_prereq(void)
{
	if (geteuid() != 0)
		return "icc must run as root (try: sudo icc ...)";
	FILE *f = fopen("/proc/filesystems", "re");
	if (f) {
		char line[256];
		int have_btrfs = 0;
		while (fgets(line, sizeof(line), f))
			if (strstr(line, "\tbtrfs"))
				have_btrfs = 1;
		fclose(f);
		const char *modprobe[] = {"modprobe", "btrfs", NULL};
		struct icc_proc_opts quiet = {.in = ICC_PROC_NULL, .out = ICC_PROC_NULL, .err = ICC_PROC_NULL};
		struct icc_err e;
		if (!have_btrfs && icc_proc_run(modprobe, &quiet, &e) != 0)
			return "the kernel has no btrfs support (modprobe btrfs failed)";
	}
	return NULL;
}

static bool on_btrfs(const char *path)
{
	struct statfs sfs;
	return statfs(path, &sfs) == 0 && sfs.f_type == BTRFS_SUPER_MAGIC;
}

/* Run argv with stdin and stdout on /dev/null; returns the exit status or -errno. */
static int run_quiet(const char *const argv[])
{
	struct icc_err e;
	return icc_proc_run(argv, &(struct icc_proc_opts){.in = ICC_PROC_NULL, .out = ICC_PROC_NULL, .err = 2}, &e);
}

/* Make sure `root` is a btrfs mount, creating <root>.img on first use. */
static int ensure_btrfs(struct icc_store *st, const char *root, struct icc_err *err)
{
	if (on_btrfs(root))
		return 0;

	char img[4200];
	snprintf(img, sizeof(img), "%s.img", root);
	/* The image file doubles as the lock for concurrent first uses. */
	int fd = open(img, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return icc_err_sys(err, errno, "cannot create store image '%s'", img);
	while (flock(fd, LOCK_EX) < 0 && errno == EINTR)
		;
	int r = 0;
	if (on_btrfs(root))
		goto out; /* someone else mounted it meanwhile */

	struct stat sb;
	fstat(fd, &sb);
	bool fresh = sb.st_size == 0;
	const char *size = getenv("ICC_STORE_SIZE");
	if (!size || !*size)
		size = ICC_DEFAULT_STORE_SIZE;
	if (fresh) {
		const char *tr[] = {"truncate", "-s", size, img, NULL};
		if (run_quiet(tr) != 0) {
			unlink(img);
			r = icc_err_set(err, EINVAL, "cannot size store image '%s' to '%s' (check ICC_STORE_SIZE)", img, size);
			goto out;
		}
		const char *mk[] = {"mkfs.btrfs", "-q", img, NULL};
		int rc = run_quiet(mk);
		if (rc != 0) {
			unlink(img);
			r = icc_err_set(err, EIO, rc == 127 ? "cannot create btrfs store '%s': mkfs.btrfs not found (apt-get install btrfs-progs)"
						      : "cannot create btrfs store '%s': mkfs.btrfs failed", img);
			goto out;
		}
	}
	const char *mnt[] = {"mount", "-o", "loop", img, root, NULL};
	if (run_quiet(mnt) != 0) {
		r = icc_err_set(err, EIO, "cannot mount store image '%s' on '%s' (is btrfs supported? try: modprobe btrfs loop)", img, root);
		goto out;
	}
	if (fresh) {
		/* btrfs's own accounting, from the first byte: true sizes (docs/store.md) */
		char why[600] = "";
		int rfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		struct icc_err qe;
		if (rfd < 0 || icc_qgroup_enable(rfd, false, &qe) < 0)
			snprintf(why, sizeof(why), " (quotas could not be enabled: %s; sizes are apparent sizes)",
				 rfd < 0 ? strerror(errno) : qe.msg);
		if (rfd >= 0)
			close(rfd);
		snprintf(st->notice, sizeof(st->notice),
			 "%s is not on btrfs: created a %s sparse btrfs image %s and mounted it there%s",
			 root, size, img, why);
	}
	else
		snprintf(st->notice, sizeof(st->notice),
			 "mounted the btrfs store image %s on %s", img, root);
out:
	close(fd);
	return r;
}

int icc_store_open(struct icc_store *st, const char *root, struct icc_err *err)
{
	memset(st, 0, sizeof(*st));
	st->root_fd = -1;
	st->lock_fd = -1;
	root = icc_store_default_root(root);
	if (root[0] != '/')
		return icc_err_set(err, EINVAL, "store root '%s' must be an absolute path", root);
	if (strlen(root) >= sizeof(st->root) - 64)
		return icc_err_set(err, ENAMETOOLONG, "store root '%s' is too long", root);
	snprintf(st->root, sizeof(st->root), "%s", root);
	/* strip trailing slashes */
	for (size_t n = strlen(st->root); n > 1 && st->root[n - 1] == '/'; n--)
		st->root[n - 1] = '\0';

	const char *missing = icc_store_missing_prereq();
	if (missing)
		return icc_err_set(err, EPERM, "%s", missing);

	int r = icc_mkdir_p(st->root, 0711);
	if (r < 0)
		return icc_err_sys(err, -r, "cannot create store root '%s'", st->root);
	r = ensure_btrfs(st, st->root, err);
	if (r < 0)
		return r;

	st->root_fd = open(st->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (st->root_fd < 0)
		return icc_err_sys(err, errno, "cannot open store root '%s'", st->root);
	static const char *dirs[] = {"images", "containers", "snapshots", "tmp"};
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (mkdirat(st->root_fd, dirs[i], 0700) < 0 && errno != EEXIST)
			return icc_err_sys(err, errno, "cannot create '%s/%s'", st->root, dirs[i]);
	return 0;
}

void icc_store_close(struct icc_store *st)
{
	icc_store_unlock(st);
	if (st->root_fd >= 0)
		close(st->root_fd);
	st->root_fd = -1;
}

const char *icc_store_path(const struct icc_store *st, const char *rel,
			   char *buf, size_t size)
{
	snprintf(buf, size, "%s/%s", st->root, rel);
	return buf;
}

int icc_store_lock(struct icc_store *st, struct icc_err *err)
{
	if (st->lock_fd >= 0)
		return 0;
	char path[4200];
	int fd = icc_flock(icc_store_path(st, "lock", path, sizeof(path)), err);
	if (fd < 0)
		return fd;
	st->lock_fd = fd;
	return 0;
}

void icc_store_unlock(struct icc_store *st)
{
	if (st->lock_fd >= 0) {
		icc_funlock(st->lock_fd);
		st->lock_fd = -1;
	}
}
