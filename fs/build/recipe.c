/* recipe.c - the recorded sessions of a lineage, and the Dockerfile that replays them (session.h) */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "icc/base/util.h"
#include "icc/image/image.h"
#include "icc/store/object.h"
#include "icc/store/ref.h"
#include "icc/console/session.h"
#include "icc/snap/snapdir.h"
#include "icc/snap/snapref.h"

static cJSON *step(const char *label, const char *time, const cJSON *commands)
{
	cJSON *s = cJSON_CreateObject();
	cJSON_AddStringToObject(s, "label", label);
	cJSON_AddStringToObject(s, "time", time ? time : "");
	cJSON_AddItemToObject(s, "commands", commands ? cJSON_Duplicate(commands, true) : cJSON_CreateArray());
	return s;
}

int icc_session_steps(struct icc_store *st, const char *cid, const char *upto, bool pending, cJSON **steps,
		      struct icc_err *err)
{
	cJSON *meta = NULL;
	bool removed = false;
	int r = icc_snap_owner_meta(st, cid, &meta, &removed, err);
	if (r < 0)
		return r;
	const char *cname = icc_json_str(meta, "name");
	char who[300];
	snprintf(who, sizeof(who), "%s", cname && *cname ? cname : cid);
	cJSON *out = cJSON_CreateArray();
	struct icc_snapdir sd = {.dirfd = -1};
	struct icc_snap_info *snaps = NULL;
	size_t n = 0;
	if (icc_container_snapdir_open(st, cid, &sd, err) == 0 && icc_snapdir_list(&sd, &snaps, &n, err) == 0) {
		for (size_t i = 0; i < n; i++) {
			char rel[300], label[600], when[64];
			cJSON *sm = NULL;
			struct icc_err e;
			snprintf(rel, sizeof(rel), "%s/meta.json", snaps[i].name);
			const cJSON *cmds = NULL;
			if (icc_json_read(sd.dirfd, rel, &sm, &e) == 0)
				cmds = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(sm, "source"),
									"commands");
			snprintf(label, sizeof(label), "%s/%s", who, snaps[i].name);
			icc_time_format(snaps[i].created_ns, when, sizeof(when));
			cJSON_AddItemToArray(out, step(label, when, cJSON_IsArray(cmds) ? cmds : NULL));
			cJSON_Delete(sm);
			if (upto && !strcmp(upto, snaps[i].name))
				break;
		}
	}
	free(snaps);
	if (sd.dirfd >= 0)
		icc_snapdir_close(&sd);
	if (pending && !removed) {
		cJSON *doc = NULL;
		struct icc_err e;
		int dfd = icc_object_dirfd(st, ICC_CONTAINER, cid, &e);
		if (dfd >= 0 && icc_json_read(dfd, "commands.json", &doc, &e) == 0) {
			char label[600];
			snprintf(label, sizeof(label), "%s (not saved)", who);
			cJSON_AddItemToArray(out, step(label, NULL, cJSON_GetObjectItemCaseSensitive(doc, "commands")));
		}
		if (dfd >= 0)
			close(dfd);
		cJSON_Delete(doc);
	}
	cJSON_Delete(meta);
	*steps = out;
	return 0;
}

/* Put an image's own recorded steps (a commit's or promote's "session") before `steps`, walking to its base. */
static void from_image(struct icc_store *st, const char *id, struct icc_recipe *r, int depth)
{
	cJSON *meta = NULL;
	struct icc_err e;
	snprintf(r->base, sizeof(r->base), "%s", id);
	if (icc_object_meta(st, ICC_IMAGE, id, &meta, &e) < 0)
		return;
	const cJSON *session = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(meta, "source"),
								"session");
	const char *parent = icc_json_str(meta, "parent");
	if (cJSON_IsArray(session) && parent && *parent && depth < 64) {
		/* this image is what a session made: its steps come first, its parent is the base */
		cJSON *mine = cJSON_Duplicate(session, true), *it;
		cJSON_ArrayForEach(it, r->steps)
			cJSON_AddItemToArray(mine, cJSON_Duplicate(it, true));
		cJSON_Delete(r->steps);
		r->steps = mine;
		cJSON_Delete(meta);
		from_image(st, parent, r, depth + 1);
		return;
	}
	cJSON_Delete(r->base_config);
	r->base_config = icc_config_sanitize(cJSON_GetObjectItemCaseSensitive(meta, "config"));
	cJSON_Delete(meta);
}

/* The base's name: a tag that points at it, else its id. */
static void base_name(struct icc_store *st, struct icc_recipe *r)
{
	cJSON *refs = NULL;
	struct icc_err e;
	snprintf(r->base_ref, sizeof(r->base_ref), "%s", r->base);
	if (icc_refs_load(st, &refs, &e) < 0)
		return;
	const cJSON *it;
	cJSON_ArrayForEach(it, refs)
		if (cJSON_IsString(it) && !strcmp(it->valuestring, r->base)) {
			snprintf(r->base_ref, sizeof(r->base_ref), "%s", it->string);
			break;
		}
	cJSON_Delete(refs);
}

int icc_recipe_collect(struct icc_store *st, const char *what, struct icc_recipe *r, struct icc_err *err)
{
	memset(r, 0, sizeof(*r));
	char cid[ICC_ID_LEN + 1], id[ICC_ID_LEN + 1];
	struct icc_snap_info info;
	struct icc_err e;
	cJSON *cmeta = NULL;
	bool removed = false;
	int rr;
	if (strchr(what, '/') && icc_snapshot_resolve(st, what, cid, &info, &e) == 0)
		rr = icc_session_steps(st, cid, info.name, false, &r->steps, err);
	else if (icc_container_resolve(st, what, cid, &e) == 0)
		rr = icc_session_steps(st, cid, NULL, true, &r->steps, err);
	else if (icc_image_resolve(st, what, id, err) == 0) {
		r->steps = cJSON_CreateArray();
		cJSON *meta = NULL;
		rr = icc_object_meta(st, ICC_IMAGE, id, &meta, err);
		if (rr == 0)
			r->config = icc_config_sanitize(cJSON_GetObjectItemCaseSensitive(meta, "config"));
		cJSON_Delete(meta);
		if (rr == 0)
			from_image(st, id, r, 0);
		if (rr == 0 && !strcmp(r->base, id)) {
			/* nothing recorded: FROM the image itself, its whole config spelled out */
			cJSON_Delete(r->base_config);
			r->base_config = cJSON_CreateObject();
		}
		if (rr == 0)
			base_name(st, r);
		return rr;
	} else
		return icc_err_set(err, ENOENT, "no such image, container or snapshot '%s'", what);
	if (rr < 0)
		return rr;
	rr = icc_snap_owner_meta(st, cid, &cmeta, &removed, err);
	if (rr < 0)
		return rr;
	r->config = icc_config_sanitize(cJSON_GetObjectItemCaseSensitive(cmeta, "config"));
	const char *img = icc_json_str(cmeta, "image");
	if (img && icc_object_exists(st, ICC_IMAGE, img))
		from_image(st, img, r, 0);
	cJSON_Delete(cmeta);
	base_name(st, r);
	return 0;
}

void icc_recipe_free(struct icc_recipe *r)
{
	cJSON_Delete(r->base_config);
	cJSON_Delete(r->config);
	cJSON_Delete(r->steps);
	memset(r, 0, sizeof(*r));
}

/* ---- the Dockerfile ---- */

struct text {
	char *s;
	size_t len, cap;
};

static void add(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (t->len + (size_t)n + 1 > t->cap) {
		t->cap = (t->len + (size_t)n + 1) * 2;
		t->s = realloc(t->s, t->cap);
	}
	va_start(ap, fmt);
	vsnprintf(t->s + t->len, t->cap - t->len, fmt, ap);
	va_end(ap);
	t->len += (size_t)n;
}

/* Why a recorded command is not a RUN: NULL when it is one. */
static const char *left_out(const char *cmd, const cJSON *status, bool *silent)
{
	static const char *const interactive[] = {"less", "more", "most", "man", "vi", "vim", "nvim", "nano",
		"emacs", "pico", "ed", "view", "top", "htop", "watch", "tmux", "screen", "bash", "sh", "dash",
		"zsh", "su", "passwd", "mc"};
	static const char *const nothing[] = {"exit", "logout", "clear", "history", "cd", "pwd"};
	char first[64];
	snprintf(first, sizeof(first), "%.*s", (int)strcspn(cmd, " \t;|&"), cmd);
	*silent = false;
	for (size_t i = 0; i < sizeof(nothing) / sizeof(nothing[0]); i++)
		if (!strcmp(first, nothing[i]) && (strcmp(first, "cd") || !strpbrk(cmd, ";|&"))) {
			*silent = true; /* cd: the next command's directory is its WORKDIR */
			return "";
		}
	for (size_t i = 0; i < sizeof(interactive) / sizeof(interactive[0]); i++)
		if (!strcmp(first, interactive[i]))
			return "interactive (needs a person at the terminal), not replayed";
	if (cJSON_IsNumber(status) && status->valueint != 0)
		return "failed";
	return NULL;
}

/* ENV, WORKDIR, USER, ENTRYPOINT, CMD: what the final config has that the base's has not. */
static void config_lines(struct text *t, const struct icc_recipe *r, const char *wd)
{
	const cJSON *it, *base_env = cJSON_GetObjectItemCaseSensitive(r->base_config, "Env");
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(r->config, "Env"))
		if (cJSON_IsString(it) && !icc_json_has_string(base_env, it->valuestring) && strchr(it->valuestring, '='))
			add(t, "ENV %.*s=\"%s\"\n", (int)strcspn(it->valuestring, "="), it->valuestring,
			    strchr(it->valuestring, '=') + 1);
	const char *cwd = icc_json_str(r->config, "WorkingDir");
	if (cwd && *cwd && strcmp(cwd, wd))
		add(t, "WORKDIR %s\n", cwd);
	const char *user = icc_json_str(r->config, "User"), *bu = icc_json_str(r->base_config, "User");
	if (user && *user && (!bu || strcmp(user, bu)))
		add(t, "USER %s\n", user);
	const char *keys[] = {"Entrypoint", "Cmd"};
	for (int k = 0; k < 2; k++) {
		char *a = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(r->config, keys[k]));
		char *b = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(r->base_config, keys[k]));
		if (a && strcmp(a, "[]") && (!b || strcmp(a, b)))
			add(t, "%s %s\n", k ? "CMD" : "ENTRYPOINT", a);
		cJSON_free(a);
		cJSON_free(b);
	}
}

char *icc_recipe_dockerfile(const struct icc_recipe *r, const char *const *ignore, size_t nignore)
{
	struct text t = {0};
	add(&t, "# Written by icc dockerfile from the commands recorded at the shell prompt.\n"
		"# Each command that succeeded is a RUN; left out: failed commands (commented with their\n"
		"# status), cd (the directory of the commands after it is their WORKDIR), exit/clear/history,\n"
		"# pagers, editors and shells (commented: they need a person at the terminal).\n");
	add(&t, "FROM %s\n", r->base_ref);
	const char *base_wd = icc_json_str(r->base_config, "WorkingDir");
	char wd[4096];
	snprintf(wd, sizeof(wd), "%s", base_wd && *base_wd ? base_wd : "/");
	int runs = 0;
	const cJSON *st;
	cJSON_ArrayForEach(st, r->steps) {
		const cJSON *cmds = cJSON_GetObjectItemCaseSensitive(st, "commands"), *c;
		if (!cJSON_GetArraySize(cmds))
			continue;
		const char *when = icc_json_str(st, "time");
		add(&t, "\n# %s%s%s\n", icc_json_str(st, "label"), when && *when ? ", " : "", when ? when : "");
		cJSON_ArrayForEach(c, cmds) {
			const char *cmd = icc_json_str(c, "cmd"), *cwd = icc_json_str(c, "cwd");
			const cJSON *status = cJSON_GetObjectItemCaseSensitive(c, "status");
			bool silent;
			if (!cmd)
				continue;
			const char *why = left_out(cmd, status, &silent);
			if (why && silent)
				continue;
			if (why && !strcmp(why, "failed")) {
				add(&t, "# failed (exit %d): %s\n", status->valueint, cmd);
				continue;
			}
			if (why) {
				add(&t, "# %s: %s\n", why, cmd);
				continue;
			}
			if (cwd && *cwd && strcmp(cwd, wd)) {
				add(&t, "WORKDIR %s\n", cwd);
				snprintf(wd, sizeof(wd), "%s", cwd);
			}
			if (!cJSON_IsNumber(status))
				add(&t, "# (its exit status was not observed: a shell builtin, or icc ran in a nested pid namespace)\n");
			add(&t, "RUN %s\n", cmd);
			runs++;
		}
	}
	if (!runs)
		add(&t, "\n# No recorded session: nothing to replay (the FROM and the config only).\n");
	add(&t, "\n");
	config_lines(&t, r, wd);
	add(&t, "\n# Expected to differ from the original when this is built: logs, apt lists, caches,\n"
		"# shell history and timestamps:\n"
		"#   /var/log /var/cache /var/lib/apt/lists /var/lib/dpkg/*-old /tmp /root/.bash_history\n");
	for (size_t i = 0; i < nignore; i++)
		add(&t, "#   %s\n", ignore[i]);
	return t.s;
}
