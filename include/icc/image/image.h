/* image.h - making images: from a directory, a tar stream, or a subvolume */
#ifndef ICC_IMAGE_H
#define ICC_IMAGE_H

#include <cjson/cJSON.h>

#include "icc/base/err.h"
#include "icc/store/store.h"
#include "icc/base/util.h"

struct icc_image_opts {
	const char *ref;       /* NAME[:TAG] to tag the image with, or NULL */
	const char *comment;   /* -m */
	const char *author;    /* -a */
	const char *created_by;
	cJSON *changes;        /* array of Dockerfile-like lines: "ENV K=V", "CMD ...", ... */
	cJSON *base_config;    /* config inherited from the parent image, or NULL */
	const char *parent;    /* parent image id, or NULL */
	cJSON *source;         /* "source" member of meta.json (taken over), or NULL */
};

/* Fill a fresh image config from a parent config and change lines. */
int icc_config_apply(cJSON *config, const cJSON *changes, struct icc_err *err);

/*
 * A new copy of `config` (NULL or any JSON) holding only what an image may
 * supply: Env, Cmd, Entrypoint, WorkingDir, User, Labels, ExposedPorts,
 * StopSignal, Volumes (keys only: declarations, never mounts), each of its
 * OCI type.  Every way an image config comes in goes through it: load, pull,
 * receive, init/import/commit/promote, and container creation.
 */
cJSON *icc_config_sanitize(const cJSON *config);

/* icc init: copy (reflink) directory `dir` into a new image. */
int icc_image_from_dir(struct icc_store *st, const char *dir,
		       const struct icc_image_opts *o, char id[ICC_ID_LEN + 1],
		       struct icc_err *err);

/* icc import: extract a tar stream (plain, gzip, xz, zstd, bzip2) into a new image. */
int icc_image_from_tar(struct icc_store *st, int in_fd, const char *what,
		       const struct icc_image_opts *o, char id[ICC_ID_LEN + 1],
		       struct icc_err *err);

/* promote/commit: read-only snapshot of the subvolume at src_fd as a new image. */
int icc_image_from_subvol(struct icc_store *st, int src_fd,
			  const struct icc_image_opts *o, char id[ICC_ID_LEN + 1],
			  struct icc_err *err);

/*
 * Any other new image (icc build's steps): `fill` makes the staged rootfs
 * (icc_stage_rootfs_*) and may add members to meta; then the image is
 * published and tagged as the others are.
 */
struct icc_stage;
typedef int (*icc_image_fill_fn)(struct icc_store *st, struct icc_stage *sg, cJSON *meta, void *ctx,
				 struct icc_err *err);
int icc_image_from_fill(struct icc_store *st, const struct icc_image_opts *o, icc_image_fill_fn fill,
			void *ctx, char id[ICC_ID_LEN + 1], struct icc_err *err);

/* Extract a tar stream into the directory `dest_fd` (used by import). */
/* The same, with errors saying "cannot VERB 'WHAT': ..." (icc cp - C:DIR stages with it). */
int icc_tar_extract_as(int in_fd, const char *verb, const char *what, int dest_fd,
		       unsigned long long *bytes, struct icc_err *err);
int icc_tar_extract(int in_fd, const char *what, int dest_fd, unsigned long long *bytes,
		    struct icc_err *err);

#endif
