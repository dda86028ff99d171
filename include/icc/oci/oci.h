/* oci.h - trees as tar streams, OCI/Docker image archives, btrfs send streams */
#ifndef ICC_OCI_H
#define ICC_OCI_H

#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "icc/base/err.h"
#include "icc/store/store.h"
#include "icc/base/util.h"

/* ---- tar writing (fs/oci/export.c) ---- */

struct archive;
struct icc_tarw; /* a tar writer: libarchive pax + hard-link resolver */

/* Open a pax tar writer on `fd`; `filter` is "none", "gzip" or "zstd". */
int icc_tarw_open(struct icc_tarw **w, int fd, const char *filter, struct icc_err *err);
/* Write the whole tree under `root_fd` (never following symlinks), sorted by name. */
int icc_tarw_tree(struct icc_tarw *w, int root_fd, struct icc_err *err);
/* Write one path (relative to root_fd) as an entry; `tarname` is its name in the tar. */
int icc_tarw_path(struct icc_tarw *w, int dirfd, const char *name, const char *tarname,
		  struct icc_err *err);
/* Write the subtree dirfd/name (entry itself first) as tarname/... */
int icc_tarw_subtree(struct icc_tarw *w, int dirfd, const char *name, const char *tarname,
		     struct icc_err *err);
/* An empty regular file entry (whiteouts). */
int icc_tarw_empty(struct icc_tarw *w, const char *tarname, struct icc_err *err);
/* Finish the archive (trailer, flush) and free the writer. */
int icc_tarw_close(struct icc_tarw *w, struct icc_err *err);
void icc_tarw_free(struct icc_tarw *w);

/* The names in a directory fd (no . and ..), sorted bytewise; free with icc_dir_names_free. */
int icc_dir_names(int fd, char ***names, size_t *count, struct icc_err *err);
void icc_dir_names_free(char **names, size_t count);

/* icc export: the flattened tree at root_fd as a plain tar on out_fd. */
int icc_export_tree(int root_fd, int out_fd, struct icc_err *err);

/* ---- layers (fs/image/layer_diff.c, fs/image/layer_apply.c) ---- */

struct icc_layer_stats {
	unsigned long long added, changed, deleted, opaque, compared_bytes;
};

/*
 * Write the changes from tree `lower_fd` to tree `upper_fd` as an OCI layer
 * (additions and modifications as entries, deletions as .wh.NAME, replaced
 * directories as .wh..wh..opq).  lower_fd < 0: a full layer of upper_fd.
 */
int icc_layer_diff(struct icc_tarw *w, int lower_fd, int upper_fd,
		   struct icc_layer_stats *stats, struct icc_err *err);

/*
 * Apply the (possibly compressed) layer tar file `layer_fd` (read from its
 * start) to the tree `dest_fd`: whiteouts first (deleting below dest_fd,
 * never following a symlink), then every other entry, refusing names that
 * escape; `what` names it in errors.
 * The file data written is capped like `icc import`'s (icc_tarcap, tarpath.h). */
int icc_layer_apply_fd(int layer_fd, const char *what, int dest_fd, struct icc_err *err);

/* ---- digests (fs/oci/oci_digest.c) ---- */

#define ICC_DIGEST_LEN 71 /* "sha256:" + 64 hex */

struct icc_sha256; /* incremental sha256 (OpenSSL EVP) */
struct icc_sha256 *icc_sha256_new(void);
void icc_sha256_update(struct icc_sha256 *h, const void *data, size_t len);
/* "sha256:<hex>" into out, and free h. */
void icc_sha256_final(struct icc_sha256 *h, char out[ICC_DIGEST_LEN + 1]);
void icc_sha256_buf(const void *data, size_t len, char out[ICC_DIGEST_LEN + 1]);
/* Digest of a file's bytes (decompressed = true: of its decompressed content). */
int icc_sha256_file(int dirfd, const char *path, bool decompressed,
		    char out[ICC_DIGEST_LEN + 1], uint64_t *size, struct icc_err *err);
/* The same for an open file, read from its start; `what` names it in errors. */
int icc_sha256_fd(int fd, const char *what, bool decompressed,
		  char out[ICC_DIGEST_LEN + 1], uint64_t *size, struct icc_err *err);

/* ---- save / load (fs/oci/oci_save.c, fs/oci/oci_load.c) ---- */

enum icc_oci_format { ICC_OCI_ARCHIVE, ICC_DOCKER_ARCHIVE, ICC_OCI_DIR };

struct icc_save_opts {
	enum icc_oci_format format;
	const char *compress;   /* "none", "gzip" (default), "zstd" */
	const char *out_path;   /* file or directory (oci-dir); NULL: out_fd */
	int out_fd;             /* archive formats when out_path is NULL */
	const char *tmpdir;     /* scratch space (default $TMPDIR or /var/tmp) */
};

struct icc_save_result {
	char manifest_digest[ICC_DIGEST_LEN + 1]; /* of the last image */
	unsigned layers;
	uint64_t bytes;
};

/* Save images (refs as the user typed them) in one archive. */
int icc_oci_save(struct icc_store *st, const char *const *refs, int nrefs,
		 const struct icc_save_opts *o, struct icc_save_result *res,
		 struct icc_err *err);

struct icc_load_opts {
	const char *tag;        /* NAME[:TAG] for an image the archive does not name */
	/* progress callback, may be NULL */
	void (*progress)(void *ctx, const char *msg);
	void *ctx;
};

/*
 * Load an OCI layout (directory or tar of one) or a docker-archive from
 * `path` (a directory or a file; "-" with in_fd for a stream).  For each
 * loaded image, `loaded` gets {"id": ..., "tags": ["name:tag", ...],
 * "moved": [{"tag", "old_id"}, ...]}: "moved" lists the tags that named
 * another image before (that image stays, without the tag).
 */
int icc_oci_load(struct icc_store *st, const char *path, int in_fd,
		 const struct icc_load_opts *o, cJSON *loaded, struct icc_err *err);

/*
 * Parse and verify, without any store, the OCI layout or docker-archive in
 * the directory `dir_fd` exactly as icc_oci_load does before it changes
 * anything: index/manifests/configs, every blob's digest and size, media
 * types, diff_ids.  Files are opened beneath dir_fd only (no symlink out).
 * `images` gets one {"config_digest", "diff_ids": [...], "chain_ids": [...],
 * "tags": [...]} per image.  `what` names the input in errors.
 */
int icc_oci_verify(int dir_fd, const char *what, cJSON *images, struct icc_err *err);

/* ---- send / receive (fs/oci/sendrecv.c) ---- */

/* What to send: an image or a container snapshot. */
int icc_send(struct icc_store *st, const char *what, const char *parent, int out_fd,
	     struct icc_err *err);
/*
 * Receive a stream made by icc_send; `out_id` gets the new image's id.  The
 * btrfs part is spooled into the store's tmp/ and checked in full
 * (icc_recv_check) before `btrfs receive --chroot` runs on it in a private
 * mount namespace; `name` names the stream in errors (e.g. "'x.send'").
 */
int icc_receive(struct icc_store *st, int in_fd, const char *name, const char *tag,
		char out_id[ICC_ID_LEN + 1], struct icc_err *err);

#endif
