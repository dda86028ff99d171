/* cmd_ps.c - icc ps: list containers with Docker's columns and states */
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "icc/network/network.h"
#include "icc/store/object.h"
#include "icc/store/objsize.h"
#include "icc/runtime/runtime.h"
#include "inspect_doc.h"

struct row {
	char id[ICC_ID_LEN + 1];
	cJSON *meta;
	int64_t created;
};

static int by_created_desc(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	return x->created < y->created ? 1 : x->created > y->created ? -1 : 0;
}

/* "/bin/sh -c 'x'" as Docker shows it: args joined by spaces, quoted, truncated to 20 with "…". */
static void command_text(const cJSON *cfg, bool trunc, char *out, size_t size)
{
	char cmd[2048] = "";
	size_t n = 0;
	cJSON *words = inspect_command_words(cfg);
	const cJSON *it;
	cJSON_ArrayForEach(it, words) {
		n += (size_t)snprintf(cmd + n, n < sizeof(cmd) ? sizeof(cmd) - n : 0, "%s%s", n ? " " : "",
				      it->valuestring);
		if (n >= sizeof(cmd))
			n = sizeof(cmd) - 1;
	}
	cJSON_Delete(words);
	if (!cmd[0])
		snprintf(cmd, sizeof(cmd), "/bin/sh");
	/* one row per container: newlines and tabs of a script show as spaces */
	for (char *c = cmd; *c; c++)
		if (*c == '\n' || *c == '\t' || *c == '\r')
			*c = ' ';
	if (trunc && strlen(cmd) > 20) {
		/* 19 characters and an ellipsis (UTF-8) */
		snprintf(out, size, "\"%.19s\xe2\x80\xa6\"", cmd);
		return;
	}
	snprintf(out, size, "\"%s\"", cmd);
}

static void status_text(const struct icc_cstate *cs, bool paused, int64_t now, char *out, size_t size)
{
	char ago[64];
	switch (cs->status) {
	case ICC_CS_CREATED:
		snprintf(out, size, "Created");
		break;
	case ICC_CS_RUNNING: {
		icc_time_ago(cs->started_ns, now, ago, sizeof(ago));
		/* "3 minutes ago" -> "Up 3 minutes" */
		size_t l = strlen(ago);
		if (l > 4 && !strcmp(ago + l - 4, " ago"))
			ago[l - 4] = '\0';
		snprintf(out, size, "Up %s%s", ago, paused ? " (Paused)" : "");
		break;
	}
	case ICC_CS_EXITED:
		icc_time_ago(cs->finished_ns ? cs->finished_ns : cs->started_ns, now, ago, sizeof(ago));
		snprintf(out, size, "Exited (%d) %s", cs->exit_code, ago);
		break;
	case ICC_CS_DEAD:
		snprintf(out, size, "Dead");
		break;
	}
}

/* What a container is matched against in --filter. */
struct filter_ctx {
	struct icc_store *st;
	const char *id, *name, *status, *image;
	const cJSON *labels;
};

static bool m_status(const char *v, void *p)
{
	return !strcmp(v, ((struct filter_ctx *)p)->status);
}

static bool m_id(const char *v, void *p)
{
	return *v && !strncmp(((struct filter_ctx *)p)->id, v, strlen(v));
}

/* name=: a regular expression, as Docker (values were checked when parsed) */
static bool m_name(const char *v, void *p)
{
	regex_t re;
	if (regcomp(&re, v, REG_EXTENDED | REG_NOSUB))
		return false;
	bool yes = regexec(&re, ((struct filter_ctx *)p)->name, 0, NULL, 0) == 0;
	regfree(&re);
	return yes;
}

/* label=KEY or label=KEY=VALUE */
static bool m_label(const char *v, void *p)
{
	const cJSON *labels = ((struct filter_ctx *)p)->labels;
	const char *eq = strchr(v, '=');
	char key[512];
	snprintf(key, sizeof(key), "%.*s", eq ? (int)(eq - v) : (int)strlen(v), v);
	const cJSON *l = cJSON_GetObjectItemCaseSensitive(labels, key);
	if (!l)
		return false;
	return !eq || (cJSON_IsString(l) && !strcmp(l->valuestring, eq + 1));
}

/* ancestor=IMAGE: the container's image is IMAGE or was made from it */
static bool m_ancestor(const char *v, void *p)
{
	struct filter_ctx *c = p;
	char want[ICC_ID_LEN + 1], cur[ICC_ID_LEN + 1];
	struct icc_err e;
	if (!c->image || icc_image_resolve(c->st, v, want, &e) < 0)
		return false;
	snprintf(cur, sizeof(cur), "%s", c->image);
	for (int depth = 0; cur[0] && depth < 4096; depth++) {
		if (!strcmp(cur, want))
			return true;
		cJSON *m;
		if (icc_object_meta(c->st, ICC_IMAGE, cur, &m, &e) < 0)
			break;
		const char *parent = icc_json_str(m, "parent");
		snprintf(cur, sizeof(cur), "%s", parent ? parent : "");
		cJSON_Delete(m);
	}
	return false;
}

static bool filters_pass(const struct cli_filters *f, struct filter_ctx *c)
{
	return cli_filter_match(f, "status", m_status, c) && cli_filter_match(f, "id", m_id, c) &&
	       cli_filter_match(f, "name", m_name, c) && cli_filter_match(f, "label", m_label, c) &&
	       cli_filter_match(f, "ancestor", m_ancestor, c);
}

/* Values that can never match are errors, as Docker says them. */
static int check_filter(const struct cli_filters *f, size_t i)
{
	static const char *const states[] = {"created", "restarting", "running", "removing",
					     "paused", "exited", "dead", NULL};
	if (!strcmp(f->key[i], "status")) {
		for (size_t k = 0; states[k]; k++)
			if (!strcmp(f->val[i], states[k]))
				return 0;
		cli_errorf("ps: --filter status=%s: invalid status (created, restarting, running, "
			   "removing, paused, exited, dead)", f->val[i]);
		return 1;
	}
	if (!strcmp(f->key[i], "name")) {
		regex_t re;
		if (regcomp(&re, f->val[i], REG_EXTENDED | REG_NOSUB)) {
			cli_errorf("ps: --filter name=%s: not a regular expression", f->val[i]);
			return 1;
		}
		regfree(&re);
	}
	return 0;
}

/* -f, -l and -n in the order given (the last of -l/-n counts); 0 or the exit code after the error */
static int ps_args(const struct cli_ctx *ctx, struct cli_filters *filt, long *last)
{
	static const char *const keys[] = {"status", "name", "ancestor", "label", "id", NULL};
	*last = -1;
	for (size_t i = 0; i < ctx->ngiven; i++) {
		const struct cli_opt *o = ctx->given[i].opt;
		const char *v = ctx->given[i].value;
		char *end;
		if (o->letter == 'l') {
			*last = 1;
		} else if (o->letter == 'n') {
			*last = strtol(v, &end, 10);
			if (!*v || *end || *last < -1) {
				cli_errorf("ps: --last %s: not a number of containers", v);
				cli_filters_free(filt);
				return EXIT_USAGE;
			}
		} else if (o->letter == 'f' &&
			   (cli_filter_add(filt, "ps", v, keys) || check_filter(filt, filt->n - 1))) {
			cli_filters_free(filt);
			return EXIT_USAGE;
		}
	}
	return 0;
}

int cmd_ps_check(struct cli_ctx *ctx)
{
	struct cli_filters filt = {.n = 0};
	long last;
	int r = ps_args(ctx, &filt, &last);
	if (r == 0)
		cli_filters_free(&filt);
	return r;
}

int cmd_ps(struct cli_ctx *ctx)
{
	struct icc_store *st = &ctx->st;
	bool all = cli_has(ctx, "all"), quiet = cli_has(ctx, "quiet"), notrunc = cli_has(ctx, "no-trunc"),
	     size = cli_has(ctx, "size");
	const char *format = cli_value(ctx, "format", NULL);
	struct cli_filters filt = {.n = 0};
	long last;
	ps_args(ctx, &filt, &last);
	/* -n/-l and a status filter look at stopped containers too, as Docker's */
	if (last >= 0 || cli_filter_has(&filt, "status"))
		all = true;
	struct icc_err err;
	struct icc_idlist l;
	if (icc_object_list(st, ICC_CONTAINER, &l, &err) < 0) {
		cli_filters_free(&filt);
		return cli_fail(&err);
	}
	struct row *rows = calloc(l.count ? l.count : 1, sizeof(*rows));
	size_t nrows = 0;
	for (size_t i = 0; i < l.count; i++) {
		cJSON *meta;
		if (icc_object_meta(st, ICC_CONTAINER, l.ids[i], &meta, &err) < 0)
			continue;
		memcpy(rows[nrows].id, l.ids[i], ICC_ID_LEN + 1);
		rows[nrows].meta = meta;
		const char *cr = icc_json_str(meta, "created");
		rows[nrows].created = cr ? icc_time_parse(cr) : 0;
		nrows++;
	}
	icc_idlist_free(&l);
	qsort(rows, nrows, sizeof(*rows), by_created_desc);
	struct cli_fmt ff;
	int rc = cli_fmt_open(&ff, "ps", format, "ID", "CONTAINER ID", "Image", "IMAGE", "ImageID", "IMAGE ID",
				  "Command", "COMMAND", "CreatedAt", "CREATED AT", "RunningFor", "CREATED",
				  "CreatedSince", "CREATED", "State", "STATE", "Status", "STATUS", "Size", "SIZE",
				  "Ports", "PORTS", "Names", "NAMES", "Labels", "LABELS", "Mounts", "MOUNTS", NULL);
	enum cli_format fmt = ff.kind;
	struct cli_table t;
	/* -s: Docker's SIZE column, "writable (virtual total)" */
	cli_table_init(&t, size ? 8 : 7, "CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES",
		       "SIZE");
	struct icc_sizes sz;
	bool have_sz = size && !quiet && icc_sizes_open(&sz, st, &err) == 0;
	int64_t now = icc_now_ns();
	long shown = 0;
	for (size_t i = 0; i < nrows && !rc; i++) {
		cJSON *meta = rows[i].meta;
		struct icc_cstate cs;
		icc_container_state(meta, &cs);
		if (!all && cs.status != ICC_CS_RUNNING)
			continue;
		if (last >= 0 && shown >= last)
			break;
		bool paused = cs.status == ICC_CS_RUNNING &&
			      cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(
				      cJSON_GetObjectItemCaseSensitive(meta, "state"), "paused"));
		struct filter_ctx fc = {
			.st = st, .id = rows[i].id,
			.name = icc_json_str(meta, "name") ? icc_json_str(meta, "name") : "",
			.status = paused ? "paused" : icc_cstatus_name(cs.status),
			.image = icc_json_str(meta, "image"),
			.labels = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(meta, "config"), "Labels"),
		};
		if (!filters_pass(&filt, &fc))
			continue;
		shown++;
		char sid[13], cmd[2100], created[64], status[128], cat[64];
		const char *id = rows[i].id;
		if (quiet) {
			puts(notrunc ? id : cli_short_id(id, sid));
			continue;
		}
		const cJSON *cfg = cJSON_GetObjectItemCaseSensitive(meta, "config");
		command_text(cfg, !notrunc && fmt == CLI_FMT_TABLE, cmd, sizeof(cmd));
		icc_time_ago(rows[i].created, now, created, sizeof(created));
		status_text(&cs, paused, now, status, sizeof(status));
		/* published ports, as Docker shows them: only while running */
		char ports[1024] = "";
		if (cs.status == ICC_CS_RUNNING)
			icc_ports_text(cJSON_GetObjectItemCaseSensitive(
					       cJSON_GetObjectItemCaseSensitive(
						       cJSON_GetObjectItemCaseSensitive(meta, "state"), "network"), "Ports"),
				       ports, sizeof(ports));
		const char *image = icc_json_str(meta, "image_ref");
		const char *name = icc_json_str(meta, "name");
		/* writable layer: what the container holds alone (rm frees it);
		 * virtual: everything it references, the image's blocks too */
		struct icc_size z = {0, 0};
		char size_text[80] = "";
		if (have_sz) {
			int fd = icc_object_rootfs_fd(st, ICC_CONTAINER, id, &err);
			if (fd >= 0) {
				if (icc_sizes_of(&sz, fd, &z, &err) < 0)
					z.exclusive = z.total = 0;
				close(fd);
			}
			char hw[32], hv[32];
			icc_human_size(z.exclusive, hw, sizeof(hw));
			icc_human_size(z.total, hv, sizeof(hv));
			snprintf(size_text, sizeof(size_text), "%s (virtual %s)", hw, hv);
		}
		if (fmt == CLI_FMT_TABLE) {
			cli_table_add(&t, notrunc ? id : cli_short_id(id, sid), image ? image : "", cmd,
				      created, status, ports, name ? name : "", size_text);
			continue;
		}
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "ID", notrunc ? id : cli_short_id(id, sid));
		cJSON_AddStringToObject(o, "Image", image ? image : "");
		cJSON_AddStringToObject(o, "ImageID", icc_json_str(meta, "image") ? icc_json_str(meta, "image") : "");
		cJSON_AddStringToObject(o, "Command", cmd);
		cJSON_AddStringToObject(o, "CreatedAt", icc_json_str(meta, "created") ? icc_json_str(meta, "created") : "");
		cJSON_AddStringToObject(o, "RunningFor", created);
		cJSON_AddStringToObject(o, "CreatedSince", created);
		cJSON_AddStringToObject(o, "Size", size_text);
		if (have_sz) {
			cJSON_AddNumberToObject(o, "SizeRw", (double)z.exclusive);
			cJSON_AddNumberToObject(o, "SizeRootFs", (double)z.total);
		}
		cJSON_AddStringToObject(o, "State", paused ? "paused" : icc_cstatus_name(cs.status));
		cJSON_AddStringToObject(o, "Status", status);
		cJSON_AddStringToObject(o, "Ports", ports);
		cJSON_AddStringToObject(o, "Names", name ? name : "");
		if (cs.status == ICC_CS_RUNNING)
			cJSON_AddNumberToObject(o, "Pid", cs.pid);
		if (cs.status == ICC_CS_EXITED)
			cJSON_AddNumberToObject(o, "ExitCode", cs.exit_code);
		snprintf(cat, sizeof(cat), "%s", icc_cstatus_name(cs.status));
		rc = cli_fmt_row(&ff, o);
		cJSON_Delete(o);
	}
	if (!quiet && fmt == CLI_FMT_TABLE)
		cli_table_print(&t, stdout);
	if (have_sz && icc_sizes_note(&sz) && fmt == CLI_FMT_TABLE)
		fprintf(stderr, "icc: note: %s\n", icc_sizes_note(&sz));
	if (have_sz)
		icc_sizes_close(&sz);
	cli_table_free(&t);
	if (rc) /* a bad template: only its error line */
		cli_fmt_free(&ff);
	else
		cli_fmt_flush(&ff);
	for (size_t i = 0; i < nrows; i++)
		cJSON_Delete(rows[i].meta);
	free(rows);
	cli_filters_free(&filt);
	return rc;
}

const struct cli_opt cmd_ps_opts[] = {
	{'a', "all", NULL, "also stopped containers"},
	{'q', "quiet", NULL, "only container ids"},
	{'l', "latest", NULL, "the newest container"},
	{'n', "last", "N", "the N newest containers (any state)"},
	{'f', "filter", "K=V", "status=created|running|paused|exited|dead|..., name=REGEX,\n"
			       "ancestor=IMAGE (or an image made from it), label=KEY[=VALUE],\n"
			       "id=PREFIX; the same key ORs, different keys AND"},
	{'s', "size", NULL, "fill the Size field (apparent size of the container's files)"},
	{0, "no-trunc", NULL, "full ids and commands"},
	{0, "format", "FORMAT", CLI_FORMAT_HELP "\nfields: ID Names Image ImageID Command CreatedAt CreatedSince\n"
				"RunningFor State Status Size Ports"},
	{0},
};
