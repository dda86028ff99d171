/* cmd_tag.c - icc tag: point another NAME[:TAG] at an image */
#include "cli.h"
#include "icc/store/object.h"
#include "icc/store/ref.h"

int cmd_tag(struct cli_ctx *ctx)
{
	struct icc_err err;
	char norm[ICC_REF_MAX], id[ICC_ID_LEN + 1];
	int r = icc_ref_normalize(ctx->argv[1], norm, sizeof(norm), &err);
	if (r == 0)
		r = icc_image_resolve(&ctx->st, ctx->argv[0], id, &err);
	if (r == 0)
		r = icc_refs_set(&ctx->st, norm, id, &err);
	return r < 0 ? cli_fail(&err) : 0;
}
