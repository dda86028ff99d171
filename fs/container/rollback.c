/* container_rollback.c - stage, swap and drop: a container's tree becomes a snapshot's */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <btrfsutil.h>

#include "icc/base/fault.h"
#include "icc/store/object.h"
#include "icc/container/rollback.h"
#include "icc/runtime/runtime.h"
#include "icc/snap/snapref.h"
#include "icc/store/subvol.h"
#include "icc/base/util.h"

static int staged_name(const char *live, char *out, size_t size, struct icc_err *err)
{
	if ((size_t)snprintf(out, size, "%s%s", live, ICC_ROLLBACK_STAGED_SUFFIX) >= size)
		return icc_err_set(err, ENAMETOOLONG, "subvolume name '%s' is too long", live);
	return 0;
}

static int open_beneath(int dirfd, const char *path, int flags)
{
	return icc_openat2(dirfd, path, flags | O_NOFOLLOW,
			   RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV);
}

/* One nested subvolume `path` ("var/cache/apt") from the live tree to the staged one. */
static void move_nested_one(int live_fd, int staged_fd, const char *path)
{
	char parent[4096];
	snprintf(parent, sizeof(parent), "%s", path);
	char *slash = strrchr(parent, '/');
	const char *base = slash ? slash + 1 : parent;
	if (slash)
		*slash = '\0';
	int lp = open_beneath(live_fd, slash ? parent : ".", O_RDONLY | O_DIRECTORY);
	int sp = open_beneath(staged_fd, slash ? parent : ".", O_RDONLY | O_DIRECTORY);
	struct stat st;
	if (lp >= 0 && sp >= 0 && fstatat(lp, base, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    (unlinkat(sp, base, AT_REMOVEDIR) == 0 || errno == ENOENT) &&
	    renameat(lp, base, sp, base) == 0)
		mkdirat(lp, base, st.st_mode & 07777); /* the old tree stays whole */
	if (lp >= 0)
		close(lp);
	if (sp >= 0)
		close(sp);
}

/*
 * A snapshot holds an empty directory where the live tree has a nested
 * subvolume (an excluded path, exclude.h): those subvolumes move to the
 * new tree, content and all, as a cache should.  One the new tree has no
 * parent directory for stays and goes with the old tree; the next start
 * makes every excluded path a subvolume again.
 */
static void move_nested(int live_fd, int staged_fd)
{
	uint64_t live_id;
	struct btrfs_util_subvolume_iterator *it;
	if (btrfs_util_subvolume_id_fd(live_fd, &live_id) != BTRFS_UTIL_OK ||
	    btrfs_util_create_subvolume_iterator_fd(live_fd, 0, 0, &it) != BTRFS_UTIL_OK)
		return;
	char *path;
	struct btrfs_util_subvolume_info info;
	while (btrfs_util_subvolume_iterator_next_info(it, &path, &info) == BTRFS_UTIL_OK) {
		if (info.parent_id == live_id)
			move_nested_one(live_fd, staged_fd, path);
		free(path);
	}
	btrfs_util_destroy_subvolume_iterator(it);
}

int icc_rollback_stage(int dirfd, const char *live, int snap_root_fd, struct icc_err *err)
{
	char staged[256];
	int r = staged_name(live, staged, sizeof(staged), err);
	if (r < 0)
		return r;
	/* a half-step an earlier crash left: never the live tree */
	struct icc_err e2;
	icc_rmtree(dirfd, staged, &e2);
	r = icc_subvol_snapshot(snap_root_fd, dirfd, staged, false, err);
	if (r == 0) {
		int lfd = openat(dirfd, live, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		int sfd = openat(dirfd, staged, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (lfd >= 0 && sfd >= 0)
			move_nested(lfd, sfd);
		if (lfd >= 0)
			close(lfd);
		if (sfd >= 0)
			close(sfd);
		icc_fault_point("rollback-after-stage");
	}
	return r;
}

int icc_rollback_swap(int dirfd, const char *live, struct icc_err *err)
{
	char staged[256];
	int r = staged_name(live, staged, sizeof(staged), err);
	if (r < 0)
		return r;
	if (renameat2(dirfd, staged, dirfd, live, RENAME_EXCHANGE) < 0) {
		r = icc_err_sys(err, errno, "cannot swap the root filesystem");
		struct icc_err e2;
		icc_rmtree(dirfd, staged, &e2);
		return r;
	}
	icc_fsync_dir(dirfd);
	icc_fault_point("rollback-after-swap");
	return 0;
}

int icc_rollback_drop(int dirfd, const char *live, struct icc_err *err)
{
	char staged[256];
	int r = staged_name(live, staged, sizeof(staged), err);
	if (r < 0)
		return r;
	return icc_rmtree(dirfd, staged, err);
}

int icc_container_rollback(struct icc_store *st, const char *container_id,
			   const char *snap_name, struct icc_err *err)
{
	int dfd = -1, src = -1;
	struct icc_snapdir sd = {.dirfd = -1};
	int r = icc_store_lock(st, err);
	bool locked = r == 0;
	if (r == 0)
		r = dfd = icc_object_dirfd(st, ICC_CONTAINER, container_id, err);
	if (r >= 0)
		r = icc_container_snapdir_open(st, container_id, &sd, err);
	if (r >= 0)
		r = src = icc_snapdir_open_root(&sd, snap_name, err);
	if (r >= 0)
		r = icc_rollback_stage(dfd, "rootfs", src, err);
	if (r == 0)
		r = icc_rollback_swap(dfd, "rootfs", err);
	if (r == 0) {
		struct icc_err e2;
		icc_rollback_drop(dfd, "rootfs", &e2); /* check --repair finds it if this fails */
	}
	if (src >= 0)
		close(src);
	if (sd.dirfd >= 0)
		icc_snapdir_close(&sd);
	if (dfd >= 0)
		close(dfd);
	if (locked)
		icc_store_unlock(st);
	return r < 0 ? r : 0;
}

/* /.icc/rollback of the container's mount: beneath merged/, no links, FUSE only. */
static int open_ctl(struct icc_store *st, const char *id, int flags, struct icc_err *err)
{
	char merged[4400];
	icc_object_path(st, ICC_CONTAINER, id, "merged", merged, sizeof(merged));
	int mfd = open(merged, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (mfd < 0)
		return icc_err_sys(err, errno, "container %.12s: cannot open its mount", id);
	struct statfs sf;
	if (fstatfs(mfd, &sf) < 0 || sf.f_type != 0x65735546 /* FUSE */) {
		close(mfd);
		return icc_err_set(err, ENOTCONN, "container %.12s: its file system is not mounted", id);
	}
	int fd = icc_openat2(mfd, ".icc/rollback", flags | O_NOFOLLOW,
			     RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV);
	close(mfd);
	if (fd < 0)
		return icc_err_sys(err, -fd, "container %.12s: cannot open /.icc/rollback", id);
	return fd;
}

static const char *live_reason(int code)
{
	switch (code) {
	case ENOENT: return "no such snapshot of this container";
	case ENOSPC: return "no space left for the snapshot saved before it (nothing changed)";
	case EACCES: return "permission denied";
	case EINVAL: return "bad snapshot name";
	default: return strerror(code);
	}
}

int icc_container_rollback_live(struct icc_store *st, const char *container_id,
				const char *snap_name, bool keep, char *before, size_t before_size,
				struct icc_err *err)
{
	if (before_size)
		before[0] = '\0';
	int fd = open_ctl(st, container_id, O_WRONLY, err);
	if (fd < 0)
		return fd;
	char req[ICC_SNAP_NAME_MAX + 16];
	int n = snprintf(req, sizeof(req), "%s%s\n", snap_name, keep ? "" : " keep=no");
	if (n < 0 || (size_t)n >= sizeof(req)) {
		close(fd);
		return icc_err_set(err, EINVAL, "snapshot '%s': bad name", snap_name);
	}
	ssize_t w = write(fd, req, (size_t)n);
	int e = errno;
	close(fd);
	if (w != n)
		return icc_err_set(err, w < 0 ? e : EIO, "snapshot '%s': %s", snap_name,
				   live_reason(w < 0 ? e : EIO));
	/* "NAME ID BEFORE\n": what the daemon did, BEFORE "-" without a pre-save */
	fd = open_ctl(st, container_id, O_RDONLY, err);
	if (fd < 0)
		return 0; /* done; only the report is missing */
	char line[512];
	ssize_t r = read(fd, line, sizeof(line) - 1);
	close(fd);
	if (r > 0 && before_size) {
		line[r] = '\0';
		char *sp = strrchr(line, ' ');
		if (sp) {
			sp[strcspn(sp, "\n")] = '\0';
			if (strcmp(sp + 1, "-"))
				snprintf(before, before_size, "%s", sp + 1);
		}
	}
	return 0;
}

void icc_rollback_reply(void *target, const char *name, char *reply, size_t size)
{
	struct icc_save_target *t = target;
	struct icc_err err;
	char before[ICC_SNAP_NAME_MAX + 1];
	if (!icc_snap_name_valid(name))
		snprintf(reply, size, "[icc] #rollback failed: bad snapshot name");
	else if (icc_container_rollback_live(t->st, t->id, name, true, before, sizeof(before), &err) == 0)
		snprintf(reply, size, "[icc] rolled back to %s (the tree before is snapshot %s)", name,
			 before[0] ? before : "-");
	else
		snprintf(reply, size, "[icc] #rollback failed: %s", err.msg);
}
