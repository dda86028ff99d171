/* snapkeep.h - removing a container while its snapshots stay in the store */
#ifndef ICC_SNAPKEEP_H
#define ICC_SNAPKEEP_H

#include <stdbool.h>

#include <cjson/cJSON.h>

#include "icc/base/err.h"
#include "icc/store/object.h"
#include "icc/store/store.h"

/*
 * A save disappears only when the user names it.  Removing a container moves
 * its snapshot directory, whole, to
 *
 *   <root>/snapshots/<container id>/NAME/{rootfs,meta.json}
 *   <root>/snapshots/<container id>/.container.json
 *
 * where .container.json is the removed container's meta.json plus
 * "removed" (a time).  The steps, under the store lock (docs/store.md):
 *   1. rename containers/<id> to tmp/keep-<id>: the container is gone at once;
 *   2. write tmp/keep-<id>/snapshots/.container.json (atomic file);
 *   3. rename tmp/keep-<id>/snapshots to snapshots/<id>: the snapshots
 *      appear at once, with their record;
 *   4. delete what is left of tmp/keep-<id> (the container's rootfs).
 * A crash after 1 leaves tmp/keep-<id>; `icc system check --repair` does
 * 2-4 (icc_keep_finish), so a kill -9 never loses a snapshot and never shows
 * a half-removed container.
 */

/*
 * Remove container `id`.  keep_snapshots: its snapshots move to the store
 * (*kept gets how many; a container without snapshots is removed as before);
 * else they are deleted with it.  Caller holds the lock.
 */
int icc_container_remove(struct icc_store *st, const char *id, bool keep_snapshots,
			 int *kept, struct icc_err *err);

/* Steps 2-4 for tmp/keep-<id> (after a crash); *kept as above. */
int icc_keep_finish(struct icc_store *st, const char *id, int *kept, struct icc_err *err);

/* Snapshots waiting in tmp/keep-<id> (a removal interrupted before step 3), 0 if none. */
int icc_keep_pending(struct icc_store *st, const char *id);

/* Ids of the removed containers whose snapshots are kept (snapshots/<id>). */
int icc_kept_list(struct icc_store *st, struct icc_idlist *out, struct icc_err *err);

/* Is snapshots/<id> there? */
bool icc_kept_exists(struct icc_store *st, const char *id);

/* The record of a removed container (its last meta.json + "removed"). */
int icc_kept_meta(struct icc_store *st, const char *id, cJSON **meta, struct icc_err *err);

/* How many snapshots are kept of removed container `id` (0 if none). */
int icc_kept_count(struct icc_store *st, const char *id);

/*
 * After a snapshot of removed container `id` was deleted: remove
 * snapshots/<id> once no snapshot is left in it.  Caller holds the lock.
 */
int icc_kept_tidy(struct icc_store *st, const char *id, struct icc_err *err);

/* Delete every snapshot of removed container `id` (rename to tmp/, then delete). */
int icc_kept_remove(struct icc_store *st, const char *id, struct icc_err *err);

#endif
