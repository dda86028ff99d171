/* exclude.c - excluded paths: validated, read from /.icc/exclude, made nested subvolumes */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <btrfsutil.h>

#include "icc/container/exclude.h"
#include "icc/base/util.h"
#include "icc/store/subvol.h"

int icc_exclude_path_valid(const char *path, struct icc_err *err)
{
	size_t n = strlen(path);
	if (path[0] != '/' || n < 2 || n >= 4096 || path[n - 1] == '/')
		return icc_err_set(err, EINVAL, "exclude path '%s': must be an absolute path below /", path);
	for (const char *p = path; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return icc_err_set(err, EINVAL, "exclude path: control characters are not allowed");
	for (const char *c = path + 1; *c;) {
		size_t len = strcspn(c, "/");
		if (len == 0 || (len == 1 && c[0] == '.') || (len == 2 && c[0] == '.' && c[1] == '.'))
			return icc_err_set(err, EINVAL, "exclude path '%s': empty, . or .. components", path);
		if (len > 255)
			return icc_err_set(err, ENAMETOOLONG, "exclude path '%s': a name is too long", path);
		c += len;
		if (*c == '/')
			c++;
	}
	static const char *const kernel[] = {"/proc", "/sys", "/dev", "/.icc"};
	for (size_t k = 0; k < sizeof(kernel) / sizeof(kernel[0]); k++) {
		size_t kl = strlen(kernel[k]);
		if (!strncmp(path, kernel[k], kl) && (path[kl] == '\0' || path[kl] == '/'))
			return icc_err_set(err, EINVAL, "exclude path '%s': %s is not part of the tree", path,
					   kernel[k]);
	}
	return 0;
}

int icc_exclude_add(cJSON *list, const char *path, struct icc_err *err)
{
	int r = icc_exclude_path_valid(path, err);
	if (r < 0)
		return r;
	const cJSON *it;
	cJSON_ArrayForEach(it, list)
		if (cJSON_IsString(it) && !strcmp(it->valuestring, path))
			return 0;
	if (cJSON_GetArraySize(list) >= ICC_EXCLUDE_MAX)
		return icc_err_set(err, E2BIG, "more than %d excluded paths", ICC_EXCLUDE_MAX);
	cJSON_AddItemToArray(list, cJSON_CreateString(path));
	return 0;
}

int icc_exclude_file_read(int root_fd, cJSON *list, struct icc_err *err)
{
	/* the image's file: a regular file beneath the tree, never a link */
	int fd = icc_openat2(root_fd, ".icc/exclude", O_RDONLY | O_NOFOLLOW | O_NONBLOCK,
				RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV);
	if (fd < 0)
		return errno == ENOENT || errno == ENOTDIR ? 0 : icc_err_sys(err, errno, "/.icc/exclude");
	struct stat st;
	char buf[65536];
	ssize_t n = 0;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size >= (off_t)sizeof(buf) ||
	    (n = read(fd, buf, sizeof(buf) - 1)) < 0) {
		close(fd);
		return icc_err_set(err, EINVAL, "/.icc/exclude: not a regular file under 64 KiB");
	}
	close(fd);
	buf[n] = '\0';
	int r = 0;
	for (char *save = NULL, *line = strtok_r(buf, "\n", &save); line && r == 0;
	     line = strtok_r(NULL, "\n", &save)) {
		line += strspn(line, " \t");
		size_t len = strlen(line);
		while (len && (line[len - 1] == ' ' || line[len - 1] == '\t' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (len && line[0] != '#')
			r = icc_exclude_add(list, line, err);
	}
	return r;
}

/* One component beneath `dirfd`, as a directory, never through a link. */
static int open_dir_beneath(int dirfd, const char *name)
{
	return icc_openat2(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW,
			   RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV);
}

/* The parent directory of `path` in the tree, made if missing; *base points into path. */
static int open_parent(int root_fd, const char *path, const char **base, struct icc_err *err)
{
	int cur = dup(root_fd);
	if (cur < 0)
		return icc_err_sys(err, errno, "exclude path '%s'", path);
	const char *c = path + 1;
	for (;;) {
		size_t len = strcspn(c, "/");
		if (c[len] == '\0') {
			*base = c;
			return cur;
		}
		char name[256];
		snprintf(name, sizeof(name), "%.*s", (int)len, c);
		int fd = open_dir_beneath(cur, name);
		if (fd == -ENOENT && mkdirat(cur, name, 0755) == 0)
			fd = open_dir_beneath(cur, name);
		close(cur);
		if (fd < 0)
			return icc_err_set(err, -fd, "exclude path '%s': %s at '%s'", path,
					   -fd == ELOOP ? "a symbolic link" : strerror(-fd), name);
		cur = fd;
		c += len + 1;
	}
}

static int make_one(int root_fd, const char *path, struct icc_err *err)
{
	const char *base = NULL;
	int pfd = open_parent(root_fd, path, &base, err);
	if (pfd < 0)
		return pfd;
	struct stat ps, st;
	int r = 0;
	fstat(pfd, &ps);
	mode_t mode = 0755;
	uid_t uid = 0;
	gid_t gid = 0;
	if (fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (!S_ISDIR(st.st_mode))
			r = icc_err_set(err, ENOTDIR, "exclude path '%s': not a directory in the tree", path);
		else if (st.st_ino == 256 && st.st_dev != ps.st_dev)
			goto done; /* already its own subvolume */
		mode = st.st_mode & 07777;
		uid = st.st_uid;
		gid = st.st_gid;
		if (r == 0)
			r = icc_rmtree(pfd, base, err);
	} else if (errno != ENOENT) {
		r = icc_err_sys(err, errno, "exclude path '%s'", path);
	}
	if (r == 0)
		r = icc_subvol_create(pfd, base, err);
	if (r == 0 && (fchownat(pfd, base, uid, gid, AT_SYMLINK_NOFOLLOW) < 0 ||
		       fchmodat(pfd, base, mode, 0) < 0))
		r = icc_err_sys(err, errno, "exclude path '%s'", path);
done:
	close(pfd);
	return r;
}

int icc_excludes_make(int root_fd, const cJSON *list, struct icc_err *err)
{
	const cJSON *it;
	cJSON_ArrayForEach(it, list) {
		if (!cJSON_IsString(it))
			continue;
		int r = icc_exclude_path_valid(it->valuestring, err);
		if (r == 0)
			r = make_one(root_fd, it->valuestring, err);
		if (r < 0)
			return r;
	}
	return 0;
}

bool icc_excluded(const cJSON *list, const char *path)
{
	const cJSON *it;
	cJSON_ArrayForEach(it, list) {
		if (!cJSON_IsString(it))
			continue;
		size_t n = strlen(it->valuestring);
		if (!strncmp(path, it->valuestring, n) && (path[n] == '\0' || path[n] == '/'))
			return true;
	}
	return false;
}
