/* subvol.h - btrfs subvolume operations (libbtrfsutil), errors as -errno */
#ifndef ICC_SUBVOL_H
#define ICC_SUBVOL_H

#include <stdbool.h>
#include <stdint.h>

#include "icc/base/err.h"

int icc_subvol_create(int parent_fd, const char *name, struct icc_err *err);
/* Snapshot the subvolume open at src_fd as parent_fd/name. */
int icc_subvol_snapshot(int src_fd, int parent_fd, const char *name, bool readonly,
			struct icc_err *err);
/* Delete parent_fd/name and any subvolumes nested inside it. */
int icc_subvol_delete(int parent_fd, const char *name, struct icc_err *err);
int icc_subvol_set_readonly(int fd, bool readonly, struct icc_err *err);
/* Is `fd` the root of a btrfs subvolume? */
bool icc_subvol_is(int fd);
/* The subvolume's UUID as text (36 chars + NUL), and its creation time. */
int icc_subvol_uuid(int fd, char out[37], int64_t *otime_ns, struct icc_err *err);

/*
 * Remove parent_fd/name recursively, deleting nested subvolumes with the
 * btrfs ioctl instead of walking into them.  Missing is not an error.
 */
int icc_rmtree(int parent_fd, const char *name, struct icc_err *err);

/* Told about each subvolume icc_rmtree_observed is about to delete (prune
 * measures what each deletion frees: fs/store/objsize.c). */
struct icc_rm_observer {
	void (*before_subvol)(void *ctx, int parent_fd, const char *name);
	void *ctx;
};

/* icc_rmtree, calling obs->before_subvol (obs may be NULL) before each subvolume. */
int icc_rmtree_observed(int parent_fd, const char *name, const struct icc_rm_observer *obs,
			struct icc_err *err);

#endif
