/* tmpsnap.c - read-only snapshots of live trees in tmp/, flock'd while in use */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "icc/store/subvol.h"
#include "icc/snap/tmpsnap.h"
#include "icc/base/util.h"

/* mkdir + open + flock, retried if `icc system check` removed the directory in between. */
static int locked_dir(struct icc_store *st, struct icc_tmpsnap *ts, struct icc_err *err)
{
	for (int tries = 0; tries < 8; tries++) {
		char id[ICC_ID_LEN + 1];
		icc_random_id(id);
		snprintf(ts->rel, sizeof(ts->rel), "tmp/read-%.16s", id);
		if (mkdirat(st->root_fd, ts->rel, 0700) < 0) {
			if (errno == EEXIST)
				continue;
			return icc_err_sys(err, errno, "cannot create '%s/%s'", st->root, ts->rel);
		}
		int fd = openat(st->root_fd, ts->rel, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			continue;
		struct stat sb;
		if (flock(fd, LOCK_EX) < 0 || fstat(fd, &sb) < 0) {
			int e = errno;
			close(fd);
			return icc_err_sys(err, e, "cannot lock '%s/%s'", st->root, ts->rel);
		}
		if (sb.st_nlink == 0) { /* removed before we held the lock */
			close(fd);
			continue;
		}
		return fd;
	}
	return icc_err_set(err, EAGAIN, "cannot create a directory in '%s/tmp'", st->root);
}

int icc_tmpsnap_take(struct icc_store *st, int src_fd, struct icc_tmpsnap *ts, struct icc_err *err)
{
	ts->fd = -1;
	ts->dirfd = locked_dir(st, ts, err);
	if (ts->dirfd < 0)
		return ts->dirfd;
	int r = icc_subvol_snapshot(src_fd, ts->dirfd, "tree", true, err);
	if (r == 0) {
		ts->fd = openat(ts->dirfd, "tree", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (ts->fd < 0)
			r = icc_err_sys(err, errno, "cannot open '%s/%s/tree'", st->root, ts->rel);
	}
	if (r < 0)
		icc_tmpsnap_drop(st, ts);
	return r;
}

void icc_tmpsnap_drop(struct icc_store *st, struct icc_tmpsnap *ts)
{
	if (ts->fd >= 0)
		close(ts->fd);
	ts->fd = -1;
	if (ts->dirfd < 0)
		return;
	struct icc_err e;
	/* deleted while still locked, so check never sees it half-removed */
	icc_rmtree(st->root_fd, ts->rel, &e);
	close(ts->dirfd);
	ts->dirfd = -1;
}

bool icc_tmp_claim(int tmp_fd, const char *name, int *lock_fd)
{
	*lock_fd = openat(tmp_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (*lock_fd < 0 || flock(*lock_fd, LOCK_EX | LOCK_NB) == 0 || errno != EWOULDBLOCK)
		return true;
	close(*lock_fd);
	*lock_fd = -1;
	return false;
}
