/* snapkeep.c - removing a container while its snapshots stay in the store (snapkeep.h) */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "icc/base/fault.h"
#include "icc/snap/snapdir.h"
#include "icc/snap/snapkeep.h"
#include "icc/store/subvol.h"

#define RECORD ".container.json"

/* Snapshots in the snapshot directory `rel` (relative to the root), or -errno. */
static int count_at(struct icc_store *st, const char *rel)
{
	int fd = openat(st->root_fd, rel, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct icc_snapdir sd = {.dirfd = fd};
	struct icc_snap_info *all = NULL;
	size_t n = 0;
	struct icc_err e;
	int r = icc_snapdir_list(&sd, &all, &n, &e);
	free(all);
	icc_snapdir_close(&sd);
	return r < 0 ? r : (int)n;
}

static void fsync_rel(struct icc_store *st, const char *rel)
{
	int fd = openat(st->root_fd, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		icc_fsync_dir(fd);
		close(fd);
	}
}

int icc_keep_finish(struct icc_store *st, const char *id, int *kept, struct icc_err *err)
{
	char tdir[128], tsnap[160], dest[128];
	snprintf(tdir, sizeof(tdir), "tmp/keep-%s", id);
	snprintf(tsnap, sizeof(tsnap), "%s/snapshots", tdir);
	snprintf(dest, sizeof(dest), "snapshots/%s", id);
	*kept = 0;

	int n = count_at(st, tsnap);
	if (n > 0) {
		/* 2. the record: the container's last metadata, so the snapshots
		 * can still be named, promoted and listed with its name */
		int tfd = openat(st->root_fd, tdir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (tfd < 0)
			return icc_err_sys(err, errno, "cannot open '%s/%s'", st->root, tdir);
		cJSON *meta = NULL;
		struct icc_err e2;
		if (icc_json_read(tfd, "meta.json", &meta, &e2) < 0)
			meta = cJSON_CreateObject(); /* corrupt or missing: the id is enough */
		close(tfd);
		if (!meta)
			return icc_err_set(err, ENOMEM, "out of memory");
		cJSON_DeleteItemFromObjectCaseSensitive(meta, "id");
		cJSON_AddStringToObject(meta, "id", id);
		char now[64];
		icc_time_format(icc_now_ns(), now, sizeof(now));
		cJSON_DeleteItemFromObjectCaseSensitive(meta, "removed");
		cJSON_AddStringToObject(meta, "removed", now);
		int sfd = openat(st->root_fd, tsnap, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		int r = sfd < 0 ? icc_err_sys(err, errno, "cannot open '%s/%s'", st->root, tsnap)
				: icc_json_write(sfd, RECORD, meta, err);
		if (sfd >= 0)
			close(sfd);
		cJSON_Delete(meta);
		if (r < 0)
			return r;
		icc_fault_point("keep-after-record");

		/* 3. the snapshots appear under snapshots/, record included */
		if (renameat2(st->root_fd, tsnap, st->root_fd, dest, RENAME_NOREPLACE) < 0)
			return icc_err_sys(err, errno, "cannot keep the snapshots of container %.12s in '%s/%s'",
					   id, st->root, dest);
		fsync_rel(st, "snapshots");
		*kept = n;
		icc_fault_point("keep-after-move");
	} else if (n < 0 && n != -ENOENT) {
		return icc_err_sys(err, -n, "cannot read the snapshots of container %.12s", id);
	}
	/* 4. the container's own tree */
	return icc_rmtree_observed(st->root_fd, tdir, st->rm_observer, err);
}

int icc_container_remove(struct icc_store *st, const char *id, bool keep_snapshots,
			 int *kept, struct icc_err *err)
{
	*kept = 0;
	char snaps[160];
	snprintf(snaps, sizeof(snaps), "containers/%s/snapshots", id);
	if (!keep_snapshots || count_at(st, snaps) <= 0)
		return icc_object_remove(st, ICC_CONTAINER, id, err);
	char from[128], to[128];
	snprintf(from, sizeof(from), "containers/%s", id);
	snprintf(to, sizeof(to), "tmp/keep-%s", id);
	if (renameat2(st->root_fd, from, st->root_fd, to, RENAME_NOREPLACE) < 0)
		return icc_err_sys(err, errno, "cannot remove container %.12s", id);
	icc_fault_point("keep-after-rename");
	return icc_keep_finish(st, id, kept, err);
}

int icc_kept_list(struct icc_store *st, struct icc_idlist *out, struct icc_err *err)
{
	return icc_idlist_read(st, "snapshots", true, out, err); /* none kept yet: no directory */
}

bool icc_kept_exists(struct icc_store *st, const char *id)
{
	if (strlen(id) != ICC_ID_LEN || !icc_is_hex(id, ICC_ID_LEN))
		return false;
	char rel[128];
	snprintf(rel, sizeof(rel), "snapshots/%s", id);
	struct stat sb;
	return fstatat(st->root_fd, rel, &sb, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(sb.st_mode);
}

int icc_kept_meta(struct icc_store *st, const char *id, cJSON **meta, struct icc_err *err)
{
	char rel[128];
	snprintf(rel, sizeof(rel), "snapshots/%s", id);
	int fd = openat(st->root_fd, rel, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return icc_err_sys(err, errno, "no snapshots kept of container %.12s", id);
	int r = icc_json_read(fd, RECORD, meta, err);
	close(fd);
	return r;
}

int icc_kept_count(struct icc_store *st, const char *id)
{
	char rel[128];
	snprintf(rel, sizeof(rel), "snapshots/%s", id);
	int n = count_at(st, rel);
	return n < 0 ? 0 : n;
}

int icc_kept_remove(struct icc_store *st, const char *id, struct icc_err *err)
{
	char from[128], to[128];
	snprintf(from, sizeof(from), "snapshots/%s", id);
	snprintf(to, sizeof(to), "tmp/rm-snapshots-%s", id);
	if (renameat2(st->root_fd, from, st->root_fd, to, RENAME_NOREPLACE) < 0) {
		if (errno == ENOENT)
			return 0;
		return icc_err_sys(err, errno, "cannot remove the snapshots of container %.12s", id);
	}
	icc_fault_point("kept-remove-after-rename");
	return icc_rmtree_observed(st->root_fd, to, st->rm_observer, err);
}

int icc_kept_tidy(struct icc_store *st, const char *id, struct icc_err *err)
{
	char rel[128];
	snprintf(rel, sizeof(rel), "snapshots/%s", id);
	int n = count_at(st, rel);
	if (n != 0)
		return n < 0 && n != -ENOENT ? icc_err_sys(err, -n, "cannot read '%s/%s'", st->root, rel) : 0;
	return icc_kept_remove(st, id, err);
}

int icc_keep_pending(struct icc_store *st, const char *id)
{
	char rel[160];
	snprintf(rel, sizeof(rel), "tmp/keep-%s/snapshots", id);
	int n = count_at(st, rel);
	return n < 0 ? 0 : n;
}
