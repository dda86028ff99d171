/* cmd_export.c - icc export: a container's, image's or snapshot's tree as a tar stream */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "icc/store/object.h"
#include "icc/oci/oci.h"
#include "icc/snap/snapref.h"
#include "icc/snap/tmpsnap.h"

#define EXPORT_SYNOPSIS "[-q] [-o FILE] CONTAINER|IMAGE|SNAP"

/*
 * The tree of what `ref` names: a container, then an image, then a snapshot.
 * A container's tree is read from a read-only snapshot of it (*live set), so
 * what its processes swap in meanwhile never reaches the archive.
 */
static int open_tree(struct icc_store *st, const char *ref, struct icc_tmpsnap *live,
		     struct icc_err *err)
{
	char id[ICC_ID_LEN + 1];
	struct icc_err e2;
	bool slash = strchr(ref, '/') != NULL;
	live->fd = live->dirfd = -1;
	if (!slash && icc_container_resolve(st, ref, id, &e2) == 0) {
		int fd = icc_object_rootfs_fd(st, ICC_CONTAINER, id, err);
		if (fd < 0)
			return fd;
		int r = icc_tmpsnap_take(st, fd, live, err);
		close(fd);
		if (r == 0 && (r = dup(live->fd)) < 0)
			r = icc_err_sys(err, errno, "cannot read container '%s'", ref);
		return r;
	}
	if (icc_image_resolve(st, ref, id, &e2) == 0)
		return icc_object_rootfs_fd(st, ICC_IMAGE, id, err);
	struct icc_snap_info info;
	if (icc_snapshot_resolve(st, ref, id, &info, &e2) == 0) {
		struct icc_snapdir sd;
		int r = icc_container_snapdir_open(st, id, &sd, err);
		if (r < 0)
			return r;
		r = icc_snapdir_open_root(&sd, info.name, err);
		icc_snapdir_close(&sd);
		return r;
	}
	return icc_err_set(err, ENOENT, "no such container, image or snapshot '%s'", ref);
}

int cmd_export(int argc, char **argv)
{
	static const struct option opts[] = {
		{"output", required_argument, NULL, 'o'},
		{"quiet", no_argument, NULL, 'q'},
		{0, 0, 0, 0},
	};
	const char *out = NULL;
	bool quiet = false;
	optind = 1;
	int c;
	while ((c = getopt_long(argc, argv, "o:q", opts, NULL)) != -1) {
		if (c == 'q')
			quiet = true;
		else if (c == 'o')
			out = optarg;
		else
			return cli_usage("export", EXPORT_SYNOPSIS);
	}
	if (argc - optind != 1)
		return cli_usage("export", EXPORT_SYNOPSIS);
	if ((!out || !strcmp(out, "-")) && isatty(1)) {
		cli_errorf("cannot write a tar archive to a terminal: use -o FILE or redirect the output");
		return 1;
	}
	struct icc_store st;
	if (cli_open_store(&st))
		return 1;
	struct icc_err err;
	icc_err_clear(&err);
	struct icc_tmpsnap live;
	int root = open_tree(&st, argv[optind], &live, &err);
	if (root < 0) {
		icc_tmpsnap_drop(&st, &live);
		icc_store_close(&st);
		return cli_fail(&err);
	}
	struct cli_output out_file;
	if (cli_output_open(&out_file, out, &err) < 0) {
		close(root);
		icc_tmpsnap_drop(&st, &live);
		icc_store_close(&st);
		return cli_fail(&err);
	}
	int fd = out_file.fd;
	char what[300];
	snprintf(what, sizeof(what), "Exporting %s", argv[optind]);
	struct cli_progress pg;
	cli_progress_begin(&pg, what, 0, quiet);
	int wfd = cli_progress_wrap(&pg, fd, false, &err);
	int r = wfd < 0 ? -1 : icc_export_tree(root, wfd, &err);
	r = cli_progress_end(&pg, r, &err);
	close(root);
	icc_tmpsnap_drop(&st, &live);
	r = cli_output_finish(&out_file, r, &err);
	icc_store_close(&st);
	return r < 0 ? cli_fail(&err) : 0;
}
