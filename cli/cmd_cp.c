/* cmd_cp.c - icc cp: files between a container (running or stopped) and the host, or a tar stream */
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "icc/container/cp.h"
#include "icc/store/object.h"

/*
 * CONTAINER:PATH, as docker cp tells it from a host path: a colon before any
 * slash, and not starting with "/" or "." (so ./a:b and /x:y are host paths).
 */
static bool container_arg(const char *arg, char *name, size_t size, const char **path)
{
	if (arg[0] == '/' || arg[0] == '.')
		return false;
	const char *colon = strchr(arg, ':');
	const char *slash = strchr(arg, '/');
	if (!colon || colon == arg || (slash && slash < colon))
		return false;
	snprintf(name, size, "%.*s", (int)(colon - arg), arg);
	*path = colon[1] ? colon + 1 : "/";
	return true;
}

static void skipped(void *ctx, const char *path, const char *why)
{
	cli_errorf("cp: skipped '%s': %s", path, why);
}

/* The two operands: which one is CONTAINER:PATH (sc or dc). */
struct cp_args {
	const char *src, *dst, *spath, *dpath;
	char sname[256], dname[256];
	bool sc, dc;
};

static void cp_args(const struct cli_ctx *ctx, struct cp_args *a)
{
	a->src = ctx->argv[0];
	a->dst = ctx->argv[1];
	a->spath = a->dpath = NULL;
	a->sc = container_arg(a->src, a->sname, sizeof(a->sname), &a->spath);
	a->dc = container_arg(a->dst, a->dname, sizeof(a->dname), &a->dpath);
}

int cmd_cp_check(struct cli_ctx *ctx)
{
	struct cp_args a;
	cp_args(ctx, &a);
	if (a.sc == a.dc) {
		cli_errorf("cp: %s", a.sc ? "copying between containers is not supported"
					  : "one of the two paths must be CONTAINER:PATH");
		return EXIT_RUN_FAILED;
	}
	if (a.dc && !strcmp(a.dst, "-")) {
		cli_errorf("cp: '-' is standard input only as the source");
		return EXIT_RUN_FAILED;
	}
	if (a.sc && !strcmp(a.dst, "-") && isatty(1)) {
		cli_errorf("cp: refusing to write a tar stream to a terminal (redirect it)");
		return EXIT_RUN_FAILED;
	}
	return 0;
}

int cmd_cp(struct cli_ctx *ctx)
{
	struct icc_cp_opts o = {.skipped = skipped, .archive = cli_has(ctx, "archive")};
	struct cp_args a;
	cp_args(ctx, &a);
	const char *cname = a.sc ? a.sname : a.dname;
	struct icc_err err;
	char id[ICC_ID_LEN + 1];
	int r = icc_container_resolve(&ctx->st, cname, id, &err);
	int root = r < 0 ? r : icc_cp_root(&ctx->st, id, cname, &err);
	if (root >= 0) {
		if (a.sc && !strcmp(a.dst, "-"))
			r = icc_cp_out_tar(root, cname, a.spath, 1, &err);
		else if (a.sc)
			r = icc_cp_out(root, cname, a.spath, a.dst, &o, &err);
		else if (!strcmp(a.src, "-"))
			r = icc_cp_in_tar(&ctx->st, root, cname, 0, a.dpath, &o, &err);
		else
			r = icc_cp_in(root, cname, a.src, a.dpath, &o, &err);
		close(root);
	} else {
		r = root;
	}
	if (r < 0) {
		cli_errorf("cp: %s", err.msg);
		return 1;
	}
	return 0;
}

const struct cli_opt cmd_cp_opts[] = {
	{'a', "archive", NULL, "keep uid/gid (default: root in the container, you on the host)"},
	{0},
};
