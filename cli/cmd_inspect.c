/* cmd_inspect.c - icc inspect: metadata of images, containers and snapshots as a JSON array */
#include <errno.h>
#include <string.h>

#include "cli.h"
#include "icc/network/network.h"
#include "icc/store/object.h"
#include "icc/runtime/runtime.h"
#include "icc/store/ref.h"
#include "icc/snap/snapref.h"
#include "inspect_doc.h"

/* --type and the template are checked before any lookup */
int cmd_inspect_check(struct cli_ctx *ctx)
{
	const char *type = cli_value(ctx, "type", NULL);
	if (type && strcmp(type, "image") && strcmp(type, "container") && strcmp(type, "snapshot")) {
		cli_errorf("unknown --type '%s': expected image, container or snapshot", type);
		return EXIT_USAGE;
	}
	struct cli_fmt ff;
	if (cli_fmt_open(&ff, "inspect", cli_value(ctx, "format", NULL), NULL))
		return 1;
	cli_fmt_free(&ff);
	return 0;
}

int cmd_inspect(struct cli_ctx *ctx)
{
	struct icc_store *st = &ctx->st;
	const char *type = cli_value(ctx, "type", NULL);
	/* "json" is the default array */
	struct cli_fmt ff;
	if (cli_fmt_open(&ff, "inspect", cli_value(ctx, "format", NULL), NULL))
		return 1;
	cJSON *out = cJSON_CreateArray();
	int status = 0;
	for (int i = 0; i < ctx->argc; i++) {
		char id[ICC_ID_LEN + 1];
		struct icc_err err;
		cJSON *meta, *doc = NULL;
		struct icc_snap_info si;
		bool any = !type;
		if ((any || !strcmp(type, "container")) && icc_container_resolve(st, ctx->argv[i], id, &err) == 0) {
			if (icc_object_meta(st, ICC_CONTAINER, id, &meta, &err) == 0) {
				doc = inspect_container_doc(st, id, meta);
				cJSON_Delete(meta);
			}
		} else if ((any || !strcmp(type, "image")) && icc_image_resolve(st, ctx->argv[i], id, &err) == 0) {
			if (icc_object_meta(st, ICC_IMAGE, id, &meta, &err) == 0) {
				doc = inspect_image_doc(st, id, meta);
				cJSON_Delete(meta);
			}
		} else if ((any || !strcmp(type, "snapshot")) && icc_snapshot_resolve(st, ctx->argv[i], id, &si, &err) == 0) {
			doc = inspect_snapshot_doc(st, id, &si);
		} else if (any) {
			icc_err_set(&err, ENOENT, "no such object '%s'", ctx->argv[i]);
		}
		if (!doc) {
			cli_fail(&err);
			status = 1;
			continue;
		}
		cJSON_AddItemToArray(out, doc);
	}
	if (ff.kind == CLI_FMT_TEMPLATE) {
		/* one line per object; a failing template prints only its error */
		const cJSON *it;
		int bad = 0;
		cJSON_ArrayForEach(it, out)
			if (!bad)
				bad = cli_fmt_row(&ff, it);
		if (cli_fmt_done(&ff, bad))
			status = 1;
	} else if (cJSON_GetArraySize(out) > 0 || status == 0) {
		struct icc_sbuf b = {0};
		icc_json_indent(out, &b);
		puts(b.p);
		icc_sbuf_free(&b);
	}
	cli_fmt_free(&ff);
	cJSON_Delete(out);
	return status;
}
