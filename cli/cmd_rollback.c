/* cmd_rollback.c - icc rollback: a stopped container's tree becomes a copy of a snapshot */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "icc/object.h"
#include "icc/runtime.h"
#include "icc/snapref.h"
#include "icc/subvol.h"

int cmd_rollback(int argc, char **argv)
{
	if (argc != 3)
		return cli_usage("rollback", "CONTAINER SNAP");
	struct icc_store st;
	if (cli_open_store(&st))
		return 1;
	struct icc_err err;
	char cid[ICC_ID_LEN + 1], scid[ICC_ID_LEN + 1];
	cJSON *meta = NULL;
	struct icc_snap_info info;
	int r = icc_container_resolve(&st, argv[1], cid, &err);
	if (r == 0)
		r = icc_object_meta(&st, ICC_CONTAINER, cid, &meta, &err);
	if (r == 0) {
		/* SNAP: a name of this container's snapshots, or CONTAINER/NAME, or an id */
		char ref[512];
		if (!strchr(argv[2], '/') && icc_snap_name_valid(argv[2])) {
			snprintf(ref, sizeof(ref), "%s/%s", cid, argv[2]);
			struct icc_err e2;
			if (icc_snapshot_resolve(&st, ref, scid, &info, &e2) < 0)
				r = icc_snapshot_resolve(&st, argv[2], scid, &info, &err);
		} else {
			r = icc_snapshot_resolve(&st, argv[2], scid, &info, &err);
		}
	}
	const char *name = meta ? icc_json_str(meta, "name") : NULL;
	char cname[256];
	snprintf(cname, sizeof(cname), "%s", name ? name : argv[1]);
	if (r == 0) {
		struct icc_cstate cs;
		icc_container_state(meta, &cs);
		if (cs.status == ICC_CS_RUNNING || cs.status == ICC_CS_DEAD)
			r = icc_err_set(&err, EBUSY, "container '%s' is running: stop it first (icc stop %s)",
					cname, argv[1]);
	}
	cJSON_Delete(meta);
	int dfd = -1, src = -1;
	struct icc_snapdir sd = {.dirfd = -1};
	if (r == 0)
		r = icc_store_lock(&st, &err);
	if (r == 0)
		r = dfd = icc_object_dirfd(&st, ICC_CONTAINER, cid, &err);
	if (r >= 0)
		r = icc_container_snapdir_open(&st, scid, &sd, &err);
	if (r >= 0)
		r = src = icc_snapdir_open_root(&sd, info.name, &err);
	if (r >= 0) {
		/* stage the new tree beside the old one, swap them in one rename, drop the old */
		struct icc_err e2;
		icc_rmtree(dfd, "rootfs.new", &e2);
		r = icc_subvol_snapshot(src, dfd, "rootfs.new", false, &err);
		if (r == 0 && renameat2(dfd, "rootfs.new", dfd, "rootfs", RENAME_EXCHANGE) < 0)
			r = icc_err_sys(&err, errno, "cannot swap the root filesystem");
		if (r == 0) {
			icc_fsync_dir(dfd);
			icc_rmtree(dfd, "rootfs.new", &e2);
		} else {
			icc_rmtree(dfd, "rootfs.new", &e2);
		}
	}
	if (src >= 0)
		close(src);
	if (sd.dirfd >= 0)
		icc_snapdir_close(&sd);
	if (dfd >= 0)
		close(dfd);
	icc_store_close(&st);
	if (r < 0)
		return cli_fail(&err);
	printf("%s rolled back to %s (%.12s)\n", cname, info.name, info.id);
	return 0;
}
