/* object.c - images and containers on disk: stage, publish, list, remove */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "icc/base/util.h"
#include "icc/base/fault.h"
#include "icc/store/object.h"
#include "icc/store/qgroup.h"
#include "icc/store/ref.h"
#include "icc/store/subvol.h"

const char *icc_kind_dir(enum icc_kind kind)
{
	return kind == ICC_IMAGE ? "images" : "containers";
}

const char *icc_kind_name(enum icc_kind kind)
{
	return kind == ICC_IMAGE ? "image" : "container";
}

int icc_stage_begin(struct icc_store *st, struct icc_stage *sg, struct icc_err *err)
{
	icc_random_id(sg->id);
	sg->dirfd = -1;
	char rel[128];
	snprintf(rel, sizeof(rel), "tmp/%s", sg->id);
	if (mkdirat(st->root_fd, rel, 0700) < 0)
		return icc_err_sys(err, errno, "cannot create '%s/%s'", st->root, rel);
	sg->dirfd = openat(st->root_fd, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sg->dirfd < 0)
		return icc_err_sys(err, errno, "cannot open '%s/%s'", st->root, rel);
	return 0;
}

int icc_stage_rootfs_empty(struct icc_stage *sg, struct icc_err *err)
{
	int r = icc_subvol_create(sg->dirfd, "rootfs", err);
	if (r < 0)
		return r;
	/* A fresh subvolume root is 0700; a root filesystem wants 0755. */
	int fd = openat(sg->dirfd, "rootfs", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fchmod(fd, 0755);
		close(fd);
	}
	return 0;
}

int icc_stage_rootfs_snapshot(struct icc_stage *sg, int src_fd, struct icc_err *err)
{
	return icc_subvol_snapshot(src_fd, sg->dirfd, "rootfs", false, err);
}

int icc_stage_rootfs_fd(struct icc_stage *sg, struct icc_err *err)
{
	int fd = openat(sg->dirfd, "rootfs", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? icc_err_sys(err, errno, "cannot open staged rootfs") : fd;
}

int icc_stage_publish(struct icc_store *st, struct icc_stage *sg, enum icc_kind kind,
		      cJSON *meta, struct icc_err *err)
{
	cJSON_DeleteItemFromObjectCaseSensitive(meta, "id");
	cJSON_AddStringToObject(meta, "id", sg->id);
	icc_fault_point("publish-before-meta");
	int r = icc_json_write(sg->dirfd, "meta.json", meta, err);
	if (r < 0)
		return r;
	icc_fault_point("publish-before-rename");
	if (kind == ICC_IMAGE) {
		int fd = icc_stage_rootfs_fd(sg, err);
		if (fd < 0)
			return fd;
		fsync(fd); /* persist the tree before it becomes visible */
		r = icc_subvol_set_readonly(fd, true, err);
		close(fd);
		if (r < 0)
			return r;
	}
	char from[128], to[128];
	snprintf(from, sizeof(from), "tmp/%s", sg->id);
	snprintf(to, sizeof(to), "%s/%s", icc_kind_dir(kind), sg->id);
	if (renameat2(st->root_fd, from, st->root_fd, to, RENAME_NOREPLACE) < 0)
		return icc_err_sys(err, errno, "cannot publish %s %.12s", icc_kind_name(kind), sg->id);
	int dfd = openat(st->root_fd, icc_kind_dir(kind), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		icc_fsync_dir(dfd);
		close(dfd);
	}
	close(sg->dirfd);
	sg->dirfd = -1;
	return 0;
}

void icc_stage_discard(struct icc_store *st, struct icc_stage *sg)
{
	if (sg->dirfd >= 0)
		close(sg->dirfd);
	sg->dirfd = -1;
	char rel[128];
	snprintf(rel, sizeof(rel), "tmp/%s", sg->id);
	struct icc_err e;
	icc_rmtree(st->root_fd, rel, &e);
}

void icc_stage_abort(struct icc_store *st, struct icc_stage *sg)
{
	icc_stage_discard(st, sg);
	icc_store_reclaim(st);
}

void icc_store_reclaim(struct icc_store *st)
{
	/* Best effort: the deletion itself succeeded, and a store whose cleaner
	 * cannot be waited for still frees the space within a commit interval. */
	struct icc_err e;
	icc_qgroup_wait_cleaner(st->root_fd, &e);
}

void icc_idlist_free(struct icc_idlist *l)
{
	free(l->ids);
	l->ids = NULL;
	l->count = 0;
}

static int cmp_id(const void *a, const void *b)
{
	return strcmp(a, b);
}

int icc_idlist_read(struct icc_store *st, const char *dir, bool missing_ok, struct icc_idlist *out,
		    struct icc_err *err)
{
	out->ids = NULL;
	out->count = 0;
	int fd = openat(st->root_fd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return missing_ok && errno == ENOENT ? 0 : icc_err_sys(err, errno, "cannot open '%s/%s'", st->root, dir);
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return icc_err_sys(err, errno, "cannot read '%s/%s'", st->root, dir);
	}
	size_t cap = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (strlen(de->d_name) != ICC_ID_LEN || !icc_is_hex(de->d_name, ICC_ID_LEN))
			continue;
		if (icc_grow(&out->ids, &cap, out->count, sizeof(*out->ids), 32) < 0) {
			closedir(d);
			icc_idlist_free(out);
			return icc_err_set(err, ENOMEM, "out of memory");
		}
		memcpy(out->ids[out->count++], de->d_name, ICC_ID_LEN + 1);
	}
	closedir(d);
	if (out->count)
		qsort(out->ids, out->count, sizeof(*out->ids), cmp_id);
	return 0;
}

int icc_object_list(struct icc_store *st, enum icc_kind kind, struct icc_idlist *out,
		    struct icc_err *err)
{
	return icc_idlist_read(st, icc_kind_dir(kind), false, out, err);
}

bool icc_object_find(struct icc_store *st, enum icc_kind kind,
		     bool (*match)(struct icc_store *st, const char *id, void *ctx), void *ctx,
		     char id[ICC_ID_LEN + 1])
{
	struct icc_idlist list;
	struct icc_err e;
	bool found = false;
	if (icc_object_list(st, kind, &list, &e) < 0)
		return false;
	for (size_t i = 0; i < list.count && !found; i++)
		if (match(st, list.ids[i], ctx)) {
			memcpy(id, list.ids[i], ICC_ID_LEN + 1);
			found = true;
		}
	icc_idlist_free(&list);
	return found;
}

const char *icc_object_path(struct icc_store *st, enum icc_kind kind, const char *id,
			    const char *rel, char *buf, size_t size)
{
	snprintf(buf, size, "%s/%s/%s%s%s", st->root, icc_kind_dir(kind), id,
		 rel && *rel ? "/" : "", rel ? rel : "");
	return buf;
}

bool icc_object_exists(struct icc_store *st, enum icc_kind kind, const char *id)
{
	char rel[128];
	snprintf(rel, sizeof(rel), "%s/%s", icc_kind_dir(kind), id);
	struct stat sb;
	return fstatat(st->root_fd, rel, &sb, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(sb.st_mode);
}

/* <kind>/<id>, or its `sub` folder (`what` then names it in errors), opened */
static int open_object_dir(struct icc_store *st, enum icc_kind kind, const char *id, const char *sub,
			   const char *what, struct icc_err *err)
{
	char rel[160];
	snprintf(rel, sizeof(rel), "%s/%s%s", icc_kind_dir(kind), id, sub);
	int fd = openat(st->root_fd, rel, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return icc_err_sys(err, errno, "cannot open %s%s %.12s", what, icc_kind_name(kind), id);
	return fd;
}

int icc_object_dirfd(struct icc_store *st, enum icc_kind kind, const char *id,
		     struct icc_err *err)
{
	return open_object_dir(st, kind, id, "", "", err);
}

int icc_object_rootfs_fd(struct icc_store *st, enum icc_kind kind, const char *id,
			 struct icc_err *err)
{
	return open_object_dir(st, kind, id, "/rootfs", "the root filesystem of ", err);
}

int icc_object_meta(struct icc_store *st, enum icc_kind kind, const char *id,
		    cJSON **meta, struct icc_err *err)
{
	int fd = icc_object_dirfd(st, kind, id, err);
	if (fd < 0)
		return fd;
	struct icc_err e2;
	int r = icc_json_read(fd, "meta.json", meta, &e2);
	close(fd);
	if (r < 0)
		return icc_err_set(err, -r, "%s %.12s: %s", icc_kind_name(kind), id,
				   r == -EBADMSG ? "corrupt metadata (meta.json is not valid JSON)" : e2.msg);
	return 0;
}

int icc_object_meta_save(struct icc_store *st, enum icc_kind kind, const char *id,
			 const cJSON *meta, struct icc_err *err)
{
	int fd = icc_object_dirfd(st, kind, id, err);
	if (fd < 0)
		return fd;
	int r = icc_json_write(fd, "meta.json", meta, err);
	close(fd);
	return r;
}

int icc_object_remove(struct icc_store *st, enum icc_kind kind, const char *id,
		      struct icc_err *err)
{
	char from[128], to[128];
	snprintf(from, sizeof(from), "%s/%s", icc_kind_dir(kind), id);
	snprintf(to, sizeof(to), "tmp/rm-%s", id);
	if (renameat(st->root_fd, from, st->root_fd, to) < 0)
		return icc_err_sys(err, errno, "cannot remove %s %.12s", icc_kind_name(kind), id);
	icc_fault_point("remove-after-rename");
	return icc_rmtree_observed(st->root_fd, to, st->rm_observer, err);
}

/* Match a unique id prefix among objects of `kind`. */
static int resolve_prefix(struct icc_store *st, enum icc_kind kind, const char *ref,
			  char id[ICC_ID_LEN + 1], struct icc_err *err)
{
	size_t n = strlen(ref);
	if (n == 0 || n > ICC_ID_LEN || !icc_is_hex(ref, n))
		return -ENOENT;
	struct icc_idlist l;
	int r = icc_object_list(st, kind, &l, err);
	if (r < 0)
		return r;
	int found = 0;
	for (size_t i = 0; i < l.count; i++) {
		if (!strncmp(l.ids[i], ref, n)) {
			if (found++ == 0)
				memcpy(id, l.ids[i], ICC_ID_LEN + 1);
		}
	}
	icc_idlist_free(&l);
	if (found > 1)
		return icc_err_set(err, EINVAL, "ambiguous %s id prefix '%s': %d %ss match",
				   icc_kind_name(kind), ref, found, icc_kind_name(kind));
	return found ? 0 : -ENOENT;
}

int icc_image_resolve(struct icc_store *st, const char *ref, char id[ICC_ID_LEN + 1],
		      struct icc_err *err)
{
	if (!ref || !*ref)
		return icc_err_set(err, EINVAL, "empty image reference");
	if (!strncmp(ref, "sha256:", 7)) {
		int r = resolve_prefix(st, ICC_IMAGE, ref + 7, id, err);
		if (r == -ENOENT)
			return icc_err_set(err, ENOENT, "no such image '%s'", ref);
		return r;
	}
	/* A name first (as Docker does), then an id prefix. */
	char norm[384];
	struct icc_err e2;
	if (icc_ref_normalize(ref, norm, sizeof(norm), &e2) == 0) {
		cJSON *refs;
		int r = icc_refs_load(st, &refs, err);
		if (r < 0)
			return r;
		const char *v = icc_json_str(refs, norm);
		if (v && strlen(v) == ICC_ID_LEN) {
			memcpy(id, v, ICC_ID_LEN + 1);
			cJSON_Delete(refs);
			if (!icc_object_exists(st, ICC_IMAGE, id))
				return icc_err_set(err, ENOENT, "image '%s' points to missing image %.12s (run: icc system check --repair)", ref, id);
			return 0;
		}
		cJSON_Delete(refs);
	}
	int r = resolve_prefix(st, ICC_IMAGE, ref, id, err);
	if (r == -ENOENT) {
		if (strchr(ref, ':') == NULL && icc_ref_normalize(ref, norm, sizeof(norm), &e2) < 0 &&
		    !icc_is_hex(ref, strlen(ref)))
			return icc_err_set(err, EINVAL, "%s", e2.msg);
		return icc_err_set(err, ENOENT, "no such image '%s'", ref);
	}
	return r;
}

int icc_object_each(struct icc_store *st, enum icc_kind kind,
		    int (*fn)(const char *id, const cJSON *meta, void *ctx), void *ctx,
		    struct icc_err *err)
{
	struct icc_idlist l;
	int r = icc_object_list(st, kind, &l, err);
	if (r < 0)
		return r;
	for (size_t i = 0; r == 0 && i < l.count; i++) {
		cJSON *meta;
		struct icc_err e;
		if (icc_object_meta(st, kind, l.ids[i], &meta, &e) < 0)
			continue;
		r = fn(l.ids[i], meta, ctx);
		cJSON_Delete(meta);
	}
	icc_idlist_free(&l);
	return r;
}

struct name_match {
	const char *name;
	char *id;
};

/* 1 (id copied) when the container is named m->name. */
static int named(const char *id, const cJSON *meta, void *ctx)
{
	struct name_match *m = ctx;
	const char *cn = icc_json_str(meta, "name");
	if (!cn || strcmp(cn, m->name))
		return 0;
	memcpy(m->id, id, ICC_ID_LEN + 1);
	return 1;
}

int icc_container_resolve(struct icc_store *st, const char *ref, char id[ICC_ID_LEN + 1],
			  struct icc_err *err)
{
	if (!ref || !*ref)
		return icc_err_set(err, EINVAL, "empty container reference");
	/* Exact id, then name, then id prefix (Docker's order). */
	size_t n = strlen(ref);
	if (n == ICC_ID_LEN && icc_is_hex(ref, n) && icc_object_exists(st, ICC_CONTAINER, ref)) {
		memcpy(id, ref, ICC_ID_LEN + 1);
		return 0;
	}
	struct name_match m = {.name = ref[0] == '/' ? ref + 1 : ref, .id = id};
	int r = icc_object_each(st, ICC_CONTAINER, named, &m, err);
	if (r != 0)
		return r < 0 ? r : 0;
	r = resolve_prefix(st, ICC_CONTAINER, ref, id, err);
	if (r == -ENOENT)
		return icc_err_set(err, ENOENT, "no such container '%s'", ref);
	return r;
}
