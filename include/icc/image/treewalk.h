/* treewalk.h - steps for walking a tree the host does not trust: checked opens, bounded paths and fds */
#ifndef ICC_TREEWALK_H
#define ICC_TREEWALK_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#include "icc/base/err.h"

/*
 * The longest path below a tree that icc archives or compares (export, save,
 * push, diff): PATH_MAX less its NUL, the most one system call takes, so any
 * extractor can create what icc writes (Docker's export walks paths as
 * strings and stops there too).  Each level takes at least two bytes, so
 * this also bounds the depth of a walk to 2048.
 */
#define ICC_TREE_PATH_MAX 4095

/*
 * A walk keeps the directories of its first ICC_WALK_OPEN_MAX levels open;
 * deeper, a directory is closed while its child is read and reopened through
 * the child's ".." after, checked by device and inode, so a deep tree never
 * runs out of file descriptors.
 */
#define ICC_WALK_OPEN_MAX 64

/* A relative path built one component at a time ("" is the tree's root). */
struct icc_relpath {
	char buf[ICC_TREE_PATH_MAX + 1];
	size_t len;
};

/*
 * Append "/name" (or "name" at the root); *mark gets the length to pop back
 * to.  ENAMETOOLONG (naming the path) beyond ICC_TREE_PATH_MAX.
 */
int icc_relpath_push(struct icc_relpath *p, const char *name, size_t *mark, struct icc_err *err);
void icc_relpath_pop(struct icc_relpath *p, size_t mark);

/*
 * Open dirfd/name, lstat'ed as the directory sb, without following a symlink;
 * -ESTALE if what is there now is another inode.
 */
int icc_dir_open_checked(int dirfd, const char *name, const struct stat *sb);

/*
 * Open dirfd/name, lstat'ed as the regular file sb, for reading.  It is
 * opened as O_PATH first and checked (a regular file, same st_dev/st_ino),
 * then reopened through /proc/self/fd with O_NONBLOCK: a device node or FIFO
 * swapped in after the lstat is never opened.  -ESTALE if it was swapped.
 */
int icc_file_open_checked(int dirfd, const char *name, const struct stat *sb);

/* After reading child_fd: its parent through "..", checked to be `parent`; -errno. */
int icc_dir_reopen_parent(int child_fd, const struct stat *parent);

/*
 * Going down into subdirectories sa and sb of afd and bfd (afd NULL when only one
 * tree is walked): from depth ICC_WALK_OPEN_MAX on, the parents' fds are
 * closed while below (park), and reopened through ".." after (unpark), so a
 * deep tree does not run out of fds.  Unpark also closes sa and sb; it
 * returns -ESTALE when a parent could not be reopened as it was.
 */
struct icc_dir_park {
	bool parked;
	struct stat a, b;
};
void icc_dir_park(struct icc_dir_park *p, int depth, int *afd, int *bfd);
int icc_dir_unpark(const struct icc_dir_park *p, int *afd, int *bfd, int sa, int sb);

/*
 * lstat of the relative path `rel` below root_fd, resolved beneath it with no
 * symlink followed on the way (openat2 RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS).
 */
int icc_lstat_beneath(int root_fd, const char *rel, struct stat *sb);

#endif
