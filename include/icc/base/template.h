/* template.h - the Go text/template subset Docker users write in --format, over cJSON */
#ifndef ICC_TEMPLATE_H
#define ICC_TEMPLATE_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "icc/base/err.h"

/*
 * Supported: text and {{actions}} with {{- -}} trimming and Go comment actions;
 * fields .A.B, $ and $var (:= and =), "strings", `raw`, numbers, true/false/nil,
 * (sub pipelines), pipes a | f; if/else if/else, range [$i, $v :=] ... [else],
 * with ... [else], break, continue, end; functions json index len join split
 * upper lower title printf print println pad truncate eq ne lt le gt ge and or not.
 * An unknown field, a function Go does not know here, or a malformed template
 * is an error (one line, "template: :LINE:COL: ..."), never an empty string.
 */
struct icc_tmpl;

int icc_tmpl_parse(const char *src, struct icc_tmpl **out, struct icc_err *err);
void icc_tmpl_free(struct icc_tmpl *t);

/* A growing output buffer (NUL-terminated). */
struct icc_sbuf {
	char *p;
	size_t len, cap;
};
void icc_sbuf_add(struct icc_sbuf *b, const char *s, size_t n);
void icc_sbuf_free(struct icc_sbuf *b);

/*
 * Execute over `data`, appending to `out`.  header: the table header pass,
 * where `data` maps field names to column titles and a field it lacks prints
 * as its name in capitals instead of failing.  0 or -EINVAL with a message.
 */
int icc_tmpl_exec(const struct icc_tmpl *t, const cJSON *data, bool header, struct icc_sbuf *out,
		  struct icc_err *err);

/* Go's %v of a decoded JSON value: 12, true, [a b], map[k:v], <no value> for null. */
void icc_tmpl_format_value(const cJSON *v, struct icc_sbuf *out);

/* JSON as Go's json.MarshalIndent(v, "", "    ") writes it (docker inspect's layout). */
void icc_json_indent(const cJSON *v, struct icc_sbuf *out);

#endif
