/* inspect_doc.h - the Docker-shaped documents icc inspect prints and --format templates read */
#ifndef ICC_INSPECT_DOC_H
#define ICC_INSPECT_DOC_H

#include <cjson/cJSON.h>

#include "icc/snap/snapdir.h"
#include "icc/store/store.h"

/*
 * Views of meta.json in `docker inspect`'s shape (the files on disk keep
 * their own format); what only icc knows sits under "Icc".  New objects,
 * owned by the caller.
 */
/* What a container runs: its Entrypoint's words, then its Cmd's (a new array). */
cJSON *inspect_command_words(const cJSON *cfg);
cJSON *inspect_container_doc(struct icc_store *st, const char *id, const cJSON *meta);
cJSON *inspect_image_doc(struct icc_store *st, const char *id, cJSON *meta);
cJSON *inspect_snapshot_doc(struct icc_store *st, const char *cid, const struct icc_snap_info *si);

#endif
