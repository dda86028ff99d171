/* subvol.c - thin wrappers over libbtrfsutil 1.2 and recursive removal */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <btrfsutil.h>

#include "icc/store/subvol.h"
#include "icc/base/util.h"

/* libbtrfsutil leaves errno set by the failing syscall. */
static int bu_fail(struct icc_err *err, enum btrfs_util_error e, const char *what,
		   const char *name)
{
	int code = errno ? errno : EIO;
	return icc_err_set(err, code, "%s '%s': %s (%s)", what, name,
			   btrfs_util_strerror(e), strerror(code));
}

int icc_subvol_create(int parent_fd, const char *name, struct icc_err *err)
{
	errno = 0;
	enum btrfs_util_error e = btrfs_util_create_subvolume_fd(parent_fd, name, 0, NULL, NULL);
	return e ? bu_fail(err, e, "cannot create subvolume", name) : 0;
}

int icc_subvol_snapshot(int src_fd, int parent_fd, const char *name, bool readonly,
			struct icc_err *err)
{
	errno = 0;
	enum btrfs_util_error e = btrfs_util_create_snapshot_fd2(
		src_fd, parent_fd, name, readonly ? BTRFS_UTIL_CREATE_SNAPSHOT_READ_ONLY : 0,
		NULL, NULL);
	return e ? bu_fail(err, e, "cannot snapshot into", name) : 0;
}

int icc_subvol_delete(int parent_fd, const char *name, struct icc_err *err)
{
	errno = 0;
	enum btrfs_util_error e = btrfs_util_delete_subvolume_fd(
		parent_fd, name, BTRFS_UTIL_DELETE_SUBVOLUME_RECURSIVE);
	return e ? bu_fail(err, e, "cannot delete subvolume", name) : 0;
}

int icc_subvol_set_readonly(int fd, bool readonly, struct icc_err *err)
{
	errno = 0;
	enum btrfs_util_error e = btrfs_util_set_subvolume_read_only_fd(fd, readonly);
	return e ? bu_fail(err, e, "cannot change read-only flag of", "subvolume") : 0;
}

bool icc_subvol_is(int fd)
{
	return btrfs_util_is_subvolume_fd(fd) == BTRFS_UTIL_OK;
}

int icc_subvol_uuid(int fd, char out[37], int64_t *otime_ns, struct icc_err *err)
{
	struct btrfs_util_subvolume_info info;
	errno = 0;
	enum btrfs_util_error e = btrfs_util_subvolume_info_fd(fd, 0, &info);
	if (e)
		return bu_fail(err, e, "cannot read subvolume info of", "subvolume");
	icc_uuid_format(info.uuid, out);
	if (otime_ns)
		*otime_ns = (int64_t)info.otime.tv_sec * 1000000000LL + info.otime.tv_nsec;
	return 0;
}

int icc_rmtree(int parent_fd, const char *name, struct icc_err *err)
{
	return icc_rmtree_observed(parent_fd, name, NULL, err);
}

int icc_rmtree_observed(int parent_fd, const char *name, const struct icc_rm_observer *obs,
			struct icc_err *err)
{
	struct stat sb;
	if (fstatat(parent_fd, name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : icc_err_sys(err, errno, "cannot stat '%s'", name);
	if (!S_ISDIR(sb.st_mode)) {
		if (unlinkat(parent_fd, name, 0) < 0 && errno != ENOENT)
			return icc_err_sys(err, errno, "cannot remove '%s'", name);
		return 0;
	}
	int fd = openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return icc_err_sys(err, errno, "cannot open '%s'", name);
	if (sb.st_ino == 256 && icc_subvol_is(fd)) {
		close(fd);
		if (obs && obs->before_subvol)
			obs->before_subvol(obs->ctx, parent_fd, name);
		/* A read-only subvolume can be deleted as a whole by root. */
		return icc_subvol_delete(parent_fd, name, err);
	}
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return icc_err_sys(err, errno, "cannot read '%s'", name);
	}
	int r = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		r = icc_rmtree_observed(dirfd(d), de->d_name, obs, err);
		if (r < 0)
			break;
	}
	closedir(d);
	if (r == 0 && unlinkat(parent_fd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		r = icc_err_sys(err, errno, "cannot remove '%s'", name);
	return r;
}
