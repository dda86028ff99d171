/* dockerfile_parse.c - a Dockerfile's text as instructions and stages (pure: no files, no store) */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "icc/build/build.h"

#define MAX_INSTR 10000
#define MAX_LINE (1 << 20)

static const struct {
	const char *name;
	enum icc_df_op op;
} keywords[] = {
	{"FROM", ICC_DF_FROM},       {"RUN", ICC_DF_RUN},         {"CMD", ICC_DF_CMD},
	{"ENTRYPOINT", ICC_DF_ENTRYPOINT}, {"SHELL", ICC_DF_SHELL}, {"ENV", ICC_DF_ENV},
	{"ARG", ICC_DF_ARG},         {"LABEL", ICC_DF_LABEL},     {"EXPOSE", ICC_DF_EXPOSE},
	{"VOLUME", ICC_DF_VOLUME},   {"STOPSIGNAL", ICC_DF_STOPSIGNAL}, {"USER", ICC_DF_USER},
	{"WORKDIR", ICC_DF_WORKDIR}, {"COPY", ICC_DF_COPY},       {"ADD", ICC_DF_ADD},
};

/* Docker's instructions icc build does not carry out (said so, not ignored). */
static const char *const unsupported[] = {"ONBUILD", "HEALTHCHECK", "MAINTAINER"};

const char *icc_df_op_name(enum icc_df_op op)
{
	for (size_t i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++)
		if (keywords[i].op == op)
			return keywords[i].name;
	return "?";
}

static void instr_free(struct icc_df_instr *in)
{
	free(in->text);
	free(in->args);
	for (size_t i = 0; i < in->argc; i++)
		free(in->argv[i]);
	free(in->argv);
	free(in->from);
	free(in->chown);
	free(in->chmod);
	free(in->as);
}

void icc_df_free(struct icc_dockerfile *df)
{
	for (size_t i = 0; i < df->n; i++)
		instr_free(&df->v[i]);
	free(df->v);
	for (size_t i = 0; i < df->nstages; i++)
		free(df->stages[i].name);
	free(df->stages);
	memset(df, 0, sizeof(*df));
}

/* A JSON array of strings ("exec form"): 1 and argv filled, 0 when it is not one. */
static int json_form(const char *args, struct icc_df_instr *in)
{
	if (args[0] != '[')
		return 0;
	cJSON *a = cJSON_Parse(args);
	bool ok = cJSON_IsArray(a);
	const cJSON *it;
	cJSON_ArrayForEach(it, a)
		ok = ok && cJSON_IsString(it);
	if (!ok) {
		cJSON_Delete(a);
		return 0; /* Docker, too, takes it as the shell form */
	}
	int n = cJSON_GetArraySize(a);
	in->argv = calloc((size_t)n + 1, sizeof(char *));
	cJSON_ArrayForEach(it, a)
		in->argv[in->argc++] = strdup(it->valuestring);
	cJSON_Delete(a);
	in->json = true;
	return 1;
}

/* --name=value flags at the front of COPY/ADD/FROM. */
static int take_flags(struct icc_df_instr *in, const char **args, struct icc_err *err)
{
	const char *p = *args;
	while (p[0] == '-' && p[1] == '-') {
		size_t n = strcspn(p, " \t");
		char flag[256];
		if (n >= sizeof(flag))
			return icc_err_set(err, EINVAL, "line %d: %s: flag too long", in->line,
					   icc_df_op_name(in->op));
		memcpy(flag, p, n);
		flag[n] = '\0';
		char *eq = strchr(flag, '=');
		char **slot = NULL;
		if (eq) {
			*eq = '\0';
			bool copy = in->op == ICC_DF_COPY || in->op == ICC_DF_ADD;
			if (!strcmp(flag, "--from") && in->op == ICC_DF_COPY)
				slot = &in->from;
			else if (!strcmp(flag, "--chown") && copy)
				slot = &in->chown;
			else if (!strcmp(flag, "--chmod") && copy)
				slot = &in->chmod;
		}
		if (!slot || !eq[1])
			return icc_err_set(err, EINVAL, "line %d: %s: unknown flag: %.*s", in->line,
					   icc_df_op_name(in->op), (int)n, p);
		free(*slot);
		*slot = strdup(eq + 1);
		p += n;
		while (*p == ' ' || *p == '\t')
			p++;
	}
	*args = p;
	return 0;
}

/* FROM IMAGE [AS NAME] */
static int from_args(struct icc_df_instr *in, struct icc_err *err)
{
	char img[1024], as[16], name[256], extra;
	int k = sscanf(in->args, "%1023s %15s %255s %c", img, as, name, &extra);
	if (k == 1) {
		in->from = strdup(img);
		return 0;
	}
	if (k == 3 && !strcasecmp(as, "AS")) {
		for (const char *c = name; *c; c++)
			if (!isalnum((unsigned char)*c) && !strchr("_-.", *c))
				return icc_err_set(err, EINVAL, "line %d: FROM: invalid stage name '%s'", in->line, name);
		in->from = strdup(img);
		for (char *c = name; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		in->as = strdup(name);
		return 0;
	}
	return icc_err_set(err, EINVAL, "line %d: FROM: expected 'FROM IMAGE [AS NAME]'", in->line);
}

/* One logical line (continuations joined) into an instruction. */
static int parse_instr(char *line, int lineno, struct icc_df_instr *in, struct icc_err *err)
{
	memset(in, 0, sizeof(*in));
	in->line = lineno;
	size_t kl = strcspn(line, " \t");
	char kw[32];
	snprintf(kw, sizeof(kw), "%.*s", (int)(kl < sizeof(kw) - 1 ? kl : sizeof(kw) - 1), line);
	for (char *c = kw; *c; c++)
		*c = (char)toupper((unsigned char)*c);
	bool found = false;
	for (size_t i = 0; i < sizeof(keywords) / sizeof(keywords[0]) && !found; i++)
		if (!strcmp(kw, keywords[i].name)) {
			in->op = keywords[i].op;
			found = true;
		}
	for (size_t i = 0; i < sizeof(unsupported) / sizeof(unsupported[0]) && !found; i++)
		if (!strcmp(kw, unsupported[i]))
			return icc_err_set(err, ENOTSUP, "line %d: %s is not supported by icc build (docs/build.md)",
					   lineno, kw);
	if (!found)
		return icc_err_set(err, EINVAL, "line %d: unknown instruction: %s", lineno, kw);
	const char *args = line + kl;
	while (*args == ' ' || *args == '\t')
		args++;
	/* the keyword as Docker shows it, the arguments as written */
	size_t tl = strlen(kw) + 1 + strlen(args) + 1;
	in->text = malloc(tl);
	snprintf(in->text, tl, "%s%s%s", kw, *args ? " " : "", args);
	/* RUN's flags (--mount, --network) are refused by name, never run as a command */
	if (in->op == ICC_DF_COPY || in->op == ICC_DF_ADD || in->op == ICC_DF_FROM || in->op == ICC_DF_RUN) {
		int r = take_flags(in, &args, err);
		if (r < 0) {
			instr_free(in);
			return r;
		}
	}
	in->args = strdup(args);
	size_t al = strlen(in->args);
	while (al && isspace((unsigned char)in->args[al - 1]))
		in->args[--al] = '\0';
	if (!al) {
		int r = icc_err_set(err, EINVAL, "line %d: %s requires at least one argument", lineno, kw);
		instr_free(in);
		return r;
	}
	int r = 0;
	if (in->op == ICC_DF_FROM)
		r = from_args(in, err);
	else if (in->op == ICC_DF_RUN || in->op == ICC_DF_CMD || in->op == ICC_DF_ENTRYPOINT ||
		 in->op == ICC_DF_VOLUME || in->op == ICC_DF_COPY || in->op == ICC_DF_ADD)
		json_form(in->args, in);
	else if (in->op == ICC_DF_SHELL && !json_form(in->args, in))
		r = icc_err_set(err, EINVAL, "line %d: SHELL requires the arguments to be in JSON form", lineno);
	if (r == 0 && in->json && in->argc == 0 && in->op != ICC_DF_CMD && in->op != ICC_DF_ENTRYPOINT)
		r = icc_err_set(err, EINVAL, "line %d: %s: the JSON array is empty", lineno, kw);
	if (r == 0 && (in->op == ICC_DF_COPY || in->op == ICC_DF_ADD) && in->json && in->argc < 2)
		r = icc_err_set(err, EINVAL, "line %d: %s requires at least two arguments", lineno, kw);
	if (r < 0)
		instr_free(in);
	return r;
}

/* Add one instruction, keeping the stage list (takes `in` over, also on failure). */
static int add_instr(struct icc_dockerfile *df, struct icc_df_instr *in, size_t *cap,
		     struct icc_err *err)
{
	int r = 0;
	if (df->nstages == 0 && in->op != ICC_DF_FROM && in->op != ICC_DF_ARG)
		r = icc_err_set(err, EINVAL, "line %d: %s before the first FROM (only ARG may come first)",
				in->line, icc_df_op_name(in->op));
	else if (df->n >= MAX_INSTR)
		r = icc_err_set(err, E2BIG, "more than %d instructions", MAX_INSTR);
	for (size_t i = 0; r == 0 && in->as && i < df->nstages; i++)
		if (df->stages[i].name && !strcmp(df->stages[i].name, in->as))
			r = icc_err_set(err, EINVAL, "line %d: duplicate stage name '%s'", in->line, in->as);
	if (r < 0) {
		instr_free(in);
		return r;
	}
	if (df->n == *cap) {
		*cap = *cap ? *cap * 2 : 32;
		df->v = realloc(df->v, *cap * sizeof(*df->v));
	}
	df->v[df->n] = *in;
	if (in->op == ICC_DF_FROM) {
		df->stages = realloc(df->stages, (df->nstages + 1) * sizeof(*df->stages));
		df->stages[df->nstages++] = (struct icc_df_stage){
			.first = df->n, .count = 0, .name = in->as ? strdup(in->as) : NULL};
	} else if (df->nstages == 0) {
		df->nglobal++;
	}
	if (df->nstages)
		df->stages[df->nstages - 1].count++;
	df->n++;
	return 0;
}

/* Does the physical line end in the escape character (then white space)? Strips it. */
static bool continues(char *s, size_t *len)
{
	size_t l = *len;
	while (l && (s[l - 1] == ' ' || s[l - 1] == '\t' || s[l - 1] == '\r'))
		l--;
	if (l && s[l - 1] == '\\') {
		*len = l - 1;
		s[l - 1] = '\0';
		return true;
	}
	return false;
}

static bool blank_or_comment(const char *s, size_t len)
{
	size_t i = 0;
	while (i < len && isspace((unsigned char)s[i]))
		i++;
	return i == len || s[i] == '#';
}

int icc_df_parse(const char *text, size_t len, struct icc_dockerfile *df, struct icc_err *err)
{
	memset(df, 0, sizeof(*df));
	size_t cap = 0, pos = 0, acc_len = 0;
	char *acc = NULL;
	int lineno = 0, start = 0, r = 0;
	bool open = false; /* a continuation is pending */
	while (r == 0 && pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t l = nl ? (size_t)(nl - (text + pos)) : len - pos;
		lineno++;
		if (memchr(text + pos, '\0', l)) {
			r = icc_err_set(err, EINVAL, "line %d: a NUL byte", lineno);
			break;
		}
		char *s = strndup(text + pos, l);
		pos += l + (nl ? 1 : 0);
		if (blank_or_comment(s, l)) {
			free(s); /* comments and blank lines inside a continuation are dropped, as Docker does */
			continue;
		}
		if (!open)
			start = lineno;
		bool more = continues(s, &l);
		if (acc_len + l + 1 > MAX_LINE) {
			free(s);
			r = icc_err_set(err, E2BIG, "line %d: instruction longer than %d bytes", start, MAX_LINE);
			break;
		}
		acc = realloc(acc, acc_len + l + 1);
		memcpy(acc + acc_len, s, l + 1);
		acc_len += l;
		free(s);
		open = more;
		if (more)
			continue;
		char *line = acc;
		while (isspace((unsigned char)*line))
			line++;
		struct icc_df_instr in;
		r = parse_instr(line, start, &in, err);
		if (r == 0)
			r = add_instr(df, &in, &cap, err);
		acc_len = 0;
	}
	if (r == 0 && open)
		r = icc_err_set(err, EINVAL, "line %d: the line continuation ('\\') runs into the end of the file",
				start);
	free(acc);
	if (r == 0 && df->nstages == 0)
		r = icc_err_set(err, EINVAL, "no FROM instruction");
	if (r < 0)
		icc_df_free(df);
	return r;
}

/* ---- variables ---- */

struct wbuf {
	char *s;
	size_t len, cap;
};

static void wb_putc(struct wbuf *b, char c)
{
	if (b->len + 2 > b->cap) {
		b->cap = b->cap ? b->cap * 2 : 64;
		b->s = realloc(b->s, b->cap);
	}
	b->s[b->len++] = c;
	b->s[b->len] = '\0';
}

static void wb_puts(struct wbuf *b, const char *s)
{
	for (; s && *s; s++)
		wb_putc(b, *s);
}

/* $NAME or ${NAME...} at *p (just after '$'); appends the value. */
static int expand_var(const char **p, struct wbuf *b, icc_df_lookup lookup, void *ctx,
		      struct icc_err *err)
{
	const char *s = *p;
	char name[256];
	size_t n = 0;
	if (*s == '{') {
		s++;
		while ((isalnum((unsigned char)*s) || *s == '_') && n < sizeof(name) - 1)
			name[n++] = *s++;
		name[n] = '\0';
		const char *val = n ? lookup(ctx, name) : NULL;
		if (*s == '}') {
			wb_puts(b, val);
			*p = s + 1;
			return 0;
		}
		if (s[0] == ':' && (s[1] == '-' || s[1] == '+')) {
			bool dflt = s[1] == '-';
			s += 2;
			/* the word, with nested variables */
			struct wbuf w = {0};
			while (*s && *s != '}') {
				if (*s == '$') {
					s++;
					if (expand_var(&s, &w, lookup, ctx, err) < 0) {
						free(w.s);
						return -EINVAL;
					}
				} else {
					wb_putc(&w, *s++);
				}
			}
			if (*s != '}') {
				free(w.s);
				return icc_err_set(err, EINVAL, "missing '}' in '${%s'", name);
			}
			bool set = val && *val;
			wb_puts(b, dflt ? (set ? val : w.s) : (set ? w.s : ""));
			free(w.s);
			*p = s + 1;
			return 0;
		}
		return icc_err_set(err, EINVAL, "bad substitution: '${%.*s'", (int)(s - *p), *p + 1);
	}
	while ((isalnum((unsigned char)*s) || *s == '_') && n < sizeof(name) - 1)
		name[n++] = *s++;
	name[n] = '\0';
	if (!n) {
		wb_putc(b, '$'); /* a lone $ stays */
		return 0;
	}
	wb_puts(b, lookup(ctx, name));
	*p = s;
	return 0;
}

int icc_df_words(const char *in, bool split, icc_df_lookup lookup, void *ctx, char ***words,
		 struct icc_err *err)
{
	char **out = NULL;
	int n = 0;
	struct wbuf b = {0};
	bool have = false; /* a word is open (also an empty quoted one) */
	char quote = 0;
	for (const char *p = in;;) {
		char c = *p;
		if (!c || (split && !quote && isspace((unsigned char)c))) {
			if (have) {
				out = realloc(out, (size_t)(n + 2) * sizeof(char *));
				out[n++] = b.s ? b.s : strdup("");
				out[n] = NULL;
				b = (struct wbuf){0};
				have = false;
			}
			if (!c)
				break;
			p++;
			continue;
		}
		have = true;
		p++;
		if (quote == '\'') {
			if (c == '\'')
				quote = 0;
			else
				wb_putc(&b, c);
		} else if (c == '\\' && *p && (quote != '"' || strchr("\"\\$", *p))) {
			wb_putc(&b, *p++);
		} else if (c == '$' && lookup) {
			if (expand_var(&p, &b, lookup, ctx, err) < 0)
				goto fail;
		} else if (c == quote) {
			quote = 0;
		} else if (!quote && (c == '"' || c == '\'')) {
			quote = c;
			if (!b.s)
				wb_puts(&b, "");
		} else {
			wb_putc(&b, c);
		}
	}
	if (quote) {
		icc_err_set(err, EINVAL, "unterminated quote (%c) in '%s'", quote, in);
		goto fail;
	}
	if (!out) {
		out = calloc(1, sizeof(char *));
	}
	*words = out;
	return n;
fail:
	free(b.s);
	icc_df_words_free(out, n);
	return -EINVAL;
}

void icc_df_words_free(char **words, int n)
{
	for (int i = 0; words && i < n; i++)
		free(words[i]);
	free(words);
}
