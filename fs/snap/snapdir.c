/* snapdir.c - the read-only snapshots of one subvolume, kept in one directory */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <btrfsutil.h>

#include "icc/base/util.h"
#include "icc/base/fault.h"
#include "icc/snap/snapdir.h"

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

const char *icc_snap_origin_name(enum icc_snap_origin o)
{
	return o == ICC_SNAP_CONTAINER ? "container" : "host";
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

int icc_snapdir_open(struct icc_snapdir *sd, const char *path, struct icc_err *err)
{
	sd->dirfd = -1;
	int r = icc_mkdir_p(path, 0700);
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
static int write_meta(int tfd, const char *id, const char *created_txt,
		      const struct icc_snap_opts *o, struct icc_err *err)
{
	const char *message = o->message;
	const cJSON *source = o->source;
	cJSON *meta = cJSON_CreateObject();
	if (!meta || !cJSON_AddStringToObject(meta, "id", id) ||
	    !cJSON_AddStringToObject(meta, "created", created_txt) ||
	    !cJSON_AddStringToObject(meta, "origin", icc_snap_origin_name(o->origin)) ||
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
	size_t len;
	char *t2 = icc_json_text(meta, true, &len);
	cJSON_Delete(meta);
	if (!t2)
		return icc_err_set(err, ENOMEM, "out of memory writing snapshot metadata");
	/* the staging dir is ours alone: no temp file and rename needed, a
	 * crash leaves the whole dir as garbage anyway */
	int fd = openat(tfd, "meta.json", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		int e = errno;
		free(t2);
		return icc_err_sys(err, e, "cannot create 'meta.json'");
	}
	int e = -icc_write_all(fd, t2, len);
	free(t2);
	/*
	 * Written out and waited for, but no fsync: the snapshot ioctl that
	 * follows commits a transaction (btrfs creates snapshots in the commit),
	 * which makes this file's inode, its extent (inline for small files) and
	 * the staging dir durable together, after the data write completed.  An
	 * fsync would also force a log-tree sync and a disk flush of its own:
	 * 0.6-1.9 ms of an idle save's ~1 ms of overhead over the raw ioctl.
	 */
	if (!e && sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE |
				  SYNC_FILE_RANGE_WAIT_AFTER) < 0)
		e = errno;
	close(fd);
	if (e)
		return icc_err_sys(err, e, "cannot write snapshot metadata");
	return 0;
}

/*
 * Make, open and flock a staging dir DIR/.tmp-X; returns its fd.  The flock
 * says "being made" to icc_snapdir_tmp_busy (system check) and dies with
 * the process, so what a crash leaves is a leftover check may remove.  If
 * check took the dir for a leftover between our mkdir and our flock, it
 * holds the flock (ours fails) or has removed the dir (the name no longer
 * leads to our fd's inode): then start again with a new name.
 */
static int make_staging(int dirfd, char *tmp, size_t size, struct icc_err *err)
{
	for (int tries = 0; tries < 100; tries++) {
		char rnd[ICC_ID_LEN + 1];
		icc_random_id(rnd);
		snprintf(tmp, size, ".tmp-%.16s", rnd);
		if (mkdirat(dirfd, tmp, 0755) < 0)
			return icc_err_sys(err, errno, "cannot create '%s'", tmp);
		int tfd = openat(dirfd, tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (tfd < 0) {
			if (errno == ENOENT)
				continue;
			int e = errno;
			unlinkat(dirfd, tmp, AT_REMOVEDIR);
			return icc_err_sys(err, e, "cannot open '%s'", tmp);
		}
		if (flock(tfd, LOCK_EX | LOCK_NB) < 0) {
			int e = errno;
			close(tfd);
			if (e == EWOULDBLOCK)
				continue;
			unlinkat(dirfd, tmp, AT_REMOVEDIR);
			return icc_err_sys(err, e, "cannot lock '%s'", tmp);
		}
		struct stat a, b;
		if (fstat(tfd, &a) == 0 && fstatat(dirfd, tmp, &b, AT_SYMLINK_NOFOLLOW) == 0 &&
		    a.st_dev == b.st_dev && a.st_ino == b.st_ino)
			return tfd;
		close(tfd);
	}
	return icc_err_set(err, EAGAIN, "cannot make a staging directory for a snapshot");
}

static int read_info(struct icc_snapdir *sd, const char *name,
		     struct icc_snap_info *out, struct icc_err *err);

/*
 * Rename the staging dir `tmp` to the snapshot's name (written to `final`),
 * holding the store lock: the one step that must be serialised with the
 * CLI (rm, rename, prune, check) and with other saves.
 */
static int publish(struct icc_snapdir *sd, const char *tmp, const struct icc_snap_opts *o,
		   int64_t created, char *final, size_t size, struct icc_err *err)
{
	bool automatic = !o->name || !*o->name;
	int lfd = -1;
	if (o->lock_path && (lfd = icc_flock(o->lock_path, err)) < 0)
		return lfd;
	int rc = 0;
	for (unsigned n = 1;; n++) {
		if (automatic)
			auto_name(created, n, final, size);
		else
			snprintf(final, size, "%s", o->name);
		if (renameat2(sd->dirfd, tmp, sd->dirfd, final, RENAME_NOREPLACE) == 0)
			break;
		int e = errno;
		if (e == EEXIST && automatic && n < 100000)
			continue;
		struct icc_snap_info cur;
		struct icc_err ignore;
		if (e == EEXIST && o->origin == ICC_SNAP_CONTAINER &&
		    read_info(sd, final, &cur, &ignore) == 0 && cur.origin == ICC_SNAP_HOST)
			rc = icc_err_set(err, EPERM, "snapshot '%s' was made by the host", final);
		else if (e == EEXIST)
			rc = icc_err_set(err, EEXIST, "snapshot '%s' already exists", final);
		else
			rc = icc_err_sys(err, e, "cannot publish snapshot '%s'", final);
		break;
	}
	icc_funlock(lfd);
	return rc;
}

/*
 * The durable steps, in order (docs/store.md, docs/reliability.md):
 *   1. mkdir DIR/.tmp-X (flock'd), write meta.json into it and write it out
 *      (sync_file_range, waiting);
 *   2. under the store lock, publish by renameat2(RENAME_NOREPLACE) to the
 *      snapshot's name.  Without its rootfs the directory is no snapshot yet:
 *      listings and lookups skip it, rm and rename say there is none, and
 *      check leaves it alone while its flock is held;
 *   3. the snapshot ioctl makes DIR/NAME/rootfs: btrfs writes out the
 *      subvolume's dirty data and commits a transaction, which makes every
 *      earlier metadata change of the file system durable with it (the
 *      staging dir, meta.json, the publishing rename).  So no fsync is
 *      needed anywhere: when the ioctl returns, the snapshot is on disk under
 *      its name.  (Renaming after the ioctl needed a directory fsync, a
 *      log-tree sync and disk flush of its own: most of an idle save's cost
 *      over the raw ioctl.)
 * Only step 2 takes the lock: writing out a container's dirty data must not
 * make every other store command wait (2 GB took seconds).  A crash before
 * 2 leaves DIR/.tmp-X, one between 2 and the end of 3 DIR/NAME without
 * rootfs; check --repair removes either.
 */
int icc_snapdir_take(struct icc_snapdir *sd, int src_fd, const struct icc_snap_opts *o,
		     struct icc_snap_info *out, struct icc_err *err)
{
	if (o->name && *o->name && !icc_snap_name_valid(o->name))
		return icc_err_set(err, EINVAL, "invalid snapshot name '%.200s'", o->name);
	size_t mlen = o->message ? strlen(o->message) : 0;
	if (mlen > ICC_SNAP_MESSAGE_MAX)
		return icc_err_set(err, EFBIG, "snapshot message of %zu bytes (at most %d)",
				   mlen, ICC_SNAP_MESSAGE_MAX);

	char id[ICC_ID_LEN + 1];
	icc_random_id(id);
	char tmp[32];
	int tfd = make_staging(sd->dirfd, tmp, sizeof(tmp), err);
	if (tfd < 0)
		return tfd;

	int64_t created = icc_now_ns();
	char created_txt[64];
	icc_time_format(created, created_txt, sizeof(created_txt));
	int rc = write_meta(tfd, id, created_txt, o, err);
	char final[ICC_SNAP_NAME_MAX + 1];
	bool published = false;
	if (rc == 0) {
		icc_fault_point("snapshot-before-rename");
		rc = publish(sd, tmp, o, created, final, sizeof(final), err);
		published = rc == 0;
	}
	if (rc == 0) {
		icc_fault_point("snapshot-before-subvol");
		errno = 0;
		enum btrfs_util_error be = btrfs_util_create_snapshot_fd2(
			src_fd, tfd, "rootfs", BTRFS_UTIL_CREATE_SNAPSHOT_READ_ONLY, NULL, NULL);
		if (be)
			rc = icc_err_sys(err, bu_errno(be), "cannot snapshot: %s",
					 btrfs_util_strerror(be));
	}
	if (rc == 0)
		icc_fault_point("snapshot-after-subvol");
	/* still flock'd: check leaves it to us, and nobody else can remove or
	 * rename a directory without rootfs */
	if (rc < 0)
		remove_staged(sd->dirfd, published ? final : tmp);
	close(tfd);
	if (rc < 0)
		return rc;
	if (out) {
		memset(out, 0, sizeof(*out));
		snprintf(out->name, sizeof(out->name), "%s", final);
		memcpy(out->id, id, sizeof(out->id));
		out->created_ns = created;
		out->origin = o->origin;
		snprintf(out->message, sizeof(out->message), "%s", o->message ? o->message : "");
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
		s = icc_json_str(meta, "origin");
		out->origin = s && !strcmp(s, "container") ? ICC_SNAP_CONTAINER : ICC_SNAP_HOST;
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

/* The snapshot directory to read with readdir (its own fd: sd->dirfd stays put). */
static int open_listing(struct icc_snapdir *sd, DIR **d, struct icc_err *err)
{
	int fd = openat(sd->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return icc_err_sys(err, errno, "cannot open snapshot directory");
	*d = fdopendir(fd);
	if (!*d) {
		int e = errno;
		close(fd);
		return icc_err_sys(err, e, "cannot read snapshot directory");
	}
	return 0;
}

int icc_snapdir_list(struct icc_snapdir *sd, struct icc_snap_info **out,
		     size_t *count, struct icc_err *err)
{
	*out = NULL;
	*count = 0;
	DIR *d;
	int r = open_listing(sd, &d, err);
	if (r < 0)
		return r;
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
		if (icc_grow(&v, &cap, n, sizeof(*v), 16) < 0) {
			rc = icc_err_set(err, ENOMEM, "out of memory listing snapshots");
			break;
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

/* The directory of snapshot NAME (a valid name, never a path), opened. */
static int open_snap(struct icc_snapdir *sd, const char *name, struct icc_err *err)
{
	if (!icc_snap_name_valid(name))
		return icc_err_set(err, ENOENT, "no such snapshot '%.200s'", name);
	int fd = openat(sd->dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return icc_err_sys(err, errno, "cannot open snapshot '%s'", name);
	return fd;
}

int icc_snapdir_open_root(struct icc_snapdir *sd, const char *name,
			  struct icc_err *err)
{
	int fd = open_snap(sd, name, err);
	if (fd < 0)
		return fd;
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
	int fd = open_snap(sd, name, err);
	if (fd < 0)
		return fd;
	cJSON *meta;
	int r = icc_json_read(fd, "meta.json", &meta, err);
	if (r == 0) {
		const char *old = icc_json_str(meta, "message");
		size_t oldlen = old ? strlen(old) : 0;
		size_t total = oldlen + (oldlen ? 1 : 0) + strlen(text);
		char *msg = total <= ICC_SNAP_MESSAGE_MAX ? malloc(total + 1) : NULL;
		if (total > ICC_SNAP_MESSAGE_MAX) {
			r = icc_err_set(err, EFBIG, "message of snapshot '%s' would be %zu bytes (at most %d)",
					name, total, ICC_SNAP_MESSAGE_MAX);
		} else if (!msg) {
			r = icc_err_set(err, ENOMEM, "out of memory");
		} else {
			snprintf(msg, total + 1, "%s%s%s", old ? old : "", oldlen ? "\n" : "", text);
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

/* `name` is a snapshot in sd (a valid name, a directory there); else -ENOENT. */
static int snap_present(struct icc_snapdir *sd, const char *name, struct icc_err *err)
{
	if (!icc_snap_name_valid(name))
		return icc_err_set(err, ENOENT, "no such snapshot '%.200s'", name);
	/* a directory without rootfs is a snapshot still being made */
	int fd = openat(sd->dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	bool whole = fd >= 0 && fstatat(fd, "rootfs", &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		     S_ISDIR(st.st_mode);
	if (fd >= 0)
		close(fd);
	if (!whole)
		return icc_err_set(err, ENOENT, "no such snapshot '%s'", name);
	return 0;
}

int icc_snapdir_remove(struct icc_snapdir *sd, const char *name, struct icc_err *err)
{
	int r = snap_present(sd, name, err);
	if (r < 0)
		return r;
	char id[ICC_ID_LEN + 1];
	icc_random_id(id);
	char tmp[40];
	snprintf(tmp, sizeof(tmp), ".tmp-del-%.16s", id);
	if (renameat2(sd->dirfd, name, sd->dirfd, tmp, RENAME_NOREPLACE) < 0) {
		if (errno == ENOENT)
			return icc_err_set(err, ENOENT, "no such snapshot '%s'", name);
		return icc_err_sys(err, errno, "cannot remove snapshot '%s'", name);
	}
	icc_fault_point("snapshot-remove-after-rename");
	r = remove_staged(sd->dirfd, tmp);
	icc_fsync_dir(sd->dirfd);
	if (r < 0)
		return icc_err_sys(err, -r, "cannot remove snapshot '%s' (left in '%s')",
				   name, tmp);
	return 0;
}

int icc_snapdir_rename(struct icc_snapdir *sd, const char *from, const char *to,
		       struct icc_err *err)
{
	int r = snap_present(sd, from, err);
	if (r < 0)
		return r;
	if (!icc_snap_name_valid(to))
		return icc_err_set(err, EINVAL, "invalid snapshot name '%.200s'", to);
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
	DIR *d;
	int r = open_listing(sd, &d, err);
	if (r < 0)
		return r;
	/* collect first: removing while iterating may skip entries */
	char **names = NULL;
	size_t n = 0, cap = 0;
	int rc = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, ".tmp-", 5) != 0)
			continue;
		if (icc_strv_push(&names, &n, &cap, de->d_name) < 0) {
			rc = icc_err_set(err, ENOMEM, "out of memory");
			break;
		}
	}
	closedir(d);
	int removed = 0;
	for (size_t i = 0; i < n; i++) {
		if (rc == 0) {
			int r = icc_snapdir_tmp_busy(sd->dirfd, names[i], !dry_run);
			if (r < 0)
				rc = icc_err_sys(err, -r, "cannot remove '%s'", names[i]);
			else if (r == 0)
				removed++;
		}
		free(names[i]);
	}
	free(names);
	return rc < 0 ? rc : removed;
}

/*
 * Open DIR/name into *fd and take its flock without waiting: 0, 1 when its
 * maker holds it, or -errno (-ENOENT: gone; -ENOTDIR/-ELOOP: not a dir).
 */
static int take_maker_flock(int dirfd, const char *name, int *fd)
{
	*fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (*fd < 0)
		return -errno;
	if (flock(*fd, LOCK_EX | LOCK_NB) == 0)
		return 0;
	int e = errno;
	close(*fd);
	return e == EWOULDBLOCK ? 1 : -e;
}

int icc_snapdir_tmp_busy(int dirfd, const char *name, bool remove)
{
	int fd, r = take_maker_flock(dirfd, name, &fd);
	if (r == -ENOENT)
		return 0;
	if (r == -ENOTDIR || r == -ELOOP) {
		/* not a directory: nobody's staging dir */
		if (remove && unlinkat(dirfd, name, 0) < 0 && errno != ENOENT)
			return -errno;
		return 0;
	}
	if (r != 0)
		return r;
	r = remove ? remove_staged(dirfd, name) : 0;
	close(fd);
	return r;
}

int icc_snapdir_unfinished(int dirfd, const char *name, bool remove)
{
	int fd, r = take_maker_flock(dirfd, name, &fd);
	if (r == -ENOENT)
		return 2; /* gone meanwhile */
	if (r != 0)
		return r;
	/* the flock is the save's until it ends: a rootfs now means it finished */
	struct stat st;
	if (fstatat(fd, "rootfs", &st, AT_SYMLINK_NOFOLLOW) == 0)
		r = 2;
	else
		r = remove ? remove_staged(dirfd, name) : 0;
	close(fd);
	return r;
}
