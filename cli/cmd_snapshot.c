/* cmd_snapshot.c - icc snapshot / snapshots / promote: saved states of containers */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "icc/container/container.h"
#include "icc/image/image.h"
#include "icc/store/object.h"
#include "icc/store/objsize.h"
#include "icc/console/session.h"
#include "icc/snap/snapkeep.h"
#include "icc/snap/snapref.h"

#define SNAPSHOT_SYNOPSIS "CONTAINER [NAME] [-m MSG] | rm SNAP... | rename SNAP NEWNAME"

static cJSON *source_of(const char *cid, const char *name)
{
	cJSON *s = cJSON_CreateObject();
	cJSON_AddStringToObject(s, "container", cid);
	cJSON_AddStringToObject(s, "by", name);
	return s;
}

/* a snapshot's NAME: said before the store is opened */
static int name_check(const char *name)
{
	if (name && !icc_snap_name_valid(name)) {
		cli_errorf("invalid snapshot name '%s': use [A-Za-z0-9][A-Za-z0-9_.-]{0,127}", name);
		return 1;
	}
	return 0;
}

static int take_check(struct cli_ctx *ctx)
{
	return name_check(ctx->argv[1]);
}

static int take(struct cli_ctx *ctx)
{
	struct icc_store *st = &ctx->st;
	const char *name = ctx->argv[1], *message = cli_value(ctx, "m", NULL);
	struct icc_err err;
	char cid[ICC_ID_LEN + 1];
	struct icc_snapdir sd = {.dirfd = -1};
	struct icc_snap_info info;
	int src = -1;
	int r = icc_container_resolve(st, ctx->argv[0], cid, &err);
	if (r == 0)
		r = src = icc_object_rootfs_fd(st, ICC_CONTAINER, cid, &err);
	if (r >= 0)
		r = icc_container_snapdir_open(st, cid, &sd, &err);
	if (r >= 0) {
		/* the take locks the store itself, only to publish */
		char lock[4200];
		cJSON *source = source_of(cid, "icc snapshot");
		struct icc_snap_opts o = {
			.name = name,
			.message = message ? message : "",
			.source = source,
			.origin = ICC_SNAP_HOST,
			.lock_path = icc_store_path(st, "lock", lock, sizeof(lock)),
		};
		r = icc_snapdir_take(&sd, src, &o, &info, &err);
		cJSON_Delete(source);
	}
	if (src >= 0)
		close(src);
	if (sd.dirfd >= 0)
		icc_snapdir_close(&sd);
	if (r < 0)
		return cli_fail(&err);
	printf("%s %s\n", info.name, info.id);
	return 0;
}

static int remove_snap(struct cli_ctx *ctx, const char *ref, void *arg, struct icc_err *err)
{
	struct icc_store *st = &ctx->st;
	char cid[ICC_ID_LEN + 1];
	struct icc_snap_info info;
	struct icc_snapdir sd;
	(void)arg;
	int r = icc_snapshot_resolve(st, ref, cid, &info, err);
	if (r == 0)
		r = icc_container_snapdir_open(st, cid, &sd, err);
	if (r == 0) {
		r = icc_snapdir_remove(&sd, info.name, err);
		icc_snapdir_close(&sd);
	}
	/* the last kept snapshot of a removed container takes its record along */
	if (r == 0 && !icc_object_exists(st, ICC_CONTAINER, cid))
		r = icc_kept_tidy(st, cid, err);
	if (r == 0)
		printf("Deleted: %s\n", info.name);
	return r;
}

static int remove_snaps(struct cli_ctx *ctx)
{
	return cli_each(ctx, 0, remove_snap, NULL);
}

static int rename_check(struct cli_ctx *ctx)
{
	return name_check(ctx->argv[1]);
}

static int rename_snap(struct cli_ctx *ctx)
{
	struct icc_store *st = &ctx->st;
	struct icc_err err;
	char cid[ICC_ID_LEN + 1];
	struct icc_snap_info info;
	struct icc_snapdir sd;
	int r = icc_snapshot_resolve(st, ctx->argv[0], cid, &info, &err);
	if (r == 0)
		r = icc_container_snapdir_open(st, cid, &sd, &err);
	if (r == 0) {
		r = icc_snapdir_rename(&sd, info.name, ctx->argv[1], &err);
		icc_snapdir_close(&sd);
	}
	return r < 0 ? cli_fail(&err) : 0;
}

/* the group's own entry ("snapshot CONTAINER": take one) first, then "snapshot SUB" */
const struct cli_command cli_snapshot_subs[] = {
	{.name = "snapshot", .run = take, .synopsis = "CONTAINER [NAME] [-m MSG]",
	 .summary = "save the container's files now as snapshot NAME (default: the time)",
	 .opts = (const struct cli_opt[]){{'m', NULL, "MSG", "message stored with the snapshot"}, {0}},
	 .min = 1, .max = 2, .check = take_check, .flags = CLI_STORE},
	{.name = "snapshot rm", .run = remove_snaps, .synopsis = "SNAP...", .summary = "delete snapshots",
	 .min = 1, .max = -1, .flags = CLI_LOCK},
	{.name = "snapshot rename", .run = rename_snap, .synopsis = "SNAP NEWNAME", .summary = "rename a snapshot",
	 .min = 2, .max = 2, .check = rename_check, .flags = CLI_LOCK},
	{.name = "snapshot prune", .run = cli_snapshot_prune, .synopsis = "[-n] [--keep N] [--older-than DUR] CONTAINER",
	 .summary = "remove a container's old snapshots (oldest first)",
	 .opts = (const struct cli_opt[]){
		 {0, "keep", "N", "remove all but the newest N snapshots"},
		 {0, "older-than", "DUR", "remove only snapshots older than DUR (90s, 30m, 2h, 7d, 1w)"},
		 {'n', "dry-run", NULL, "only list what would be removed"},
		 {0}},
	 .min = 1, .max = 1, .check = cli_snapshot_prune_check, .flags = CLI_STORE},
	{0},
};

int cmd_snapshots_check(struct cli_ctx *ctx)
{
	return ctx->argc != (cli_has(ctx, "all") ? 0 : 1) ? cli_usage_why(ctx->cmd, NULL) : 0;
}

int cmd_snapshots(struct cli_ctx *ctx)
{
	struct icc_store *st = &ctx->st;
	const char *format = cli_value(ctx, "format", NULL);
	bool quiet = cli_has(ctx, "quiet"), every = cli_has(ctx, "all");
	struct icc_err err;
	struct icc_store_snap *all = NULL;
	size_t n = 0;
	int r;
	if (every) {
		r = icc_snapshots_all(st, &all, &n, &err);
	} else {
		/* one container: a live one, or a removed one whose snapshots are kept */
		char cid[ICC_ID_LEN + 1];
		r = icc_snap_container_resolve(st, ctx->argv[0], cid, &err);
		struct icc_store_snap *v = NULL;
		size_t count = 0;
		if (r == 0)
			r = icc_snapshots_all(st, &v, &count, &err);
		for (size_t i = 0; r == 0 && i < count; i++)
			if (!strcmp(v[i].container_id, cid))
				v[n++] = v[i];
		all = v;
	}
	if (r < 0) {
		free(all);
		return cli_fail(&err);
	}
	struct cli_fmt ff;
	int status = cli_fmt_open(&ff, "snapshots", format, "Name", "NAME", "Names", "NAME", "ID", "SNAPSHOT ID",
				  "Container", "CONTAINER ID", "ContainerName", "CONTAINER", "Removed", "REMOVED",
				  "CreatedAt", "CREATED AT", "CreatedSince", "CREATED", "Origin", "ORIGIN", "Size", "SIZE", "SizeBytes", "SIZE", "Message", "MESSAGE", NULL);
	enum cli_format fmt = ff.kind;
	struct icc_sizes sz;
	bool have_sz = !quiet && icc_sizes_open(&sz, st, &err) == 0;
	struct cli_table t;
	if (every)
		cli_table_init(&t, 7, "NAME", "CONTAINER", "ID", "CREATED", "ORIGIN", "SIZE", "MESSAGE");
	else
		cli_table_init(&t, 6, "NAME", "ID", "CREATED", "ORIGIN", "SIZE", "MESSAGE");
	int64_t now = icc_now_ns();
	for (size_t i = 0; i < n && !status; i++) {
		const struct icc_store_snap *s = &all[i];
		char ref[512], cshown[300];
		char sid[13];
		const char *cname = s->container_name[0] ? s->container_name : cli_short_id(s->container_id, sid);
		snprintf(ref, sizeof(ref), "%s/%s", cname, s->info.name);
		if (quiet) {
			puts(every ? ref : s->info.name);
			continue;
		}
		char ago[64], size[32], created[64];
		/* SIZE: all it references, as images; UniqueSizeBytes: what removing it frees */
		struct icc_size z = {0, 0};
		struct icc_snapdir sd;
		if (have_sz && icc_container_snapdir_open(st, s->container_id, &sd, &err) == 0) {
			int fd = icc_snapdir_open_root(&sd, s->info.name, &err);
			if (fd >= 0) {
				if (icc_sizes_of(&sz, fd, &z, &err) < 0)
					z.exclusive = z.total = 0;
				close(fd);
			}
			icc_snapdir_close(&sd);
		}
		unsigned long long bytes = z.total;
		icc_human_size(bytes, size, sizeof(size));
		icc_time_ago(s->info.created_ns, now, ago, sizeof(ago));
		snprintf(cshown, sizeof(cshown), "%s%s", cname, s->removed ? " (removed)" : "");
		cli_short_id(s->info.id, sid);
		if (fmt == CLI_FMT_TABLE) {
			const char *origin = icc_snap_origin_name(s->info.origin);
			if (every)
				cli_table_add(&t, s->info.name, cshown, sid, ago, origin, size, s->info.message);
			else
				cli_table_add(&t, s->info.name, sid, ago, origin, size, s->info.message);
			continue;
		}
		icc_time_format(s->info.created_ns, created, sizeof(created));
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "Name", s->info.name);
		cJSON_AddStringToObject(o, "Names", ref);
		cJSON_AddStringToObject(o, "ID", s->info.id);
		cJSON_AddStringToObject(o, "Container", s->container_id);
		cJSON_AddStringToObject(o, "ContainerName", s->container_name);
		cJSON_AddBoolToObject(o, "Removed", s->removed);
		cJSON_AddStringToObject(o, "CreatedAt", created);
		cJSON_AddStringToObject(o, "CreatedSince", ago);
		cJSON_AddStringToObject(o, "Origin", icc_snap_origin_name(s->info.origin));
		cJSON_AddStringToObject(o, "Size", size);
		cJSON_AddNumberToObject(o, "SizeBytes", (double)bytes);
		cJSON_AddNumberToObject(o, "UniqueSizeBytes", (double)z.exclusive);
		cJSON_AddStringToObject(o, "Message", s->info.message);
		status = cli_fmt_row(&ff, o);
		cJSON_Delete(o);
	}
	if (!quiet && fmt == CLI_FMT_TABLE)
		cli_table_print(&t, stdout);
	cli_table_free(&t);
	cli_fmt_done(&ff, status); /* a bad template: only its error line */
	if (have_sz)
		icc_sizes_close(&sz);
	free(all);
	return status;
}

int cmd_promote(struct cli_ctx *ctx)
{
	struct icc_store *st = &ctx->st;
	const char *snap = ctx->argv[0], *ref = ctx->argv[1], *message = cli_value(ctx, "m", NULL);
	struct icc_err err;
	char cid[ICC_ID_LEN + 1], id[ICC_ID_LEN + 1];
	struct icc_snap_info info;
	struct icc_snapdir sd = {.dirfd = -1};
	cJSON *cmeta = NULL;
	int src = -1;
	bool removed = false;
	int r = icc_snapshot_resolve(st, snap, cid, &info, &err);
	if (r == 0) /* the container, or its record if it was removed */
		r = icc_snap_owner_meta(st, cid, &cmeta, &removed, &err);
	if (r == 0)
		r = icc_container_snapdir_open(st, cid, &sd, &err);
	if (r == 0)
		r = src = icc_snapdir_open_root(&sd, info.name, &err);
	if (r >= 0) {
		const char *cname = icc_json_str(cmeta, "name");
		char created_by[512];
		snprintf(created_by, sizeof(created_by), "icc promote %s/%s", cname ? cname : cid, info.name);
		cJSON *source = cJSON_CreateObject();
		cJSON_AddStringToObject(source, "type", "promote");
		cJSON_AddStringToObject(source, "container", cid);
		cJSON_AddStringToObject(source, "container_name", cname ? cname : "");
		cJSON_AddStringToObject(source, "snapshot", info.id);
		cJSON_AddStringToObject(source, "snapshot_name", info.name);
		/* the commands recorded at the container's shell up to this snapshot */
		cJSON *session = NULL;
		struct icc_err se;
		if (icc_session_steps(st, cid, info.name, false, &session, &se) == 0)
			cJSON_AddItemToObject(source, "session", session);
		const char *parent = icc_json_str(cmeta, "image");
		struct icc_image_opts o = {
			.ref = ref,
			.comment = message ? message : info.message,
			.created_by = created_by,
			.base_config = cJSON_GetObjectItemCaseSensitive(cmeta, "config"),
			.parent = parent && icc_object_exists(st, ICC_IMAGE, parent) ? parent : NULL,
			.source = source,
		};
		r = icc_image_from_subvol(st, src, &o, id, &err);
		cJSON_Delete(source);
	}
	if (src >= 0)
		close(src);
	if (sd.dirfd >= 0)
		icc_snapdir_close(&sd);
	cJSON_Delete(cmeta);
	if (r < 0)
		return cli_fail(&err);
	printf("sha256:%s\n", id);
	return 0;
}
