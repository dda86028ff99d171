/* template.c - a Go text/template subset over cJSON: parse a --format once, execute it per object */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "icc/base/template.h"

/* Limits that keep a hostile template from exhausting the stack or memory. */
#define MAX_DEPTH 64           /* nesting of (...) and control structures */
#define MAX_OUTPUT (64u << 20) /* bytes one execution may produce */
#define MAX_STEPS 200000       /* actions and loop rounds one execution may run */

/* ------------------------------------------------------------------ buffers */

void icc_sbuf_add(struct icc_sbuf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (!p)
			abort(); /* out of memory: nothing sensible is left to do */
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void sbuf_str(struct icc_sbuf *b, const char *s)
{
	icc_sbuf_add(b, s, strlen(s));
}

static void sbuf_char(struct icc_sbuf *b, char c)
{
	icc_sbuf_add(b, &c, 1);
}

void icc_sbuf_free(struct icc_sbuf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

/* ---------------------------------------------------------- syntax tree */

enum tok {
	T_END, T_DOT, T_FIELD, T_VAR, T_STR, T_NUM, T_BOOL, T_NIL, T_IDENT,
	T_LPAREN, T_RPAREN, T_PIPE, T_COMMA, T_DECLARE, T_ASSIGN,
};

struct token {
	enum tok k;
	int off, len;  /* where in the source */
	bool space;    /* whitespace before it (a field chain has none) */
	char *s;       /* decoded string, field, variable or identifier */
	double num;
	bool b;
};

enum akind { A_DOT, A_FIELD, A_VAR, A_STR, A_NUM, A_BOOL, A_NIL, A_FUNC, A_PIPE };

struct pipe;
struct arg {
	enum akind kind;
	int off, len;
	char *s;             /* string value, variable or function name */
	double num;
	bool b;
	char **fields;       /* .A.B after the term */
	size_t nfields;
	struct pipe *pipe;   /* A_PIPE */
};

struct cmd {
	struct arg **args;
	size_t nargs;
};

struct pipe {
	int off;
	char *decl[2];
	int ndecl;
	bool assign;         /* $x = ... rather than $x := ... */
	struct cmd **cmds;
	size_t ncmds;
};

enum nkind { N_LIST, N_TEXT, N_ACTION, N_IF, N_RANGE, N_WITH, N_BREAK, N_CONTINUE };

struct node {
	enum nkind kind;
	int off;
	char *text;          /* N_TEXT */
	size_t tlen;
	struct pipe *pipe;   /* N_ACTION, N_IF, N_RANGE, N_WITH */
	struct node *list, *elselist;
	struct node **kids;  /* N_LIST */
	size_t nkids;
};

struct icc_tmpl {
	char *src;
	struct node *root;
};

/* An item of the template: a run of text or one action's tokens. */
struct item {
	bool action;
	int off;
	char *text;
	size_t tlen;
	struct token *toks;
	size_t ntoks;
};

struct parser {
	const char *src;
	struct item *items;
	size_t nitems, pos;
	char **vars; /* variables in scope while parsing */
	size_t nvars, vcap;
	int depth, in_range;
	struct icc_err *err;
};

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);
	if (!p)
		abort();
	return p;
}

static void *xrealloc(void *p, size_t size)
{
	p = realloc(p, size ? size : 1);
	if (!p)
		abort();
	return p;
}

static char *xstrndup(const char *s, size_t n)
{
	char *p = strndup(s, n);
	if (!p)
		abort();
	return p;
}

/* Append to a growing array; its room doubles whenever n reaches a power of two. */
#define PUSH(arr, n, v)                                                                      \
	do {                                                                                 \
		if (((n) & ((n) - 1)) == 0)                                                  \
			(arr) = xrealloc((arr), ((n) ? 2 * (n) : 1) * sizeof(*(arr)));      \
		(arr)[(n)++] = (v);                                                          \
	} while (0)

static void where(const char *src, int off, int *line, int *col)
{
	*line = 1;
	int start = 0;
	for (int i = 0; i < off && src[i]; i++)
		if (src[i] == '\n') {
			(*line)++;
			start = i + 1;
		}
	*col = off - start;
}

static int parse_error(struct parser *p, int off, const char *msg, const char *arg)
{
	int line, col;
	where(p->src, off, &line, &col);
	icc_err_set(p->err, EINVAL, "template: :%d:%d: %s%s%s%s", line, col, msg,
		    arg ? " \"" : "", arg ? arg : "", arg ? "\"" : "");
	return -1;
}

/* ---------------------------------------------------------------- lexer */

static bool is_ident(int c)
{
	return isalnum(c) || c == '_';
}

static bool is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* A quoted string "..." with Go's escapes, or a raw `...`; *end past it. */
static int lex_string(struct parser *p, const char *s, int off, int *end, char **out)
{
	struct icc_sbuf b = {0};
	char q = s[off];
	int i = off + 1;
	for (;; i++) {
		char c = s[i];
		if (!c || (c == '\n' && q == '"')) {
			icc_sbuf_free(&b);
			return parse_error(p, off, "unterminated quoted string", NULL);
		}
		if (c == q)
			break;
		if (c == '\\' && q == '"') {
			char e = s[++i];
			const char *from = "nt\\\"r0ab";
			const char *to = "\n\t\\\"\r\0\a\b";
			const char *k = e ? strchr(from, e) : NULL;
			if (k) {
				sbuf_char(&b, to[k - from]);
			} else if (e == 'x' && isxdigit((unsigned char)s[i + 1]) && isxdigit((unsigned char)s[i + 2])) {
				char hex[3] = {s[i + 1], s[i + 2], 0};
				sbuf_char(&b, (char)strtol(hex, NULL, 16));
				i += 2;
			} else {
				icc_sbuf_free(&b);
				return parse_error(p, i, "unknown escape sequence in string", NULL);
			}
			continue;
		}
		sbuf_char(&b, c);
	}
	*end = i + 1;
	*out = b.p ? b.p : xstrndup("", 0);
	return 0;
}

/*
 * Tokens of one action, from `off` (just past "{{" and a "- " trim marker)
 * to "}}" or " -}}".  *end: past the closing delimiter; *rtrim: it was " -}}".
 */
static int lex_action(struct parser *p, int off, struct item *it, int *end, bool *rtrim)
{
	const char *s = p->src;
	int i = off;
	*rtrim = false;
	for (;;) {
		bool space = false;
		while (is_space((unsigned char)s[i])) {
			i++;
			space = true;
		}
		if (space && s[i] == '-' && s[i + 1] == '}' && s[i + 2] == '}') {
			*rtrim = true;
			*end = i + 3;
			return 0;
		}
		if (s[i] == '}' && s[i + 1] == '}') {
			*end = i + 2;
			return 0;
		}
		if (!s[i])
			return parse_error(p, off, "unclosed action", NULL);
		struct token t = {.off = i, .space = space};
		char c = s[i];
		if (c == '"' || c == '`') {
			if (lex_string(p, s, i, &i, &t.s) < 0)
				return -1;
			t.k = T_STR;
		} else if (c == '.' && !isdigit((unsigned char)s[i + 1])) {
			i++;
			if (is_ident((unsigned char)s[i]) && !isdigit((unsigned char)s[i])) {
				int st = i;
				while (is_ident((unsigned char)s[i]))
					i++;
				t.k = T_FIELD;
				t.s = xstrndup(s + st, (size_t)(i - st));
			} else {
				t.k = T_DOT;
			}
		} else if (c == '$') {
			int st = i++;
			while (is_ident((unsigned char)s[i]))
				i++;
			t.k = T_VAR;
			t.s = xstrndup(s + st, (size_t)(i - st));
		} else if (isdigit((unsigned char)c) || ((c == '-' || c == '+' || c == '.') &&
							 isdigit((unsigned char)s[i + 1]))) {
			char *e;
			t.num = strtod(s + i, &e);
			if (e == s + i || is_ident((unsigned char)*e))
				return parse_error(p, i, "bad number syntax", NULL);
			t.k = T_NUM;
			i = (int)(e - s);
		} else if (isalpha((unsigned char)c) || c == '_') {
			int st = i;
			while (is_ident((unsigned char)s[i]))
				i++;
			t.s = xstrndup(s + st, (size_t)(i - st));
			if (!strcmp(t.s, "true") || !strcmp(t.s, "false")) {
				t.k = T_BOOL;
				t.b = t.s[0] == 't';
			} else if (!strcmp(t.s, "nil")) {
				t.k = T_NIL;
			} else {
				t.k = T_IDENT;
			}
		} else if (c == ':' && s[i + 1] == '=') {
			t.k = T_DECLARE;
			i += 2;
		} else {
			static const char punct[] = "()|,=";
			static const enum tok kinds[] = {T_LPAREN, T_RPAREN, T_PIPE, T_COMMA, T_ASSIGN};
			const char *k = strchr(punct, c);
			if (!k) {
				char what[8];
				snprintf(what, sizeof(what), "%c", isprint((unsigned char)c) ? c : '?');
				return parse_error(p, i, "unexpected character in action:", what);
			}
			t.k = kinds[k - punct];
			i++;
		}
		t.len = i - t.off;
		PUSH(it->toks, it->ntoks, t);
	}
}

/* Split the source into text and action items, applying {{- and -}} trims. */
static int scan(struct parser *p)
{
	const char *s = p->src;
	int pos = 0;
	bool trim_next = false;
	for (;;) {
		const char *at = strstr(s + pos, "{{");
		int stop = at ? (int)(at - s) : (int)strlen(s);
		int a = pos, b = stop;
		if (trim_next)
			while (a < b && is_space((unsigned char)s[a]))
				a++;
		bool ltrim = at && at[2] == '-' && is_space((unsigned char)at[3]);
		if (ltrim)
			while (b > a && is_space((unsigned char)s[b - 1]))
				b--;
		if (b > a) {
			struct item it = {.off = a, .text = xstrndup(s + a, (size_t)(b - a)), .tlen = (size_t)(b - a)};
			PUSH(p->items, p->nitems, it);
		}
		if (!at)
			return 0;
		int i = stop + 2 + (ltrim ? 2 : 0);
		while (ltrim && is_space((unsigned char)s[i]))
			i++;
		if (s[i] == '/' && s[i + 1] == '*') {
			const char *close = strstr(s + i + 2, "*/");
			if (!close)
				return parse_error(p, stop, "unclosed comment", NULL);
			i = (int)(close - s) + 2;
			trim_next = false;
			if (s[i] == ' ' && s[i + 1] == '-' && s[i + 2] == '}' && s[i + 3] == '}') {
				trim_next = true;
				pos = i + 4;
			} else if (s[i] == '}' && s[i + 1] == '}') {
				pos = i + 2;
			} else {
				return parse_error(p, stop, "comment ends before closing delimiter", NULL);
			}
			continue;
		}
		struct item it = {.action = true, .off = stop};
		int end = 0;
		bool rtrim = false;
		int r = lex_action(p, i, &it, &end, &rtrim);
		PUSH(p->items, p->nitems, it); /* even when it failed: freed with the rest */
		if (r < 0)
			return -1;
		pos = end;
		trim_next = rtrim;
	}
}

/* --------------------------------------------------------------- parser */

static void free_pipe(struct pipe *pp);

static void free_arg(struct arg *a)
{
	if (!a)
		return;
	free(a->s);
	for (size_t i = 0; i < a->nfields; i++)
		free(a->fields[i]);
	free(a->fields);
	free_pipe(a->pipe);
	free(a);
}

static void free_pipe(struct pipe *pp)
{
	if (!pp)
		return;
	for (int i = 0; i < pp->ndecl; i++)
		free(pp->decl[i]);
	for (size_t i = 0; i < pp->ncmds; i++) {
		for (size_t k = 0; k < pp->cmds[i]->nargs; k++)
			free_arg(pp->cmds[i]->args[k]);
		free(pp->cmds[i]->args);
		free(pp->cmds[i]);
	}
	free(pp->cmds);
	free(pp);
}

static void free_node(struct node *n)
{
	if (!n)
		return;
	free(n->text);
	free_pipe(n->pipe);
	free_node(n->list);
	free_node(n->elselist);
	for (size_t i = 0; i < n->nkids; i++)
		free_node(n->kids[i]);
	free(n->kids);
	free(n);
}

/* Functions: name, least and most arguments (-1: any). */
struct fn {
	const char *name;
	int min, max;
};
static const struct fn funcs[] = {
	{"json", 1, 1}, {"index", 1, -1}, {"len", 1, 1}, {"join", 2, 2}, {"split", 2, 2},
	{"upper", 1, 1}, {"lower", 1, 1}, {"title", 1, 1}, {"printf", 1, -1}, {"print", 0, -1},
	{"println", 0, -1}, {"pad", 3, 3}, {"truncate", 2, 2}, {"eq", 2, -1}, {"ne", 2, 2},
	{"lt", 2, 2}, {"le", 2, 2}, {"gt", 2, 2}, {"ge", 2, 2}, {"and", 1, -1}, {"or", 1, -1},
	{"not", 1, 1},
};

static const struct fn *find_func(const char *name)
{
	for (size_t i = 0; i < sizeof(funcs) / sizeof(funcs[0]); i++)
		if (!strcmp(funcs[i].name, name))
			return &funcs[i];
	return NULL;
}

static bool var_known(struct parser *p, const char *name)
{
	for (size_t i = 0; i < p->nvars; i++)
		if (!strcmp(p->vars[i], name))
			return true;
	return false;
}

static struct pipe *parse_pipe(struct parser *p, struct item *it, size_t *i, bool nested, bool range);

/* The field chain right after a term: ".A.B" with no space in between. */
static void parse_fields(struct item *it, size_t *i, struct arg *a)
{
	while (*i < it->ntoks && it->toks[*i].k == T_FIELD && !it->toks[*i].space) {
		PUSH(a->fields, a->nfields, xstrndup(it->toks[*i].s, strlen(it->toks[*i].s)));
		a->len = it->toks[*i].off + it->toks[*i].len - a->off;
		(*i)++;
	}
}

static struct arg *parse_operand(struct parser *p, struct item *it, size_t *i)
{
	struct token *t = &it->toks[*i];
	struct arg *a = xcalloc(1, sizeof(*a));
	a->off = t->off;
	a->len = t->len;
	(*i)++;
	switch (t->k) {
	case T_DOT:
		a->kind = A_DOT;
		break;
	case T_FIELD:
		a->kind = A_FIELD;
		PUSH(a->fields, a->nfields, xstrndup(t->s, strlen(t->s)));
		break;
	case T_VAR:
		if (!var_known(p, t->s)) {
			parse_error(p, t->off, "undefined variable", t->s);
			free_arg(a);
			return NULL;
		}
		a->kind = A_VAR;
		a->s = xstrndup(t->s, strlen(t->s));
		break;
	case T_STR:
		a->kind = A_STR;
		a->s = xstrndup(t->s, strlen(t->s));
		return a; /* Go: a string takes no fields */
	case T_NUM:
		a->kind = A_NUM;
		a->num = t->num;
		return a;
	case T_BOOL:
		a->kind = A_BOOL;
		a->b = t->b;
		return a;
	case T_NIL:
		a->kind = A_NIL;
		return a;
	case T_IDENT:
		if (!find_func(t->s)) {
			parse_error(p, t->off, "function not defined:", t->s);
			free_arg(a);
			return NULL;
		}
		a->kind = A_FUNC;
		a->s = xstrndup(t->s, strlen(t->s));
		return a;
	case T_LPAREN:
		if (++p->depth > MAX_DEPTH) {
			parse_error(p, t->off, "template nested too deeply", NULL);
			free_arg(a);
			return NULL;
		}
		a->kind = A_PIPE;
		a->pipe = parse_pipe(p, it, i, true, false);
		p->depth--;
		if (!a->pipe) {
			free_arg(a);
			return NULL;
		}
		if (*i >= it->ntoks || it->toks[*i].k != T_RPAREN) {
			parse_error(p, t->off, "unclosed left paren", NULL);
			free_arg(a);
			return NULL;
		}
		a->len = it->toks[*i].off + 1 - a->off;
		(*i)++;
		break;
	default:
		parse_error(p, t->off, "unexpected token in operand", NULL);
		free_arg(a);
		return NULL;
	}
	parse_fields(it, i, a);
	return a;
}

static struct pipe *parse_pipe(struct parser *p, struct item *it, size_t *i, bool nested, bool range)
{
	struct pipe *pp = xcalloc(1, sizeof(*pp));
	pp->off = *i < it->ntoks ? it->toks[*i].off : it->off;
	struct token *t = it->toks;
	size_t n = it->ntoks;
	/* $x := / $x = / (range) $i, $v := */
	if (!nested && *i + 1 < n && t[*i].k == T_VAR) {
		if (t[*i + 1].k == T_DECLARE || t[*i + 1].k == T_ASSIGN) {
			pp->decl[pp->ndecl++] = xstrndup(t[*i].s, strlen(t[*i].s));
			pp->assign = t[*i + 1].k == T_ASSIGN;
			*i += 2;
		} else if (range && *i + 3 < n && t[*i + 1].k == T_COMMA && t[*i + 2].k == T_VAR &&
			   t[*i + 3].k == T_DECLARE) {
			pp->decl[pp->ndecl++] = xstrndup(t[*i].s, strlen(t[*i].s));
			pp->decl[pp->ndecl++] = xstrndup(t[*i + 2].s, strlen(t[*i + 2].s));
			*i += 4;
		}
		if (pp->assign && !var_known(p, pp->decl[0])) {
			parse_error(p, pp->off, "undefined variable", pp->decl[0]);
			free_pipe(pp);
			return NULL;
		}
	}
	for (;;) {
		struct cmd *c = xcalloc(1, sizeof(*c));
		PUSH(pp->cmds, pp->ncmds, c);
		while (*i < n && t[*i].k != T_PIPE && t[*i].k != T_RPAREN) {
			struct arg *a = parse_operand(p, it, i);
			if (!a) {
				free_pipe(pp);
				return NULL;
			}
			PUSH(c->args, c->nargs, a);
		}
		if (c->nargs == 0) {
			parse_error(p, *i < n ? t[*i].off : it->off, "missing value for command", NULL);
			free_pipe(pp);
			return NULL;
		}
		if (*i < n && t[*i].k == T_PIPE) {
			(*i)++;
			continue;
		}
		break;
	}
	if (*i < n && t[*i].k == T_RPAREN && !nested) {
		parse_error(p, t[*i].off, "unexpected right paren", NULL);
		free_pipe(pp);
		return NULL;
	}
	/* the declared names are in scope from here on (caller restores scope) */
	if (!pp->assign)
		for (int k = 0; k < pp->ndecl; k++)
			PUSH(p->vars, p->nvars, pp->decl[k]);
	return pp;
}

static bool keyword(const struct item *it, const char *kw)
{
	return it->action && it->ntoks > 0 && it->toks[0].k == T_IDENT && !strcmp(it->toks[0].s, kw);
}

/* A whole action's pipeline (tokens from `start`); NULL on error. */
static struct pipe *action_pipe(struct parser *p, struct item *it, size_t start, bool range)
{
	size_t i = start;
	if (i >= it->ntoks) {
		parse_error(p, it->off, "missing value for command", NULL);
		return NULL;
	}
	struct pipe *pp = parse_pipe(p, it, &i, false, range);
	if (pp && i < it->ntoks) {
		parse_error(p, it->toks[i].off, "unexpected token in pipeline", NULL);
		free_pipe(pp);
		return NULL;
	}
	return pp;
}

/*
 * Items up to {{end}} or {{else...}} (when `inner`); *stop gets that item.
 */
static struct node *parse_list(struct parser *p, bool inner, struct item **stop);

/* if/range/with: pipeline, body, optional else (and else if), end. */
static struct node *parse_control(struct parser *p, struct item *it, enum nkind kind, size_t start)
{
	if (++p->depth > MAX_DEPTH) {
		parse_error(p, it->off, "template nested too deeply", NULL);
		return NULL;
	}
	size_t scope = p->nvars;
	struct node *n = xcalloc(1, sizeof(*n));
	n->kind = kind;
	n->off = it->off;
	n->pipe = action_pipe(p, it, start, kind == N_RANGE);
	struct item *stop = NULL;
	if (n->pipe) {
		if (kind == N_RANGE)
			p->in_range++;
		n->list = parse_list(p, true, &stop);
		if (kind == N_RANGE)
			p->in_range--;
	}
	if (n->pipe && n->list && keyword(stop, "else")) {
		if (stop->ntoks > 1 && stop->toks[1].k == T_IDENT && !strcmp(stop->toks[1].s, "if") && kind == N_IF) {
			/* else if P: an if inside the else that shares our end */
			struct node *l = xcalloc(1, sizeof(*l));
			l->kind = N_LIST;
			struct node *sub = parse_control(p, stop, N_IF, 2);
			if (sub) {
				PUSH(l->kids, l->nkids, sub);
				n->elselist = l;
			} else {
				free_node(l);
			}
			p->nvars = scope;
			p->depth--;
			if (!sub) {
				free_node(n);
				return NULL;
			}
			return n;
		}
		if (stop->ntoks > 1) {
			parse_error(p, stop->off, "unexpected token after else", NULL);
			free_node(n);
			p->nvars = scope;
			return NULL;
		}
		n->elselist = parse_list(p, true, &stop);
		if (n->elselist && !keyword(stop, "end")) {
			parse_error(p, stop->off, "expected end; found else", NULL);
			free_node(n);
			p->nvars = scope;
			return NULL;
		}
	}
	p->nvars = scope;
	p->depth--;
	if (!n->pipe || !n->list || (n->elselist == NULL && !keyword(stop, "end"))) {
		free_node(n);
		return NULL;
	}
	if (stop->ntoks > 1) {
		parse_error(p, stop->toks[1].off, "unexpected token after end", NULL);
		free_node(n);
		return NULL;
	}
	return n;
}

static struct node *parse_list(struct parser *p, bool inner, struct item **stop)
{
	struct node *l = xcalloc(1, sizeof(*l));
	l->kind = N_LIST;
	while (p->pos < p->nitems) {
		struct item *it = &p->items[p->pos++];
		struct node *n = NULL;
		if (!it->action) {
			n = xcalloc(1, sizeof(*n));
			n->kind = N_TEXT;
			n->off = it->off;
			n->text = xstrndup(it->text, it->tlen);
			n->tlen = it->tlen;
		} else if (keyword(it, "end") || keyword(it, "else")) {
			if (inner) {
				*stop = it;
				return l;
			}
			parse_error(p, it->off, "unexpected", it->toks[0].s);
			free_node(l);
			return NULL;
		} else if (keyword(it, "if")) {
			n = parse_control(p, it, N_IF, 1);
		} else if (keyword(it, "range")) {
			n = parse_control(p, it, N_RANGE, 1);
		} else if (keyword(it, "with")) {
			n = parse_control(p, it, N_WITH, 1);
		} else if (keyword(it, "break") || keyword(it, "continue")) {
			if (!p->in_range || it->ntoks != 1) {
				parse_error(p, it->off, it->ntoks != 1 ? "unexpected token after" : "outside {{range}}:",
					    it->toks[0].s);
			} else {
				n = xcalloc(1, sizeof(*n));
				n->kind = keyword(it, "break") ? N_BREAK : N_CONTINUE;
				n->off = it->off;
			}
		} else if (keyword(it, "define") || keyword(it, "template") || keyword(it, "block")) {
			parse_error(p, it->off, "unsupported action", it->toks[0].s);
		} else {
			n = xcalloc(1, sizeof(*n));
			n->kind = N_ACTION;
			n->off = it->off;
			n->pipe = action_pipe(p, it, 0, false);
			if (!n->pipe) {
				free_node(n);
				n = NULL;
			}
		}
		if (!n) {
			free_node(l);
			return NULL;
		}
		PUSH(l->kids, l->nkids, n);
	}
	if (inner) {
		parse_error(p, (int)strlen(p->src), "unexpected EOF: missing {{end}}", NULL);
		free_node(l);
		return NULL;
	}
	return l;
}

int icc_tmpl_parse(const char *src, struct icc_tmpl **out, struct icc_err *err)
{
	*out = NULL;
	struct parser p = {.src = src, .err = err};
	char *dollar = xstrndup("$", 1);
	PUSH(p.vars, p.nvars, dollar);
	struct node *root = NULL;
	if (scan(&p) == 0)
		root = parse_list(&p, false, NULL);
	for (size_t i = 0; i < p.nitems; i++) {
		free(p.items[i].text);
		for (size_t k = 0; k < p.items[i].ntoks; k++)
			free(p.items[i].toks[k].s);
		free(p.items[i].toks);
	}
	free(p.items);
	free(p.vars);
	free(dollar);
	if (!root)
		return -EINVAL;
	struct icc_tmpl *t = xcalloc(1, sizeof(*t));
	t->src = xstrndup(src, strlen(src));
	t->root = root;
	*out = t;
	return 0;
}

void icc_tmpl_free(struct icc_tmpl *t)
{
	if (!t)
		return;
	free_node(t->root);
	free(t->src);
	free(t);
}

/* ------------------------------------------------------ value formatting */

/* Whole numbers below 1e18 print as integers (what Docker's typed fields hold). */
static bool integral(double v)
{
	return v > -1e18 && v < 1e18 && (double)(long long)v == v;
}

static double dmin(double a, double b)
{
	return a < b ? a : b;
}

static void format_number(double v, struct icc_sbuf *out)
{
	char buf[64];
	if (isnan(v)) {
		sbuf_str(out, "NaN");
		return;
	}
	if (isinf(v)) {
		sbuf_str(out, v > 0 ? "+Inf" : "-Inf");
		return;
	}
	if (integral(v)) {
		snprintf(buf, sizeof(buf), "%lld", (long long)v);
	} else {
		/* the shortest text that reads back as the same double, as Go prints */
		for (int prec = 1; prec <= 17; prec++) {
			snprintf(buf, sizeof(buf), "%.*g", prec, v);
			if (strtod(buf, NULL) == v)
				break;
		}
	}
	sbuf_str(out, buf);
}

static int cmp_keys(const void *a, const void *b)
{
	const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;
	return strcmp(x->string ? x->string : "", y->string ? y->string : "");
}

/* An object's members sorted by key, as Go orders a map; free the result. */
static const cJSON **sorted_members(const cJSON *obj, size_t *n)
{
	*n = (size_t)cJSON_GetArraySize(obj);
	const cJSON **m = xcalloc(*n, sizeof(*m));
	size_t i = 0;
	const cJSON *it;
	cJSON_ArrayForEach(it, obj)
		m[i++] = it;
	qsort(m, *n, sizeof(*m), cmp_keys);
	return m;
}

void icc_tmpl_format_value(const cJSON *v, struct icc_sbuf *out)
{
	if (!v || cJSON_IsNull(v)) {
		sbuf_str(out, "<no value>");
	} else if (cJSON_IsString(v)) {
		sbuf_str(out, v->valuestring);
	} else if (cJSON_IsNumber(v)) {
		format_number(v->valuedouble, out);
	} else if (cJSON_IsBool(v)) {
		sbuf_str(out, cJSON_IsTrue(v) ? "true" : "false");
	} else if (cJSON_IsArray(v)) {
		sbuf_char(out, '[');
		const cJSON *it;
		bool first = true;
		cJSON_ArrayForEach(it, v) {
			if (!first)
				sbuf_char(out, ' ');
			first = false;
			icc_tmpl_format_value(it, out);
		}
		sbuf_char(out, ']');
	} else if (cJSON_IsObject(v)) {
		size_t n;
		const cJSON **m = sorted_members(v, &n);
		sbuf_str(out, "map[");
		for (size_t i = 0; i < n; i++) {
			if (i)
				sbuf_char(out, ' ');
			sbuf_str(out, m[i]->string);
			sbuf_char(out, ':');
			icc_tmpl_format_value(m[i], out);
		}
		sbuf_char(out, ']');
		free(m);
	}
}

static void indent(struct icc_sbuf *out, int level)
{
	for (int i = 0; i < level; i++)
		sbuf_str(out, "    ");
}

static void json_scalar(const cJSON *v, struct icc_sbuf *out)
{
	char *s = cJSON_PrintUnformatted(v);
	if (!s)
		abort();
	sbuf_str(out, s);
	free(s);
}

static void json_indent(const cJSON *v, int level, struct icc_sbuf *out)
{
	if (!cJSON_IsArray(v) && !cJSON_IsObject(v)) {
		json_scalar(v, out);
		return;
	}
	bool obj = cJSON_IsObject(v);
	if (!v->child) {
		sbuf_str(out, obj ? "{}" : "[]");
		return;
	}
	sbuf_str(out, obj ? "{\n" : "[\n");
	for (const cJSON *it = v->child; it; it = it->next) {
		indent(out, level + 1);
		if (obj) {
			cJSON *key = cJSON_CreateString(it->string ? it->string : "");
			json_scalar(key, out);
			cJSON_Delete(key);
			sbuf_str(out, ": ");
		}
		json_indent(it, level + 1, out);
		sbuf_str(out, it->next ? ",\n" : "\n");
	}
	indent(out, level);
	sbuf_char(out, obj ? '}' : ']');
}

void icc_json_indent(const cJSON *v, struct icc_sbuf *out)
{
	json_indent(v, 0, out);
}

/* ------------------------------------------------------------ execution */

struct var {
	const char *name;
	const cJSON *v;
};

struct exec {
	const struct icc_tmpl *t;
	struct icc_sbuf *out;
	bool header;
	struct icc_err *err;
	cJSON **garbage; /* values made while executing */
	size_t ng;
	struct var *vars;
	size_t nv;
	int depth;
	long steps;
};

static const cJSON *keep(struct exec *x, cJSON *v)
{
	if (!v)
		abort();
	PUSH(x->garbage, x->ng, v);
	return v;
}

static const cJSON *new_str(struct exec *x, const char *s, size_t n)
{
	char *c = xstrndup(s, n);
	const cJSON *v = keep(x, cJSON_CreateString(c));
	free(c);
	return v;
}

/*
 * -Wformat-nonliteral cannot see that these formats are safe: exec_error's is
 * always one of this file's literals, and printf_verb builds its own from a
 * '%', flags taken only from "-+# 0", "*.*" and one verb from a fixed set --
 * no template text reaches them.
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"

static int exec_error(struct exec *x, int off, int len, const char *fmt, const char *a, const char *b)
{
	int line, col;
	where(x->t->src, off, &line, &col);
	char msg[400], at[64];
	/* fmt is one of this file's literals, with up to two %s */
	snprintf(msg, sizeof(msg), fmt, a ? a : "", b ? b : "");
	/* the action's text, on one line */
	snprintf(at, sizeof(at), "%.*s", len > 60 ? 60 : len, x->t->src + off);
	for (char *c = at; *c; c++)
		if ((unsigned char)*c < 0x20)
			*c = ' ';
	icc_err_set(x->err, EINVAL, "template: :%d:%d: executing at <%s>: %s", line, col, at, msg);
	return -1;
}
#pragma GCC diagnostic pop

static const char *type_name(const cJSON *v)
{
	if (!v || cJSON_IsNull(v))
		return "nil";
	if (cJSON_IsString(v))
		return "string";
	if (cJSON_IsNumber(v))
		return "number";
	if (cJSON_IsBool(v))
		return "bool";
	if (cJSON_IsArray(v))
		return "array";
	return "map";
}

static bool truth(const cJSON *v)
{
	if (!v || cJSON_IsNull(v) || cJSON_IsFalse(v))
		return false;
	if (cJSON_IsNumber(v))
		return v->valuedouble != 0;
	if (cJSON_IsString(v))
		return v->valuestring[0] != '\0';
	if (cJSON_IsArray(v) || cJSON_IsObject(v))
		return v->child != NULL;
	return true;
}

static char *upper_dup(const char *s)
{
	char *u = xstrndup(s, strlen(s));
	for (char *c = u; *c; c++)
		*c = (char)toupper((unsigned char)*c);
	return u;
}

/* .A.B applied to v */
static int walk_fields(struct exec *x, const struct arg *a, const cJSON *v, const cJSON **out)
{
	for (size_t i = 0; i < a->nfields; i++) {
		const char *f = a->fields[i];
		const cJSON *next = cJSON_IsObject(v) ? cJSON_GetObjectItemCaseSensitive(v, f) : NULL;
		if (!next && x->header) {
			/* the header pass: a field without a title is titled by its name */
			char *u = upper_dup(a->fields[a->nfields - 1]);
			*out = new_str(x, u, strlen(u));
			free(u);
			return 0;
		}
		if (!next) {
			if (cJSON_IsObject(v))
				return exec_error(x, a->off, a->len, "map has no entry for key \"%s\"%s", f, NULL);
			if (!v || cJSON_IsNull(v))
				return exec_error(x, a->off, a->len, "nil pointer evaluating .%s%s", f, NULL);
			return exec_error(x, a->off, a->len, "can't evaluate field %s in type %s", f, type_name(v));
		}
		v = next;
	}
	*out = v;
	return 0;
}

static int eval_pipe(struct exec *x, const struct pipe *pp, const cJSON *dot, const cJSON **out);

static const cJSON *lookup_var(struct exec *x, const char *name)
{
	for (size_t i = x->nv; i-- > 0;)
		if (!strcmp(x->vars[i].name, name))
			return x->vars[i].v;
	return NULL; /* the parser checked every name */
}

static int eval_arg(struct exec *x, const struct arg *a, const cJSON *dot, const cJSON **out)
{
	const cJSON *v;
	switch (a->kind) {
	case A_DOT:
	case A_FIELD:
		v = dot;
		break;
	case A_VAR:
		v = lookup_var(x, a->s);
		break;
	case A_STR:
		*out = new_str(x, a->s, strlen(a->s));
		return 0;
	case A_NUM:
		*out = keep(x, cJSON_CreateNumber(a->num));
		return 0;
	case A_BOOL:
		*out = keep(x, cJSON_CreateBool(a->b));
		return 0;
	case A_NIL:
		*out = keep(x, cJSON_CreateNull());
		return 0;
	case A_PIPE:
		if (eval_pipe(x, a->pipe, dot, &v) < 0)
			return -1;
		break;
	default:
		return exec_error(x, a->off, a->len, "%s is not a value%s", a->s, NULL);
	}
	return walk_fields(x, a, v, out);
}

/* ---- functions ---- */

static const char *as_text(struct exec *x, const cJSON *v)
{
	if (cJSON_IsString(v))
		return v->valuestring;
	struct icc_sbuf b = {0};
	icc_tmpl_format_value(v, &b);
	const cJSON *s = new_str(x, b.p ? b.p : "", b.len);
	icc_sbuf_free(&b);
	return s->valuestring;
}

/* Go's %q: a double-quoted string with escapes. */
static void quote(const char *s, struct icc_sbuf *out)
{
	cJSON *j = cJSON_CreateString(s);
	json_scalar(j, out);
	cJSON_Delete(j);
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral" /* see exec_error */
/*
 * One printf verb: flags (from "-+# 0"), width, precision, verb, applied to
 * v.  The C format is built from those checked pieces only.
 */
static void printf_verb(struct exec *x, const char *flags, int width, int prec, char verb, const cJSON *v,
			struct icc_sbuf *out)
{
	char f[16], buf[512];
	int n = 0;
	f[n++] = '%';
	for (const char *c = flags; *c && n < 8; c++)
		f[n++] = *c;
	f[n++] = '*';
	f[n++] = '.';
	f[n++] = '*';
	struct icc_sbuf text = {0};
	if (verb == 'd' || verb == 'x' || verb == 'X' || verb == 'o' || verb == 'c' ||
	    verb == 'e' || verb == 'E' || verb == 'f' || verb == 'F' || verb == 'g' || verb == 'G') {
		if (!cJSON_IsNumber(v) && !(cJSON_IsString(v) && (verb == 'x' || verb == 'X'))) {
			sbuf_str(out, "%!");
			sbuf_char(out, verb);
			sbuf_char(out, '(');
			sbuf_str(out, type_name(v));
			sbuf_char(out, '=');
			icc_tmpl_format_value(v, out);
			sbuf_char(out, ')');
			return;
		}
		if (cJSON_IsString(v)) { /* %x of a string: its bytes in hex */
			const char *hex = verb == 'x' ? "0123456789abcdef" : "0123456789ABCDEF";
			for (const unsigned char *c = (const unsigned char *)v->valuestring; *c; c++) {
				sbuf_char(&text, hex[*c >> 4]);
				sbuf_char(&text, hex[*c & 15]);
			}
		} else if (verb == 'c') {
			char ch = (char)(long long)v->valuedouble;
			icc_sbuf_add(&text, &ch, 1);
		} else if (strchr("dxXo", verb)) {
			/* without a precision the 0 flag pads with zeros, as in Go */
			if (prec < 0)
				n -= 2;
			f[n++] = 'l';
			f[n++] = 'l';
			f[n++] = verb;
			f[n] = '\0';
			long long iv = (long long)v->valuedouble;
			bool neg = verb != 'd' && iv < 0; /* Go prints -ff, C the two's complement */
			if (neg)
				iv = -iv;
			if (prec < 0)
				snprintf(buf, sizeof(buf), f, width, iv);
			else
				snprintf(buf, sizeof(buf), f, width, prec, iv);
			if (neg)
				sbuf_char(out, '-');
			sbuf_str(out, buf);
			return;
		} else {
			f[n++] = verb;
			f[n] = '\0';
			snprintf(buf, sizeof(buf), f, width, prec < 0 ? 6 : prec, v->valuedouble);
			sbuf_str(out, buf);
			return;
		}
	} else if (verb == 't') {
		sbuf_str(&text, cJSON_IsBool(v) ? (cJSON_IsTrue(v) ? "true" : "false") : as_text(x, v));
	} else if (verb == 'q') {
		quote(as_text(x, v), &text);
	} else { /* s, v */
		icc_tmpl_format_value(v, &text);
		if (prec >= 0 && (size_t)prec < text.len)
			text.p[text.len = (size_t)prec] = '\0';
	}
	/* pad the text to width (left-justified with '-') */
	const char *s = text.p ? text.p : "";
	size_t len = strlen(s);
	bool left = strchr(flags, '-') != NULL;
	if (!left)
		for (size_t k = len; (int)k < width; k++)
			sbuf_char(out, ' ');
	sbuf_str(out, s);
	if (left)
		for (size_t k = len; (int)k < width; k++)
			sbuf_char(out, ' ');
	icc_sbuf_free(&text);
}

#pragma GCC diagnostic pop

static void do_printf(struct exec *x, const char *fmt, const cJSON **args, size_t nargs, struct icc_sbuf *out)
{
	size_t ai = 0;
	for (const char *p = fmt; *p; p++) {
		if (*p != '%') {
			sbuf_char(out, *p);
			continue;
		}
		p++;
		if (*p == '%') {
			sbuf_char(out, '%');
			continue;
		}
		char flags[8] = "";
		size_t nf = 0;
		while (*p && strchr("-+# 0", *p)) {
			if (nf + 1 < sizeof(flags) && !strchr(flags, *p))
				flags[nf++] = *p;
			flags[nf] = '\0';
			p++;
		}
		int width = 0, prec = -1;
		while (isdigit((unsigned char)*p) && width < 10000)
			width = width * 10 + (*p++ - '0');
		while (isdigit((unsigned char)*p))
			p++;
		if (*p == '.') {
			prec = 0;
			p++;
			while (isdigit((unsigned char)*p) && prec < 10000)
				prec = prec * 10 + (*p++ - '0');
			while (isdigit((unsigned char)*p))
				p++;
		}
		if (width > 400)
			width = 400;
		if (prec > 400)
			prec = 400;
		char verb = *p;
		if (!verb) {
			sbuf_str(out, "%!(NOVERB)");
			break;
		}
		if (!strchr("vsdqxXoctfFeEgG", verb)) {
			sbuf_str(out, "%!");
			sbuf_char(out, verb);
			sbuf_str(out, "(BADVERB)");
			continue;
		}
		if (ai >= nargs) {
			sbuf_str(out, "%!");
			sbuf_char(out, verb);
			sbuf_str(out, "(MISSING)");
			continue;
		}
		printf_verb(x, flags, width, prec, verb, args[ai++], out);
	}
	if (ai < nargs) {
		sbuf_str(out, "%!(EXTRA ");
		for (; ai < nargs; ai++) {
			sbuf_str(out, type_name(args[ai]));
			sbuf_char(out, '=');
			icc_tmpl_format_value(args[ai], out);
			if (ai + 1 < nargs)
				sbuf_str(out, ", ");
		}
		sbuf_char(out, ')');
	}
}

/* -1, 0, 1 for a < b ...; -2 when they cannot be compared. */
static int compare(const cJSON *a, const cJSON *b)
{
	if (cJSON_IsNumber(a) && cJSON_IsNumber(b))
		return a->valuedouble < b->valuedouble ? -1 : a->valuedouble > b->valuedouble;
	if (cJSON_IsString(a) && cJSON_IsString(b)) {
		int c = strcmp(a->valuestring, b->valuestring);
		return c < 0 ? -1 : c > 0;
	}
	return -2;
}

static int equal(const cJSON *a, const cJSON *b)
{
	if (cJSON_IsBool(a) && cJSON_IsBool(b))
		return cJSON_IsTrue(a) == cJSON_IsTrue(b);
	if ((cJSON_IsNull(a) || !a) && (cJSON_IsNull(b) || !b))
		return 1;
	int c = compare(a, b);
	if (c == -2)
		return -1;
	return c == 0;
}

/* index A K...: into arrays by integral numbers, objects by strings */
static int fn_index(struct exec *x, const struct arg *fa, const cJSON **args, size_t n, const cJSON **out)
{
	int r = 0;
	const cJSON *v = args[0];
	for (size_t i = 1; i < n && r == 0; i++) {
		if (cJSON_IsArray(v) && cJSON_IsNumber(args[i])) {
			double d = args[i]->valuedouble;
			if (d < 0 || d >= cJSON_GetArraySize(v) || !integral(d)) {
				char num[32];
				snprintf(num, sizeof(num), "%.0f", d);
				r = exec_error(x, fa->off, fa->len, "error calling index: index out of range: %s%s",
					       num, NULL);
			} else {
				v = cJSON_GetArrayItem(v, (int)d);
			}
		} else if (cJSON_IsObject(v) && cJSON_IsString(args[i])) {
			const cJSON *m = cJSON_GetObjectItemCaseSensitive(v, args[i]->valuestring);
			/* a missing key is the zero value, as for a Go map */
			v = m ? m : keep(x, cJSON_CreateNull());
		} else {
			r = exec_error(x, fa->off, fa->len, "error calling index: cannot index %s with %s",
				       type_name(v), type_name(args[i]));
		}
	}
	*out = v;
	return r;
}

static int fn_len(struct exec *x, const struct arg *fa, const cJSON *v, const cJSON **out)
{
	double l;
	if (cJSON_IsString(v))
		l = (double)strlen(v->valuestring);
	else if (cJSON_IsArray(v) || cJSON_IsObject(v))
		l = cJSON_GetArraySize(v);
	else if (cJSON_IsNull(v))
		l = 0;
	else
		return exec_error(x, fa->off, fa->len, "error calling len: len of type %s%s", type_name(v), NULL);
	*out = keep(x, cJSON_CreateNumber(l));
	return 0;
}

/* split S SEP; an empty SEP splits into UTF-8 characters */
static int fn_split(struct exec *x, const cJSON **args, const cJSON **out)
{
	const char *s = as_text(x, args[0]), *sep = as_text(x, args[1]);
	cJSON *arr = cJSON_CreateArray();
	size_t sl = strlen(sep);
	if (!sl) {
		for (const char *c = s; *c;) {
			size_t k = 1; /* one UTF-8 character */
			while (((unsigned char)c[k] & 0xC0) == 0x80)
				k++;
			char *part = xstrndup(c, k);
			cJSON_AddItemToArray(arr, cJSON_CreateString(part));
			free(part);
			c += k;
		}
	} else {
		for (const char *c = s;;) {
			const char *e = strstr(c, sep);
			char *part = xstrndup(c, e ? (size_t)(e - c) : strlen(c));
			cJSON_AddItemToArray(arr, cJSON_CreateString(part));
			free(part);
			if (!e)
				break;
			c = e + sl;
		}
	}
	*out = keep(x, arr);
	return 0;
}

/* eq ne (A equal to any of the others) and lt le gt ge */
static int fn_compare(struct exec *x, const struct arg *fa, const char *name, const cJSON **args, size_t n,
		      const cJSON **out)
{
	if (name[0] == 'e' || name[0] == 'n') {
		bool any = false;
		for (size_t i = 1; i < n; i++) {
			int e = equal(args[0], args[i]);
			if (e < 0)
				return exec_error(x, fa->off, fa->len, "error calling %s: incompatible types for comparison%s",
						  name, NULL);
			any |= e;
		}
		*out = keep(x, cJSON_CreateBool(name[0] == 'e' ? any : !any));
		return 0;
	}
	int c = compare(args[0], args[1]);
	if (c == -2)
		return exec_error(x, fa->off, fa->len, "error calling %s: incompatible types for comparison%s",
				  name, NULL);
	bool res = name[0] == 'l' ? (name[1] == 't' ? c < 0 : c <= 0) : (name[1] == 't' ? c > 0 : c >= 0);
	*out = keep(x, cJSON_CreateBool(res));
	return 0;
}

static int call(struct exec *x, const struct arg *fa, const cJSON **args, size_t n, const cJSON **out)
{
	const char *name = fa->s;
	const struct fn *f = find_func(name);
	if ((int)n < f->min || (f->max >= 0 && (int)n > f->max)) {
		char want[96];
		if (f->max == f->min)
			snprintf(want, sizeof(want), "want %d got %zu", f->min, n);
		else if (f->max < 0)
			snprintf(want, sizeof(want), "want at least %d got %zu", f->min, n);
		else
			snprintf(want, sizeof(want), "want %d to %d got %zu", f->min, f->max, n);
		return exec_error(x, fa->off, fa->len, "wrong number of args for %s: %s", name, want);
	}
	struct icc_sbuf b = {0};
	int r = 0;
	if (!strcmp(name, "json")) {
		json_scalar(args[0], &b);
	} else if (!strcmp(name, "index")) {
		return fn_index(x, fa, args, n, out);
	} else if (!strcmp(name, "len")) {
		return fn_len(x, fa, args[0], out);
	} else if (!strcmp(name, "join")) {
		if (!cJSON_IsArray(args[0]) && !cJSON_IsNull(args[0]))
			return exec_error(x, fa->off, fa->len, "error calling join: cannot join %s%s",
					  type_name(args[0]), NULL);
		const char *sep = as_text(x, args[1]);
		const cJSON *it;
		bool first = true;
		cJSON_ArrayForEach(it, args[0]) {
			if (!first)
				sbuf_str(&b, sep);
			first = false;
			sbuf_str(&b, as_text(x, it));
		}
	} else if (!strcmp(name, "split")) {
		return fn_split(x, args, out);
	} else if (!strcmp(name, "upper") || !strcmp(name, "lower") || !strcmp(name, "title")) {
		sbuf_str(&b, as_text(x, args[0]));
		bool word_start = true;
		for (size_t i = 0; i < b.len; i++) {
			unsigned char c = (unsigned char)b.p[i];
			if (name[0] == 'u')
				b.p[i] = (char)toupper(c);
			else if (name[0] == 'l')
				b.p[i] = (char)tolower(c);
			else if (word_start)
				b.p[i] = (char)toupper(c);
			word_start = !isalnum(c) && c < 0x80 && c != '\'';
		}
	} else if (!strcmp(name, "printf")) {
		do_printf(x, as_text(x, args[0]), args + 1, n - 1, &b);
	} else if (!strcmp(name, "print") || !strcmp(name, "println")) {
		bool ln = name[5] == 'l';
		for (size_t i = 0; i < n; i++) {
			/* Sprint: a space between operands when neither is a string */
			if (i && (ln || (!cJSON_IsString(args[i - 1]) && !cJSON_IsString(args[i]))))
				sbuf_char(&b, ' ');
			icc_tmpl_format_value(args[i], &b);
		}
		if (ln)
			sbuf_char(&b, '\n');
	} else if (!strcmp(name, "pad")) {
		if (!cJSON_IsNumber(args[1]) || !cJSON_IsNumber(args[2]))
			return exec_error(x, fa->off, fa->len, "error calling pad: %s%s", "widths must be numbers", NULL);
		for (int i = 0; i < (int)dmin(args[1]->valuedouble, 1000); i++)
			sbuf_char(&b, ' ');
		sbuf_str(&b, as_text(x, args[0]));
		for (int i = 0; i < (int)dmin(args[2]->valuedouble, 1000); i++)
			sbuf_char(&b, ' ');
	} else if (!strcmp(name, "truncate")) {
		if (!cJSON_IsNumber(args[1]))
			return exec_error(x, fa->off, fa->len, "error calling truncate: %s%s", "length must be a number", NULL);
		const char *s = as_text(x, args[0]);
		double l = args[1]->valuedouble;
		icc_sbuf_add(&b, s, l < 0 ? 0 : (size_t)dmin(l, (double)strlen(s)));
	} else if (!strcmp(name, "eq") || !strcmp(name, "ne") || name[0] == 'l' || name[0] == 'g') {
		return fn_compare(x, fa, name, args, n, out);
	} else if (!strcmp(name, "and") || !strcmp(name, "or")) {
		/* the first operand that decides, as Go returns it */
		bool want_true = name[0] == 'o';
		size_t i = 0;
		while (i + 1 < n && truth(args[i]) != want_true)
			i++;
		*out = args[i];
		return 0;
	} else if (!strcmp(name, "not")) {
		*out = keep(x, cJSON_CreateBool(!truth(args[0])));
		return 0;
	}
	*out = new_str(x, b.p ? b.p : "", b.len);
	icc_sbuf_free(&b);
	return r;
}

static int eval_cmd(struct exec *x, const struct cmd *c, const cJSON *dot, const cJSON *piped, const cJSON **out)
{
	const struct arg *first = c->args[0];
	if (first->kind != A_FUNC) {
		if (c->nargs > 1 || piped)
			return exec_error(x, first->off, first->len, "can't give argument to non-function %s%s",
					  "", NULL);
		return eval_arg(x, first, dot, out);
	}
	size_t n = c->nargs - 1 + (piped ? 1 : 0);
	const cJSON **args = xcalloc(n, sizeof(*args));
	for (size_t i = 1; i < c->nargs; i++)
		if (eval_arg(x, c->args[i], dot, &args[i - 1]) < 0) {
			free(args);
			return -1;
		}
	if (piped)
		args[n - 1] = piped;
	int r = call(x, first, args, n, out);
	free(args);
	return r;
}

static int eval_pipe(struct exec *x, const struct pipe *pp, const cJSON *dot, const cJSON **out)
{
	if (++x->depth > MAX_DEPTH * 2)
		return exec_error(x, pp->off, 1, "nested too deeply%s%s", NULL, NULL);
	const cJSON *v = NULL;
	for (size_t i = 0; i < pp->ncmds; i++)
		if (eval_cmd(x, pp->cmds[i], dot, v, &v) < 0) {
			x->depth--;
			return -1;
		}
	x->depth--;
	if (pp->ndecl == 1) {
		if (pp->assign) {
			for (size_t i = x->nv; i-- > 0;)
				if (!strcmp(x->vars[i].name, pp->decl[0])) {
					x->vars[i].v = v;
					break;
				}
		} else {
			struct var nv = {pp->decl[0], v};
			PUSH(x->vars, x->nv, nv);
		}
	}
	*out = v;
	return 0;
}

/* 0 done, 1 {{break}}, 2 {{continue}}, -1 error */
static int exec_node(struct exec *x, const struct node *n, const cJSON *dot);

static int exec_range(struct exec *x, const struct node *n, const cJSON *dot)
{
	const cJSON *v;
	const struct pipe *pp = n->pipe;
	/* the range's own variables are bound per element, not by eval_pipe */
	struct pipe bare = *pp;
	bare.ndecl = 0;
	if (eval_pipe(x, &bare, dot, &v) < 0)
		return -1;
	size_t scope = x->nv, count = 0;
	const cJSON **elems = NULL;
	bool is_obj = false;
	if (cJSON_IsArray(v)) {
		count = (size_t)cJSON_GetArraySize(v);
		elems = xcalloc(count, sizeof(*elems));
		size_t i = 0;
		const cJSON *it;
		cJSON_ArrayForEach(it, v)
			elems[i++] = it;
	} else if (cJSON_IsObject(v)) {
		is_obj = true;
		elems = sorted_members(v, &count);
	} else if (cJSON_IsNumber(v) && v->valuedouble >= 0 && integral(v->valuedouble)) {
		count = (size_t)dmin(v->valuedouble, 1e7);
	} else if (!cJSON_IsNull(v) && !x->header) {
		return exec_error(x, pp->off, 1, "range can't iterate over %s%s", type_name(v), NULL);
	}
	int r = 0;
	for (size_t i = 0; i < count && r >= 0; i++) {
		const cJSON *elem = elems ? elems[i] : keep(x, cJSON_CreateNumber((double)i));
		x->nv = scope;
		if (pp->ndecl == 2) {
			const cJSON *key = is_obj ? new_str(x, elems[i]->string, strlen(elems[i]->string))
						  : keep(x, cJSON_CreateNumber((double)i));
			struct var a = {pp->decl[0], key}, b = {pp->decl[1], elem};
			PUSH(x->vars, x->nv, a);
			PUSH(x->vars, x->nv, b);
		} else if (pp->ndecl == 1) {
			struct var a = {pp->decl[0], elem};
			PUSH(x->vars, x->nv, a);
		}
		r = exec_node(x, n->list, elem);
		if (r == 1)
			break;
		if (r == 2)
			r = 0;
	}
	free(elems);
	x->nv = scope;
	if (r < 0)
		return -1;
	if (count == 0 && n->elselist)
		return exec_node(x, n->elselist, dot);
	return 0;
}

static int exec_node(struct exec *x, const struct node *n, const cJSON *dot)
{
	if (x->out->len > MAX_OUTPUT)
		return exec_error(x, n->off, 2, "output larger than %s%s", "64 MiB", NULL);
	if (++x->steps > MAX_STEPS)
		return exec_error(x, n->off, 2, "more than %s steps%s", "200000", NULL);
	const cJSON *v;
	size_t scope = x->nv;
	int r = 0;
	switch (n->kind) {
	case N_LIST:
		for (size_t i = 0; i < n->nkids && r == 0; i++)
			r = exec_node(x, n->kids[i], dot);
		/* variables declared in a list live until the list's end */
		x->nv = scope;
		return r;
	case N_TEXT:
		icc_sbuf_add(x->out, n->text, n->tlen);
		return 0;
	case N_ACTION:
		if (eval_pipe(x, n->pipe, dot, &v) < 0)
			return -1;
		if (!n->pipe->ndecl) /* an assignment prints nothing */
			icc_tmpl_format_value(v, x->out);
		return 0;
	case N_IF:
	case N_WITH:
		if (eval_pipe(x, n->pipe, dot, &v) < 0)
			return -1;
		if (truth(v))
			r = exec_node(x, n->list, n->kind == N_WITH ? v : dot);
		else if (n->elselist)
			r = exec_node(x, n->elselist, dot);
		x->nv = scope;
		return r;
	case N_RANGE:
		return exec_range(x, n, dot);
	case N_BREAK:
		return 1;
	case N_CONTINUE:
		return 2;
	}
	return 0;
}

int icc_tmpl_exec(const struct icc_tmpl *t, const cJSON *data, bool header, struct icc_sbuf *out,
		  struct icc_err *err)
{
	struct exec x = {.t = t, .out = out, .header = header, .err = err};
	struct var root = {"$", data};
	PUSH(x.vars, x.nv, root);
	icc_sbuf_add(out, "", 0);
	int r = exec_node(&x, t->root, data);
	for (size_t i = 0; i < x.ng; i++)
		cJSON_Delete(x.garbage[i]);
	free(x.garbage);
	free(x.vars);
	return r < 0 ? -EINVAL : 0;
}
