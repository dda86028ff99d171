/* subvol.h - btrfs subvolume operations (libbtrfsutil), errors as -errno */
#ifndef ICC_SUBVOL_H
#define ICC_SUBVOL_H

#include <stdbool.h>
#include <stdint.h>

#include "icc/err.h"

int icc_subvol_create(int parent_fd, const char *name, struct icc_err *err);
/* Snapshot the subvolume open at src_fd as parent_fd/name. */
int icc_subvol_snapshot(int src_fd, int parent_fd, const char *name, bool readonly,
			struct icc_err *err);
/* Delete parent_fd/name and any subvolumes nested inside it. */
int icc_subvol_delete(int parent_fd, const char *name, struct icc_err *err);
int icc_subvol_set_readonly(int fd, bool readonly, struct icc_err *err);
/* Is `fd` the root of a btrfs subvolume? */
bool icc_subvol_is(int fd);

/*
 * Remove parent_fd/name recursively, deleting nested subvolumes with the
 * btrfs ioctl instead of walking into them.  Missing is not an error.
 */
int icc_rmtree(int parent_fd, const char *name, struct icc_err *err);

#endif
