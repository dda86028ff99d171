/* changes.h - what may differ in a subvolume since a transaction: one btree search */
#ifndef ICC_CHANGES_H
#define ICC_CHANGES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "icc/base/err.h"

/* Object ids (inode numbers), ascending and unique. */
struct icc_ids {
	uint64_t *ids;
	size_t n;
};

/* Past this many changed ids a caller comparing everything is as cheap. */
#define ICC_CHANGES_MAX (1u << 20)

/*
 * The object ids of the items of subvolume `fd` that sit in btree leaves
 * written at or after transaction `since` (as `btrfs subvolume find-new`):
 * the search skips every older block, so it costs the changes, not the
 * tree.  An inode changed, made or removed since has items there, or its
 * directory has.  Needs CAP_SYS_ADMIN (BTRFS_IOC_TREE_SEARCH_V2).
 * Returns 0, or -errno with the reason in err (the ioctl's error, a reply
 * that does not parse, E2BIG past ICC_CHANGES_MAX); out is then empty.
 */
int icc_subvol_changed_since(int fd, uint64_t since, struct icc_ids *out, struct icc_err *err);

/* Is id in ids? */
bool icc_ids_has(const struct icc_ids *ids, uint64_t id);
void icc_ids_free(struct icc_ids *ids);

#endif
