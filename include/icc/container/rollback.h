/* rollback.h - a container's tree becomes a writable copy of one of its snapshots */
#ifndef ICC_ROLLBACK_H
#define ICC_ROLLBACK_H

#include <stdbool.h>
#include <stddef.h>

#include "icc/base/err.h"

/*
 * The swap, in the directory `dirfd` holding the live subvolume `live`
 * (a store container: containers/<id>, "rootfs"):
 *
 *   1. stage   a writable snapshot of the snapshot's tree as "<live>.new"
 *   2. swap    renameat2(RENAME_EXCHANGE) of "<live>.new" and "<live>",
 *              then fsync of the directory: "<live>" is the new tree and
 *              "<live>.new" the old one
 *   3. drop    delete "<live>.new"
 *
 * Each step is atomic on disk, so a kill at any point leaves "<live>" whole
 * (the old tree before 2, the new one after) and at most "<live>.new"
 * beside it: `icc system check` reports that half-step and --repair
 * deletes it.  Fault points (fault.h): rollback-after-stage,
 * rollback-after-swap.  The caller holds the store lock around stage and
 * swap; drop can run without it.
 */
#define ICC_ROLLBACK_STAGED_SUFFIX ".new"

int icc_rollback_stage(int dirfd, const char *live, int snap_root_fd, struct icc_err *err);
int icc_rollback_swap(int dirfd, const char *live, struct icc_err *err);
int icc_rollback_drop(int dirfd, const char *live, struct icc_err *err);

struct icc_store;

/*
 * A stopped container's rollback (the CLI's `icc rollback` when no icc-fs
 * serves it): under the store lock, the three steps above from snapshot
 * `snap_name` of the container's own snapshot directory.
 */
int icc_container_rollback(struct icc_store *st, const char *container_id,
			   const char *snap_name, struct icc_err *err);

/*
 * A running container's rollback: ask its icc-fs daemon, by a write of
 * "NAME\n" (or "NAME keep=no\n") to /.icc/rollback of the container's mount
 * (containers/<id>/merged), opened beneath it without following links.
 * The write returns when the swap is done; `before` gets the name of the
 * snapshot saved first ("" with keep=false).  Errors are the daemon's
 * errno: -ENOENT no such snapshot, -ENOSPC disk full in the pre-save, ...
 */
int icc_container_rollback_live(struct icc_store *st, const char *container_id,
				const char *snap_name, bool keep, char *before, size_t before_size,
				struct icc_err *err);

/* icc_io's on_rollback ("#rollback NAME" at a relayed shell): target is a struct icc_save_target. */
void icc_rollback_reply(void *target, const char *name, char *reply, size_t size);

#endif
