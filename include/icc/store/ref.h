/* ref.h - names: image references (Docker's grammar), tags, container names */
#ifndef ICC_REF_H
#define ICC_REF_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "icc/base/err.h"
#include "icc/store/store.h"

#define ICC_REF_MAX 384 /* "name:tag" with name <= 255, tag <= 128 */

/*
 * Parse and validate NAME[:TAG] by Docker's rules (lowercase path components
 * separated by '/', optional registry host[:port] first, name at most 255
 * characters, tag [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}).  `out` receives the
 * normalised "name:tag" (tag "latest" when omitted).
 */
int icc_ref_normalize(const char *ref, char *out, size_t size, struct icc_err *err);

/* Docker's container name rule: [a-zA-Z0-9][a-zA-Z0-9_.-]+ */
bool icc_container_name_valid(const char *name);

/* Split "name:tag" into its parts (as normalised by icc_ref_normalize). */
void icc_ref_split(const char *ref, char *name, size_t nsize, char *tag, size_t tsize);

/*
 * repositories.json: {"name:tag": "image id", ...}.  Load returns an empty
 * object when the file does not exist.  Mutations need the store lock.
 */
int icc_refs_load(struct icc_store *st, cJSON **refs, struct icc_err *err);
int icc_refs_save(struct icc_store *st, const cJSON *refs, struct icc_err *err);
/* Point `ref` (normalised) at image `id`. */
int icc_refs_set(struct icc_store *st, const char *ref, const char *id, struct icc_err *err);
/* Remove every tag pointing at `id`; returns how many were removed. */
int icc_refs_drop_image(struct icc_store *st, const char *id, struct icc_err *err);

#endif
