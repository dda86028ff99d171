/* diff.h - what changed between two trees (A/C/D like docker diff) */
#ifndef ICC_DIFF_H
#define ICC_DIFF_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "icc/base/err.h"
#include "icc/store/store.h"

struct icc_change {
	char kind;  /* 'A' added, 'C' changed, 'D' deleted ('?' while collecting) */
	char *path; /* "/etc/motd" */
	bool times; /* only a utimes record seen (send): checked against the trees */
	bool moved; /* the target of a rename: a directory's contents came along */
};

struct icc_changes {
	struct icc_change *v;
	size_t n, cap;
	bool by_send; /* true: from a btrfs send stream; false: full walk */
};
void icc_changes_free(struct icc_changes *c);

/* Drop the changes under a container's excluded paths (a JSON array, exclude.h). */
void icc_changes_drop_excluded(struct icc_changes *c, const cJSON *exclude);

/*
 * Changes that turn tree `a_fd` into tree `b_fd` (both subvolume roots in
 * the store), sorted by path, parents of changes listed as 'C'.  When the two
 * share btrfs lineage (parent_uuid chains meet), the changes come from
 * `btrfs send --no-data -p A B` (writable subvolumes are snapshotted
 * read-only into the store's tmp/ for it), so unchanged subtrees are never
 * visited; otherwise both trees are walked and compared by type, mode,
 * owner, size, mtime and link target.
 */
int icc_diff(struct icc_store *st, int a_fd, int b_fd, struct icc_changes *out,
	     struct icc_err *err);

/*
 * The classification of a send stream (fs/image/diff_classify.c), pure: the
 * stream's operations, in order, are noted with icc_diff_note (paths
 * "/a/b"; orphan names like "/o257-7-0" welcome), then icc_diff_classify
 * turns the touched paths into docker diff's lines by asking the trees: a
 * path in A and in B is 'C' whatever way it was written (rename over, hard
 * link, type change, mode/owner/xattr only), 'A' only if not in A, 'D'
 * only if not in B, dropped if in neither.  Paths under a deleted
 * directory are dropped (the directory stands for them), the parents of
 * every change are 'C', and the result is sorted by path.
 */
enum icc_diff_op {
	ICC_DOP_CREATE, /* mkfile, mkdir, mknod, mkfifo, mksock, symlink, link: path */
	ICC_DOP_REMOVE, /* unlink, rmdir: path */
	ICC_DOP_RENAME, /* path -> to */
	ICC_DOP_MODIFY, /* write, clone, truncate, chmod, chown, (remove_)xattr: path */
	ICC_DOP_TIMES,  /* utimes: path */
};
int icc_diff_note(struct icc_changes *c, enum icc_diff_op op, const char *path, const char *to);

struct icc_diff_trees {
	bool (*in_a)(const char *path, void *ctx);
	bool (*in_b)(const char *path, void *ctx);
	/* a path only utimes touched, in both trees: same mtime, mode and size? */
	bool (*same_times)(const char *path, void *ctx);
	void *ctx;
};
int icc_diff_classify(struct icc_changes *c, const struct icc_diff_trees *t);

/* Sort by path and merge duplicates (after adding entries). */
void icc_changes_sort(struct icc_changes *c);

#endif
