/* snapdir.h - the read-only snapshots of one subvolume, kept in one directory */
#ifndef ICC_SNAPDIR_H
#define ICC_SNAPDIR_H

#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "icc/base/err.h"
#include "icc/base/util.h"

/*
 * Layout of a snapshot directory DIR (for a store container:
 * <root>/containers/<id>/snapshots):
 *
 *   DIR/NAME/rootfs      read-only btrfs snapshot of the source subvolume
 *   DIR/NAME/meta.json   {"id", "created", "origin", "message", "source": {...}}
 *   DIR/.tmp-*           a snapshot being made (flock'd by its maker) or left by a crash
 *
 * A snapshot appears atomically: it is built in DIR/.tmp-XXXX and renamed to
 * DIR/NAME with RENAME_NOREPLACE, so names are unique without a lock.
 * icc_snapdir_take takes the store lock itself, only to publish; callers of
 * the other mutating calls take it (icc_flock) around them.
 */

#define ICC_SNAP_NAME_MAX 128

/* The longest message a snapshot keeps (every line together), in bytes. */
#define ICC_SNAP_MESSAGE_MAX 65536

/*
 * Who made a snapshot.  HOST: the operator (icc snapshot, #save, icc run's
 * snapshots, by hand); a container may not remove, rename or reuse its
 * name.  CONTAINER: made through /.icc of an icc-fs mount.  meta.json's
 * "origin" is "host" or "container"; a snapshot without it (made before
 * origins were recorded, or by hand) counts as HOST.
 */
enum icc_snap_origin { ICC_SNAP_HOST, ICC_SNAP_CONTAINER };

const char *icc_snap_origin_name(enum icc_snap_origin o);

struct icc_snapdir {
	int dirfd; /* O_DIRECTORY fd of DIR */
};

struct icc_snap_info {
	char name[ICC_SNAP_NAME_MAX + 1];
	char id[ICC_ID_LEN + 1];
	int64_t created_ns;
	enum icc_snap_origin origin;
	char message[1024];
};

/* [A-Za-z0-9][A-Za-z0-9_.-]{0,127} */
bool icc_snap_name_valid(const char *name);

/* Open (creating if missing, mode 0700) the snapshot directory at `path`. */
int icc_snapdir_open(struct icc_snapdir *sd, const char *path, struct icc_err *err);
void icc_snapdir_close(struct icc_snapdir *sd);

struct icc_snap_opts {
	const char *name;            /* NULL or "": automatic */
	const char *message;         /* NULL: none; at most ICC_SNAP_MESSAGE_MAX bytes */
	const cJSON *source;         /* NULL: none; stored as meta.json's "source" */
	enum icc_snap_origin origin;
	const char *lock_path;       /* the store lock; NULL: the caller serialises */
};

/*
 * Take a read-only snapshot of the subvolume open at `src_fd`.  An automatic
 * name is the time, YYYYMMDD-HHMMSS, then -2, -3, ...
 * The snapshot ioctl, which first writes out the subvolume's dirty data
 * (seconds for gigabytes), runs without the store lock; the lock at
 * `lock_path` is held only to publish the name.  The caller must not hold it.
 * Fails with -EEXIST if the name is taken, -EPERM if a CONTAINER snapshot
 * asks for the name of a HOST one, -EINVAL if invalid, -EFBIG if the
 * message is too long, -ENOSPC, ...; on failure nothing is left in DIR.
 */
int icc_snapdir_take(struct icc_snapdir *sd, int src_fd, const struct icc_snap_opts *o,
		     struct icc_snap_info *out, struct icc_err *err);

/* All snapshots, oldest first.  *out is malloc'd (free it). */
int icc_snapdir_list(struct icc_snapdir *sd, struct icc_snap_info **out,
		     size_t *count, struct icc_err *err);

int icc_snapdir_get(struct icc_snapdir *sd, const char *name,
		    struct icc_snap_info *out, struct icc_err *err);

/* fd (O_RDONLY|O_DIRECTORY) of DIR/NAME/rootfs, or -errno. */
int icc_snapdir_open_root(struct icc_snapdir *sd, const char *name,
			  struct icc_err *err);

/*
 * Append `text` as further lines of snapshot NAME's message (meta.json
 * rewritten atomically).  -EFBIG if the message would pass
 * ICC_SNAP_MESSAGE_MAX (nothing changed).
 */
int icc_snapdir_append_message(struct icc_snapdir *sd, const char *name, const char *text,
			       struct icc_err *err);

int icc_snapdir_remove(struct icc_snapdir *sd, const char *name, struct icc_err *err);
int icc_snapdir_rename(struct icc_snapdir *sd, const char *from, const char *to,
		       struct icc_err *err);

/*
 * Remove DIR/.tmp-* leftovers; returns how many were removed (or -errno).
 * Staging dirs of snapshots being made now (flock'd) are left alone.
 */
int icc_snapdir_clean_tmp(struct icc_snapdir *sd, bool dry_run, struct icc_err *err);

/*
 * Is the DIR/.tmp-* entry `name` (in the directory open at `dirfd`) a
 * snapshot being made right now?  If not, and `remove`, remove it while
 * holding its flock so that nobody starts using it meanwhile.
 * 1: in use (left alone); 0: a leftover (removed if asked); -errno.
 */
int icc_snapdir_tmp_busy(int dirfd, const char *name, bool remove);

/*
 * The snapshot directory `name` has no rootfs: is it being made right now
 * (published, its snapshot ioctl still running)?  If not, and `remove`,
 * remove it while holding its flock.
 * 1: being made (left alone); 2: finished or gone meanwhile (left alone);
 * 0: a leftover of a crash (removed if asked); -errno.
 */
int icc_snapdir_unfinished(int dirfd, const char *name, bool remove);

#endif
