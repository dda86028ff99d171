/* cmd_history.c - icc history: the lineage of an image, newest first */
#include <string.h>

#include "cli.h"
#include "icc/store/object.h"

#define MAX_DEPTH 4096

int cmd_history(struct cli_ctx *ctx)
{
	struct icc_store *st = &ctx->st;
	bool notrunc = cli_has(ctx, "no-trunc"), quiet = cli_has(ctx, "quiet");
	const char *format = cli_value(ctx, "format", NULL);
	if (cli_has(ctx, "commands"))
		return cli_history_commands(st, ctx->argv[0]);
	struct icc_err err;
	char id[ICC_ID_LEN + 1];
	if (icc_image_resolve(st, ctx->argv[0], id, &err) < 0)
		return cli_fail(&err);
	struct cli_fmt ff;
	if (cli_fmt_open(&ff, "history", format, "ID", "IMAGE", "CreatedAt", "CREATED AT", "CreatedSince", "CREATED",
			 "CreatedBy", "CREATED BY", "Size", "SIZE", "Comment", "COMMENT", NULL))
		return 1;
	enum cli_format fmt = ff.kind;
	struct cli_table t;
	cli_table_init(&t, 5, "IMAGE", "CREATED", "CREATED BY", "SIZE", "COMMENT");
	int64_t now = icc_now_ns();
	int status = 0;
	for (int depth = 0; id[0] && depth < MAX_DEPTH; depth++) {
		cJSON *meta;
		char sid[80];
		if (!icc_object_exists(st, ICC_IMAGE, id)) {
			/* the parent was removed: Docker shows <missing> */
			if (!quiet)
				cli_table_add(&t, "<missing>", "", "", "", "");
			break;
		}
		if (icc_object_meta(st, ICC_IMAGE, id, &meta, &err) < 0) {
			cli_fail(&err);
			status = 1;
			break;
		}
		if (notrunc)
			snprintf(sid, sizeof(sid), "sha256:%s", id);
		else
			cli_short_id(id, sid);
		int64_t created = icc_time_parse(icc_json_str(meta, "created"));
		char ago[64], size[32], by[4200], createdat[64];
		icc_time_ago(created, now, ago, sizeof(ago));
		icc_human_size(icc_image_size(st, id, meta), size, sizeof(size));
		const char *cb = icc_json_str(meta, "created_by");
		snprintf(by, sizeof(by), "%s", cb ? cb : "");
		if (!notrunc && strlen(by) > 45)
			strcpy(by + 44, "…");
		const char *comment = icc_json_str(meta, "comment");
		if (quiet) {
			puts(sid);
		} else if (fmt == CLI_FMT_TABLE) {
			cli_table_add(&t, sid, ago, by, size, comment ? comment : "");
		} else {
			icc_time_format(created, createdat, sizeof(createdat));
			cJSON *o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "ID", sid);
			cJSON_AddStringToObject(o, "CreatedAt", createdat);
			cJSON_AddStringToObject(o, "CreatedSince", ago);
			cJSON_AddStringToObject(o, "CreatedBy", cb ? cb : "");
			cJSON_AddStringToObject(o, "Size", size);
			cJSON_AddStringToObject(o, "Comment", comment ? comment : "");
			int bad = cli_fmt_row(&ff, o);
			cJSON_Delete(o);
			if (bad) {
				cJSON_Delete(meta);
				status = -1;
				break;
			}
		}
		const char *parent = icc_json_str(meta, "parent");
		if (parent && strlen(parent) == ICC_ID_LEN && strcmp(parent, id))
			memcpy(id, parent, ICC_ID_LEN + 1);
		else
			id[0] = '\0';
		cJSON_Delete(meta);
	}
	if (!quiet && fmt == CLI_FMT_TABLE)
		cli_table_print(&t, stdout);
	cli_table_free(&t);
	/* a template error (status < 0): its line only */
	return cli_fmt_done(&ff, status < 0) ? 1 : status;
}
