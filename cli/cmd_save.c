/* cmd_save.c - icc save: images as an OCI archive, OCI directory or docker-archive */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "icc/oci/oci.h"

/* --format FORMAT; -1 when it names none */
static int save_format(const char *name)
{
	if (!strcmp(name, "oci-archive") || !strcmp(name, "oci"))
		return ICC_OCI_ARCHIVE;
	if (!strcmp(name, "docker-archive") || !strcmp(name, "docker"))
		return ICC_DOCKER_ARCHIVE;
	if (!strcmp(name, "oci-dir"))
		return ICC_OCI_DIR;
	return -1;
}

static const char *output_of(struct cli_ctx *ctx)
{
	const char *out = cli_value(ctx, "output", NULL);
	return out && strcmp(out, "-") ? out : NULL;
}

int cmd_save_check(struct cli_ctx *ctx)
{
	const char *format = cli_value(ctx, "format", "oci-archive");
	int kind = save_format(format);
	if (kind < 0) {
		cli_errorf("unknown format '%s' (oci-archive, docker-archive, oci-dir)", format);
		return EXIT_USAGE;
	}
	if (kind == ICC_OCI_DIR && !output_of(ctx)) {
		cli_errorf("--format oci-dir needs -o DIR");
		return EXIT_USAGE;
	}
	if (kind != ICC_OCI_DIR && !output_of(ctx) && isatty(1)) {
		cli_errorf("cannot write an archive to a terminal: use -o FILE or redirect the output");
		return 1;
	}
	return 0;
}

struct save {
	struct cli_ctx *ctx;
	struct icc_save_opts o;
	struct icc_save_result res;
};

static int save_images(int fd, struct cli_progress *pg, void *arg, struct icc_err *err)
{
	struct save *s = arg;
	(void)pg;
	s->o.out_fd = fd;
	return icc_oci_save(&s->ctx->st, (const char *const *)s->ctx->argv, s->ctx->argc, &s->o, &s->res, err);
}

int cmd_save(struct cli_ctx *ctx)
{
	const char *out = output_of(ctx);
	bool quiet = cli_has(ctx, "quiet");
	struct save s = {.ctx = ctx,
			 .o = {.format = save_format(cli_value(ctx, "format", "oci-archive")),
			       .compress = cli_value(ctx, "compress", NULL)}};
	struct icc_err err;
	icc_err_clear(&err);
	char what[300];
	snprintf(what, sizeof(what), "Saving %s", ctx->argv[0]);
	int r;
	if (s.o.format == ICC_OCI_DIR) { /* a directory: written by the library, no byte count */
		s.o.out_path = out;
		r = icc_oci_save(&ctx->st, (const char *const *)ctx->argv, ctx->argc, &s.o, &s.res, &err);
	} else {
		r = cli_write_output(out, what, quiet, save_images, &s, &err);
	}
	if (r < 0)
		return cli_fail(&err);
	if (out && !quiet)
		fprintf(stderr, "Saved %d image%s (%u layer%s) to %s, manifest %s\n", ctx->argc,
			ctx->argc == 1 ? "" : "s", s.res.layers, s.res.layers == 1 ? "" : "s", out,
			s.res.manifest_digest);
	return 0;
}
