/* build.c - icc build: each Dockerfile step an image, a snapshot of the one before; cached by key */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "icc/build/build.h"
#include "icc/container/container.h"
#include "icc/image/image.h"
#include "icc/network/network.h"
#include "icc/store/object.h"
#include "icc/store/ref.h"
#include "icc/runtime/runtime.h"
#include "icc/snap/snapkeep.h"

#define DOCKERFILE_MAX (4u << 20)

struct stage_state {
	char image[ICC_ID_LEN + 1]; /* the last step's image; "" on scratch before a step */
	cJSON *config;              /* its config */
	cJSON *args;                /* ARGs in scope: name -> value (null: declared, no value) */
	cJSON *shell;               /* SHELL, default ["/bin/sh", "-c"] */
	bool cmd_set, needed, built;
};

struct bctx {
	struct icc_store *st;
	const struct icc_build_opts *o;
	struct icc_dockerfile df;
	struct stage_state *ss;
	cJSON *cache;
	cJSON *globals;             /* the ARGs before the first FROM */
	struct icc_ignore *ig;
	int ctxfd;
	int step, total;
	int *exit_code;
	struct icc_err *err;
};

/* ---- variables ---- */

struct lookup_ctx {
	struct bctx *b;
	struct stage_state *s;      /* NULL: FROM (global ARGs only) */
	size_t at, end;             /* the instruction and its stage's end: for "used before declared" */
	char late[256];
};

static const char *env_value(const cJSON *config, const char *name)
{
	size_t n = strlen(name);
	const cJSON *it;
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(config, "Env"))
		if (cJSON_IsString(it) && !strncmp(it->valuestring, name, n) && it->valuestring[n] == '=')
			return it->valuestring + n + 1;
	return NULL;
}

/* "NAME" of "NAME=default" */
static void arg_name(const char *word, char *out, size_t size)
{
	snprintf(out, size, "%.*s", (int)strcspn(word, "="), word);
}

static const char *lookup(void *vctx, const char *name)
{
	struct lookup_ctx *c = vctx;
	const char *v = NULL;
	if (c->s) {
		v = env_value(c->s->config, name);
		const cJSON *a = cJSON_GetObjectItemCaseSensitive(c->s->args, name);
		if (!v && cJSON_IsString(a))
			v = a->valuestring;
		if (v || a)
			return v;
	} else {
		const cJSON *g = cJSON_GetObjectItemCaseSensitive(c->b->globals, name);
		if (g)
			return cJSON_IsString(g) ? g->valuestring : NULL;
	}
	/* unset: an ARG of that name further down was meant, and is not declared yet */
	for (size_t j = c->at + 1; j < c->end && !c->late[0]; j++) {
		const struct icc_df_instr *in = &c->b->df.v[j];
		char first[256];
		if (in->op != ICC_DF_ARG)
			continue;
		arg_name(in->args, first, sizeof(first));
		if (!strcmp(first, name))
			snprintf(c->late, sizeof(c->late), "%s' is used before it is declared (ARG on line %d)",
				 name, in->line);
	}
	return NULL;
}

/* Words of an instruction's arguments with variables put in; -errno with the line named. */
static int words(struct bctx *b, struct stage_state *s, size_t at, size_t end, const char *text, bool split,
		 char ***out)
{
	struct lookup_ctx lc = {.b = b, .s = s, .at = at, .end = end};
	const struct icc_df_instr *in = &b->df.v[at];
	struct icc_err e;
	int n = icc_df_words(text, split, lookup, &lc, out, &e);
	if (n >= 0 && lc.late[0]) {
		icc_df_words_free(*out, n);
		return icc_err_set(b->err, EINVAL, "line %d: %s: '%s", in->line, icc_df_op_name(in->op), lc.late);
	}
	if (n < 0)
		return icc_err_set(b->err, EINVAL, "line %d: %s: %s", in->line, icc_df_op_name(in->op), e.msg);
	return n;
}

/* One word (WORKDIR, USER, ...): the whole argument, expanded. */
static int one_word(struct bctx *b, struct stage_state *s, size_t at, size_t end, const char *text,
		    char **out)
{
	char **w;
	int n = words(b, s, at, end, text, false, &w);
	if (n < 0)
		return n;
	*out = strdup(n ? w[0] : "");
	icc_df_words_free(w, n);
	return 0;
}

/* ---- the store: images and their configs ---- */

static int image_config(struct bctx *b, const char *id, cJSON **config)
{
	cJSON *meta;
	int r = icc_object_meta(b->st, ICC_IMAGE, id, &meta, b->err);
	if (r < 0)
		return r;
	*config = icc_config_sanitize(cJSON_GetObjectItemCaseSensitive(meta, "config"));
	cJSON_Delete(meta);
	return 0;
}

/* An image by name, pulled when the store lacks it. */
static int find_image(struct bctx *b, const char *ref, int line, const char *what, char id[ICC_ID_LEN + 1])
{
	int r = icc_image_resolve(b->st, ref, id, b->err);
	if (r == -ENOENT && b->o->pull) {
		char norm[ICC_REF_MAX];
		struct icc_err e;
		if (icc_ref_normalize(ref, norm, sizeof(norm), &e) == 0)
			r = b->o->pull(b->o->ctx, norm, id, b->err);
	}
	if (r < 0 && b->err->code != ECANCELED) {
		char m[sizeof(b->err->msg)];
		snprintf(m, sizeof(m), "%s", b->err->msg);
		icc_err_set(b->err, -r, "line %d: %s: %s", line, what, m);
	}
	return r;
}

static void event(struct bctx *b, enum icc_build_event_kind k, const char *text, const char *id)
{
	struct icc_build_event ev = {.kind = k, .step = b->step, .total = b->total, .text = text, .id = id};
	if (b->o->event)
		b->o->event(b->o->ctx, &ev);
}

/* The stage a name or index names (COPY --from, FROM), or -1. */
static int stage_index(struct bctx *b, const char *name, size_t before)
{
	for (size_t i = 0; i < before && i < b->df.nstages; i++)
		if (b->df.stages[i].name && !strcasecmp(b->df.stages[i].name, name))
			return (int)i;
	char *end;
	long k = strtol(name, &end, 10);
	if (*name && !*end && k >= 0 && (size_t)k < before)
		return (int)k;
	return -1;
}


/* ---- one step ---- */

enum tree_change { TREE_NONE, TREE_MKDIR, TREE_COPY, TREE_RUN };

struct step {
	size_t at, end;
	struct stage_state *s;
	const struct icc_df_instr *in;
	cJSON *config;         /* the config after the step */
	char *expanded;        /* the instruction with its variables put in */
	cJSON *args_seen;
	char content[65];
	enum tree_change tree;
	char *dir;             /* TREE_MKDIR, TREE_COPY's destination */
	struct icc_copy_src src;
	char **paths;
	size_t npaths;
	struct icc_copy_opts copt;
	cJSON *cmd;            /* TREE_RUN: argv */
};

static void step_free(struct step *p)
{
	cJSON_Delete(p->config);
	free(p->expanded);
	cJSON_Delete(p->args_seen);
	free(p->dir);
	icc_copy_paths_free(p->paths, p->npaths);
	if (p->src.root >= 0 && !p->src.context)
		close(p->src.root);
	cJSON_Delete(p->cmd);
}

static void set_env(cJSON *config, const char *key, const char *value)
{
	cJSON *env = cJSON_GetObjectItemCaseSensitive(config, "Env");
	if (!cJSON_IsArray(env)) {
		cJSON_DeleteItemFromObjectCaseSensitive(config, "Env");
		env = cJSON_AddArrayToObject(config, "Env");
	}
	size_t n = strlen(key);
	for (cJSON *it = env->child, *next; it; it = next) {
		next = it->next;
		if (cJSON_IsString(it) && !strncmp(it->valuestring, key, n) && it->valuestring[n] == '=')
			cJSON_Delete(cJSON_DetachItemViaPointer(env, it));
	}
	size_t l = n + strlen(value) + 2;
	char *kv = malloc(l);
	snprintf(kv, l, "%s=%s", key, value);
	cJSON_AddItemToArray(env, cJSON_CreateString(kv));
	free(kv);
}

static cJSON *member(cJSON *config, const char *key)
{
	cJSON *v = cJSON_GetObjectItemCaseSensitive(config, key);
	if (cJSON_IsObject(v))
		return v;
	cJSON_DeleteItemFromObjectCaseSensitive(config, key);
	return cJSON_AddObjectToObject(config, key);
}

static void set_str(cJSON *config, const char *key, const char *value)
{
	cJSON_DeleteItemFromObjectCaseSensitive(config, key);
	cJSON_AddStringToObject(config, key, value);
}

static cJSON *strings(char **v, int n)
{
	cJSON *a = cJSON_CreateArray();
	for (int i = 0; i < n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(v[i]));
	return a;
}

/* The expanded words joined, after the instruction: the cache sees what the step does. */
static void set_expanded(struct step *p, char **w, int n)
{
	size_t l = strlen(p->in->text) + 2;
	for (int i = 0; i < n; i++)
		l += strlen(w[i]) + 1;
	p->expanded = calloc(1, l);
	strcat(p->expanded, p->in->text);
	strcat(p->expanded, "\n");
	for (int i = 0; i < n; i++) {
		strcat(p->expanded, w[i]);
		strcat(p->expanded, i + 1 < n ? "\x1f" : "");
	}
}

/* An absolute path: relative ones are below WORKDIR. */
static char *abs_path(const cJSON *config, const char *path)
{
	if (path[0] == '/')
		return strdup(path);
	const char *wd = icc_json_str(config, "WorkingDir");
	if (!wd || !*wd)
		wd = "/";
	size_t l = strlen(wd) + strlen(path) + 2;
	char *out = malloc(l);
	snprintf(out, l, "%s%s%s", wd, wd[strlen(wd) - 1] == '/' ? "" : "/", path);
	return out;
}

/* ENV K=V... or ENV K V; LABEL K=V... */
static int pairs(struct bctx *b, struct step *p, char **w, int n)
{
	bool env = p->in->op == ICC_DF_ENV;
	if (env && n >= 1 && !strchr(w[0], '=')) {
		if (n < 2)
			return icc_err_set(b->err, EINVAL, "line %d: ENV: '%s' needs a value", p->in->line, w[0]);
		size_t l = 1;
		for (int i = 1; i < n; i++)
			l += strlen(w[i]) + 1;
		char *v = calloc(1, l);
		for (int i = 1; i < n; i++) {
			strcat(v, w[i]);
			if (i + 1 < n)
				strcat(v, " ");
		}
		set_env(p->config, w[0], v);
		free(v);
		return 0;
	}
	for (int i = 0; i < n; i++) {
		char *eq = strchr(w[i], '=');
		if (!eq || eq == w[i])
			return icc_err_set(b->err, EINVAL, "line %d: %s: '%s' is not KEY=VALUE", p->in->line,
					   icc_df_op_name(p->in->op), w[i]);
		*eq = '\0';
		if (env)
			set_env(p->config, w[i], eq + 1);
		else
			set_str(member(p->config, "Labels"), w[i], eq + 1);
		*eq = '=';
	}
	return 0;
}

/* ARG NAME[=default]...: --build-arg, else the default, else the global value. */
static int arg_step(struct bctx *b, struct step *p, char **w, int n)
{
	p->args_seen = cJSON_CreateObject();
	for (int i = 0; i < n; i++) {
		char name[256];
		arg_name(w[i], name, sizeof(name));
		if (!name[0])
			return icc_err_set(b->err, EINVAL, "line %d: ARG: '%s' has no name", p->in->line, w[i]);
		const char *eq = strchr(w[i], '=');
		const char *given = icc_json_str(b->o->build_args, name);
		const cJSON *g = cJSON_GetObjectItemCaseSensitive(b->globals, name);
		const char *v = given ? given : eq ? eq + 1 : cJSON_IsString(g) ? g->valuestring : NULL;
		cJSON *target = p->s ? p->s->args : b->globals;
		cJSON_DeleteItemFromObjectCaseSensitive(target, name);
		cJSON_AddItemToObject(target, name, v ? cJSON_CreateString(v) : cJSON_CreateNull());
		cJSON_AddItemToObject(p->args_seen, name, v ? cJSON_CreateString(v) : cJSON_CreateNull());
	}
	return 0;
}

/* The config changes of ENV, LABEL, EXPOSE, VOLUME, USER, WORKDIR, STOPSIGNAL, CMD, ENTRYPOINT, SHELL. */
static int config_step(struct bctx *b, struct step *p, char **w, int n)
{
	const struct icc_df_instr *in = p->in;
	switch (in->op) {
	case ICC_DF_ENV:
	case ICC_DF_LABEL:
		return pairs(b, p, w, n);
	case ICC_DF_EXPOSE:
		for (int i = 0; i < n; i++) {
			char port[128];
			snprintf(port, sizeof(port), "%s%s", w[i], strchr(w[i], '/') ? "" : "/tcp");
			cJSON *ports = member(p->config, "ExposedPorts");
			cJSON_DeleteItemFromObjectCaseSensitive(ports, port);
			cJSON_AddItemToObject(ports, port, cJSON_CreateObject());
		}
		return 0;
	case ICC_DF_VOLUME:
		for (int i = 0; i < n; i++) {
			cJSON *vols = member(p->config, "Volumes");
			cJSON_DeleteItemFromObjectCaseSensitive(vols, w[i]);
			cJSON_AddItemToObject(vols, w[i], cJSON_CreateObject());
		}
		return 0;
	case ICC_DF_USER:
	case ICC_DF_STOPSIGNAL:
		set_str(p->config, in->op == ICC_DF_USER ? "User" : "StopSignal", n ? w[0] : "");
		return 0;
	case ICC_DF_WORKDIR: {
		char *dir = abs_path(p->config, n ? w[0] : "/");
		set_str(p->config, "WorkingDir", dir);
		p->tree = TREE_MKDIR;
		p->dir = dir;
		return 0;
	}
	case ICC_DF_CMD:
	case ICC_DF_ENTRYPOINT: {
		cJSON *v;
		if (in->json) {
			v = strings(in->argv, (int)in->argc);
		} else {
			v = cJSON_Duplicate(p->s->shell, true);
			cJSON_AddItemToArray(v, cJSON_CreateString(in->args));
		}
		bool cmd = in->op == ICC_DF_CMD;
		cJSON_DeleteItemFromObjectCaseSensitive(p->config, cmd ? "Cmd" : "Entrypoint");
		cJSON_AddItemToObject(p->config, cmd ? "Cmd" : "Entrypoint", v);
		/* Docker: an ENTRYPOINT drops the CMD the base image had */
		if (!cmd && !p->s->cmd_set)
			cJSON_DeleteItemFromObjectCaseSensitive(p->config, "Cmd");
		p->s->cmd_set |= cmd;
		return 0;
	}
	case ICC_DF_SHELL:
		cJSON_Delete(p->s->shell);
		p->s->shell = strings(in->argv, (int)in->argc);
		return 0;
	default:
		return 0;
	}
}

/* A user or group name (or number) in the tree's /etc/passwd or /etc/group. */
static long name_to_id(int root, const char *file, const char *name)
{
	char *end;
	long id = strtol(name, &end, 10);
	if (*name && !*end)
		return id;
	if (root < 0)
		return -1;
	char *text;
	size_t len;
	struct icc_err e;
	if (icc_read_file_in_root(root, file, 4u << 20, &text, &len, &e) < 0)
		return -1;
	id = -1;
	size_t nl = strlen(name);
	for (char *line = text, *next; line && *line && id < 0; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		char *f = strchr(line, ':');
		if ((size_t)(f ? f - line : -1) == nl && !strncmp(line, name, nl)) {
			char *g = strchr(f + 1, ':');
			id = g ? strtol(g + 1, NULL, 10) : -1;
		}
	}
	free(text);
	return id;
}

/* --chown=USER[:GROUP] and --chmod=OCTAL, resolved in the step's parent tree. */
static int copy_flags(struct bctx *b, struct step *p)
{
	p->copt.uid = p->copt.gid = -1;
	p->copt.mode = -1;
	const struct icc_df_instr *in = p->in;
	if (in->chmod) {
		char *end;
		long m = strtol(in->chmod, &end, 8);
		if (*end || m < 0 || m > 07777)
			return icc_err_set(b->err, EINVAL, "line %d: %s: invalid --chmod '%s'", in->line,
					   icc_df_op_name(in->op), in->chmod);
		p->copt.mode = (int)m;
	}
	if (!in->chown)
		return 0;
	char *spec;
	int r = one_word(b, p->s, p->at, p->end, in->chown, &spec);
	if (r < 0)
		return r;
	char *colon = strchr(spec, ':');
	if (colon)
		*colon = '\0';
	struct icc_err e;
	int root = p->s->image[0] ? icc_object_rootfs_fd(b->st, ICC_IMAGE, p->s->image, &e) : -1;
	p->copt.uid = name_to_id(root, "/etc/passwd", spec);
	p->copt.gid = colon ? name_to_id(root, "/etc/group", colon + 1) : p->copt.uid;
	if (!colon && p->copt.uid >= 0 && (spec[0] < '0' || spec[0] > '9')) {
		/* a user name alone: its primary group, as Docker takes it */
		char *text;
		size_t len;
		p->copt.gid = -1;
		if (root >= 0 && icc_read_file_in_root(root, "/etc/passwd", 4u << 20, &text, &len, &e) == 0) {
			size_t nl = strlen(spec);
			for (char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
				if (!strncmp(l, spec, nl) && l[nl] == ':') {
					char *f = l;
					for (int k = 0; k < 3 && f; k++)
						f = strchr(f + 1, ':');
					p->copt.gid = f ? strtol(f + 1, NULL, 10) : -1;
					break;
				}
			free(text);
		}
	}
	if (root >= 0)
		close(root);
	if (p->copt.uid < 0 || p->copt.gid < 0)
		r = icc_err_set(b->err, EINVAL, "line %d: %s: unknown user or group in --chown=%s", in->line,
				icc_df_op_name(in->op), in->chown);
	free(spec);
	return r;
}

/* COPY/ADD: the source tree, the sources, their hash, the destination. */
static int copy_step(struct bctx *b, struct step *p, char **w, int n)
{
	const struct icc_df_instr *in = p->in;
	const char *op = icc_df_op_name(in->op);
	if (n < 2)
		return icc_err_set(b->err, EINVAL, "line %d: %s requires at least two arguments", in->line, op);
	int r = copy_flags(b, p);
	if (r < 0)
		return r;
	p->copt.extract = in->op == ICC_DF_ADD;
	p->src = (struct icc_copy_src){.root = b->ctxfd, .context = true, .ig = b->ig};
	if (in->from) {
		char id[ICC_ID_LEN + 1];
		size_t si = (size_t)(p->s - b->ss);
		int k = stage_index(b, in->from, si);
		if (k >= 0 && !b->ss[k].built)
			return icc_err_set(b->err, EINVAL, "line %d: COPY --from=%s: that stage was not built", in->line,
					   in->from);
		if (k >= 0)
			snprintf(id, sizeof(id), "%s", b->ss[k].image);
		else if ((r = find_image(b, in->from, in->line, "COPY --from", id)) < 0)
			return r;
		if (!id[0])
			return icc_err_set(b->err, ENOENT, "line %d: COPY --from=%s: the stage is empty (scratch)",
					   in->line, in->from);
		int root = icc_object_rootfs_fd(b->st, ICC_IMAGE, id, b->err);
		if (root < 0)
			return root;
		p->src = (struct icc_copy_src){.root = root, .context = false};
	}
	for (int i = 0; i < n - 1; i++)
		if (in->op == ICC_DF_ADD && strstr(w[i], "://"))
			return icc_err_set(b->err, ENOTSUP, "line %d: ADD %s: URLs are not supported (docs/build.md)",
					   in->line, w[i]);
	struct icc_err e;
	r = icc_copy_expand(&p->src, w, (size_t)n - 1, &p->paths, &p->npaths, &e);
	if (r == 0)
		r = icc_copy_hash(&p->src, p->paths, p->npaths, &p->copt, p->content, &e);
	if (r < 0)
		return icc_err_set(b->err, -r, "line %d: %s: %s", in->line, op, e.msg);
	const char *dest = w[n - 1];
	size_t dl = strlen(dest);
	bool dir = !strcmp(dest, ".") || (dl >= 2 && !strcmp(dest + dl - 2, "/."));
	char *abs = abs_path(p->config, dest);
	if (dir) {
		size_t al = strlen(abs);
		abs = realloc(abs, al + 2);
		strcat(abs, "/");
	}
	p->dir = abs;
	p->tree = TREE_COPY;
	return 0;
}

/* Turn an instruction into the step's changes and its cache key parts. */
static int prepare(struct bctx *b, struct step *p)
{
	const struct icc_df_instr *in = p->in;
	p->config = cJSON_Duplicate(p->s->config, true);
	p->src.root = -1;
	if (in->op == ICC_DF_RUN) {
		if (in->json) {
			p->cmd = strings(in->argv, (int)in->argc);
		} else {
			p->cmd = cJSON_Duplicate(p->s->shell, true);
			cJSON_AddItemToArray(p->cmd, cJSON_CreateString(in->args));
		}
		p->args_seen = cJSON_Duplicate(p->s->args, true);
		p->tree = TREE_RUN;
		char *cmd = cJSON_PrintUnformatted(p->cmd);
		set_expanded(p, &cmd, 1);
		cJSON_free(cmd);
		return 0;
	}
	char **w = NULL;
	int n;
	bool split = in->op != ICC_DF_WORKDIR && in->op != ICC_DF_USER && in->op != ICC_DF_STOPSIGNAL;
	bool expand = in->op != ICC_DF_CMD && in->op != ICC_DF_ENTRYPOINT && in->op != ICC_DF_SHELL;
	if (in->json && expand) {
		/* the exec form's strings, each expanded to one word */
		w = calloc(in->argc + 1, sizeof(char *));
		n = 0;
		for (size_t i = 0; i < in->argc; i++) {
			char *one;
			int r = one_word(b, p->s, p->at, p->end, in->argv[i], &one);
			if (r < 0) {
				icc_df_words_free(w, n);
				return r;
			}
			w[n++] = one;
		}
	} else if (expand) {
		n = words(b, p->s, p->at, p->end, in->args, split, &w);
		if (n < 0)
			return n;
	} else {
		n = 0;
		w = calloc(1, sizeof(char *));
	}
	set_expanded(p, w, n);
	int r;
	if (in->op == ICC_DF_ARG)
		r = arg_step(b, p, w, n);
	else if (in->op == ICC_DF_COPY || in->op == ICC_DF_ADD)
		r = copy_step(b, p, w, n);
	else
		r = config_step(b, p, w, n);
	icc_df_words_free(w, n);
	return r;
}

/* ---- making a step's image ---- */

struct fill_ctx {
	struct bctx *b;
	struct step *p;
};

/* The parent's tree (or an empty one on scratch), then the step's change to it. */
static int fill_step(struct icc_store *st, struct icc_stage *sg, cJSON *meta, void *vctx, struct icc_err *err)
{
	struct fill_ctx *f = vctx;
	struct step *p = f->p;
	int r;
	if (p->s->image[0]) {
		int src = icc_object_rootfs_fd(st, ICC_IMAGE, p->s->image, err);
		if (src < 0)
			return src;
		r = icc_stage_rootfs_snapshot(sg, src, err);
		close(src);
	} else {
		r = icc_stage_rootfs_empty(sg, err);
	}
	if (r < 0 || p->tree == TREE_NONE)
		return r;
	int root = icc_stage_rootfs_fd(sg, err);
	if (root < 0)
		return root;
	struct icc_err e;
	if (p->tree == TREE_MKDIR)
		r = icc_tree_mkdirs(root, p->dir, &e);
	else
		r = icc_copy_into(&p->src, p->paths, p->npaths, root, p->dir, &p->copt, &e);
	close(root);
	if (r < 0)
		r = icc_err_set(err, -r, "line %d: %s: %s", p->in->line, icc_df_op_name(p->in->op), e.msg);
	return r;
}

static cJSON *step_source(const struct step *p, const char *key)
{
	cJSON *src = cJSON_CreateObject();
	cJSON_AddStringToObject(src, "type", "build");
	cJSON_AddStringToObject(src, "key", key);
	cJSON_AddNumberToObject(src, "line", p->in->line);
	return src;
}

/* The RUN container's config: the command, the ARGs in its environment, the build's network. */
static cJSON *run_config(struct bctx *b, const struct step *p)
{
	cJSON *c = cJSON_CreateObject();
	cJSON_AddItemToObject(c, "Cmd", cJSON_Duplicate(p->cmd, true));
	cJSON_AddArrayToObject(c, "Entrypoint");
	cJSON *env = cJSON_AddArrayToObject(c, "Env");
	const cJSON *it;
	cJSON_ArrayForEach(it, p->s->args) {
		if (!cJSON_IsString(it) || env_value(p->config, it->string))
			continue;
		size_t l = strlen(it->string) + strlen(it->valuestring) + 2;
		char *kv = malloc(l);
		snprintf(kv, l, "%s=%s", it->string, it->valuestring);
		cJSON_AddItemToArray(env, cJSON_CreateString(kv));
		free(kv);
	}
	cJSON_AddBoolToObject(c, "Tty", false);
	cJSON_AddBoolToObject(c, "OpenStdin", false);
	cJSON_AddBoolToObject(c, "AutoRemove", false);
	cJSON_AddStringToObject(c, "Network", b->o->network ? b->o->network : ICC_DEFAULT_NETWORK);
	cJSON_AddStringToObject(c, "Seccomp", "default");
	/* as docker build: setuid programs (su, sudo) work in RUN */
	cJSON_AddBoolToObject(c, "NoNewPrivileges", false);
	cJSON_AddStringToObject(c, "Runtime", icc_runtime_default());
	return c;
}

static void remove_container(struct icc_store *st, const char *cid)
{
	struct icc_err e;
	int kept;
	icc_runtime_cleanup(st, cid, NULL);
	if (icc_store_lock(st, &e) == 0) {
		icc_container_remove(st, cid, false, &kept, &e);
		icc_store_unlock(st);
	}
}

/* RUN: a container on the parent's tree; its tree, once the command succeeded, is the step's image. */
static int run_step(struct bctx *b, struct step *p, const struct icc_image_opts *io, char id[ICC_ID_LEN + 1])
{
	if (!p->s->image[0])
		return icc_err_set(b->err, EINVAL, "line %d: RUN on an empty (scratch) tree", p->in->line);
	cJSON *cfg = run_config(b, p);
	char cid[ICC_ID_LEN + 1];
	int r = icc_container_create(b->st, p->s->image, p->s->image, NULL, cfg, cid, b->err);
	cJSON_Delete(cfg);
	if (r < 0)
		return r;
	event(b, ICC_BUILD_RUNNING, p->in->text, cid);
	struct icc_launch_opts lo = {.output_fd = b->o->out_fd};
	int code = 0;
	r = icc_container_start(b->st, cid, &lo, &code, b->err);
	if (r == 0 && code != 0) {
		char *cmd = cJSON_PrintUnformatted(p->cmd);
		r = icc_err_set(b->err, EIO, "line %d: RUN: the command '%s' returned a non-zero code: %d",
				p->in->line, cmd, code);
		cJSON_free(cmd);
		*b->exit_code = code;
	}
	if (r == 0) {
		int src = icc_object_rootfs_fd(b->st, ICC_CONTAINER, cid, b->err);
		r = src < 0 ? src : icc_image_from_subvol(b->st, src, io, id, b->err);
		if (src >= 0)
			close(src);
	}
	remove_container(b->st, cid);
	if (r < 0) /* what the failed RUN wrote is free space again before the build reports */
		icc_store_reclaim(b->st);
	return r;
}

/* One instruction after FROM: from the cache, or carried out and published. */
static int do_step(struct bctx *b, struct step *p)
{
	event(b, ICC_BUILD_STEP, p->in->text, NULL);
	int r = prepare(b, p);
	if (r < 0)
		return r;
	char key[65], id[ICC_ID_LEN + 1];
	icc_build_key(p->s->image, p->expanded, p->tree == TREE_RUN ? p->args_seen : NULL,
		      p->tree == TREE_COPY ? p->content : NULL, key);
	const char *hit = b->o->no_cache ? NULL : icc_json_str(b->cache, key);
	if (hit && icc_object_exists(b->st, ICC_IMAGE, hit)) {
		snprintf(id, sizeof(id), "%s", hit);
		event(b, ICC_BUILD_CACHED, p->in->text, id);
	} else {
		cJSON *source = step_source(p, key);
		struct icc_image_opts io = {
			.comment = "",
			.created_by = p->in->text,
			.base_config = p->config,
			.parent = p->s->image[0] ? p->s->image : NULL,
			.source = source,
		};
		struct fill_ctx f = {.b = b, .p = p};
		r = p->tree == TREE_RUN ? run_step(b, p, &io, id) : icc_image_from_fill(b->st, &io, fill_step, &f, id, b->err);
		cJSON_Delete(source);
		if (r < 0)
			return r;
		cJSON_DeleteItemFromObjectCaseSensitive(b->cache, key);
		cJSON_AddStringToObject(b->cache, key, id);
	}
	cJSON *config;
	r = image_config(b, id, &config);
	if (r < 0)
		return r;
	cJSON_Delete(p->s->config);
	p->s->config = config;
	snprintf(p->s->image, sizeof(p->s->image), "%s", id);
	event(b, ICC_BUILD_DONE, p->in->text, id);
	return 0;
}

/* ---- stages ---- */

/* FROM: an earlier stage, scratch, or an image (pulled when missing). */
static int from_step(struct bctx *b, size_t si)
{
	const struct icc_df_stage *sd = &b->df.stages[si];
	const struct icc_df_instr *in = &b->df.v[sd->first];
	struct stage_state *s = &b->ss[si];
	event(b, ICC_BUILD_STEP, in->text, NULL);
	char *ref;
	int r = one_word(b, NULL, sd->first, sd->first, in->from, &ref);
	if (r < 0)
		return r;
	int k = stage_index(b, ref, si);
	s->args = cJSON_CreateObject();
	s->shell = cJSON_CreateArray();
	cJSON_AddItemToArray(s->shell, cJSON_CreateString("/bin/sh"));
	cJSON_AddItemToArray(s->shell, cJSON_CreateString("-c"));
	if (k >= 0 && b->df.stages[k].name) {
		snprintf(s->image, sizeof(s->image), "%s", b->ss[k].image);
		s->config = cJSON_Duplicate(b->ss[k].config, true);
	} else if (!strcasecmp(ref, "scratch")) {
		s->image[0] = '\0';
		s->config = cJSON_CreateObject();
	} else if (!*ref) {
		r = icc_err_set(b->err, EINVAL, "line %d: FROM: '%s' names no image", in->line, in->from);
	} else {
		r = find_image(b, ref, in->line, "FROM", s->image);
		if (r == 0)
			r = image_config(b, s->image, &s->config);
	}
	free(ref);
	if (r == 0)
		event(b, ICC_BUILD_DONE, in->text, s->image[0] ? s->image : NULL);
	return r;
}

static int build_stage(struct bctx *b, size_t si)
{
	b->step++;
	int r = from_step(b, si);
	const struct icc_df_stage *sd = &b->df.stages[si];
	for (size_t j = sd->first + 1; r == 0 && j < sd->first + sd->count; j++) {
		b->step++;
		struct step p = {.at = j, .end = sd->first + sd->count, .s = &b->ss[si], .in = &b->df.v[j]};
		p.src.root = -1;
		r = do_step(b, &p);
		step_free(&p);
	}
	b->ss[si].built = r == 0;
	return r;
}

/* The target and the stages it needs (FROM a stage, COPY --from), counting their steps. */
static int needed_stages(struct bctx *b, size_t *target)
{
	size_t t = b->df.nstages - 1;
	if (b->o->target) {
		int k = -1;
		for (size_t i = 0; i < b->df.nstages && k < 0; i++)
			if (b->df.stages[i].name && !strcasecmp(b->df.stages[i].name, b->o->target))
				k = (int)i;
		if (k < 0)
			return icc_err_set(b->err, ENOENT, "target stage '%s' could not be found", b->o->target);
		t = (size_t)k;
	}
	b->ss[t].needed = true;
	for (size_t i = t + 1; i-- > 0;) {
		if (!b->ss[i].needed)
			continue;
		const struct icc_df_stage *sd = &b->df.stages[i];
		for (size_t j = sd->first; j < sd->first + sd->count; j++) {
			const struct icc_df_instr *in = &b->df.v[j];
			const char *ref = in->op == ICC_DF_FROM ? in->from : in->op == ICC_DF_COPY ? in->from : NULL;
			int k = ref ? stage_index(b, ref, i) : -1;
			/* FROM takes a stage only by name; COPY --from also by index */
			if (k >= 0 && (in->op == ICC_DF_COPY || b->df.stages[k].name))
				b->ss[k].needed = true;
		}
	}
	b->total = 0;
	for (size_t i = 0; i <= t; i++)
		if (b->ss[i].needed)
			b->total += (int)b->df.stages[i].count;
	*target = t;
	return 0;
}

/* The Dockerfile, .dockerignore and the ARGs before the first FROM. */
static int load(struct bctx *b)
{
	const struct icc_build_opts *o = b->o;
	b->ctxfd = open(o->context, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (b->ctxfd < 0)
		return icc_err_sys(b->err, errno, "cannot use '%s' as the build context", o->context);
	char *text, *ign = NULL;
	size_t len, ilen = 0;
	struct icc_err e;
	int r = o->dockerfile ? icc_read_file(AT_FDCWD, o->dockerfile, DOCKERFILE_MAX, &text, &len, &e)
			      : icc_read_file(b->ctxfd, "Dockerfile", DOCKERFILE_MAX, &text, &len, &e);
	if (r < 0)
		return icc_err_set(b->err, -r, "cannot read the Dockerfile: %s", e.msg);
	r = icc_df_parse(text, len, &b->df, b->err);
	free(text);
	if (r < 0)
		return r;
	if (icc_read_file(b->ctxfd, ".dockerignore", DOCKERFILE_MAX, &ign, &ilen, &e) < 0)
		ign = NULL;
	b->ig = icc_ignore_parse(ign, ilen);
	free(ign);
	b->globals = cJSON_CreateObject();
	for (size_t i = 0; i < b->df.nglobal; i++) {
		struct step p = {.at = i, .end = b->df.nglobal, .in = &b->df.v[i]};
		p.src.root = -1;
		char **w;
		int n = words(b, NULL, i, b->df.nglobal, b->df.v[i].args, true, &w);
		if (n < 0)
			return n;
		r = arg_step(b, &p, w, n);
		icc_df_words_free(w, n);
		step_free(&p);
		if (r < 0)
			return r;
	}
	b->ss = calloc(b->df.nstages, sizeof(*b->ss));
	return b->ss ? 0 : icc_err_set(b->err, ENOMEM, "out of memory");
}

static int tag_result(struct bctx *b, const char *id)
{
	if (!b->o->ntags)
		return 0;
	int r = icc_store_lock(b->st, b->err);
	if (r < 0)
		return r;
	cJSON *refs = NULL;
	r = icc_refs_load(b->st, &refs, b->err);
	/* a tag already on the result is not written again (a no-change rebuild writes nothing) */
	for (size_t i = 0; r == 0 && i < b->o->ntags; i++) {
		const char *now = icc_json_str(refs, b->o->tags[i]);
		if (!now || strcmp(now, id))
			r = icc_refs_set(b->st, b->o->tags[i], id, b->err);
	}
	if (refs)
		cJSON_Delete(refs);
	icc_store_unlock(b->st);
	return r;
}

int icc_build(struct icc_store *st, const struct icc_build_opts *o, char id[ICC_ID_LEN + 1],
	      int *exit_code, struct icc_err *err)
{
	*exit_code = 125;
	struct bctx b = {.st = st, .o = o, .ctxfd = -1, .exit_code = exit_code, .err = err};
	size_t target = 0;
	int r = load(&b);
	if (r == 0)
		r = icc_build_cache_load(st, &b.cache, err);
	if (r == 0)
		r = needed_stages(&b, &target);
	for (size_t i = 0; r == 0 && i <= target; i++)
		if (b.ss[i].needed)
			r = build_stage(&b, i);
	if (r == 0 && !b.ss[target].image[0])
		r = icc_err_set(err, EINVAL, "the build made no image (only FROM scratch)");
	if (r == 0)
		r = tag_result(&b, b.ss[target].image);
	if (r == 0) {
		snprintf(id, ICC_ID_LEN + 1, "%s", b.ss[target].image);
		*exit_code = 0;
	}
	for (size_t i = 0; b.ss && i < b.df.nstages; i++) {
		cJSON_Delete(b.ss[i].config);
		cJSON_Delete(b.ss[i].args);
		cJSON_Delete(b.ss[i].shell);
	}
	free(b.ss);
	cJSON_Delete(b.cache);
	cJSON_Delete(b.globals);
	icc_ignore_free(b.ig);
	icc_df_free(&b.df);
	if (b.ctxfd >= 0)
		close(b.ctxfd);
	return r;
}
