/* options.c - one parser for every table-driven command: the option spec parses argv and prints the help */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static bool takes_value(const struct cli_opt *o)
{
	return o->arg && o->arg[0] != '[';
}

static bool optional_value(const struct cli_opt *o)
{
	return o->arg && o->arg[0] == '[';
}

/* Say what was wrong, in cli_usage's form, and return EXIT_USAGE. */
static int bad_option(const struct cli_command *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int bad_option(const struct cli_command *c, const char *fmt, ...)
{
	char why[300];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return cli_usage_why(c, why);
}

/* --NAME exactly, else the one option NAME starts (as getopt_long); NULL when none or several. */
static const struct cli_opt *find_long(const struct cli_opt *opts, const char *name, size_t len)
{
	const struct cli_opt *prefix = NULL;
	size_t nprefix = 0;
	for (const struct cli_opt *o = opts; o && (o->letter || o->name); o++) {
		if (!o->name || strncmp(o->name, name, len))
			continue;
		if (!o->name[len])
			return o;
		prefix = o;
		nprefix++;
	}
	return nprefix == 1 ? prefix : NULL;
}

static const struct cli_opt *find_short(const struct cli_opt *opts, char letter)
{
	for (const struct cli_opt *o = opts; o && (o->letter || o->name); o++)
		if (o->letter == letter)
			return o;
	return NULL;
}

static void given(struct cli_ctx *ctx, const struct cli_opt *o, const char *value)
{
	ctx->given[ctx->ngiven].opt = o;
	ctx->given[ctx->ngiven++].value = value;
}

/* --NAME, --NAME=VALUE or --NAME VALUE at argv[*i]; 0 or EXIT_USAGE. */
static int parse_long(struct cli_ctx *ctx, int argc, char **argv, int *i)
{
	const char *arg = argv[*i], *eq = strchr(arg, '=');
	size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
	const struct cli_opt *o = find_long(ctx->cmd->opts, arg + 2, len - 2);
	if (!o)
		return bad_option(ctx->cmd, "unknown option '%.*s'", (int)len, arg);
	if (!o->arg && eq)
		return bad_option(ctx->cmd, "option '%.*s' takes no value", (int)len, arg);
	if (optional_value(o) || !o->arg) {
		given(ctx, o, eq ? eq + 1 : NULL);
		return 0;
	}
	if (eq) {
		given(ctx, o, eq + 1);
		return 0;
	}
	if (*i + 1 >= argc)
		return bad_option(ctx->cmd, "option '%s' needs a value", arg);
	given(ctx, o, argv[++*i]);
	return 0;
}

/* -x, -abc, -oFILE or -o FILE at argv[*i]; 0 or EXIT_USAGE. */
static int parse_short(struct cli_ctx *ctx, int argc, char **argv, int *i)
{
	const char *arg = argv[*i];
	for (size_t j = 1; arg[j]; j++) {
		const struct cli_opt *o = find_short(ctx->cmd->opts, arg[j]);
		if (!o)
			return bad_option(ctx->cmd, "unknown option '-%c'", arg[j]);
		if (!takes_value(o)) {
			given(ctx, o, NULL);
			continue;
		}
		if (arg[j + 1]) {
			given(ctx, o, arg + j + 1);
		} else if (*i + 1 < argc) {
			given(ctx, o, argv[++*i]);
		} else {
			return bad_option(ctx->cmd, "option '-%c' needs a value", arg[j]);
		}
		break;
	}
	return 0;
}

int cli_parse(const struct cli_command *c, int argc, char **argv, struct cli_ctx *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->cmd = c;
	ctx->argv = calloc((size_t)argc + 1, sizeof(char *));
	ctx->given = calloc((size_t)argc + 1, sizeof(*ctx->given));
	if (!ctx->argv || !ctx->given) {
		cli_errorf("out of memory");
		cli_ctx_free(ctx);
		return 1;
	}
	bool operands_only = false;
	int r = 0;
	for (int i = 1; i < argc && r == 0; i++) {
		const char *arg = argv[i];
		if (operands_only || arg[0] != '-' || !arg[1]) {
			ctx->argv[ctx->argc++] = argv[i];
			operands_only = operands_only || (c->flags & CLI_IN_ORDER);
		} else if (!strcmp(arg, "--")) {
			operands_only = true;
		} else if (arg[1] == '-') {
			r = parse_long(ctx, argc, argv, &i);
		} else {
			r = parse_short(ctx, argc, argv, &i);
		}
	}
	if (r == 0 && (ctx->argc < c->min || (c->max >= 0 && ctx->argc > c->max)))
		r = cli_usage_why(c, NULL);
	if (r)
		cli_ctx_free(ctx);
	return r;
}

void cli_ctx_free(struct cli_ctx *ctx)
{
	free(ctx->argv);
	free(ctx->given);
	ctx->argv = NULL;
	ctx->given = NULL;
	ctx->argc = 0;
	ctx->ngiven = 0;
}

/* The spec entry KEY names (its long name, or its letter as a one-letter string). */
static const struct cli_opt *spec_of(const struct cli_ctx *ctx, const char *key)
{
	const struct cli_opt *o = key[0] && !key[1] ? find_short(ctx->cmd->opts, key[0]) : NULL;
	for (const struct cli_opt *p = ctx->cmd->opts; !o && p && (p->letter || p->name); p++)
		if (p->name && !strcmp(p->name, key))
			o = p;
	if (!o) { /* a command asking for an option its spec lacks is a bug, not a user error */
		fprintf(stderr, "icc: %s: option '%s' is not in the command table\n", ctx->cmd->name, key);
		abort();
	}
	return o;
}

const char *cli_nth(const struct cli_ctx *ctx, const char *key, size_t n)
{
	const struct cli_opt *o = spec_of(ctx, key);
	for (size_t i = 0; i < ctx->ngiven; i++)
		if (ctx->given[i].opt == o && n-- == 0)
			return ctx->given[i].value ? ctx->given[i].value : "";
	return NULL;
}

bool cli_has(const struct cli_ctx *ctx, const char *key)
{
	return cli_nth(ctx, key, 0) != NULL;
}

const char *cli_value(const struct cli_ctx *ctx, const char *key, const char *dflt)
{
	const struct cli_opt *o = spec_of(ctx, key);
	for (size_t i = ctx->ngiven; i-- > 0;)
		if (ctx->given[i].opt == o && ctx->given[i].value)
			return ctx->given[i].value;
	return dflt;
}

/* "  -o, --output FILE" as the help shows it. */
static void option_words(const struct cli_opt *o, char *buf, size_t size)
{
	const char *arg = o->arg ? o->arg : "";
	int arglen = (int)strlen(arg);
	if (optional_value(o)) { /* "[=BOOL]" shows as "=BOOL" */
		arg++;
		arglen -= 2;
	}
	snprintf(buf, size, "  %c%c%s%s%s%s%.*s", o->letter ? '-' : ' ', o->letter ? o->letter : ' ',
		 o->letter && o->name ? ", " : o->name ? "  " : "", o->name ? "--" : "",
		 o->name ? o->name : "", arg[0] && arg[0] != '=' ? " " : "", arglen, arg);
}

#define HELP_COLUMN 25

void cli_print_options(const struct cli_opt *opts, FILE *out)
{
	for (const struct cli_opt *o = opts; o && (o->letter || o->name); o++) {
		if (!o->help) /* accepted for compatibility, not offered */
			continue;
		char words[128];
		option_words(o, words, sizeof(words));
		int pad = HELP_COLUMN - (int)strlen(words);
		fprintf(out, "%s%*s", words, pad > 1 ? pad : 1, "");
		/* "\n" in the help text continues it under the column */
		for (const char *s = o->help; *s;) {
			size_t n = strcspn(s, "\n");
			fprintf(out, "%.*s\n", (int)n, s);
			s += n;
			if (*s && *++s)
				fprintf(out, "%*s", HELP_COLUMN, "");
		}
	}
}

int cli_each(struct cli_ctx *ctx, int from, cli_each_fn *one, void *arg)
{
	int status = 0;
	for (int i = from; i < ctx->argc; i++) {
		struct icc_err err;
		icc_err_clear(&err);
		int r = one(ctx, ctx->argv[i], arg, &err);
		if (r < 0)
			cli_fail(&err);
		if (r)
			status = 1;
	}
	return status;
}

int cli_call(const struct cli_command *c, int argc, char **argv)
{
	if (!c->run)
		return c->fn ? c->fn(argc, argv) : cli_call_group(c, argc, argv);
	struct cli_ctx ctx;
	int r = cli_parse(c, argc, argv, &ctx);
	if (r)
		return r;
	if (c->check && (r = c->check(&ctx)) != 0) {
		r = r < 0 ? 0 : r; /* < 0: nothing to do (a prune the user did not confirm) */
		goto out;
	}
	bool store = c->flags & (CLI_STORE | CLI_LOCK);
	struct icc_err err;
	icc_err_clear(&err);
	if (store && icc_store_open(&ctx.st, cli_root, &err) < 0) {
		r = cli_fail(&err);
		goto out;
	}
	if ((c->flags & CLI_LOCK) && icc_store_lock(&ctx.st, &err) < 0)
		r = cli_fail(&err);
	else
		r = c->run(&ctx);
	/* what setting the store up did ("created a btrfs image ..., sizes are
	 * apparent sizes"), said after the command worked, never above its error */
	if (store && r == 0 && ctx.st.notice[0])
		cli_errorf("%s", ctx.st.notice);
	if (store)
		icc_store_close(&ctx.st);
out:
	cli_ctx_free(&ctx);
	return r;
}

int cli_call_sub(const struct cli_command *subs, int argc, char **argv)
{
	for (const struct cli_command *s = subs; argc >= 2 && s->name; s++) {
		const char *word = strchr(s->name, ' ');
		if (word && !strcmp(word + 1, argv[1])) /* not a group's own entry ("snapshot") */
			return cli_call(s, argc - 1, argv + 1);
	}
	return -1;
}

int cli_call_group(const struct cli_command *g, int argc, char **argv)
{
	int r = cli_call_sub(g->subs, argc, argv);
	if (r >= 0)
		return r;
	char names[256] = "";
	size_t len = 0;
	for (const struct cli_command *s = g->subs; s->name; s++) {
		const char *word = strchr(s->name, ' ');
		if (!word) /* the group's own entry: "snapshot CONTAINER" */
			return cli_call(s, argc, argv);
		if (len < sizeof(names))
			len += (size_t)snprintf(names + len, sizeof(names) - len, "%s%s", len ? ", " : "", word + 1);
	}
	if (argc >= 2)
		cli_errorf("%s: unknown subcommand '%s' (%s)", g->name, argv[1], names);
	return cli_usage_why(g, NULL);
}
