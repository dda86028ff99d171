/* cmd_rollback.c - icc rollback: a container's tree becomes a copy of one of its snapshots */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "icc/store/object.h"
#include "icc/container/rollback.h"
#include "icc/runtime/runtime.h"
#include "icc/snap/snapref.h"

/* SNAP: a name of this container's snapshots, CONTAINER/NAME, or an id; it must be this container's. */
static int resolve_own_snapshot(struct icc_store *st, const char *cid, const char *cname,
				const char *ref, struct icc_snap_info *info, struct icc_err *err)
{
	char scid[ICC_ID_LEN + 1];
	int r;
	if (!strchr(ref, '/') && icc_snap_name_valid(ref)) {
		char full[512];
		snprintf(full, sizeof(full), "%s/%s", cid, ref);
		struct icc_err e2;
		r = icc_snapshot_resolve(st, full, scid, info, &e2);
		if (r < 0)
			r = icc_snapshot_resolve(st, ref, scid, info, err);
	} else {
		r = icc_snapshot_resolve(st, ref, scid, info, err);
	}
	if (r == 0 && strcmp(scid, cid))
		r = icc_err_set(err, EINVAL, "snapshot '%s' is not one of container '%s''s", ref, cname);
	return r;
}

int cmd_rollback(struct cli_ctx *ctx)
{
	struct icc_store *st = &ctx->st;
	const char *ref = ctx->argv[0], *snap = ctx->argv[1];
	struct icc_err err;
	char cid[ICC_ID_LEN + 1];
	cJSON *meta = NULL;
	struct icc_snap_info info;
	int r = icc_container_resolve(st, ref, cid, &err);
	if (r == 0)
		r = icc_object_meta(st, ICC_CONTAINER, cid, &meta, &err);
	const char *name = meta ? icc_json_str(meta, "name") : NULL;
	char cname[256];
	snprintf(cname, sizeof(cname), "%s", name ? name : ref);
	if (r == 0)
		r = resolve_own_snapshot(st, cid, cname, snap, &info, &err);
	struct icc_cstate cs = {.status = ICC_CS_CREATED};
	if (meta)
		icc_container_state(meta, &cs);
	cJSON_Delete(meta);
	char before[ICC_SNAP_NAME_MAX + 1] = "";
	if (r == 0 && cs.status == ICC_CS_DEAD)
		r = icc_err_set(&err, EIO, "container '%s' is dead (its file system daemon is gone): "
				"icc start %s, then roll back", cname, ref);
	else if (r == 0 && cs.status == ICC_CS_RUNNING)
		r = icc_container_rollback_live(st, cid, info.name, true, before, sizeof(before), &err);
	else if (r == 0)
		r = icc_container_rollback(st, cid, info.name, &err);
	if (r < 0)
		return cli_fail(&err);
	printf("%s rolled back to %s (%.12s)\n", cname, info.name, info.id);
	if (before[0])
		printf("the tree before is snapshot %s\n", before);
	return 0;
}
