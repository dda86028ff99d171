/* cmd_commit.c - icc commit: a container's tree as a new image, by one snapshot */
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "icc/image/image.h"
#include "icc/store/object.h"
#include "icc/console/session.h"

int cmd_commit(struct cli_ctx *ctx)
{
	struct icc_store *st = &ctx->st;
	const char *message = cli_value(ctx, "message", NULL), *author = cli_value(ctx, "author", NULL);
	const char *ref = ctx->argv[1], *change;
	cJSON *changes = cJSON_CreateArray();
	for (size_t i = 0; (change = cli_nth(ctx, "change", i)); i++)
		cJSON_AddItemToArray(changes, cJSON_CreateString(change));
	struct icc_err err;
	char cid[ICC_ID_LEN + 1], id[ICC_ID_LEN + 1];
	cJSON *meta = NULL;
	int src = -1;
	int r = icc_container_resolve(st, ctx->argv[0], cid, &err);
	if (r == 0)
		r = icc_object_meta(st, ICC_CONTAINER, cid, &meta, &err);
	if (r == 0)
		r = src = icc_object_rootfs_fd(st, ICC_CONTAINER, cid, &err);
	if (r >= 0) {
		/* the image whitelist (icc_config_sanitize) drops what describes one run */
		cJSON *base = icc_config_sanitize(cJSON_GetObjectItemCaseSensitive(meta, "config"));
		/* created_by: the container's command, as Docker shows it */
		char created_by[2048] = "";
		size_t n = 0;
		const char *keys[] = {"Entrypoint", "Cmd"};
		for (int k = 0; k < 2; k++) {
			const cJSON *it;
			cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(base, keys[k]))
				if (cJSON_IsString(it) && n < sizeof(created_by))
					n += (size_t)snprintf(created_by + n, sizeof(created_by) - n, "%s%s",
							      n ? " " : "", it->valuestring);
		}
		if (!created_by[0])
			snprintf(created_by, sizeof(created_by), "/bin/sh");
		cJSON *source = cJSON_CreateObject();
		cJSON_AddStringToObject(source, "type", "commit");
		cJSON_AddStringToObject(source, "container", cid);
		const char *cname = icc_json_str(meta, "name");
		cJSON_AddStringToObject(source, "container_name", cname ? cname : "");
		/* the commands recorded at the container's shell: its saves, then what is not saved */
		cJSON *session = NULL;
		struct icc_err se;
		if (icc_session_steps(st, cid, NULL, true, &session, &se) == 0)
			cJSON_AddItemToObject(source, "session", session);
		const char *parent = icc_json_str(meta, "image");
		struct icc_image_opts o = {
			.ref = ref,
			.comment = message ? message : "",
			.author = author,
			.created_by = created_by,
			.changes = changes,
			.base_config = base,
			.parent = parent && icc_object_exists(st, ICC_IMAGE, parent) ? parent : NULL,
			.source = source,
		};
		r = icc_image_from_subvol(st, src, &o, id, &err);
		cJSON_Delete(source);
		cJSON_Delete(base);
	}
	if (src >= 0)
		close(src);
	cJSON_Delete(meta);
	cJSON_Delete(changes);
	if (r < 0)
		return cli_fail(&err);
	printf("sha256:%s\n", id);
	return 0;
}
