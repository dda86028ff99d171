/* qgroup.h - btrfs's own space accounting (quota groups) for true sizes
 *
 * With quotas on, btrfs keeps per subvolume (qgroup 0/<subvolume id>):
 *   referenced: bytes of every extent the subvolume reaches (data and its
 *               tree blocks), shared or not: Docker's "virtual" size;
 *   exclusive:  bytes reached by no other subvolume: what deleting it frees.
 * The numbers are current after a transaction commit (icc_qgroup_sync), and
 * a deleted subvolume's space returns only once the btrfs cleaner has
 * dropped it (icc_qgroup_wait_cleaner).  With quotas off, or inconsistent,
 * callers fall back to apparent sizes and must say so (docs/store.md).
 */
#ifndef ICC_QGROUP_H
#define ICC_QGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "icc/base/err.h"

enum icc_qgroup_mode {
	ICC_QGROUP_OFF,          /* quotas are not enabled on the filesystem */
	ICC_QGROUP_FULL,         /* full quota groups, consistent */
	ICC_QGROUP_SIMPLE,       /* simple quotas (kernel 6.7+): owner-based, not "what deleting frees" */
	ICC_QGROUP_RESCANNING,   /* a rescan runs: numbers are not complete yet */
	ICC_QGROUP_INCONSISTENT, /* btrfs says the numbers are wrong until a rescan */
};

/* The filesystem's quota state, read from the quota tree's status item. */
int icc_qgroup_mode(int fs_fd, enum icc_qgroup_mode *mode, struct icc_err *err);
const char *icc_qgroup_mode_name(enum icc_qgroup_mode mode);

/* Turn quotas on (simple: simple quotas) and wait for the first rescan. */
int icc_qgroup_enable(int fs_fd, bool simple, struct icc_err *err);

/* Start a rescan (after btrfs marked the numbers inconsistent) and wait for it. */
int icc_qgroup_rescan(int fs_fd, struct icc_err *err);

/* Commit the running transaction (after flushing dirty data), so the numbers are current. */
int icc_qgroup_sync(int fs_fd, struct icc_err *err);

/* Wait until the cleaner has dropped every deleted subvolume, then commit. */
int icc_qgroup_wait_cleaner(int fs_fd, struct icc_err *err);

struct icc_qgroup_usage {
	uint64_t qgroupid; /* level 0: the subvolume id */
	uint64_t referenced, exclusive;
};

/* Every qgroup's numbers, sorted by id (a snapshot of the quota tree). */
struct icc_qgroup_table {
	struct icc_qgroup_usage *q;
	size_t count, cap;
};

int icc_qgroup_table_load(int fs_fd, struct icc_qgroup_table *t, struct icc_err *err);
/* The numbers of subvolume `subvolid`, NULL if it has no qgroup. */
const struct icc_qgroup_usage *icc_qgroup_find(const struct icc_qgroup_table *t, uint64_t subvolid);
void icc_qgroup_table_free(struct icc_qgroup_table *t);

/* The id of the subvolume whose root is open at fd. */
int icc_qgroup_subvol_id(int fd, uint64_t *id, struct icc_err *err);

#endif
