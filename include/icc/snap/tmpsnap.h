/* tmpsnap.h - read-only snapshots of live trees in tmp/, so the host reads a tree that cannot change */
#ifndef ICC_TMPSNAP_H
#define ICC_TMPSNAP_H

#include <stdbool.h>

#include "icc/base/err.h"
#include "icc/store/store.h"

/*
 * A container's tree changes under whoever reads it: a name lstat'ed as a
 * regular file may be a device node or a FIFO by the time it is opened.
 * Reading a read-only btrfs snapshot instead (O(1) to take) rules that out.
 *
 * The snapshot is <root>/tmp/read-<id>/tree; the directory tmp/read-<id>
 * stays flock'd while it is used, so `icc system check` leaves it alone
 * (icc_tmp_in_use) and removes it after a crash, which drops the lock.
 */
struct icc_tmpsnap {
	char rel[64]; /* "tmp/read-<id>" */
	int dirfd;    /* that directory, holding the flock */
	int fd;       /* the snapshot's root directory */
};

/* Snapshot the subvolume open at src_fd read-only; ts->fd is its root. */
int icc_tmpsnap_take(struct icc_store *st, int src_fd, struct icc_tmpsnap *ts,
		     struct icc_err *err);
/* Delete the snapshot and its directory (quietly: check cleans up a failure). */
void icc_tmpsnap_drop(struct icc_store *st, struct icc_tmpsnap *ts);

/*
 * May tmp_fd/name be removed?  false while a live icc process holds it (a
 * flock'd directory).  Otherwise *lock_fd holds its lock (or is -1 for a
 * non-directory) until the caller, having removed it, closes it.
 */
bool icc_tmp_claim(int tmp_fd, const char *name, int *lock_fd);

#endif
