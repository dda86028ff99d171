/* image_build.c - new images from a directory, a tar stream or a subvolume */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <dirent.h>

#include "icc/base/fault.h"
#include "icc/image/image.h"
#include "icc/store/object.h"
#include "icc/container/placeholders.h"
#include "icc/base/proc.h"
#include "icc/store/ref.h"

/* The meta.json of a new image, before publishing. */
static cJSON *new_meta(const struct icc_image_opts *o, struct icc_err *err)
{
	cJSON *meta = cJSON_CreateObject();
	char created[64];
	icc_time_format(icc_now_ns(), created, sizeof(created));
	cJSON_AddStringToObject(meta, "created", created);
	cJSON_AddStringToObject(meta, "parent", o->parent ? o->parent : "");
	cJSON_AddStringToObject(meta, "comment", o->comment ? o->comment : "");
	cJSON_AddStringToObject(meta, "author", o->author ? o->author : "");
	cJSON_AddStringToObject(meta, "created_by", o->created_by ? o->created_by : "");
	cJSON *config = o->base_config ? cJSON_Duplicate(o->base_config, true) : cJSON_CreateObject();
	if (!cJSON_GetObjectItemCaseSensitive(config, "Env")) {
		cJSON *env = cJSON_AddArrayToObject(config, "Env");
		cJSON_AddItemToArray(env, cJSON_CreateString(
			"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"));
	}
	if (o->changes && icc_config_apply(config, o->changes, err) < 0) {
		cJSON_Delete(config);
		cJSON_Delete(meta);
		return NULL;
	}
	/* the parent's or container's config and the -c lines: only what an image may hold */
	cJSON_AddItemToObject(meta, "config", icc_config_sanitize(config));
	cJSON_Delete(config);
	if (o->changes)
		cJSON_AddItemToObject(meta, "changes", cJSON_Duplicate(o->changes, true));
	if (o->source)
		cJSON_AddItemToObject(meta, "source", cJSON_Duplicate(o->source, true));
	return meta;
}

/* Publish the staged image and point its tag at it, under the store lock. */
static int finish(struct icc_store *st, struct icc_stage *sg, cJSON *meta,
		  const struct icc_image_opts *o, const char *norm_ref,
		  char id[ICC_ID_LEN + 1], struct icc_err *err)
{
	int r = icc_store_lock(st, err);
	if (r < 0)
		return r;
	if (o->parent && !icc_object_exists(st, ICC_IMAGE, o->parent)) {
		icc_store_unlock(st);
		return icc_err_set(err, ENOENT, "parent image %.12s was removed meanwhile", o->parent);
	}
	r = icc_stage_publish(st, sg, ICC_IMAGE, meta, err);
	if (r == 0)
		icc_fault_point("image-before-tag");
	if (r == 0 && norm_ref)
		r = icc_refs_set(st, norm_ref, sg->id, err);
	icc_store_unlock(st);
	if (r == 0)
		memcpy(id, sg->id, ICC_ID_LEN + 1);
	return r;
}

/* Validate the tag before any work is done, so bad input costs nothing. */
static int check_ref(const struct icc_image_opts *o, char *norm, size_t size,
		     struct icc_err *err)
{
	if (!o->ref)
		return 0;
	return icc_ref_normalize(o->ref, norm, size, err);
}

/* Run `cp -a --reflink=auto SRC/. DST` capturing its first error line. */
static int reflink_copy(const char *src, const char *dst, struct icc_err *err)
{
	char from[4200], msg[1024];
	snprintf(from, sizeof(from), "%s/.", src);
	const char *argv[] = {"cp", "-a", "--reflink=auto", "--", from, dst, NULL};
	const char *line;
	int rc = icc_proc_first_line(argv, msg, sizeof(msg), &line, err);
	if (rc < 0)
		return rc;
	if (rc != 0)
		return icc_err_set(err, EIO, "cannot copy '%s': %s", src, *line ? line : "cp failed");
	return 0;
}

/*
 * The steps every new image shares: validate the tag, stage, let `fill`
 * make the staged rootfs (it may add members to meta, e.g. "size"),
 * publish and tag; on any failure the staged object is thrown away.
 */
typedef int (*fill_fn)(struct icc_store *st, struct icc_stage *sg, cJSON *meta, void *ctx,
		       struct icc_err *err);

static int build(struct icc_store *st, const struct icc_image_opts *o, fill_fn fill, void *ctx,
		 char id[ICC_ID_LEN + 1], struct icc_err *err)
{
	char norm[ICC_REF_MAX];
	int r = check_ref(o, norm, sizeof(norm), err);
	if (r < 0)
		return r;
	cJSON *meta = new_meta(o, err);
	if (!meta)
		return -EINVAL;
	struct icc_stage sg;
	r = icc_stage_begin(st, &sg, err);
	if (r == 0)
		r = fill(st, &sg, meta, ctx, err);
	if (r == 0)
		r = finish(st, &sg, meta, o, o->ref ? norm : NULL, id, err);
	if (r < 0)
		icc_stage_abort(st, &sg);
	cJSON_Delete(meta);
	return r;
}

/* Record the staged tree's apparent size in meta. */
static int add_size(struct icc_stage *sg, cJSON *meta, struct icc_err *err)
{
	int fd = icc_stage_rootfs_fd(sg, err);
	if (fd < 0)
		return fd;
	unsigned long long size = 0;
	int r = icc_tree_size(fd, &size, err);
	if (r == 0)
		cJSON_AddNumberToObject(meta, "size", (double)size);
	close(fd);
	return r;
}

struct dir_src {
	const char *dir;
	struct stat sb;
};

static int fill_from_dir(struct icc_store *st, struct icc_stage *sg, cJSON *meta, void *ctx,
			 struct icc_err *err)
{
	struct dir_src *src = ctx;
	int r = icc_stage_rootfs_empty(sg, err);
	if (r < 0)
		return r;
	char dst[4300];
	snprintf(dst, sizeof(dst), "%s/tmp/%s/rootfs", st->root, sg->id);
	r = reflink_copy(src->dir, dst, err);
	if (r < 0)
		return r;
	/* the root directory's own owner and mode come from DIR too */
	int fd = icc_stage_rootfs_fd(sg, err);
	if (fd < 0)
		return fd;
	if (fchown(fd, src->sb.st_uid, src->sb.st_gid) < 0 || fchmod(fd, src->sb.st_mode & 07777) < 0)
		r = icc_err_sys(err, errno, "cannot set the root's owner and mode");
	close(fd);
	return r < 0 ? r : add_size(sg, meta, err);
}

int icc_image_from_dir(struct icc_store *st, const char *dir,
		       const struct icc_image_opts *o, char id[ICC_ID_LEN + 1],
		       struct icc_err *err)
{
	char norm[ICC_REF_MAX];
	int r = check_ref(o, norm, sizeof(norm), err);
	if (r < 0)
		return r;
	struct dir_src src = {.dir = dir};
	if (stat(dir, &src.sb) < 0)
		return icc_err_sys(err, errno, "cannot use directory '%s'", dir);
	if (!S_ISDIR(src.sb.st_mode))
		return icc_err_set(err, ENOTDIR, "cannot use '%s': not a directory", dir);
	DIR *d = opendir(dir);
	if (!d)
		return icc_err_sys(err, errno, "cannot read directory '%s'", dir);
	bool empty = true;
	struct dirent *de;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
			empty = false;
			break;
		}
	closedir(d);
	if (empty)
		return icc_err_set(err, EINVAL, "cannot use directory '%s': it is empty", dir);
	return build(st, o, fill_from_dir, &src, id, err);
}

struct tar_src {
	int fd;
	const char *what;
};

static int fill_from_tar(struct icc_store *st, struct icc_stage *sg, cJSON *meta, void *ctx,
			 struct icc_err *err)
{
	struct tar_src *src = ctx;
	int r = icc_stage_rootfs_empty(sg, err);
	if (r < 0)
		return r;
	int fd = icc_stage_rootfs_fd(sg, err);
	if (fd < 0)
		return fd;
	unsigned long long bytes = 0;
	r = icc_tar_extract(src->fd, src->what, fd, &bytes, err);
	close(fd);
	icc_fault_point("import-after-extract");
	return r < 0 ? r : add_size(sg, meta, err);
}

int icc_image_from_tar(struct icc_store *st, int in_fd, const char *what,
		       const struct icc_image_opts *o, char id[ICC_ID_LEN + 1],
		       struct icc_err *err)
{
	struct tar_src src = {.fd = in_fd, .what = what};
	return build(st, o, fill_from_tar, &src, id, err);
}

static int fill_from_subvol(struct icc_store *st, struct icc_stage *sg, cJSON *meta, void *ctx,
			    struct icc_err *err)
{
	int r = icc_stage_rootfs_snapshot(sg, *(int *)ctx, err);
	if (r == 0) {
		/* the runtime's mount points and /etc/mtab are not the container's
		 * files: only what the parent image had stays */
		const char *parent = icc_json_str(meta, "parent");
		struct icc_err e2;
		int base = parent && *parent ? icc_object_rootfs_fd(st, ICC_IMAGE, parent, &e2) : -1;
		int fd = icc_stage_rootfs_fd(sg, err);
		r = fd < 0 ? fd : icc_placeholders_strip(fd, base);
		if (r < 0 && fd >= 0)
			r = icc_err_sys(err, -r, "cannot remove the runtime's placeholders from the new image");
		if (fd >= 0)
			close(fd);
		if (base >= 0)
			close(base);
	}
	if (r == 0)
		icc_fault_point("promote-after-snapshot");
	return r;
}

int icc_image_from_subvol(struct icc_store *st, int src_fd,
			  const struct icc_image_opts *o, char id[ICC_ID_LEN + 1],
			  struct icc_err *err)
{
	return build(st, o, fill_from_subvol, &src_fd, id, err);
}

int icc_image_from_fill(struct icc_store *st, const struct icc_image_opts *o, icc_image_fill_fn fill,
			void *ctx, char id[ICC_ID_LEN + 1], struct icc_err *err)
{
	return build(st, o, fill, ctx, id, err);
}
