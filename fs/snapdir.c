/* snapdir.c - the read-only snapshots of one subvolume, kept in one directory */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <btrfsutil.h>

#include "icc/fault.h"
#include "icc/snapdir.h"

bool icc_snap_name_valid(const char *name)
{
	if (!name)
		return false;
	size_t n = strlen(name);
	if (n == 0 || n > ICC_SNAP_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		bool alnum = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			     (c >= '0' && c <= '9');
		if (i == 0 ? !alnum : !(alnum || c == '_' || c == '.' || c == '-'))
			return false;
	}
	return true;
}

/* errno after a failed libbtrfsutil call (the library sets it). */
static int bu_errno(enum btrfs_util_error e)
{
	if (e == BTRFS_UTIL_ERROR_NO_MEMORY)
		return ENOMEM;
	if (e == BTRFS_UTIL_ERROR_NOT_BTRFS)
		return errno ? errno : ENOTTY;
	if (e == BTRFS_UTIL_ERROR_NOT_SUBVOLUME)
		return errno ? errno : EINVAL;
	return errno ? errno : EIO;
}

static int mkdir_p(const char *path, mode_t leaf_mode)
{
	if (mkdir(path, leaf_mode) == 0 || errno == EEXIST)
		return 0;
	if (errno != ENOENT)
		return -errno;
	char *copy = strdup(path);
	if (!copy)
		return -ENOMEM;
	char *slash = strrchr(copy, '/');
	int r = -ENOENT;
	if (slash && slash != copy) {
		*slash = '\0';
		r = mkdir_p(copy, 0755);
	}
	free(copy);
	if (r < 0)
		return r;
	if (mkdir(path, leaf_mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int icc_snapdir_open(struct icc_snapdir *sd, const char *path, struct icc_err *err)
{
	sd->dirfd = -1;
	int r = mkdir_p(path, 0700);
	if (r < 0)
		return icc_err_sys(err, -r, "cannot create snapshot directory '%s'", path);
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return icc_err_sys(err, errno, "cannot open snapshot directory '%s'", path);
	sd->dirfd = fd;
	return 0;
}

void icc_snapdir_close(struct icc_snapdir *sd)
{
	if (sd->dirfd >= 0)
		close(sd->dirfd);
	sd->dirfd = -1;
}

/* Remove DIR/<name> where name is a staging dir: subvolume, meta, dir. */
static int remove_staged(int dfd, const char *name)
{
	int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	int rc = 0;
	struct stat st;
	if (fstatat(fd, "rootfs", &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (S_ISDIR(st.st_mode) && st.st_ino == 256) {
			enum btrfs_util_error e = btrfs_util_delete_subvolume_fd(fd, "rootfs", 0);
			if (e)
				rc = -bu_errno(e);
		} else if (S_ISDIR(st.st_mode)) {
			if (unlinkat(fd, "rootfs", AT_REMOVEDIR) < 0)
				rc = -errno;
		} else if (unlinkat(fd, "rootfs", 0) < 0) {
			rc = -errno;
		}
	}
	if (rc < 0) {
		close(fd);
		return rc;
	}
	/* meta.json, a half-written temp file, anything else plain */
	DIR *d = fdopendir(fd);
	if (!d) {
		rc = -errno;
		close(fd);
		return rc;
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (unlinkat(dirfd(d), de->d_name, 0) < 0 && errno != ENOENT)
			rc = -errno;
	}
	closedir(d);
	if (rc < 0)
		return rc;
	if (unlinkat(dfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

static void auto_name(int64_t ns, unsigned n, char *buf, size_t size)
{
	time_t sec = (time_t)(ns / 1000000000LL);
	struct tm tm;
	gmtime_r(&sec, &tm);
	char base[32];
	strftime(base, sizeof(base), "%Y%m%d-%H%M%S", &tm);
	if (n <= 1)
		snprintf(buf, size, "%s", base);
	else
		snprintf(buf, size, "%s-%u", base, n);
}

/* Write meta.json, complete and synced, into the private staging dir `tfd`. */
static int write_meta(int tfd, const char *id, const char *created_txt, const char *message,
		      const cJSON *source, struct icc_err *err)
{
	cJSON *meta = cJSON_CreateObject();
	if (!meta || !cJSON_AddStringToObject(meta, "id", id) ||
	    !cJSON_AddStringToObject(meta, "created", created_txt) ||
	    !cJSON_AddStringToObject(meta, "message", message ? message : "")) {
		cJSON_Delete(meta);
		return icc_err_set(err, ENOMEM, "out of memory writing snapshot metadata");
	}
	if (source) {
		cJSON *dup = cJSON_Duplicate(source, 1);
		if (!dup || !cJSON_AddItemToObject(meta, "source", dup)) {
			cJSON_Delete(dup);
			cJSON_Delete(meta);
			return icc_err_set(err, ENOMEM, "out of memory writing snapshot metadata");
		}
	}
	char *text = cJSON_Print(meta);
	cJSON_Delete(meta);
	size_t len = text ? strlen(text) : 0;
	char *t2 = text ? realloc(text, len + 2) : NULL;
	if (!t2) {
		free(text);
		return icc_err_set(err, ENOMEM, "out of memory writing snapshot metadata");
	}
	t2[len++] = '\n';
	t2[len] = '\0';
	/* the staging dir is ours alone: no temp file and rename needed, a
	 * crash leaves the whole dir as garbage anyway */
	int fd = openat(tfd, "meta.json", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		int e = errno;
		free(t2);
		return icc_err_sys(err, e, "cannot create 'meta.json'");
	}
	const char *p = t2;
	size_t left = len;
	int e = 0;
	while (left > 0) {
		ssize_t n = write(fd, p, left);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			e = errno;
			break;
		}
		p += n;
		left -= (size_t)n;
	}
	free(t2);
	if (!e && fsync(fd) < 0)
		e = errno;
	close(fd);
	if (e)
		return icc_err_sys(err, e, "cannot write snapshot metadata");
	return 0;
}

/*
 * The durable steps, in order (docs/store.md, docs/reliability.md):
 *   1. mkdir DIR/.tmp-X, write meta.json into it and fsync the file;
 *   2. the snapshot ioctl makes DIR/.tmp-X/rootfs: btrfs commits a
 *      transaction for it, which makes every earlier metadata change of the
 *      file system durable too (the staging dir and its entries): no fsync
 *      of the staging dir is needed;
 *   3. publish by renameat2(RENAME_NOREPLACE) and fsync DIR.
 * Two syncs (meta.json, DIR) besides the snapshot's own commit.  A crash
 * anywhere before 3 leaves only DIR/.tmp-X, which check --repair removes.
 */
int icc_snapdir_take(struct icc_snapdir *sd, int src_fd, const char *name,
		     const char *message, const cJSON *source,
		     struct icc_snap_info *out, struct icc_err *err)
{
	bool automatic = !name || !*name;
	if (!automatic && !icc_snap_name_valid(name))
		return icc_err_set(err, EINVAL, "invalid snapshot name '%.200s'", name);

	char id[ICC_ID_LEN + 1];
	icc_random_id(id);
	char tmp[32];
	snprintf(tmp, sizeof(tmp), ".tmp-%.16s", id);
	if (mkdirat(sd->dirfd, tmp, 0755) < 0)
		return icc_err_sys(err, errno, "cannot create '%s'", tmp);
	int tfd = openat(sd->dirfd, tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (tfd < 0) {
		int e = errno;
		unlinkat(sd->dirfd, tmp, AT_REMOVEDIR);
		return icc_err_sys(err, e, "cannot open '%s'", tmp);
	}

	int64_t created = icc_now_ns();
	char created_txt[64];
	icc_time_format(created, created_txt, sizeof(created_txt));
	int rc = write_meta(tfd, id, created_txt, message, source, err);
	if (rc < 0) {
		close(tfd);
		remove_staged(sd->dirfd, tmp);
		return rc;
	}

	errno = 0;
	enum btrfs_util_error be = btrfs_util_create_snapshot_fd2(
		src_fd, tfd, "rootfs", BTRFS_UTIL_CREATE_SNAPSHOT_READ_ONLY, NULL, NULL);
	close(tfd);
	if (be) {
		int e = bu_errno(be);
		remove_staged(sd->dirfd, tmp);
		return icc_err_sys(err, e, "cannot snapshot: %s", btrfs_util_strerror(be));
	}

	icc_fault_point("snapshot-after-subvol");
	icc_fault_point("snapshot-before-rename");
	char final[ICC_SNAP_NAME_MAX + 1];
	for (unsigned n = 1;; n++) {
		if (automatic)
			auto_name(created, n, final, sizeof(final));
		else
			snprintf(final, sizeof(final), "%s", name);
		if (renameat2(sd->dirfd, tmp, sd->dirfd, final, RENAME_NOREPLACE) == 0)
			break;
		int e = errno;
		if (e == EEXIST && automatic && n < 100000)
			continue;
		remove_staged(sd->dirfd, tmp);
		if (e == EEXIST)
			return icc_err_set(err, EEXIST, "snapshot '%s' already exists", final);
		return icc_err_sys(err, e, "cannot publish snapshot '%s'", final);
	}
	icc_fsync_dir(sd->dirfd);
	if (out) {
		memset(out, 0, sizeof(*out));
		snprintf(out->name, sizeof(out->name), "%s", final);
		memcpy(out->id, id, sizeof(out->id));
		out->created_ns = created;
		snprintf(out->message, sizeof(out->message), "%s", message ? message : "");
	}
	return 0;
}

/* Fill *out for DIR/name (a directory); tolerant of a missing meta.json. */
static int read_info(struct icc_snapdir *sd, const char *name,
		     struct icc_snap_info *out, struct icc_err *err)
{
	memset(out, 0, sizeof(*out));
	snprintf(out->name, sizeof(out->name), "%s", name);
	int fd = openat(sd->dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP)
			return icc_err_set(err, ENOENT, "no such snapshot '%s'", name);
		return icc_err_sys(err, errno, "cannot open snapshot '%s'", name);
	}
	struct stat st;
	if (fstatat(fd, "rootfs", &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode)) {
		close(fd);
		return icc_err_set(err, ENOENT, "no such snapshot '%s'", name);
	}
	cJSON *meta = NULL;
	struct icc_err ignore;
	if (icc_json_read(fd, "meta.json", &meta, &ignore) == 0) {
		const char *s = icc_json_str(meta, "id");
		if (s)
			snprintf(out->id, sizeof(out->id), "%s", s);
		out->created_ns = icc_time_parse(icc_json_str(meta, "created"));
		s = icc_json_str(meta, "message");
		if (s)
			snprintf(out->message, sizeof(out->message), "%s", s);
		cJSON_Delete(meta);
	}
	if (out->created_ns == 0) {
		/* made by hand: the snapshot root's creation (otime) is not in
		 * stat; use the directory's change time */
		struct stat dst;
		if (fstat(fd, &dst) == 0)
			out->created_ns = (int64_t)dst.st_ctim.tv_sec * 1000000000LL +
					  dst.st_ctim.tv_nsec;
	}
	close(fd);
	return 0;
}

static int cmp_info(const void *a, const void *b)
{
	const struct icc_snap_info *x = a, *y = b;
	if (x->created_ns != y->created_ns)
		return x->created_ns < y->created_ns ? -1 : 1;
	return strcmp(x->name, y->name);
}

int icc_snapdir_list(struct icc_snapdir *sd, struct icc_snap_info **out,
		     size_t *count, struct icc_err *err)
{
	*out = NULL;
	*count = 0;
	int fd = openat(sd->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return icc_err_sys(err, errno, "cannot open snapshot directory");
	DIR *d = fdopendir(fd);
	if (!d) {
		int e = errno;
		close(fd);
		return icc_err_sys(err, e, "cannot read snapshot directory");
	}
	struct icc_snap_info *v = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	int rc = 0;
	for (;;) {
		errno = 0;
		de = readdir(d);
		if (!de) {
			if (errno)
				rc = icc_err_sys(err, errno, "cannot read snapshot directory");
			break;
		}
		if (de->d_name[0] == '.')
			continue;
		if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
			continue;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			struct icc_snap_info *nv = realloc(v, ncap * sizeof(*v));
			if (!nv) {
				rc = icc_err_set(err, ENOMEM, "out of memory listing snapshots");
				break;
			}
			v = nv;
			cap = ncap;
		}
		struct icc_err ignore;
		if (read_info(sd, de->d_name, &v[n], &ignore) == 0)
			n++;
	}
	closedir(d);
	if (rc < 0) {
		free(v);
		return rc;
	}
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_info);
	*out = v;
	*count = n;
	return 0;
}

int icc_snapdir_get(struct icc_snapdir *sd, const char *name,
		    struct icc_snap_info *out, struct icc_err *err)
{
	if (!icc_snap_name_valid(name))
		return icc_err_set(err, ENOENT, "no such snapshot '%.200s'", name);
	return read_info(sd, name, out, err);
}

int icc_snapdir_open_root(struct icc_snapdir *sd, const char *name,
			  struct icc_err *err)
{
	if (!icc_snap_name_valid(name))
		return icc_err_set(err, ENOENT, "no such snapshot '%.200s'", name);
	int fd = openat(sd->dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return icc_err_sys(err, errno, "cannot open snapshot '%s'", name);
	int rfd = openat(fd, "rootfs", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int e = errno;
	close(fd);
	if (rfd < 0)
		return icc_err_sys(err, e, "cannot open snapshot '%s'", name);
	return rfd;
}

int icc_snapdir_append_message(struct icc_snapdir *sd, const char *name, const char *text,
			       struct icc_err *err)
{
	if (!icc_snap_name_valid(name))
		return icc_err_set(err, ENOENT, "no such snapshot '%.200s'", name);
	int fd = openat(sd->dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return icc_err_sys(err, errno, "cannot open snapshot '%s'", name);
	cJSON *meta;
	int r = icc_json_read(fd, "meta.json", &meta, err);
	if (r == 0) {
		const char *old = icc_json_str(meta, "message");
		size_t n = (old ? strlen(old) : 0) + strlen(text) + 2;
		char *msg = malloc(n);
		if (!msg) {
			r = icc_err_set(err, ENOMEM, "out of memory");
		} else {
			snprintf(msg, n, "%s%s%s", old ? old : "", old && *old ? "\n" : "", text);
			cJSON_DeleteItemFromObjectCaseSensitive(meta, "message");
			cJSON_AddStringToObject(meta, "message", msg);
			free(msg);
			r = icc_json_write(fd, "meta.json", meta, err);
		}
		cJSON_Delete(meta);
	}
	close(fd);
	return r;
}

int icc_snapdir_remove(struct icc_snapdir *sd, const char *name, struct icc_err *err)
{
	if (!icc_snap_name_valid(name))
		return icc_err_set(err, ENOENT, "no such snapshot '%.200s'", name);
	char id[ICC_ID_LEN + 1];
	icc_random_id(id);
	char tmp[40];
	snprintf(tmp, sizeof(tmp), ".tmp-del-%.16s", id);
	struct stat st;
	if (fstatat(sd->dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode))
		return icc_err_set(err, ENOENT, "no such snapshot '%s'", name);
	if (renameat2(sd->dirfd, name, sd->dirfd, tmp, RENAME_NOREPLACE) < 0) {
		if (errno == ENOENT)
			return icc_err_set(err, ENOENT, "no such snapshot '%s'", name);
		return icc_err_sys(err, errno, "cannot remove snapshot '%s'", name);
	}
	icc_fault_point("snapshot-remove-after-rename");
	int r = remove_staged(sd->dirfd, tmp);
	icc_fsync_dir(sd->dirfd);
	if (r < 0)
		return icc_err_sys(err, -r, "cannot remove snapshot '%s' (left in '%s')",
				   name, tmp);
	return 0;
}

int icc_snapdir_rename(struct icc_snapdir *sd, const char *from, const char *to,
		       struct icc_err *err)
{
	if (!icc_snap_name_valid(from))
		return icc_err_set(err, ENOENT, "no such snapshot '%.200s'", from);
	if (!icc_snap_name_valid(to))
		return icc_err_set(err, EINVAL, "invalid snapshot name '%.200s'", to);
	struct stat st;
	if (fstatat(sd->dirfd, from, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode))
		return icc_err_set(err, ENOENT, "no such snapshot '%s'", from);
	if (renameat2(sd->dirfd, from, sd->dirfd, to, RENAME_NOREPLACE) < 0) {
		if (errno == EEXIST)
			return icc_err_set(err, EEXIST, "snapshot '%s' already exists", to);
		return icc_err_sys(err, errno, "cannot rename snapshot '%s' to '%s'", from, to);
	}
	icc_fsync_dir(sd->dirfd);
	return 0;
}

int icc_snapdir_clean_tmp(struct icc_snapdir *sd, bool dry_run, struct icc_err *err)
{
	int fd = openat(sd->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return icc_err_sys(err, errno, "cannot open snapshot directory");
	DIR *d = fdopendir(fd);
	if (!d) {
		int e = errno;
		close(fd);
		return icc_err_sys(err, e, "cannot read snapshot directory");
	}
	/* collect first: removing while iterating may skip entries */
	char **names = NULL;
	size_t n = 0, cap = 0;
	int rc = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, ".tmp-", 5) != 0)
			continue;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 8;
			char **nn = realloc(names, ncap * sizeof(*nn));
			if (!nn) {
				rc = icc_err_set(err, ENOMEM, "out of memory");
				break;
			}
			names = nn;
			cap = ncap;
		}
		if (!(names[n] = strdup(de->d_name))) {
			rc = icc_err_set(err, ENOMEM, "out of memory");
			break;
		}
		n++;
	}
	closedir(d);
	int removed = 0;
	for (size_t i = 0; i < n; i++) {
		if (rc == 0) {
			if (dry_run) {
				removed++;
			} else {
				int r = remove_staged(sd->dirfd, names[i]);
				if (r < 0)
					rc = icc_err_sys(err, -r, "cannot remove '%s'", names[i]);
				else
					removed++;
			}
		}
		free(names[i]);
	}
	free(names);
	return rc < 0 ? rc : removed;
}
