/* cmd_init.c - icc init and icc import: new images from a directory or a tar */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "icc/image/image.h"

/* -c CHANGE... as the JSON array the library takes */
static cJSON *changes_of(const struct cli_ctx *ctx)
{
	cJSON *changes = cJSON_CreateArray();
	const char *c;
	for (size_t i = 0; (c = cli_nth(ctx, "change", i)); i++)
		cJSON_AddItemToArray(changes, cJSON_CreateString(c));
	return changes;
}

/* The image's source record, the options of init and import, and its id printed. */
static int make_image(struct cli_ctx *ctx, struct icc_image_opts *o, const char *type, const char *key,
		      int (*make)(struct cli_ctx *ctx, struct icc_image_opts *o, char *id, struct icc_err *err))
{
	o->ref = ctx->argv[1];
	o->comment = cli_value(ctx, "message", o->comment);
	o->changes = changes_of(ctx);
	cJSON *source = cJSON_CreateObject();
	cJSON_AddStringToObject(source, "type", type);
	cJSON_AddStringToObject(source, key, ctx->argv[0]);
	o->source = source;
	char id[ICC_ID_LEN + 1];
	struct icc_err err;
	icc_err_clear(&err);
	int r = make(ctx, o, id, &err);
	cJSON_Delete(source);
	cJSON_Delete(o->changes);
	if (r) /* > 0: said already */
		return r < 0 ? cli_fail(&err) : r;
	printf("sha256:%s\n", id);
	return 0;
}

static int from_dir(struct cli_ctx *ctx, struct icc_image_opts *o, char *id, struct icc_err *err)
{
	return icc_image_from_dir(&ctx->st, ctx->argv[0], o, id, err);
}

int cmd_init(struct cli_ctx *ctx)
{
	char created_by[4200];
	snprintf(created_by, sizeof(created_by), "icc init %s", ctx->argv[0]);
	struct icc_image_opts o = {.comment = "", .created_by = created_by};
	return make_image(ctx, &o, "init", "directory", from_dir);
}

#define ON_TTY "cannot import '-': standard input is a terminal, pipe a tar archive in"

static int input_fd(const char *path)
{
	return cli_open_input(path, "import", ON_TTY);
}

int cmd_import_check(struct cli_ctx *ctx)
{
	return cli_check_input(ctx->argv[0], "import", ON_TTY);
}

struct import {
	struct cli_ctx *ctx;
	struct icc_image_opts *o;
	char *id;
};

static int import_tar(int fd, struct cli_progress *pg, void *arg, struct icc_err *err)
{
	struct import *im = arg;
	(void)pg;
	return icc_image_from_tar(&im->ctx->st, fd, im->ctx->argv[0], im->o, im->id, err);
}

static int from_tar(struct cli_ctx *ctx, struct icc_image_opts *o, char *id, struct icc_err *err)
{
	const char *src = ctx->argv[0];
	int fd = input_fd(src);
	if (fd < 0)
		return 1;
	char what[300];
	snprintf(what, sizeof(what), "Importing %s", strcmp(src, "-") ? src : "stdin");
	struct import im = {.ctx = ctx, .o = o, .id = id};
	int r = cli_read_input(fd, what, cli_has(ctx, "quiet"), import_tar, &im, err);
	if (fd > 0)
		close(fd);
	return r;
}

int cmd_import(struct cli_ctx *ctx)
{
	char comment[4200];
	snprintf(comment, sizeof(comment), "Imported from %s", ctx->argv[0]);
	struct icc_image_opts o = {.comment = comment, .created_by = ""};
	return make_image(ctx, &o, "import", "file", from_tar);
}
