/* format.c - --format for every command: json lines, Go templates, "table TEMPLATE" with titles */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* Docker's preFormat: a literal \t or \n typed in the template is a tab or newline. */
static char *unescape(const char *s)
{
	struct icc_sbuf b = {0};
	for (; *s; s++) {
		if (s[0] == '\\' && (s[1] == 't' || s[1] == 'n')) {
			icc_sbuf_add(&b, s[1] == 't' ? "\t" : "\n", 1);
			s++;
		} else {
			icc_sbuf_add(&b, s, 1);
		}
	}
	return b.p ? b.p : strdup("");
}

int cli_fmt_open(struct cli_fmt *f, const char *cmd, const char *format, ...)
{
	memset(f, 0, sizeof(*f));
	f->cmd = cmd;
	f->kind = CLI_FMT_TABLE;
	if (!format || !*format || !strcmp(format, "table"))
		return 0;
	if (!strcmp(format, "json")) {
		f->kind = CLI_FMT_JSON;
		return 0;
	}
	f->kind = CLI_FMT_TEMPLATE;
	const char *src = format;
	if (!strncmp(src, "table ", 6)) {
		f->table = true;
		src += 6;
		while (*src == ' ')
			src++;
		f->titles = cJSON_CreateObject();
		va_list ap;
		va_start(ap, format);
		const char *field;
		while ((field = va_arg(ap, const char *)))
			cJSON_AddStringToObject(f->titles, field, va_arg(ap, const char *));
		va_end(ap);
	}
	char *text = unescape(src);
	struct icc_err err;
	icc_err_clear(&err);
	int r = icc_tmpl_parse(text, &f->t, &err);
	free(text);
	if (r < 0) {
		cli_errorf("%s: %s", cmd, err.msg);
		cli_fmt_free(f);
		return 1;
	}
	if (f->table && icc_tmpl_exec(f->t, f->titles, true, &f->out, &err) == 0)
		icc_sbuf_add(&f->out, "\n", 1);
	return 0;
}

/*
 * A template's output for one object.  On a terminal, image and container
 * text could carry escape sequences: each cell (between the tabs and
 * newlines the template itself makes) is shown printable (icc_printable);
 * into a pipe it goes as it is.
 */
static void add_row(struct icc_sbuf *out, const char *text, size_t len, bool tty)
{
	if (!tty || !text) {
		if (text)
			icc_sbuf_add(out, text, len);
		return;
	}
	for (size_t i = 0; i < len;) {
		size_t n = strcspn(text + i, "\t\n");
		if (i + n > len)
			n = len - i;
		char *cell = strndup(text + i, n);
		if (cell) {
			icc_printable(cell);
			icc_sbuf_add(out, cell, strlen(cell));
			free(cell);
		}
		i += n;
		if (i < len)
			icc_sbuf_add(out, text + i++, 1);
	}
}

int cli_fmt_row(struct cli_fmt *f, const cJSON *obj)
{
	if (f->kind == CLI_FMT_JSON) {
		char *s = cJSON_PrintUnformatted(obj);
		if (s) {
			icc_sbuf_add(&f->out, s, strlen(s));
			free(s);
		}
	} else {
		struct icc_err err;
		icc_err_clear(&err);
		struct icc_sbuf row = {0};
		if (icc_tmpl_exec(f->t, obj, false, &row, &err) < 0) {
			icc_sbuf_free(&row);
			cli_errorf("%s: %s", f->cmd, err.msg);
			return 1;
		}
		add_row(&f->out, row.p, row.len, isatty(1));
		icc_sbuf_free(&row);
	}
	icc_sbuf_add(&f->out, "\n", 1);
	return 0;
}

/* Column widths of tab-ended cells (the last cell of a line has none). */
struct widths {
	size_t n, *w;
};

/* Each character of text, with its cell's column; out NULL: measure the widths, else print padded. */
static void walk_cells(const char *text, struct widths *ws, FILE *out)
{
	size_t col = 0, width = 0;
	for (const char *c = text; *c; c++) {
		if (*c == '\n') {
			if (out)
				fputc('\n', out);
			col = width = 0;
		} else if (*c == '\t' && !out) {
			if (col >= ws->n) {
				ws->w = realloc(ws->w, (col + 1) * sizeof(*ws->w));
				if (!ws->w)
					abort();
				for (size_t k = ws->n; k <= col; k++)
					ws->w[k] = 0;
				ws->n = col + 1;
			}
			if (width > ws->w[col])
				ws->w[col] = width;
			col++;
			width = 0;
		} else if (*c == '\t') {
			size_t cell = ws->w[col] + 3 < 10 ? 10 : ws->w[col] + 3;
			for (; width < cell; width++)
				fputc(' ', out);
			col++;
			width = 0;
		} else {
			if (out)
				fputc(*c, out);
			width += ((unsigned char)*c & 0xC0) != 0x80;
		}
	}
}

/* Go's tabwriter as Docker sets it up: cells end at a tab, min width 10, padding 3. */
static void print_aligned(const char *text, FILE *out)
{
	struct widths ws = {0, NULL};
	walk_cells(text, &ws, NULL);
	walk_cells(text, &ws, out);
	free(ws.w);
}

void cli_fmt_flush(struct cli_fmt *f)
{
	if (f->out.p) {
		if (f->table)
			print_aligned(f->out.p, stdout);
		else
			fwrite(f->out.p, 1, f->out.len, stdout);
	}
	cli_fmt_free(f);
}

void cli_fmt_free(struct cli_fmt *f)
{
	icc_tmpl_free(f->t);
	cJSON_Delete(f->titles);
	icc_sbuf_free(&f->out);
	f->t = NULL;
	f->titles = NULL;
}

int cli_fmt_done(struct cli_fmt *f, int failed)
{
	if (failed)
		cli_fmt_free(f);
	else
		cli_fmt_flush(f);
	return failed ? 1 : 0;
}
