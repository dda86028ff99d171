/* cmd_diff.c - icc diff: A/C/D changes of a container, or between two objects */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "icc/image/diff.h"
#include "icc/store/object.h"
#include "icc/snap/snapref.h"

/* Open the tree a user names: CONTAINER/SNAP, a container, or an image. */
static int open_tree(struct icc_store *st, const char *ref, char image_of[ICC_ID_LEN + 1],
		     cJSON **exclude, struct icc_err *err)
{
	char id[ICC_ID_LEN + 1];
	image_of[0] = '\0';
	if (strchr(ref, '/')) {
		struct icc_snap_info info;
		struct icc_snapdir sd;
		char cid[ICC_ID_LEN + 1];
		struct icc_err e2;
		if (icc_snapshot_resolve(st, ref, cid, &info, &e2) == 0 &&
		    icc_container_snapdir_open(st, cid, &sd, err) == 0) {
			int fd = icc_snapdir_open_root(&sd, info.name, err);
			icc_snapdir_close(&sd);
			return fd;
		}
	}
	struct icc_err ce;
	if (icc_container_resolve(st, ref, id, &ce) == 0) {
		cJSON *meta;
		if (icc_object_meta(st, ICC_CONTAINER, id, &meta, err) == 0) {
			const char *img = icc_json_str(meta, "image");
			if (img && strlen(img) == ICC_ID_LEN)
				memcpy(image_of, img, ICC_ID_LEN + 1);
			const cJSON *ex = cJSON_GetObjectItemCaseSensitive(
				cJSON_GetObjectItemCaseSensitive(meta, "config"), "Exclude");
			if (cJSON_IsArray(ex) && !*exclude)
				*exclude = cJSON_Duplicate(ex, true);
			cJSON_Delete(meta);
		}
		return icc_object_rootfs_fd(st, ICC_CONTAINER, id, err);
	}
	if (icc_image_resolve(st, ref, id, err) == 0)
		return icc_object_rootfs_fd(st, ICC_IMAGE, id, err);
	return icc_err_set(err, ENOENT, "no such container, image or snapshot '%s'", ref);
}

int cmd_diff(struct cli_ctx *ctx)
{
	struct icc_store *st = &ctx->st;
	const char *format = cli_value(ctx, "format", NULL);
	struct icc_err err;
	char image_of[ICC_ID_LEN + 1], unused[ICC_ID_LEN + 1];
	int a = -1, b = -1, r;
	cJSON *exclude = NULL; /* a container's excluded paths: not its changes */
	if (ctx->argc == 1) {
		r = b = open_tree(st, ctx->argv[0], image_of, &exclude, &err);
		if (r >= 0 && !image_of[0])
			r = icc_err_set(&err, EINVAL, "'%s' is not a container: name two objects to compare (icc diff A B)", ctx->argv[0]);
		if (r >= 0)
			r = a = icc_object_rootfs_fd(st, ICC_IMAGE, image_of, &err);
	} else {
		r = a = open_tree(st, ctx->argv[0], unused, &exclude, &err);
		if (r >= 0)
			r = b = open_tree(st, ctx->argv[1], unused, &exclude, &err);
	}
	struct icc_changes ch = {0};
	if (r >= 0)
		r = icc_diff(st, a, b, &ch, &err);
	if (r >= 0 && exclude)
		icc_changes_drop_excluded(&ch, exclude);
	cJSON_Delete(exclude);
	if (a >= 0)
		close(a);
	if (b >= 0)
		close(b);
	if (r < 0)
		return cli_fail(&err);
	struct cli_fmt ff;
	int status = cli_fmt_open(&ff, "diff", format, "Kind", "KIND", "Path", "PATH", NULL);
	for (size_t i = 0; i < ch.n && !status; i++) {
		if (ff.kind != CLI_FMT_TABLE) {
			cJSON *o = cJSON_CreateObject();
			char k[2] = {ch.v[i].kind, 0};
			cJSON_AddStringToObject(o, "Kind", k);
			cJSON_AddStringToObject(o, "Path", ch.v[i].path);
			status = cli_fmt_row(&ff, o);
			cJSON_Delete(o);
		} else {
			/* names made in the container: no escape or line break reaches the terminal */
			icc_printable(ch.v[i].path);
			printf("%c %s\n", ch.v[i].kind, ch.v[i].path);
		}
	}
	cli_fmt_done(&ff, status); /* a bad template: only its error line */
	icc_changes_free(&ch);
	return status;
}
