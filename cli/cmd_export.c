/* cmd_export.c - icc export: a container's, image's or snapshot's tree as a tar stream */
#include <errno.h>
#include <fcntl.h>
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

/* stdout: not a terminal (the archive would be garbage on it) */
int cli_check_output(struct cli_ctx *ctx)
{
	const char *out = cli_value(ctx, "o", NULL);
	if ((!out || !strcmp(out, "-")) && isatty(1)) {
		cli_errorf("cannot write %s to a terminal: use -o FILE or redirect the output",
			   !strcmp(ctx->cmd->name, "send") ? "a send stream" : "a tar archive");
		return 1;
	}
	return 0;
}

static int export_tree(int fd, struct cli_progress *pg, void *root, struct icc_err *err)
{
	(void)pg;
	return icc_export_tree(*(int *)root, fd, err);
}

int cmd_export(struct cli_ctx *ctx)
{
	const char *ref = ctx->argv[0];
	struct icc_err err;
	icc_err_clear(&err);
	struct icc_tmpsnap live;
	int r = -1, root = open_tree(&ctx->st, ref, &live, &err);
	if (root >= 0) {
		char what[300];
		snprintf(what, sizeof(what), "Exporting %s", ref);
		r = cli_write_output(cli_value(ctx, "output", NULL), what, cli_has(ctx, "quiet"), export_tree,
				     &root, &err);
		close(root);
	}
	icc_tmpsnap_drop(&ctx->st, &live);
	return root < 0 || r < 0 ? cli_fail(&err) : 0;
}
