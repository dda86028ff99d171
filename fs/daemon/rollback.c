/* rollback.c - /.icc/rollback: the container's tree becomes a snapshot's, under running processes */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "iccfs.h"
#include "icc/base/fault.h"
#include "icc/container/rollback.h"
#include "icc/store/subvol.h"
#include "icc/base/util.h"

/*
 * The current tree as snapshot "before-rollback-YYYYMMDD-HHMMSS[-N]", so
 * a rollback can be undone.  Fails (nothing changed) with the save's
 * error, e.g. -ENOSPC.
 */
static int save_before(const char *target, char *out, size_t size)
{
	if (__atomic_load_n(&fs.nwrite_open, __ATOMIC_SEQ_CST) > 0)
		ctl_flush_mount();
	char stamp[32], name[ICC_SNAP_NAME_MAX + 1], msg[ICC_SNAP_NAME_MAX + 32];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	snprintf(msg, sizeof(msg), "before rollback to %s", target);
	for (int k = 1; k < 100; k++) {
		if (k == 1)
			snprintf(name, sizeof(name), "before-rollback-%s", stamp);
		else
			snprintf(name, sizeof(name), "before-rollback-%s-%d", stamp, k);
		struct icc_snap_info info;
		int r = ctl_take_snapshot(name, msg, "/.icc/rollback", &info);
		if (r == -EEXIST)
			continue;
		if (r == 0)
			snprintf(out, size, "%s", info.name);
		return r;
	}
	return -EEXIST;
}

/* Stage and swap under the store lock; *new_root: the new tree's fd. */
static int swap_trees(int dirfd, const char *live, const char *name, int *new_root)
{
	struct icc_err err;
	int lfd = icc_flock(fs.lock_path, &err);
	if (lfd < 0)
		return lfd;
	int r = 0, src = icc_snapdir_open_root(&fs.sd, name, &err);
	if (src < 0)
		r = src;
	if (r == 0)
		r = icc_rollback_stage(dirfd, live, src, &err);
	char staged[300];
	snprintf(staged, sizeof(staged), "%s%s", live, ICC_ROLLBACK_STAGED_SUFFIX);
	/* opened before the swap: the fd follows the tree through the rename */
	int nfd = r == 0 ? openat(dirfd, staged, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) : -1;
	if (r == 0 && nfd < 0) {
		r = -errno;
		struct icc_err e2;
		icc_rmtree(dirfd, staged, &e2);
	}
	if (r == 0)
		r = icc_rollback_swap(dirfd, live, &err);
	icc_funlock(lfd);
	if (src >= 0)
		close(src);
	if (r < 0) {
		if (nfd >= 0)
			close(nfd);
		iccfs_log("rollback to '%s' failed: %s", name, err.msg);
		return r;
	}
	*new_root = nfd;
	return 0;
}

static void record(const char *name, const char *id, const char *before)
{
	pthread_mutex_lock(&fs.save_lock);
	snprintf(fs.last_rollback, sizeof(fs.last_rollback), "%s %s %s\n", name, id,
		 before[0] ? before : "-");
	pthread_mutex_unlock(&fs.save_lock);
	/* its size changed: the kernel's cached attributes go */
	fuse_lowlevel_notify_inval_inode(fs.se, ino_nodeid(&fs.v_rollback), -1, 0);
}

/* Runs on the saver thread, so saves and rollbacks never interleave. */
int rollback_run(const char *name, bool keep)
{
	struct icc_err err;
	struct icc_snap_info info;
	int r = icc_snapdir_get(&fs.sd, name, &info, &err);
	if (r < 0)
		return r;
	char before[ICC_SNAP_NAME_MAX + 1] = "";
	if (keep && (r = save_before(name, before, sizeof(before))) < 0)
		return r;
	icc_fault_point("rollback-after-save");
	char *a = strdup(fs.subvol), *b = strdup(fs.subvol);
	if (!a || !b) {
		free(a);
		free(b);
		return -ENOMEM;
	}
	int dirfd = open(dirname(a), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	const char *live = basename(b);
	int nfd = -1;
	r = dirfd < 0 ? -errno : swap_trees(dirfd, live, name, &nfd);
	if (r == 0) {
		r = repoint_tree(nfd, &err);
		if (r < 0) /* the tree on disk is the new one: a restart serves it */
			iccfs_log("rollback to '%s': %s", name, err.msg);
		icc_fault_point("rollback-before-drop");
		/* the old tree: still served if the move failed */
		if (r == 0 && icc_rollback_drop(dirfd, live, &err) < 0)
			iccfs_log("rollback to '%s': the old tree stays: %s", name, err.msg);
		char u[40];
		int64_t ot;
		if (icc_subvol_uuid(nfd, u, &ot, &err) == 0) {
			char *nu = strdup(u);
			if (nu)
				fs.subvol_uuid = nu; /* the old string may be read meanwhile: kept */
		}
		record(info.name, info.id, before);
	}
	if (dirfd >= 0)
		close(dirfd);
	free(a);
	free(b);
	return r;
}
