/* cmd_cp.c - icc cp: files between a container (running or stopped) and the host, or a tar stream */
#include <getopt.h>
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

int cmd_cp(int argc, char **argv)
{
	static const struct option opts[] = {
		{"archive", no_argument, NULL, 'a'},
		{0, 0, 0, 0},
	};
	struct icc_cp_opts o = {.skipped = skipped};
	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, "+a", opts, NULL)) != -1) {
		if (c != 'a')
			return cli_usage_code("cp", EXIT_RUN_FAILED);
		o.archive = true;
	}
	if (argc - optind != 2)
		return cli_usage_code("cp", EXIT_RUN_FAILED);
	const char *src = argv[optind], *dst = argv[optind + 1];
	char sname[256], dname[256];
	const char *spath = NULL, *dpath = NULL;
	bool sc = container_arg(src, sname, sizeof(sname), &spath);
	bool dc = container_arg(dst, dname, sizeof(dname), &dpath);
	if (sc == dc) {
		cli_errorf("cp: %s", sc ? "copying between containers is not supported"
				      : "one of the two paths must be CONTAINER:PATH");
		return EXIT_RUN_FAILED;
	}
	if (dc && !strcmp(dst, "-")) {
		cli_errorf("cp: '-' is standard input only as the source");
		return EXIT_RUN_FAILED;
	}
	if (sc && !strcmp(dst, "-") && isatty(1)) {
		cli_errorf("cp: refusing to write a tar stream to a terminal (redirect it)");
		return EXIT_RUN_FAILED;
	}
	const char *cname = sc ? sname : dname;
	struct icc_store st;
	if (cli_open_store(&st))
		return 1;
	struct icc_err err;
	char id[ICC_ID_LEN + 1];
	int r = icc_container_resolve(&st, cname, id, &err);
	int root = r < 0 ? r : icc_cp_root(&st, id, cname, &err);
	if (root >= 0) {
		if (sc && !strcmp(dst, "-"))
			r = icc_cp_out_tar(root, cname, spath, 1, &err);
		else if (sc)
			r = icc_cp_out(root, cname, spath, dst, &o, &err);
		else if (!strcmp(src, "-"))
			r = icc_cp_in_tar(&st, root, cname, 0, dpath, &o, &err);
		else
			r = icc_cp_in(root, cname, src, dpath, &o, &err);
		close(root);
	} else {
		r = root;
	}
	icc_store_close(&st);
	if (r < 0) {
		cli_errorf("cp: %s", err.msg);
		return 1;
	}
	return 0;
}
