/* diff.h - what changed between two trees (A/C/D like docker diff) */
#ifndef ICC_DIFF_H
#define ICC_DIFF_H

#include <stdbool.h>
#include <stddef.h>

#include "icc/err.h"
#include "icc/store.h"

struct icc_change {
	char kind;  /* 'A' added, 'C' changed, 'D' deleted */
	char *path; /* "/etc/motd" */
	bool times; /* only a utimes record seen (send): checked against the trees */
};

struct icc_changes {
	struct icc_change *v;
	size_t n, cap;
	bool by_send; /* true: from a btrfs send stream; false: full walk */
};
void icc_changes_free(struct icc_changes *c);

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

#endif
