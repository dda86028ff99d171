/* cmd_rmi.c - icc rmi: untag and remove images, refusing while others depend on them */
#include <errno.h>
#include <string.h>

#include "cli.h"
#include "icc/store/object.h"
#include "icc/store/ref.h"

/* Who depends on image `id`?  Fills `who` and returns 1 (child image) or
 * 2 (container) or 3 (running container), 0 when nothing does. */
static int dependents(struct icc_store *st, const char *id, char *who, size_t size)
{
	struct icc_idlist l;
	struct icc_err e;
	int found = 0;
	if (icc_object_list(st, ICC_CONTAINER, &l, &e) == 0) {
		for (size_t i = 0; i < l.count && found < 3; i++) {
			cJSON *m;
			if (icc_object_meta(st, ICC_CONTAINER, l.ids[i], &m, &e) < 0)
				continue;
			const char *img = icc_json_str(m, "image");
			if (img && !strcmp(img, id)) {
				const char *status = icc_json_str(cJSON_GetObjectItem(m, "state"), "status");
				bool running = status && !strcmp(status, "running");
				if ((running ? 3 : 2) > found) {
					found = running ? 3 : 2;
					snprintf(who, size, "%s container %.12s", running ? "running" : "stopped", l.ids[i]);
				}
			}
			cJSON_Delete(m);
		}
		icc_idlist_free(&l);
	}
	if (found)
		return found;
	if (icc_object_list(st, ICC_IMAGE, &l, &e) == 0) {
		for (size_t i = 0; i < l.count && !found; i++) {
			cJSON *m;
			if (icc_object_meta(st, ICC_IMAGE, l.ids[i], &m, &e) < 0)
				continue;
			const char *p = icc_json_str(m, "parent");
			if (p && !strcmp(p, id)) {
				found = 1;
				snprintf(who, size, "image %.12s", l.ids[i]);
			}
			cJSON_Delete(m);
		}
		icc_idlist_free(&l);
	}
	return found;
}

static int tags_of(cJSON *refs, const char *id)
{
	int n = 0;
	const cJSON *it;
	cJSON_ArrayForEach(it, refs)
		n += cJSON_IsString(it) && !strcmp(it->valuestring, id);
	return n;
}

static int remove_one(struct icc_store *st, const char *ref, bool force)
{
	struct icc_err err;
	char id[ICC_ID_LEN + 1];
	if (icc_image_resolve(st, ref, id, &err) < 0)
		return cli_fail(&err);
	cJSON *refs;
	if (icc_refs_load(st, &refs, &err) < 0)
		return cli_fail(&err);
	int r = 0;
	char norm[ICC_REF_MAX];
	struct icc_err e2;
	bool by_name = icc_ref_normalize(ref, norm, sizeof(norm), &e2) == 0 &&
		       icc_json_str(refs, norm) && !strcmp(icc_json_str(refs, norm), id);
	int ntags = tags_of(refs, id);
	if (!by_name && ntags > 1 && !force) {
		cJSON_Delete(refs);
		cli_errorf("conflict: unable to delete %.12s (must be forced) - image is referenced in %d tags", id, ntags);
		return 1;
	}
	if (by_name && ntags > 1) {
		/* other tags remain: only untag */
		cJSON_DeleteItemFromObjectCaseSensitive(refs, norm);
		r = icc_refs_save(st, refs, &err);
		cJSON_Delete(refs);
		if (r < 0)
			return cli_fail(&err);
		printf("Untagged: %s\n", norm);
		return 0;
	}
	char who[128];
	int dep = dependents(st, id, who, sizeof(who));
	if (dep == 3 || (dep && !force)) {
		cJSON_Delete(refs);
		cli_errorf("conflict: unable to remove image %.12s%s: %s depends on it", id,
			   dep == 3 ? " (cannot be forced)" : " (use -f to force)", who);
		return 1;
	}
	const cJSON *it = refs->child;
	while (it) {
		const cJSON *next = it->next;
		if (cJSON_IsString(it) && !strcmp(it->valuestring, id))
			printf("Untagged: %s\n", it->string);
		it = next;
	}
	cJSON_Delete(refs);
	if (icc_refs_drop_image(st, id, &err) < 0 || icc_object_remove(st, ICC_IMAGE, id, &err) < 0)
		return cli_fail(&err);
	printf("Deleted: sha256:%s\n", id);
	return 0;
}

static int remove_each(struct cli_ctx *ctx, const char *ref, void *force, struct icc_err *err)
{
	(void)err;
	return remove_one(&ctx->st, ref, *(bool *)force);
}

int cmd_rmi(struct cli_ctx *ctx)
{
	bool force = cli_has(ctx, "force");
	return cli_each(ctx, 0, remove_each, &force);
}
