/* snapref.h - finding a snapshot from what a user typed */
#ifndef ICC_SNAPREF_H
#define ICC_SNAPREF_H

#include "icc/snapdir.h"
#include "icc/store.h"

/*
 * Resolve SNAP: "CONTAINER/NAME", a snapshot id or unique id prefix, or a
 * bare NAME that only one container has.  Fills the container id and the
 * snapshot's info.
 */
int icc_snapshot_resolve(struct icc_store *st, const char *ref,
			 char container_id[ICC_ID_LEN + 1], struct icc_snap_info *info,
			 struct icc_err *err);

/* Open a container's snapshot directory. */
int icc_container_snapdir_open(struct icc_store *st, const char *container_id,
			       struct icc_snapdir *sd, struct icc_err *err);

#endif
