/* common.c - helpers every command uses: errors, store, ids, tables, formats */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "icc/runtime/runtime.h"
#include "icc/store/object.h"

const char *cli_root;

static char opt_error[300];

void cli_errorf(const char *fmt, ...)
{
	/* messages name images, tags, paths: one line, no escape sequence reaches the terminal */
	char msg[8192];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	icc_printable(msg);
	fprintf(stderr, "icc: %s\n", msg);
}

int cli_fail(const struct icc_err *err)
{
	cli_errorf("%s", err->msg[0] ? err->msg : "unknown error");
	return 1;
}

static const struct cli_command *cli_commands;
static size_t cli_ncommands;

void cli_set_commands(const struct cli_command *table, size_t n)
{
	cli_commands = table;
	cli_ncommands = n;
}

const struct cli_command *cli_find_command(const char *name)
{
	for (size_t i = 0; i < cli_ncommands; i++)
		if (!strcmp(cli_commands[i].name, name))
			return &cli_commands[i];
	return NULL;
}

const char *cli_synopsis(const struct cli_command *c, char *buf, size_t size)
{
	if (c->synopsis || !c->subs)
		return c->synopsis ? c->synopsis : "";
	/* a group's: its subcommands' ("snapshot"'s own, without a word, first) */
	size_t len = 0;
	buf[0] = '\0';
	for (const struct cli_command *s = c->subs; s->name && len < size; s++) {
		const char *word = strchr(s->name, ' ');
		len += (size_t)snprintf(buf + len, size - len, "%s%s%s%s", len ? " | " : "",
					word ? word + 1 : "", word && s->synopsis[0] ? " " : "", s->synopsis);
	}
	return buf;
}

/* the command table is the one source of a command's synopsis; a subcommand's ("system df") is its own */
static int usage_line(const char *cmd, const char *why, const char *synopsis)
{
	const struct cli_command *c = cli_find_command(cmd);
	char buf[1024];
	if (c)
		synopsis = cli_synopsis(c, buf, sizeof(buf));
	if (why && why[0])
		cli_errorf("%s: %s; usage: icc %s %s (see 'icc %s --help')", cmd, why, cmd,
			   synopsis, cmd);
	else
		cli_errorf("%s: usage: icc %s %s (see 'icc %s --help')", cmd, cmd, synopsis, cmd);
	return EXIT_USAGE;
}

int cli_usage_why(const struct cli_command *c, const char *why)
{
	char buf[1024];
	return usage_line(c->name, why, cli_synopsis(c, buf, sizeof(buf)));
}

int cli_usage(const char *cmd, const char *synopsis)
{
	int r = usage_line(cmd, opt_error, synopsis);
	opt_error[0] = '\0';
	return r;
}

int cli_usage_code(const char *cmd, int code)
{
	cli_usage(cmd, "");
	return code;
}

int cli_open_store(struct icc_store *st)
{
	struct icc_err err;
	icc_err_clear(&err);
	if (icc_store_open(st, cli_root, &err) < 0)
		return cli_fail(&err);
	if (st->notice[0])
		cli_errorf("%s", st->notice);
	return 0;
}

const char *cli_short_id(const char *id, char buf[13])
{
	snprintf(buf, 13, "%.12s", id ? id : "");
	return buf;
}

void cli_table_init(struct cli_table *t, size_t ncols, ...)
{
	memset(t, 0, sizeof(*t));
	t->ncols = ncols;
	va_list ap;
	va_start(ap, ncols);
	char **row = calloc(ncols, sizeof(char *));
	for (size_t i = 0; i < ncols; i++)
		row[i] = strdup(va_arg(ap, const char *));
	va_end(ap);
	t->cells = row;
	t->nrows = 1;
	t->cap = 1;
}

void cli_table_add(struct cli_table *t, ...)
{
	if (t->nrows == t->cap) {
		t->cap *= 2;
		t->cells = realloc(t->cells, t->cap * t->ncols * sizeof(char *));
		if (!t->cells) {
			cli_errorf("out of memory");
			exit(1);
		}
	}
	va_list ap;
	va_start(ap, t);
	for (size_t i = 0; i < t->ncols; i++) {
		const char *s = va_arg(ap, const char *);
		char *cell = strdup(s ? s : "");
		if (!cell) {
			cli_errorf("out of memory");
			exit(1);
		}
		/* cells hold what images and containers say (commands, comments, names) */
		icc_printable(cell);
		t->cells[t->nrows * t->ncols + i] = cell;
	}
	va_end(ap);
	t->nrows++;
}

/* Display width of UTF-8 text: count the bytes that start a character. */
static size_t text_width(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

void cli_table_print(struct cli_table *t, FILE *out)
{
	size_t *w = calloc(t->ncols, sizeof(size_t));
	for (size_t r = 0; r < t->nrows; r++)
		for (size_t c = 0; c < t->ncols; c++) {
			size_t n = text_width(t->cells[r * t->ncols + c]);
			if (n > w[c])
				w[c] = n;
		}
	for (size_t r = 0; r < t->nrows; r++) {
		for (size_t c = 0; c < t->ncols; c++) {
			const char *s = t->cells[r * t->ncols + c];
			if (c + 1 == t->ncols) {
				fputs(s, out);
			} else {
				size_t width = w[c] + 3 < 10 ? 10 : w[c] + 3;
				fputs(s, out);
				for (size_t k = text_width(s); k < width; k++)
					fputc(' ', out);
			}
		}
		fputc('\n', out);
	}
	free(w);
}

void cli_table_free(struct cli_table *t)
{
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	memset(t, 0, sizeof(*t));
}

void cli_print_json(const cJSON *v, bool pretty)
{
	char *s = pretty ? cJSON_Print(v) : cJSON_PrintUnformatted(v);
	if (s) {
		puts(s);
		free(s);
	}
}

int cli_output_open(struct cli_output *o, const char *path, struct icc_err *err)
{
	o->fd = 1;
	o->path = path;
	o->tmp[0] = '\0';
	if (!path || !strcmp(path, "-"))
		return 0;
	snprintf(o->tmp, sizeof(o->tmp), "%s.tmp-XXXXXX", path);
	o->fd = mkostemp(o->tmp, O_CLOEXEC);
	if (o->fd < 0) {
		o->tmp[0] = '\0';
		return icc_err_sys(err, errno, "cannot create '%s'", path);
	}
	fchmod(o->fd, 0644);
	return 0;
}

int cli_output_finish(struct cli_output *o, int r, struct icc_err *err)
{
	if (!o->tmp[0])
		return r;
	if (r >= 0 && (fsync(o->fd) < 0 || rename(o->tmp, o->path) < 0))
		r = icc_err_sys(err, errno, "cannot write '%s'", o->path);
	close(o->fd);
	if (r < 0)
		unlink(o->tmp);
	o->tmp[0] = '\0';
	return r;
}

void cli_say_kept(const char *container, int n)
{
	if (n > 0)
		fprintf(stderr, "kept %d snapshot%s of '%s': icc snapshots --all\n", n,
			n == 1 ? "" : "s", container);
}

int cli_parse_secs(const char *cmd, const char *s, int *secs)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (!*s || *end || errno || v < 0 || v > 86400 * 365) {
		cli_errorf("%s: --time %s: not a number of seconds", cmd, s);
		return 1;
	}
	*secs = (int)v;
	return 0;
}

/* getopt_long that keeps what it found wrong (opt_error, said by cli_usage) */
#undef getopt_long
int cli_getopt_long(int argc, char *const argv[], const char *optstring,
		    const struct option *longopts, int *longindex)
{
	opterr = 0; /* getopt's own "ps: unrecognized option" is not icc's form */
	int c = getopt_long(argc, argv, optstring, longopts, longindex);
	if (c != '?' && c != ':') {
		opt_error[0] = '\0';
		return c;
	}
	const char *arg = optind > 0 && optind <= argc ? argv[optind - 1] : "";
	bool longopt = !strncmp(arg, "--", 2);
	if (optopt && !longopt && strchr(optstring, optopt) && optopt != ':' && optopt != '+')
		snprintf(opt_error, sizeof(opt_error), "option '-%c' needs a value", optopt);
	else if (optopt && longopt && strchr(arg, '='))
		snprintf(opt_error, sizeof(opt_error), "option '%.*s' takes no value",
			 (int)(strchr(arg, '=') - arg), arg);
	else if (optopt && longopt)
		snprintf(opt_error, sizeof(opt_error), "option '%s' needs a value", arg);
	else if (optopt)
		snprintf(opt_error, sizeof(opt_error), "unknown option '-%c'", optopt);
	else
		snprintf(opt_error, sizeof(opt_error), "unknown option '%.*s'",
			 (int)strcspn(arg, "="), arg);
	return c;
}

int cli_container_load(struct icc_store *st, const char *ref, char id[ICC_ID_LEN + 1], cJSON **meta)
{
	struct icc_err err;
	*meta = NULL;
	if (icc_container_resolve(st, ref, id, &err) < 0 ||
	    icc_object_meta(st, ICC_CONTAINER, id, meta, &err) < 0)
		return cli_fail(&err);
	return 0;
}

int cli_open_container(struct icc_store *st, const char *ref, char id[ICC_ID_LEN + 1], cJSON **meta)
{
	if (cli_open_store(st))
		return 1;
	if (cli_container_load(st, ref, id, meta)) {
		icc_store_close(st);
		return 1;
	}
	return 0;
}

int cli_container_meta(struct icc_store *st, const char *id, cJSON **meta, struct icc_cstate *cs)
{
	struct icc_err err;
	if (icc_object_meta(st, ICC_CONTAINER, id, meta, &err) < 0)
		return -1;
	icc_container_state(*meta, cs);
	return 0;
}

int cli_each_container(struct icc_store *st, cli_container_fn *fn, void *arg, struct icc_err *err)
{
	struct icc_idlist l;
	if (icc_object_list(st, ICC_CONTAINER, &l, err) < 0)
		return -1;
	for (size_t i = 0; i < l.count; i++) {
		cJSON *meta;
		struct icc_cstate cs;
		if (cli_container_meta(st, l.ids[i], &meta, &cs) < 0)
			continue; /* removed meanwhile */
		fn(st, l.ids[i], meta, &cs, arg);
		cJSON_Delete(meta);
	}
	icc_idlist_free(&l);
	return 0;
}
