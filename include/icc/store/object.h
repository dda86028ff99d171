/* object.h - images and containers: staging, publishing, lookup, removal */
#ifndef ICC_OBJECT_H
#define ICC_OBJECT_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "icc/base/err.h"
#include "icc/store/store.h"
#include "icc/base/util.h"

enum icc_kind { ICC_IMAGE, ICC_CONTAINER };

/* "images" or "containers": the store directory of a kind. */
const char *icc_kind_dir(enum icc_kind kind);
const char *icc_kind_name(enum icc_kind kind); /* "image", "container" */

/*
 * An object under construction lives in <root>/tmp/<id>/ until
 * icc_stage_publish renames it into place in one step, so a crash never
 * leaves a half-built image or container visible (icc system check removes
 * what is left in tmp/).
 */
struct icc_stage {
	char id[ICC_ID_LEN + 1];
	int dirfd; /* <root>/tmp/<id> */
};

int icc_stage_begin(struct icc_store *st, struct icc_stage *sg, struct icc_err *err);
/* rootfs as a new empty subvolume, or as a writable snapshot of src_fd. */
int icc_stage_rootfs_empty(struct icc_stage *sg, struct icc_err *err);
int icc_stage_rootfs_snapshot(struct icc_stage *sg, int src_fd, struct icc_err *err);
/* fd of the staged rootfs (O_DIRECTORY), or -errno. */
int icc_stage_rootfs_fd(struct icc_stage *sg, struct icc_err *err);
/*
 * Write meta.json (meta gets "id"), make an image's rootfs read-only and move
 * the object into images/ or containers/.  Caller holds the store lock.
 */
int icc_stage_publish(struct icc_store *st, struct icc_stage *sg, enum icc_kind kind,
		      cJSON *meta, struct icc_err *err);
/*
 * Throw a staged object away (safe after a failed publish) and wait until
 * btrfs has given its space back: a deleted subvolume's extents are freed
 * only when the cleaner drops it, and until then the command that follows
 * (a load after a refused layer bomb) would be told the store is full.
 */
void icc_stage_abort(struct icc_store *st, struct icc_stage *sg);
/* icc_stage_abort without the wait: throw several away, then icc_store_reclaim once. */
void icc_stage_discard(struct icc_store *st, struct icc_stage *sg);
/* Wait until what was deleted in the store (subvolumes, files) is free space again. */
void icc_store_reclaim(struct icc_store *st);

/* A list of object ids. */
struct icc_idlist {
	char (*ids)[ICC_ID_LEN + 1];
	size_t count;
};
void icc_idlist_free(struct icc_idlist *l);
/* The object ids (64 hex names) in <root>/DIR, sorted; a missing DIR is an
 * empty list when missing_ok. */
int icc_idlist_read(struct icc_store *st, const char *dir, bool missing_ok, struct icc_idlist *out,
		    struct icc_err *err);
int icc_object_list(struct icc_store *st, enum icc_kind kind, struct icc_idlist *out,
		    struct icc_err *err);
/* The first object of `kind` (in id order) that `match` takes, its id in `id`;
 * false when none does or the list cannot be read. */
bool icc_object_find(struct icc_store *st, enum icc_kind kind,
		     bool (*match)(struct icc_store *st, const char *id, void *ctx), void *ctx,
		     char id[ICC_ID_LEN + 1]);

/* Does the object exist (its directory is present)? */
bool icc_object_exists(struct icc_store *st, enum icc_kind kind, const char *id);
/* O_DIRECTORY fd of <root>/<kind>/<id>, or -errno. */
int icc_object_dirfd(struct icc_store *st, enum icc_kind kind, const char *id,
		     struct icc_err *err);
/* O_DIRECTORY fd of the object's rootfs subvolume, or -errno. */
int icc_object_rootfs_fd(struct icc_store *st, enum icc_kind kind, const char *id,
			 struct icc_err *err);
/* "<root>/<kind>/<id>/<rel>" */
const char *icc_object_path(struct icc_store *st, enum icc_kind kind, const char *id,
			    const char *rel, char *buf, size_t size);

int icc_object_meta(struct icc_store *st, enum icc_kind kind, const char *id,
		    cJSON **meta, struct icc_err *err);
/* Rewrite meta.json atomically (caller holds the lock). */
/*
 * fn(id, meta, ctx) for every object of `kind` whose meta.json reads (one
 * that does not, e.g. half made or half removed, is passed over), until fn
 * returns non-zero: returns that, 0 after the last, or -errno of the listing.
 */
int icc_object_each(struct icc_store *st, enum icc_kind kind,
		    int (*fn)(const char *id, const cJSON *meta, void *ctx), void *ctx,
		    struct icc_err *err);
int icc_object_meta_save(struct icc_store *st, enum icc_kind kind, const char *id,
			 const cJSON *meta, struct icc_err *err);

/*
 * Remove an object: first renamed out of sight into tmp/, then its
 * subvolumes and files are deleted.  Caller holds the lock.
 */
int icc_object_remove(struct icc_store *st, enum icc_kind kind, const char *id,
		      struct icc_err *err);

/*
 * Resolve what a user typed: a full id, "sha256:"+id, a unique id prefix,
 * or (images) name[:tag] / (containers) a container name.
 */
int icc_image_resolve(struct icc_store *st, const char *ref, char id[ICC_ID_LEN + 1],
		      struct icc_err *err);
int icc_container_resolve(struct icc_store *st, const char *ref, char id[ICC_ID_LEN + 1],
			  struct icc_err *err);

/* Sum of apparent sizes of the files in a tree (hard links counted once). */
int icc_tree_size(int dirfd, unsigned long long *bytes, struct icc_err *err);

/* The image's size from meta.json, computed and cached when missing. */
unsigned long long icc_image_size(struct icc_store *st, const char *id, cJSON *meta);

#endif
