/* snapref.h - finding a snapshot from what a user typed; every snapshot of the store */
#ifndef ICC_SNAPREF_H
#define ICC_SNAPREF_H

#include <stdbool.h>

#include "icc/snap/snapdir.h"
#include "icc/store/store.h"

/*
 * Resolve SNAP: "CONTAINER/NAME", a snapshot id or unique id prefix, or a
 * bare NAME that only one container has.  Snapshots kept of removed
 * containers (snapkeep.h) count too: for them CONTAINER is the removed
 * container's name or id prefix (a live container of that name wins).
 * Fills the container id and the snapshot's info.
 */
int icc_snapshot_resolve(struct icc_store *st, const char *ref,
			 char container_id[ICC_ID_LEN + 1], struct icc_snap_info *info,
			 struct icc_err *err);

/* A container by what the user typed: a live one, else a removed one whose snapshots are kept. */
int icc_snap_container_resolve(struct icc_store *st, const char *ref, char id[ICC_ID_LEN + 1],
			       struct icc_err *err);

/*
 * Open the snapshot directory of a container: a live one's (made if
 * missing), else the one kept after its removal; -ENOENT when neither.
 */
int icc_container_snapdir_open(struct icc_store *st, const char *container_id,
			       struct icc_snapdir *sd, struct icc_err *err);

/*
 * The metadata of a snapshot's container: the live container's meta.json,
 * or the record kept after its removal (*removed set).
 */
int icc_snap_owner_meta(struct icc_store *st, const char *container_id, cJSON **meta,
			bool *removed, struct icc_err *err);

/* One snapshot anywhere in the store. */
struct icc_store_snap {
	char container_id[ICC_ID_LEN + 1];
	char container_name[256]; /* "" if unknown */
	bool removed;             /* its container was removed; the snapshot is kept */
	struct icc_snap_info info;
};

/*
 * Every snapshot: live containers' (by container, oldest first), then those
 * kept of removed containers.  *out is malloc'd (free it).
 */
int icc_snapshots_all(struct icc_store *st, struct icc_store_snap **out, size_t *count,
		      struct icc_err *err);

#endif
