/* placeholders.h - files the runtime puts in a container's tree, kept out of images */
#ifndef ICC_PLACEHOLDERS_H
#define ICC_PLACEHOLDERS_H

#include <stdbool.h>

/*
 * A container sees /etc/hostname, /etc/hosts and /etc/resolv.conf bind-mounted
 * from its bundle; where its image has none, the OCI runtime creates an empty
 * file as the mount point, in the container's tree.  /etc/mtab is a symlink to
 * /proc/mounts, as Docker makes it.  These are the runtime's, not the
 * container's: like Docker's init layer they never reach a commit, a
 * promoted image or an exported layer, and icc diff does not list them.
 */

/* "etc/hostname", "etc/hosts", "etc/resolv.conf", "etc/mtab", then NULL. */
extern const char *const icc_placeholder_paths[];

/* Before a start: /etc/mtab -> /proc/mounts where /etc is a directory and mtab is missing. */
void icc_placeholders_prepare(int rootfs_fd);

/* Is `rel` (one of icc_placeholder_paths) in tree `tree_fd` placeholder-shaped:
 * an empty regular file (mtab: a symlink to /proc/mounts)? */
bool icc_placeholder_at(int tree_fd, const char *rel);

/*
 * Remove from the writable tree `tree_fd` every placeholder-shaped entry that
 * the base tree `base_fd` (the image it came from; -1: none) does not have.
 * Returns 0 or -errno.
 */
int icc_placeholders_strip(int tree_fd, int base_fd);

#endif
