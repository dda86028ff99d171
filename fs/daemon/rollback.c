/* rollback.c - /.icc/rollback: the container's tree becomes a snapshot's, under running processes */
#include <btrfsutil.h>
#include <errno.h>
#include <linux/btrfs_tree.h>
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

/*
 * The last transaction at which the live tree and snapshot `snap_fd` were
 * the same, 0 if not known: the live tree is a writable snapshot of it (an
 * earlier rollback to it), or it is a save of the live tree.  What changed
 * since is all the kernel's caches can have wrong (repoint.c).
 */
static uint64_t same_since(int live_fd, int snap_fd)
{
	struct btrfs_util_subvolume_info l, s;
	if (btrfs_util_subvolume_info_fd(live_fd, 0, &l) != BTRFS_UTIL_OK ||
	    btrfs_util_subvolume_info_fd(snap_fd, 0, &s) != BTRFS_UTIL_OK ||
	    !(s.flags & BTRFS_ROOT_SUBVOL_RDONLY))
		return 0;
	if (!memcmp(l.parent_uuid, s.uuid, sizeof(s.uuid)))
		return l.otransid;
	if (!memcmp(s.parent_uuid, l.uuid, sizeof(l.uuid)))
		return s.otransid;
	return 0;
}

/* Stage and swap under the store lock; *new_root: the new tree's fd, *since: same_since. */
static int swap_trees(int dirfd, const char *live, const char *name, int *new_root, uint64_t *since)
{
	struct icc_err err;
	int lfd = icc_flock(fs.lock_path, &err);
	if (lfd < 0)
		return lfd;
	int r = 0, src = icc_snapdir_open_root(&fs.sd, name, &err);
	if (src < 0)
		r = src;
	else
		*since = same_since(fs.root_fd, src);
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

/* The last rollback, for cat /.icc/rollback; the served subvolume's UUID (uuid, "": unknown). */
static void record(const char *name, const char *id, const char *before, const char *uuid)
{
	pthread_mutex_lock(&fs.save_lock);
	if (uuid[0])
		snprintf(fs.subvol_uuid, sizeof(fs.subvol_uuid), "%s", uuid);
	snprintf(fs.last_rollback, sizeof(fs.last_rollback), "%s %s %s\n", name, id,
		 before[0] ? before : "-");
	pthread_mutex_unlock(&fs.save_lock);
	/* its size changed: the kernel's cached attributes go */
	fuse_lowlevel_notify_inval_inode(fs.se, ino_nodeid(&fs.v_rollback), -1, 0);
}

/* The old tree, left by rollback_run for rollback_finish: its directory's fd, its name. */
static int drop_dirfd = -1;
static char drop_live[256];

void rollback_finish(void)
{
	repoint_finish();
	if (drop_dirfd < 0)
		return;
	struct icc_err err;
	if (icc_rollback_drop(drop_dirfd, drop_live, &err) < 0)
		iccfs_log("rollback: the old tree stays: %s", err.msg);
	close(drop_dirfd);
	drop_dirfd = -1;
}

/*
 * Runs on the saver thread, so saves and rollbacks never interleave.  The
 * old tree is deleted after the reply (rollback_finish): deleting a
 * subvolume evicts every inode the host's kernel caches of it, which costs
 * the tree, not the swap.  Until then it is "<live>.new", the half-step
 * `icc system check` knows (as after a kill at rollback-before-drop).
 */
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
	uint64_t since = 0;
	r = dirfd < 0 ? -errno : swap_trees(dirfd, live, name, &nfd, &since);
	if (r == 0) {
		r = repoint_tree(nfd, since, &err);
		if (r < 0) /* the tree on disk is the new one: a restart serves it */
			iccfs_log("rollback to '%s': %s", name, err.msg);
		icc_fault_point("rollback-before-drop");
		/* the old tree: still served if the move failed */
		if (r == 0 && (size_t)snprintf(drop_live, sizeof(drop_live), "%s", live) < sizeof(drop_live)) {
			drop_dirfd = dirfd;
			dirfd = -1;
		}
		char u[40] = "";
		int64_t ot;
		if (icc_subvol_uuid(nfd, u, &ot, &err) < 0)
			u[0] = '\0';
		record(info.name, info.id, before, u);
	}
	if (dirfd >= 0)
		close(dirfd);
	free(a);
	free(b);
	return r;
}
