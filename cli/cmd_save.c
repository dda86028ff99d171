/* cmd_save.c - icc save: images as an OCI archive, OCI directory or docker-archive */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "cli.h"
#include "icc/oci/oci.h"

#define SAVE_SYNOPSIS "[-q] [-o FILE] [--format oci-archive|docker-archive|oci-dir] [--compress none|gzip|zstd] IMAGE..."

int cmd_save(int argc, char **argv)
{
	static const struct option opts[] = {
		{"output", required_argument, NULL, 'o'},
		{"format", required_argument, NULL, 'f'},
		{"compress", required_argument, NULL, 'c'},
		{"quiet", no_argument, NULL, 'q'},
		{0, 0, 0, 0},
	};
	struct icc_save_opts o = {.format = ICC_OCI_ARCHIVE, .out_fd = 1};
	bool quiet = false;
	optind = 1;
	int c;
	while ((c = getopt_long(argc, argv, "o:q", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			o.out_path = strcmp(optarg, "-") ? optarg : NULL;
			break;
		case 'f':
			if (!strcmp(optarg, "oci-archive") || !strcmp(optarg, "oci"))
				o.format = ICC_OCI_ARCHIVE;
			else if (!strcmp(optarg, "docker-archive") || !strcmp(optarg, "docker"))
				o.format = ICC_DOCKER_ARCHIVE;
			else if (!strcmp(optarg, "oci-dir"))
				o.format = ICC_OCI_DIR;
			else {
				cli_errorf("unknown format '%s' (oci-archive, docker-archive, oci-dir)", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'c':
			o.compress = optarg;
			break;
		case 'q':
			quiet = true;
			break;
		default:
			return cli_usage("save", SAVE_SYNOPSIS);
		}
	}
	if (argc - optind < 1)
		return cli_usage("save", SAVE_SYNOPSIS);
	if (o.format == ICC_OCI_DIR && !o.out_path) {
		cli_errorf("--format oci-dir needs -o DIR");
		return EXIT_USAGE;
	}
	if (o.format != ICC_OCI_DIR && !o.out_path && isatty(1)) {
		cli_errorf("cannot write an archive to a terminal: use -o FILE or redirect the output");
		return 1;
	}
	struct icc_store st;
	if (cli_open_store(&st))
		return 1;
	struct icc_err err;
	icc_err_clear(&err);
	struct icc_save_result res;
	/* an archive goes through a counting relay when a progress line is shown:
	 * to stdout, or to FILE by way of FILE.tmp-XXXXXX renamed at the end */
	struct cli_progress pg;
	char what[300];
	struct cli_output out_file = {.fd = -1};
	snprintf(what, sizeof(what), "Saving %s", argv[optind]);
	cli_progress_begin(&pg, what, 0, quiet);
	const char *out_path = o.out_path;
	int r = 0;
	if (pg.on && o.format != ICC_OCI_DIR) {
		r = cli_output_open(&out_file, o.out_path, &err);
		o.out_path = NULL;
		if (r == 0)
			r = o.out_fd = cli_progress_wrap(&pg, out_file.fd, false, &err);
	}
	if (r >= 0)
		r = icc_oci_save(&st, (const char *const *)argv + optind, argc - optind, &o, &res, &err);
	r = cli_progress_end(&pg, r < 0 ? r : 0, &err);
	r = cli_output_finish(&out_file, r, &err);
	o.out_path = out_path;
	icc_store_close(&st);
	if (r < 0)
		return cli_fail(&err);
	if (o.out_path && !quiet)
		fprintf(stderr, "Saved %d image%s (%u layer%s) to %s, manifest %s\n", argc - optind,
			argc - optind == 1 ? "" : "s", res.layers, res.layers == 1 ? "" : "s",
			o.out_path, res.manifest_digest);
	return 0;
}
