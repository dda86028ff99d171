/* cmd_df.c - icc system df: space used by images, containers and snapshots
 *
 * With btrfs quotas on, each row's SIZE is the sum of what its objects hold
 * exclusively (what removing each frees), so RECLAIMABLE can never exceed the
 * store's usage; blocks shared by several objects are in no row (-v shows
 * each image's and snapshot's SHARED SIZE).  With quotas off, sizes are
 * apparent sizes and a line under the table says so.  RECLAIMABLE is what
 * 'icc system prune -a --snapshots' could remove: unused images, stopped
 * containers, every snapshot.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "cli.h"
#include "icc/store/object.h"
#include "icc/store/objsize.h"
#include "icc/store/ref.h"
#include "icc/runtime/runtime.h"
#include "icc/snap/snapref.h"

struct kind_total {
	const char *type;
	unsigned total, active;
	unsigned long long size, reclaimable;
};

/* The sizes of the tree open at fd (closed here); zeros if it cannot be read. */
static struct icc_size tree_sizes(struct icc_sizes *sz, int fd)
{
	struct icc_size z = {0, 0};
	struct icc_err e;
	if (fd >= 0) {
		if (icc_sizes_of(sz, fd, &z, &e) < 0)
			z.exclusive = z.total = 0;
		close(fd);
	}
	return z;
}

/* SIZE, SHARED SIZE and UNIQUE SIZE of an image or snapshot, as Docker's df -v. */
static void add_shared_unique(cJSON *o, struct icc_size z)
{
	char hs[32], hsh[32], hu[32];
	icc_human_size(z.total, hs, sizeof(hs));
	icc_human_size(z.total - z.exclusive, hsh, sizeof(hsh));
	icc_human_size(z.exclusive, hu, sizeof(hu));
	cJSON_AddStringToObject(o, "Size", hs);
	cJSON_AddNumberToObject(o, "SizeBytes", (double)z.total);
	cJSON_AddStringToObject(o, "SharedSize", hsh);
	cJSON_AddNumberToObject(o, "SharedSizeBytes", (double)(z.total - z.exclusive));
	cJSON_AddStringToObject(o, "UniqueSize", hu);
	cJSON_AddNumberToObject(o, "UniqueSizeBytes", (double)z.exclusive);
}

static void reclaim_text(const struct kind_total *k, char *out, size_t size)
{
	char h[32];
	icc_human_size(k->reclaimable, h, sizeof(h));
	unsigned pct = k->size ? (unsigned)(k->reclaimable * 100 / k->size) : 0;
	snprintf(out, size, "%s (%u%%)", h, pct);
}

int cli_system_df(struct cli_ctx *ctx)
{
	struct icc_store *st = &ctx->st;
	bool verbose = cli_has(ctx, "verbose");
	const char *format = cli_value(ctx, "format", NULL);
	struct cli_fmt ff;
	if (cli_fmt_open(&ff, "system df", format, "Type", "TYPE", "TotalCount", "TOTAL", "Active", "ACTIVE",
			 "Size", "SIZE", "Reclaimable", "RECLAIMABLE", NULL))
		return 1;
	enum cli_format fmt = ff.kind;
	int status = 0;
	struct icc_err err;
	struct icc_idlist imgs, ctrs;
	cJSON *refs = NULL;
	struct icc_sizes sz;
	if (icc_sizes_open(&sz, st, &err) < 0)
		return cli_fail(&err);
	if (icc_object_list(st, ICC_IMAGE, &imgs, &err) < 0) {
		icc_sizes_close(&sz);
		return cli_fail(&err);
	}
	if (icc_object_list(st, ICC_CONTAINER, &ctrs, &err) < 0 || icc_refs_load(st, &refs, &err) < 0) {
		icc_idlist_free(&imgs);
		icc_sizes_close(&sz);
		return cli_fail(&err);
	}
	struct kind_total k[3] = {{"Images", 0, 0, 0, 0}, {"Containers", 0, 0, 0, 0}, {"Snapshots", 0, 0, 0, 0}};
	cJSON *vimg = cJSON_CreateArray(), *vctr = cJSON_CreateArray(), *vsnap = cJSON_CreateArray();
	int64_t now = icc_now_ns();

	/* containers first: which images they use */
	unsigned *uses = calloc(imgs.count + 1, sizeof(unsigned));
	for (size_t i = 0; i < ctrs.count; i++) {
		cJSON *m;
		struct icc_cstate cs;
		if (cli_container_meta(st, ctrs.ids[i], &m, &cs) < 0)
			continue;
		bool running = cs.status == ICC_CS_RUNNING || cs.status == ICC_CS_DEAD;
		const char *img = icc_json_str(m, "image");
		for (size_t j = 0; img && j < imgs.count; j++)
			if (!strcmp(imgs.ids[j], img))
				uses[j]++;
		struct icc_size cz = tree_sizes(&sz, icc_object_rootfs_fd(st, ICC_CONTAINER, ctrs.ids[i], &err));
		unsigned long long b = cz.exclusive; /* the writable layer: what rm frees */
		k[1].total++;
		k[1].active += running;
		k[1].size += b;
		if (!running)
			k[1].reclaimable += b;
		char sid[13], hs[32], status[32];
		icc_human_size(b, hs, sizeof(hs));
		snprintf(status, sizeof(status), "%s", icc_cstatus_name(cs.status));
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "ID", cli_short_id(ctrs.ids[i], sid));
		cJSON_AddStringToObject(o, "Image", icc_json_str(m, "image_ref") ? icc_json_str(m, "image_ref") : "");
		cJSON_AddStringToObject(o, "Names", icc_json_str(m, "name") ? icc_json_str(m, "name") : "");
		cJSON_AddStringToObject(o, "Size", hs);
		cJSON_AddNumberToObject(o, "SizeBytes", (double)b);
		cJSON_AddNumberToObject(o, "VirtualSizeBytes", (double)cz.total);
		cJSON_AddStringToObject(o, "Status", status);
		cJSON_AddItemToArray(vctr, o);

		/* its snapshots */
		struct icc_snapdir sd;
		struct icc_snap_info *all = NULL;
		size_t n = 0;
		if (icc_container_snapdir_open(st, ctrs.ids[i], &sd, &err) == 0) {
			if (icc_snapdir_list(&sd, &all, &n, &err) < 0)
				n = 0;
			for (size_t s = 0; s < n; s++) {
				struct icc_size z = tree_sizes(&sz, icc_snapdir_open_root(&sd, all[s].name, &err));
				unsigned long long sb = z.exclusive;
				k[2].total++;
				k[2].active += running;
				k[2].size += sb;
				k[2].reclaimable += sb;
				char ref[400], ago[64];
				const char *cname = icc_json_str(m, "name");
				snprintf(ref, sizeof(ref), "%s/%s", cname ? cname : sid, all[s].name);
				icc_time_ago(all[s].created_ns, now, ago, sizeof(ago));
				cJSON *so = cJSON_CreateObject();
				cJSON_AddStringToObject(so, "Names", ref);
				cJSON_AddStringToObject(so, "ID", cli_short_id(all[s].id, sid));
				cJSON_AddStringToObject(so, "CreatedSince", ago);
				add_shared_unique(so, z);
				cJSON_AddItemToArray(vsnap, so);
			}
			free(all);
			icc_snapdir_close(&sd);
		}
		cJSON_Delete(m);
	}
	/* snapshots kept of removed containers */
	struct icc_store_snap *snaps = NULL;
	size_t nsnaps = 0;
	if (icc_snapshots_all(st, &snaps, &nsnaps, &err) < 0)
		nsnaps = 0;
	for (size_t s = 0; s < nsnaps; s++) {
		if (!snaps[s].removed)
			continue;
		struct icc_snapdir sd;
		struct icc_size z = {0, 0};
		if (icc_container_snapdir_open(st, snaps[s].container_id, &sd, &err) == 0) {
			z = tree_sizes(&sz, icc_snapdir_open_root(&sd, snaps[s].info.name, &err));
			icc_snapdir_close(&sd);
		}
		unsigned long long sb = z.exclusive;
		k[2].total++;
		k[2].size += sb;
		k[2].reclaimable += sb;
		char ref[400], ago[64], sid[13];
		snprintf(ref, sizeof(ref), "%s/%s", snaps[s].container_name[0] ? snaps[s].container_name
								   : cli_short_id(snaps[s].container_id, sid),
			 snaps[s].info.name);
		icc_time_ago(snaps[s].info.created_ns, now, ago, sizeof(ago));
		cJSON *so = cJSON_CreateObject();
		cJSON_AddStringToObject(so, "Names", ref);
		cJSON_AddStringToObject(so, "ID", cli_short_id(snaps[s].info.id, sid));
		cJSON_AddStringToObject(so, "CreatedSince", ago);
		add_shared_unique(so, z);
		cJSON_AddBoolToObject(so, "Removed", true);
		cJSON_AddItemToArray(vsnap, so);
	}
	free(snaps);
	for (size_t j = 0; j < imgs.count; j++) {
		cJSON *m;
		if (icc_object_meta(st, ICC_IMAGE, imgs.ids[j], &m, &err) < 0)
			continue;
		struct icc_size z;
		if (sz.exact) {
			z = tree_sizes(&sz, icc_object_rootfs_fd(st, ICC_IMAGE, imgs.ids[j], &err));
		} else { /* the apparent size cached in meta.json */
			z.exclusive = z.total = icc_image_size(st, imgs.ids[j], m);
		}
		unsigned long long b = z.exclusive;
		k[0].total++;
		k[0].active += uses[j] > 0;
		k[0].size += b;
		if (!uses[j])
			k[0].reclaimable += b;
		char repo[300] = "<none>", tag[160] = "<none>", sid[13], ago[64];
		const cJSON *it;
		cJSON_ArrayForEach(it, refs)
			if (cJSON_IsString(it) && !strcmp(it->valuestring, imgs.ids[j])) {
				icc_ref_split(it->string, repo, sizeof(repo), tag, sizeof(tag));
				break;
			}
		icc_time_ago(icc_time_parse(icc_json_str(m, "created")), now, ago, sizeof(ago));
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "Repository", repo);
		cJSON_AddStringToObject(o, "Tag", tag);
		cJSON_AddStringToObject(o, "ID", cli_short_id(imgs.ids[j], sid));
		cJSON_AddStringToObject(o, "CreatedSince", ago);
		add_shared_unique(o, z);
		cJSON_AddNumberToObject(o, "Containers", uses[j]);
		cJSON_AddItemToArray(vimg, o);
		cJSON_Delete(m);
	}
	free(uses);

	if (fmt == CLI_FMT_TABLE) {
		struct cli_table t;
		cli_table_init(&t, 5, "TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE");
		for (int i = 0; i < 3; i++) {
			char tot[16], act[16], hs[32], rec[48];
			snprintf(tot, sizeof(tot), "%u", k[i].total);
			snprintf(act, sizeof(act), "%u", k[i].active);
			icc_human_size(k[i].size, hs, sizeof(hs));
			reclaim_text(&k[i], rec, sizeof(rec));
			cli_table_add(&t, k[i].type, tot, act, hs, rec);
		}
		cli_table_print(&t, stdout);
		cli_table_free(&t);
		struct statvfs v;
		if (statvfs(st->root, &v) == 0) {
			char used[32], size[32];
			icc_human_size((unsigned long long)(v.f_blocks - v.f_bfree) * v.f_frsize, used, sizeof(used));
			icc_human_size((unsigned long long)v.f_blocks * v.f_frsize, size, sizeof(size));
			const char *note = icc_sizes_note(&sz);
			printf("\n%s\nDisk usage of the store: %s of %s\n",
			       note ? note : "Sizes are exclusive bytes (what removing each frees); blocks shared by "
					     "several are in no row.",
			       used, size);
		}
		if (verbose) {
			const char *titles[] = {"Images space usage:", "Containers space usage:",
						"Snapshots space usage:"};
			cJSON *lists[] = {vimg, vctr, vsnap};
			for (int i = 0; i < 3; i++) {
				printf("\n%s\n\n", titles[i]);
				if (i == 0)
					cli_table_init(&t, 8, "REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE",
						       "SHARED SIZE", "UNIQUE SIZE", "CONTAINERS");
				else if (i == 1)
					cli_table_init(&t, 5, "CONTAINER ID", "IMAGE", "NAMES", "SIZE", "STATUS");
				else
					cli_table_init(&t, 6, "SNAPSHOT", "ID", "CREATED", "SIZE", "SHARED SIZE",
						       "UNIQUE SIZE");
				const cJSON *o;
				cJSON_ArrayForEach(o, lists[i]) {
					char n[16];
					if (i == 0) {
						snprintf(n, sizeof(n), "%lld", icc_json_int(o, "Containers", 0));
						cli_table_add(&t, icc_json_str(o, "Repository"), icc_json_str(o, "Tag"),
							      icc_json_str(o, "ID"), icc_json_str(o, "CreatedSince"),
							      icc_json_str(o, "Size"), icc_json_str(o, "SharedSize"),
							      icc_json_str(o, "UniqueSize"), n);
					} else if (i == 1) {
						cli_table_add(&t, icc_json_str(o, "ID"), icc_json_str(o, "Image"),
							      icc_json_str(o, "Names"), icc_json_str(o, "Size"),
							      icc_json_str(o, "Status"));
					} else {
						cli_table_add(&t, icc_json_str(o, "Names"), icc_json_str(o, "ID"),
							      icc_json_str(o, "CreatedSince"), icc_json_str(o, "Size"),
							      icc_json_str(o, "SharedSize"), icc_json_str(o, "UniqueSize"));
					}
				}
				cli_table_print(&t, stdout);
				cli_table_free(&t);
			}
		}
	} else {
		cJSON *lists[] = {vimg, vctr, vsnap};
		for (int i = 0; i < 3 && !status; i++) {
			char tot[16], act[16], hs[32], rec[48];
			snprintf(tot, sizeof(tot), "%u", k[i].total);
			snprintf(act, sizeof(act), "%u", k[i].active);
			icc_human_size(k[i].size, hs, sizeof(hs));
			reclaim_text(&k[i], rec, sizeof(rec));
			cJSON *o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "Type", k[i].type);
			cJSON_AddStringToObject(o, "TotalCount", tot);
			cJSON_AddStringToObject(o, "Active", act);
			cJSON_AddStringToObject(o, "Size", hs);
			cJSON_AddNumberToObject(o, "SizeBytes", (double)k[i].size);
			cJSON_AddStringToObject(o, "Reclaimable", rec);
			cJSON_AddNumberToObject(o, "ReclaimableBytes", (double)k[i].reclaimable);
			cJSON_AddBoolToObject(o, "Exact", sz.exact);
			if (verbose)
				cJSON_AddItemReferenceToObject(o, "Items", lists[i]);
			status = cli_fmt_row(&ff, o);
			cJSON_Delete(o);
		}
	}
	cli_fmt_done(&ff, status); /* a bad template: only its error line */
	cJSON_Delete(vimg);
	cJSON_Delete(vctr);
	cJSON_Delete(vsnap);
	cJSON_Delete(refs);
	icc_idlist_free(&imgs);
	icc_idlist_free(&ctrs);
	icc_sizes_close(&sz);
	return status;
}
