/* cmd_prune.c - icc system prune and icc snapshot prune: give space back
 *
 * Reclaimed space is measured, with btrfs quotas on, as the exclusive bytes
 * of each subvolume right before it is deleted, after the btrfs cleaner has
 * dropped the ones deleted before it (fs/store/objsize.c): what the store gets back
 * once the cleaner is done with the last one.  With quotas off it is the
 * apparent size of what was removed, and a line says so.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "icc/store/object.h"
#include "icc/store/objsize.h"
#include "icc/store/ref.h"
#include "icc/runtime/runtime.h"
#include "icc/snap/snapkeep.h"
#include "icc/snap/snapref.h"

bool cli_confirm(const char *prompt)
{
	if (!isatty(0))
		return false;
	fprintf(stderr, "%s [y/N] ", prompt);
	fflush(stderr);
	char line[64];
	if (!fgets(line, sizeof(line), stdin))
		return false;
	return line[0] == 'y' || line[0] == 'Y';
}

struct prune_state {
	bool drop_snaps, header;
	int status;
};

static void prune_one(struct icc_store *st, const char *id, const cJSON *m, const struct icc_cstate *cs,
		      void *arg)
{
	struct prune_state *ps = arg;
	if (cs->status == ICC_CS_RUNNING || cs->status == ICC_CS_DEAD)
		return;
	const char *rt = icc_json_str(cJSON_GetObjectItemCaseSensitive(m, "state"), "runtime");
	const char *cname = icc_json_str(m, "name") ? icc_json_str(m, "name") : id;
	icc_runtime_cleanup(st, id, rt ? rt : ICC_LEGACY_RUNTIME);
	int kept = 0;
	struct icc_err err;
	if (icc_object_exists(st, ICC_CONTAINER, id) && icc_container_remove(st, id, !ps->drop_snaps, &kept, &err) < 0) {
		cli_fail(&err);
		ps->status = 1;
		return;
	}
	if (!ps->header)
		puts("Deleted Containers:");
	ps->header = true;
	puts(id);
	fflush(stdout);
	cli_say_kept(cname, kept);
}

/* Stopped containers go; their snapshots stay unless drop_snaps. */
static int prune_containers(struct icc_store *st, bool drop_snaps)
{
	struct icc_err err;
	struct prune_state ps = {.drop_snaps = drop_snaps};
	if (cli_each_container(st, prune_one, &ps, &err) < 0)
		return cli_fail(&err);
	if (ps.header)
		putchar('\n');
	return ps.status;
}

/* --snapshots: every snapshot kept of a removed container. */
static int prune_kept(struct icc_store *st)
{
	struct icc_err err;
	struct icc_store_snap *all;
	size_t n;
	if (icc_snapshots_all(st, &all, &n, &err) < 0)
		return cli_fail(&err);
	int status = 0;
	bool header = false;
	for (size_t i = 0; i < n; i++) {
		if (!all[i].removed)
			continue;
		if (!header)
			puts("Deleted Snapshots:");
		header = true;
		printf("%s/%s %s\n", all[i].container_name[0] ? all[i].container_name : all[i].container_id,
		       all[i].info.name, all[i].info.id);
		/* one directory per removed container: remove it after its last line */
		if (i + 1 < n && !strcmp(all[i + 1].container_id, all[i].container_id))
			continue;
		if (icc_kept_remove(st, all[i].container_id, &err) < 0) {
			cli_fail(&err);
			status = 1;
		}
	}
	if (header)
		putchar('\n');
	free(all);
	return status;
}

/* Remove unused images until none is left: untagged ones, or (all) every one
 * no container uses and no remaining image has as parent. */
/* used[ID] = true for the image each object's meta names under key */
static void mark_used(struct icc_store *st, enum icc_kind kind, const struct icc_idlist *l, const char *key,
		      cJSON *used)
{
	for (size_t i = 0; i < l->count; i++) {
		cJSON *m;
		struct icc_err e;
		if (icc_object_meta(st, kind, l->ids[i], &m, &e) < 0)
			continue;
		const char *id = icc_json_str(m, key);
		if (id && !cJSON_HasObjectItem(used, id))
			cJSON_AddTrueToObject(used, id);
		cJSON_Delete(m);
	}
}

static int prune_images(struct icc_store *st, bool all)
{
	struct icc_err err;
	int status = 0;
	bool header = false, progress = true;
	while (progress) {
		progress = false;
		struct icc_idlist imgs, ctrs;
		cJSON *refs;
		if (icc_object_list(st, ICC_IMAGE, &imgs, &err) < 0)
			return cli_fail(&err);
		if (icc_object_list(st, ICC_CONTAINER, &ctrs, &err) < 0 || icc_refs_load(st, &refs, &err) < 0) {
			icc_idlist_free(&imgs);
			return cli_fail(&err);
		}
		/* what is in use: containers' images and images' parents */
		cJSON *used = cJSON_CreateObject();
		mark_used(st, ICC_CONTAINER, &ctrs, "image", used);
		mark_used(st, ICC_IMAGE, &imgs, "parent", used);
		for (size_t i = 0; i < imgs.count; i++) {
			const char *id = imgs.ids[i];
			if (cJSON_HasObjectItem(used, id))
				continue;
			bool tagged = false;
			const cJSON *it;
			cJSON_ArrayForEach(it, refs)
				tagged |= cJSON_IsString(it) && !strcmp(it->valuestring, id);
			if (tagged && !all)
				continue;
			if (!header)
				puts("Deleted Images:");
			header = true;
			cJSON_ArrayForEach(it, refs)
				if (cJSON_IsString(it) && !strcmp(it->valuestring, id))
					printf("untagged: %s\n", it->string);
			if (icc_refs_drop_image(st, id, &err) < 0 || icc_object_remove(st, ICC_IMAGE, id, &err) < 0) {
				cli_fail(&err);
				status = 1;
				continue;
			}
			printf("deleted: sha256:%s\n", id);
			progress = true;
		}
		cJSON_Delete(used);
		cJSON_Delete(refs);
		icc_idlist_free(&imgs);
		icc_idlist_free(&ctrs);
		if (status)
			break;
	}
	if (header)
		putchar('\n');
	return status;
}

int cli_system_prune_check(struct cli_ctx *ctx)
{
	bool all = cli_has(ctx, "all"), drop_snaps = cli_has(ctx, "snapshots");
	if (!cli_has(ctx, "force")) {
		fprintf(stderr, "WARNING! This will remove:\n"
				"  - all stopped containers%s\n"
				"  - %s\n\n",
			drop_snaps ? ", their snapshots and every snapshot of removed containers"
				   : " (their snapshots are kept: icc snapshots --all)",
			all ? "all images without at least one container associated to them"
			    : "all dangling images");
		if (!isatty(0)) {
			cli_errorf("system prune: not confirmed: standard input is not a terminal (use -f to prune without asking)");
			return 1;
		}
		if (!cli_confirm("Are you sure you want to continue?"))
			return -1;
	}
	return 0;
}

int cli_system_prune(struct cli_ctx *ctx)
{
	struct icc_store *st = &ctx->st;
	bool all = cli_has(ctx, "all"), drop_snaps = cli_has(ctx, "snapshots");
	struct icc_err err;
	struct icc_sizes sz;
	if (icc_sizes_open(&sz, st, &err) < 0)
		return cli_fail(&err);
	icc_sizes_observe(&sz, st);
	int status = prune_containers(st, drop_snaps);
	if (drop_snaps)
		status |= prune_kept(st);
	status |= prune_images(st, all);
	char h[32];
	icc_human_size(sz.freed, h, sizeof(h));
	printf("Total reclaimed space: %s\n", h);
	if (icc_sizes_note(&sz))
		printf("%s\n", icc_sizes_note(&sz));
	icc_sizes_close(&sz);
	return status;
}

/* --keep N: a number >= 0; -1 when not given, -2 when not a number */
static long keep_of(const struct cli_ctx *ctx)
{
	const char *v = cli_value(ctx, "keep", NULL);
	char *end;
	long keep = v ? strtol(v, &end, 10) : -1;
	return v && (!*v || *end || keep < 0) ? -2 : keep;
}

int cli_snapshot_prune_check(struct cli_ctx *ctx)
{
	if (keep_of(ctx) == -2) {
		cli_errorf("snapshot prune: invalid --keep '%s': a number >= 0", cli_value(ctx, "keep", ""));
		return EXIT_USAGE;
	}
	const char *older = cli_value(ctx, "older-than", NULL);
	if (older && icc_parse_duration(older) < 0) {
		cli_errorf("snapshot prune: invalid --older-than '%s': use e.g. 90s, 30m, 2h, 7d, 1w", older);
		return EXIT_USAGE;
	}
	if (keep_of(ctx) < 0 && !older) {
		cli_errorf("snapshot prune: say what to remove with --keep N and/or --older-than DUR");
		return EXIT_USAGE;
	}
	return 0;
}

int cli_snapshot_prune(struct cli_ctx *ctx)
{
	struct icc_store *st = &ctx->st;
	long keep = keep_of(ctx);
	const char *older_text = cli_value(ctx, "older-than", NULL);
	int64_t older = older_text ? icc_parse_duration(older_text) : -1;
	bool dry = cli_has(ctx, "dry-run");
	struct icc_err err;
	char cid[ICC_ID_LEN + 1];
	struct icc_snapdir sd;
	struct icc_snap_info *all = NULL;
	size_t n = 0;
	int r = icc_container_resolve(st, ctx->argv[0], cid, &err);
	if (r == 0 && !dry)
		r = icc_store_lock(st, &err);
	if (r == 0)
		r = icc_container_snapdir_open(st, cid, &sd, &err);
	if (r == 0) {
		r = icc_snapdir_list(&sd, &all, &n, &err);
		if (r < 0)
			icc_snapdir_close(&sd);
	}
	if (r < 0)
		return cli_fail(&err);
	struct icc_sizes sz;
	if (icc_sizes_open(&sz, st, &err) < 0) {
		free(all);
		icc_snapdir_close(&sd);
		return cli_fail(&err);
	}
	/* oldest first: the last `keep` stay, and any younger than --older-than */
	int64_t cutoff = older >= 0 ? icc_now_ns() - older * 1000000000LL : INT64_MAX;
	size_t candidates = keep >= 0 && (size_t)keep < n ? n - (size_t)keep : (keep >= 0 ? 0 : n);
	unsigned long long reclaimed = 0;
	int status = 0;
	for (size_t i = 0; i < candidates; i++) {
		if (all[i].created_ns >= cutoff)
			continue;
		/* what deleting it frees, once the ones deleted before it are gone
		 * (a dry run adds up each one's exclusive bytes: a lower bound) */
		unsigned long long b = 0;
		struct icc_size z;
		int fd = icc_snapdir_open_root(&sd, all[i].name, &err);
		if (fd >= 0) {
			if (icc_sizes_of(&sz, fd, &z, &err) == 0)
				b = z.exclusive;
			close(fd);
		}
		if (dry) {
			printf("Would delete: %s\n", all[i].name);
		} else if (icc_snapdir_remove(&sd, all[i].name, &err) < 0) {
			cli_fail(&err);
			status = 1;
			continue;
		} else {
			printf("Deleted: %s\n", all[i].name);
			sz.stale = true;
		}
		reclaimed += b;
	}
	free(all);
	icc_snapdir_close(&sd);
	char h[32];
	icc_human_size(reclaimed, h, sizeof(h));
	printf("Total %s space: %s\n", dry ? "reclaimable (dry run)" : "reclaimed", h);
	if (icc_sizes_note(&sz))
		printf("%s\n", icc_sizes_note(&sz));
	icc_sizes_close(&sz);
	return status;
}
