/* cmd_images.c - icc images: list images as `docker images` does */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "icc/store/object.h"
#include "icc/store/ref.h"

struct row {
	char id[ICC_ID_LEN + 1];
	char repo[300], tag[160];
	int64_t created;
	unsigned long long size;
};

static int by_created_desc(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	return x->created < y->created ? 1 : x->created > y->created ? -1 : strcmp(x->repo, y->repo);
}

/* Is `id` the parent of some other image? (hidden when untagged, unless -a) */
static bool is_parent(struct icc_store *st, struct icc_idlist *l, const char *id)
{
	for (size_t i = 0; i < l->count; i++) {
		cJSON *m;
		struct icc_err e;
		if (icc_object_meta(st, ICC_IMAGE, l->ids[i], &m, &e) < 0)
			continue;
		const char *p = icc_json_str(m, "parent");
		bool yes = p && !strcmp(p, id);
		cJSON_Delete(m);
		if (yes)
			return true;
	}
	return false;
}

/* dangling=true|false: untagged or not */
static bool m_dangling(const char *v, void *p)
{
	const struct row *r = p;
	bool untagged = !strcmp(r->repo, "<none>");
	return (!strcmp(v, "true") || !strcmp(v, "1")) == untagged;
}

/* reference=PATTERN: a glob on NAME or NAME:TAG ('*' stops at '/'), as Docker */
static bool m_reference(const char *v, void *p)
{
	const struct row *r = p;
	if (!strcmp(r->repo, "<none>"))
		return false;
	char full[480];
	snprintf(full, sizeof(full), "%s:%s", r->repo, r->tag);
	return fnmatch(v, r->repo, FNM_PATHNAME) == 0 || fnmatch(v, full, FNM_PATHNAME) == 0;
}

static int check_filter(const struct cli_filters *f, size_t i)
{
	if (strcmp(f->key[i], "dangling"))
		return 0;
	const char *v = f->val[i];
	if (!strcmp(v, "true") || !strcmp(v, "false") || !strcmp(v, "1") || !strcmp(v, "0"))
		return 0;
	cli_errorf("images: --filter dangling=%s: not a boolean (true or false)", v);
	return 1;
}

int cmd_images(struct cli_ctx *ctx)
{
	struct icc_store *st = &ctx->st;
	static const char *const keys[] = {"dangling", "reference", NULL};
	bool all = cli_has(ctx, "all"), quiet = cli_has(ctx, "quiet"), notrunc = cli_has(ctx, "no-trunc");
	const char *format = cli_value(ctx, "format", NULL), *spec;
	static struct cli_filters filt;
	for (size_t i = 0; (spec = cli_nth(ctx, "filter", i)); i++)
		if (cli_filter_add(&filt, "images", spec, keys) || check_filter(&filt, filt.n - 1))
			return EXIT_USAGE;
	/* like `docker images REPOSITORY[:TAG]`: only rows of that name (and tag) */
	char want_repo[300] = "", want_tag[160] = "";
	if (ctx->argc == 1) {
		const char *f = ctx->argv[0];
		const char *slash = strrchr(f, '/');
		const char *colon = strrchr(slash ? slash : f, ':');
		snprintf(want_repo, sizeof(want_repo), "%.*s", colon ? (int)(colon - f) : (int)strlen(f), f);
		if (colon)
			snprintf(want_tag, sizeof(want_tag), "%s", colon + 1);
	}
	struct icc_err err;
	struct icc_idlist l;
	cJSON *refs;
	if (icc_object_list(st, ICC_IMAGE, &l, &err) < 0 || icc_refs_load(st, &refs, &err) < 0)
		return cli_fail(&err);
	size_t cap = l.count + (size_t)cJSON_GetArraySize(refs) + 1, n = 0;
	struct row *rows = calloc(cap, sizeof(*rows));
	int status = 0;
	for (size_t i = 0; i < l.count; i++) {
		cJSON *meta;
		if (icc_object_meta(st, ICC_IMAGE, l.ids[i], &meta, &err) < 0) {
			cli_fail(&err); /* a corrupt image is reported; the rest still list */
			status = 1;
			continue;
		}
		int64_t created = icc_time_parse(icc_json_str(meta, "created"));
		unsigned long long size = icc_image_size(st, l.ids[i], meta);
		cJSON_Delete(meta);
		int tagged = 0;
		const cJSON *it;
		cJSON_ArrayForEach(it, refs) {
			if (!cJSON_IsString(it) || strcmp(it->valuestring, l.ids[i]))
				continue;
			if (n == cap)
				break;
			struct row *r = &rows[n++];
			memcpy(r->id, l.ids[i], sizeof(r->id));
			icc_ref_split(it->string, r->repo, sizeof(r->repo), r->tag, sizeof(r->tag));
			r->created = created;
			r->size = size;
			tagged++;
		}
		if (!tagged && (all || !is_parent(st, &l, l.ids[i])) && n < cap) {
			struct row *r = &rows[n++];
			memcpy(r->id, l.ids[i], sizeof(r->id));
			strcpy(r->repo, "<none>");
			strcpy(r->tag, "<none>");
			r->created = created;
			r->size = size;
		}
	}
	qsort(rows, n, sizeof(*rows), by_created_desc);

	struct cli_fmt ff;
	if (cli_fmt_open(&ff, "images", format, "ID", "IMAGE ID", "Repository", "REPOSITORY", "Tag", "TAG",
			 "CreatedAt", "CREATED AT", "CreatedSince", "CREATED", "Size", "SIZE", "SizeBytes", "SIZE", NULL)) {
		free(rows);
		cJSON_Delete(refs);
		icc_idlist_free(&l);
		return 1;
	}
	enum cli_format fmt = ff.kind;
	bool fmt_failed = false;
	int64_t now = icc_now_ns();
	struct cli_table t;
	cli_table_init(&t, 5, "REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE");
	for (size_t i = 0; i < n; i++) {
		struct row *r = &rows[i];
		if ((want_repo[0] && strcmp(r->repo, want_repo)) || (want_tag[0] && strcmp(r->tag, want_tag)))
			continue;
		if (!cli_filter_match(&filt, "dangling", m_dangling, r) ||
		    !cli_filter_match(&filt, "reference", m_reference, r))
			continue;
		char sid[80], ago[64], size[32], created[64];
		if (notrunc)
			snprintf(sid, sizeof(sid), "sha256:%s", r->id);
		else
			cli_short_id(r->id, sid);
		if (quiet) {
			/* -q prints each id once */
			bool dup = false;
			for (size_t k = 0; k < i; k++)
				dup |= !strcmp(rows[k].id, r->id);
			if (!dup)
				puts(sid);
			continue;
		}
		icc_time_ago(r->created, now, ago, sizeof(ago));
		icc_human_size(r->size, size, sizeof(size));
		if (fmt == CLI_FMT_TABLE) {
			cli_table_add(&t, r->repo, r->tag, sid, ago, size);
			continue;
		}
		icc_time_format(r->created, created, sizeof(created));
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "ID", sid);
		cJSON_AddStringToObject(o, "Repository", r->repo);
		cJSON_AddStringToObject(o, "Tag", r->tag);
		cJSON_AddStringToObject(o, "CreatedAt", created);
		cJSON_AddStringToObject(o, "CreatedSince", ago);
		cJSON_AddStringToObject(o, "Size", size);
		cJSON_AddNumberToObject(o, "SizeBytes", (double)r->size);
		int bad = cli_fmt_row(&ff, o);
		cJSON_Delete(o);
		if (bad) {
			fmt_failed = true;
			break;
		}
	}
	if (!quiet && fmt == CLI_FMT_TABLE)
		cli_table_print(&t, stdout);
	cli_table_free(&t);
	if (cli_fmt_done(&ff, fmt_failed)) /* a template error: its line only */
		status = 1;
	free(rows);
	cJSON_Delete(refs);
	icc_idlist_free(&l);
	return status;
}
