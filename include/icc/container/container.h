/* container.h - containers: a writable snapshot of an image plus metadata */
#ifndef ICC_CONTAINER_H
#define ICC_CONTAINER_H

#include <cjson/cJSON.h>

#include "icc/base/err.h"
#include "icc/store/store.h"
#include "icc/base/util.h"

/*
 * meta.json of a container (see docs/store.md):
 *   {"id", "name", "image": id, "image_ref": what the user typed, "created",
 *    "config": {"Cmd", "Entrypoint", "Env", "WorkingDir", "User", "Hostname", ...},
 *    "state": {"status": "created|running|exited", ...}}
 * Snapshots of the container live in containers/<id>/snapshots (snapdir.h).
 */

/* A Docker-style random name, "adjective_surname". */
void icc_container_autoname(char *buf, size_t size);

/*
 * Create a container from image `image_id`: a writable snapshot of its
 * rootfs and meta.json.  `name` NULL picks a free automatic name.
 * `config` (may be NULL) is merged over the image's config.
 */
int icc_container_create(struct icc_store *st, const char *image_id, const char *image_ref,
			 const char *name, const cJSON *config,
			 char id[ICC_ID_LEN + 1], struct icc_err *err);

/* Is a container named `name` present?  (caller holds the lock for a stable answer) */
bool icc_container_name_taken(struct icc_store *st, const char *name);

/* "<root>/containers/<id>/snapshots" */
const char *icc_container_snapdir(struct icc_store *st, const char *id, char *buf, size_t size);

#endif
