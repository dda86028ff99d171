/* build_cache.c - icc build's cache: a step's key, the step images that hold keys, pruning them */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "icc/build/build.h"
#include "icc/store/object.h"
#include "icc/oci/oci.h"
#include "icc/store/ref.h"

/*
 * What a step's result depends on: the image it starts from (which carries
 * every earlier step), its instruction after variables were put in, the
 * build args it sees (RUN's environment) and the sources it copies.
 */
void icc_build_key(const char *parent, const char *instruction, const cJSON *args_seen,
		   const char *content, char out[65])
{
	struct icc_sha256 *h = icc_sha256_new();
	static const char tag[] = "icc-build-step-v1";
	icc_sha256_update(h, tag, sizeof(tag));
	icc_sha256_update(h, parent ? parent : "", strlen(parent ? parent : "") + 1);
	icc_sha256_update(h, instruction, strlen(instruction) + 1);
	char *args = args_seen ? cJSON_PrintUnformatted(args_seen) : NULL;
	icc_sha256_update(h, args ? args : "", strlen(args ? args : "") + 1);
	cJSON_free(args);
	icc_sha256_update(h, content ? content : "", strlen(content ? content : "") + 1);
	char d[ICC_DIGEST_LEN + 1];
	icc_sha256_final(h, d);
	snprintf(out, 65, "%s", d + 7);
}

/* An image a build step made: its cache key into the index (the first image of a key stays). */
static int index_build_key(const char *id, const cJSON *meta, void *ctx)
{
	cJSON *ix = ctx;
	const cJSON *src = cJSON_GetObjectItemCaseSensitive(meta, "source");
	const char *type = icc_json_str(src, "type");
	const char *key = type && !strcmp(type, "build") ? icc_json_str(src, "key") : NULL;
	if (key && strlen(key) == 64 && !cJSON_HasObjectItem(ix, key))
		cJSON_AddStringToObject(ix, key, id);
	return 0;
}

int icc_build_cache_load(struct icc_store *st, cJSON **index, struct icc_err *err)
{
	cJSON *ix = cJSON_CreateObject();
	int r = icc_object_each(st, ICC_IMAGE, index_build_key, ix, err);
	if (r < 0) {
		cJSON_Delete(ix);
		return r;
	}
	*index = ix;
	return 0;
}

/* Ids in use: containers' images, images' parents, tagged images. */
static cJSON *in_use(struct icc_store *st, const struct icc_idlist *imgs, struct icc_err *err)
{
	struct icc_idlist ctrs;
	cJSON *refs, *used = cJSON_CreateObject();
	if (icc_object_list(st, ICC_CONTAINER, &ctrs, err) < 0) {
		cJSON_Delete(used);
		return NULL;
	}
	if (icc_refs_load(st, &refs, err) < 0) {
		icc_idlist_free(&ctrs);
		cJSON_Delete(used);
		return NULL;
	}
	struct icc_err e;
	for (size_t i = 0; i < ctrs.count; i++) {
		cJSON *m;
		if (icc_object_meta(st, ICC_CONTAINER, ctrs.ids[i], &m, &e) == 0) {
			const char *img = icc_json_str(m, "image");
			if (img && !cJSON_HasObjectItem(used, img))
				cJSON_AddTrueToObject(used, img);
			cJSON_Delete(m);
		}
	}
	for (size_t i = 0; i < imgs->count; i++) {
		cJSON *m;
		if (icc_object_meta(st, ICC_IMAGE, imgs->ids[i], &m, &e) == 0) {
			const char *p = icc_json_str(m, "parent");
			if (p && *p && !cJSON_HasObjectItem(used, p))
				cJSON_AddTrueToObject(used, p);
			cJSON_Delete(m);
		}
	}
	const cJSON *it;
	cJSON_ArrayForEach(it, refs)
		if (cJSON_IsString(it) && !cJSON_HasObjectItem(used, it->valuestring))
			cJSON_AddTrueToObject(used, it->valuestring);
	cJSON_Delete(refs);
	icc_idlist_free(&ctrs);
	return used;
}

/* One pass: the step images nothing uses are removed; returns how many or -errno. */
static int prune_pass(struct icc_store *st, void (*removed)(void *, const char *, unsigned long long),
		      void *ctx, struct icc_err *err)
{
	struct icc_idlist imgs;
	int r = icc_object_list(st, ICC_IMAGE, &imgs, err);
	if (r < 0)
		return r;
	cJSON *used = in_use(st, &imgs, err);
	int n = used ? 0 : -EIO;
	for (size_t i = 0; used && i < imgs.count; i++) {
		const char *id = imgs.ids[i];
		cJSON *m;
		if (cJSON_HasObjectItem(used, id) || icc_object_meta(st, ICC_IMAGE, id, &m, err) < 0)
			continue;
		const char *type = icc_json_str(cJSON_GetObjectItemCaseSensitive(m, "source"), "type");
		bool step = type && !strcmp(type, "build");
		unsigned long long bytes = step ? icc_image_size(st, id, m) : 0;
		cJSON_Delete(m);
		if (!step)
			continue;
		r = icc_object_remove(st, ICC_IMAGE, id, err);
		if (r < 0) {
			n = r;
			break;
		}
		if (removed)
			removed(ctx, id, bytes);
		n++;
	}
	cJSON_Delete(used);
	icc_idlist_free(&imgs);
	return n;
}

int icc_build_prune(struct icc_store *st, void (*removed)(void *ctx, const char *id, unsigned long long bytes),
		    void *ctx, struct icc_err *err)
{
	int r = icc_store_lock(st, err);
	if (r < 0)
		return r;
	int n;
	while ((n = prune_pass(st, removed, ctx, err)) > 0)
		;
	icc_store_unlock(st);
	return n < 0 ? n : 0;
}
