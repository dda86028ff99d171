/* treewalk.c - steps for walking a tree the host does not trust: checked opens, bounded paths and fds */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "icc/image/treewalk.h"
#include "icc/base/util.h"

int icc_relpath_push(struct icc_relpath *p, const char *name, size_t *mark, struct icc_err *err)
{
	*mark = p->len;
	size_t n = strlen(name), sep = p->len ? 1 : 0;
	if (p->len + sep + n > ICC_TREE_PATH_MAX)
		return icc_err_set(err, ENAMETOOLONG,
				   "'%.160s...' is too deep: paths longer than %d bytes are not supported",
				   p->buf, ICC_TREE_PATH_MAX);
	if (sep)
		p->buf[p->len++] = '/';
	memcpy(p->buf + p->len, name, n + 1);
	p->len += n;
	return 0;
}

void icc_relpath_pop(struct icc_relpath *p, size_t mark)
{
	p->len = mark;
	p->buf[mark] = '\0';
}

static bool same_inode(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
	       (a->st_mode & S_IFMT) == (b->st_mode & S_IFMT);
}

/* Close fd and fail with -ESTALE unless it is the inode `want`. */
static int check_fd(int fd, const struct stat *want)
{
	struct stat now;
	if (fstat(fd, &now) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	if (!same_inode(&now, want)) {
		close(fd);
		return -ESTALE;
	}
	return fd;
}

int icc_dir_open_checked(int dirfd, const char *name, const struct stat *sb)
{
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	return fd < 0 ? -errno : check_fd(fd, sb);
}

int icc_file_open_checked(int dirfd, const char *name, const struct stat *sb)
{
	if (!S_ISREG(sb->st_mode))
		return -EINVAL;
	int pfd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (pfd < 0)
		return -errno;
	if ((pfd = check_fd(pfd, sb)) < 0)
		return pfd;
	/* the O_PATH fd pins the checked inode: reopening it cannot reach another */
	char self[64];
	snprintf(self, sizeof(self), "/proc/self/fd/%d", pfd);
	int fd = open(self, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	int e = errno;
	close(pfd);
	return fd < 0 ? -e : check_fd(fd, sb);
}

int icc_dir_reopen_parent(int child_fd, const struct stat *parent)
{
	int fd = openat(child_fd, "..", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	return fd < 0 ? -errno : check_fd(fd, parent);
}

void icc_dir_park(struct icc_dir_park *p, int depth, int *afd, int *bfd)
{
	p->parked = depth >= ICC_WALK_OPEN_MAX && fstat(*bfd, &p->b) == 0 &&
		    (!afd || fstat(*afd, &p->a) == 0);
	if (!p->parked)
		return;
	close(*bfd);
	*bfd = -1;
	if (afd) {
		close(*afd);
		*afd = -1;
	}
}

int icc_dir_unpark(const struct icc_dir_park *p, int *afd, int *bfd, int sa, int sb)
{
	int r = 0;
	if (p->parked) {
		if (sb >= 0)
			*bfd = icc_dir_reopen_parent(sb, &p->b);
		if (afd && sa >= 0)
			*afd = icc_dir_reopen_parent(sa, &p->a);
		if (*bfd < 0 || (afd && *afd < 0))
			r = -ESTALE;
	}
	if (sa >= 0)
		close(sa);
	if (sb >= 0)
		close(sb);
	return r;
}

int icc_lstat_beneath(int root_fd, const char *rel, struct stat *sb)
{
	int fd = icc_openat2(root_fd, rel, O_PATH | O_NOFOLLOW,
				RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS);
	if (fd < 0)
		return fd;
	int r = fstat(fd, sb) < 0 ? -errno : 0;
	close(fd);
	return r;
}
