/* exclude.h - paths kept out of every save, commit and export: nested subvolumes */
#ifndef ICC_EXCLUDE_H
#define ICC_EXCLUDE_H

#include <stdbool.h>

#include <cjson/cJSON.h>

#include "icc/base/err.h"

/*
 * A btrfs snapshot does not descend into a nested subvolume: it holds an
 * empty directory where one is.  So an excluded path (icc run --exclude,
 * the image config's "Exclude", the image tree's /.icc/exclude) is made a
 * subvolume of its own in the container's tree when the container is
 * created (and again at each start, should it be missing): saves and
 * commits stay O(1), snapshots, images and exports have an empty
 * directory there.  Its content from the image is not carried over: an
 * excluded path starts empty, like a cache or /tmp.
 */
#define ICC_EXCLUDE_MAX 64

/* "/var/cache/apt": absolute, no "." "..", empty or trailing components, not /, /proc, /sys, /dev. */
int icc_exclude_path_valid(const char *path, struct icc_err *err);

/* Add `path` (validated) to the JSON array `list` unless present. */
int icc_exclude_add(cJSON *list, const char *path, struct icc_err *err);

/* The lines of /.icc/exclude in the tree `root_fd` (absolute paths, # comments) added to `list`. */
int icc_exclude_file_read(int root_fd, cJSON *list, struct icc_err *err);

/*
 * Make every path of `list` a subvolume in the tree `root_fd`: missing
 * parents are made (0755), an existing directory's content is replaced by
 * an empty subvolume with its mode and owner, a subvolume already there is
 * kept.  Resolved beneath root_fd, never through a symbolic link.
 */
int icc_excludes_make(int root_fd, const cJSON *list, struct icc_err *err);

/* Is `path` ("/a/b") one of `list` or under one? */
bool icc_excluded(const cJSON *list, const char *path);

#endif
