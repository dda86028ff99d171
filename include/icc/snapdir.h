/* snapdir.h - the read-only snapshots of one subvolume, kept in one directory */
#ifndef ICC_SNAPDIR_H
#define ICC_SNAPDIR_H

#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "icc/err.h"
#include "icc/util.h"

/*
 * Layout of a snapshot directory DIR (for a store container:
 * <root>/containers/<id>/snapshots):
 *
 *   DIR/NAME/rootfs      read-only btrfs snapshot of the source subvolume
 *   DIR/NAME/meta.json   {"id", "created", "message", "source": {...}}
 *   DIR/.tmp-*           a snapshot being made (or left by a crash)
 *
 * A snapshot appears atomically: it is built in DIR/.tmp-XXXX and renamed to
 * DIR/NAME with RENAME_NOREPLACE, so names are unique without a lock.
 * Callers that mutate take the store lock (icc_flock) around these calls.
 */

#define ICC_SNAP_NAME_MAX 128

struct icc_snapdir {
	int dirfd; /* O_DIRECTORY fd of DIR */
};

struct icc_snap_info {
	char name[ICC_SNAP_NAME_MAX + 1];
	char id[ICC_ID_LEN + 1];
	int64_t created_ns;
	char message[1024];
};

/* [A-Za-z0-9][A-Za-z0-9_.-]{0,127} */
bool icc_snap_name_valid(const char *name);

/* Open (creating if missing, mode 0700) the snapshot directory at `path`. */
int icc_snapdir_open(struct icc_snapdir *sd, const char *path, struct icc_err *err);
void icc_snapdir_close(struct icc_snapdir *sd);

/*
 * Take a read-only snapshot of the subvolume open at `src_fd`.  `name` NULL
 * or "" picks a free automatic name (YYYYMMDD-HHMMSS, then -2, -3, ...).
 * `source` (may be NULL) is stored as meta.json's "source" member.
 * Fails with -EEXIST if `name` is taken, -EINVAL if invalid, -ENOSPC, ...;
 * on failure nothing is left in DIR.
 */
int icc_snapdir_take(struct icc_snapdir *sd, int src_fd, const char *name,
		     const char *message, const cJSON *source,
		     struct icc_snap_info *out, struct icc_err *err);

/* All snapshots, oldest first.  *out is malloc'd (free it). */
int icc_snapdir_list(struct icc_snapdir *sd, struct icc_snap_info **out,
		     size_t *count, struct icc_err *err);

int icc_snapdir_get(struct icc_snapdir *sd, const char *name,
		    struct icc_snap_info *out, struct icc_err *err);

/* fd (O_RDONLY|O_DIRECTORY) of DIR/NAME/rootfs, or -errno. */
int icc_snapdir_open_root(struct icc_snapdir *sd, const char *name,
			  struct icc_err *err);

/* Append `text` as further lines of snapshot NAME's message (meta.json rewritten atomically). */
int icc_snapdir_append_message(struct icc_snapdir *sd, const char *name, const char *text,
			       struct icc_err *err);

int icc_snapdir_remove(struct icc_snapdir *sd, const char *name, struct icc_err *err);
int icc_snapdir_rename(struct icc_snapdir *sd, const char *from, const char *to,
		       struct icc_err *err);

/* Remove DIR/.tmp-* leftovers; returns how many were removed (or -errno). */
int icc_snapdir_clean_tmp(struct icc_snapdir *sd, bool dry_run, struct icc_err *err);

#endif
