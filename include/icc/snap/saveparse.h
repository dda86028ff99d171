/* saveparse.h - what a write to /.icc/save means: name line, message, limits */
#ifndef ICC_SAVEPARSE_H
#define ICC_SAVEPARSE_H

#include <stdbool.h>
#include <stddef.h>

#include "icc/base/err.h"

/* At most this many bytes per write(2) to /.icc/save. */
#define ICC_SAVE_WRITE_MAX 65536

/*
 * At most this many further writes of message lines on one open save file
 * (each rewrites meta.json); the message as a whole is capped by
 * ICC_SNAP_MESSAGE_MAX (snapdir.h).
 */
#define ICC_SAVE_APPENDS_MAX 100

/*
 * Text that may go into a snapshot's meta.json: valid UTF-8 (shortest form,
 * no surrogates, <= U+10FFFF), no control bytes except '\n' and '\t', no DEL.
 */
bool icc_save_text_valid(const char *s, size_t n);

/*
 * The first write on an open /.icc/save: `buf` (size bytes, not
 * NUL-terminated) is "NAME\nMESSAGE..." or "\nMESSAGE" or "NAME" or "\n".
 * On success `name` (nsize bytes, >= ICC_SNAP_NAME_MAX + 1) holds the name or
 * "" for an automatic one, and *message a malloc'd message with trailing
 * newlines removed (free it).  Fails with -EINVAL (bad name, NUL byte, bad
 * text, too long, empty, nothing but a name-less line without a newline) or
 * -ENOMEM; on failure *message is NULL.
 */
int icc_save_request_parse(const char *buf, size_t size, char *name, size_t nsize,
			   char **message, struct icc_err *err);

/*
 * A further write on the same open file: more message lines.  *text gets the
 * malloc'd text without trailing newlines ("" if there was nothing else).
 */
int icc_save_more_parse(const char *buf, size_t size, char **text, struct icc_err *err);

/*
 * A write to /.icc/rollback: "NAME\n", "NAME" or "NAME keep=no\n" (also
 * keep=yes).  `name` (nsize >= ICC_SNAP_NAME_MAX + 1) gets NAME, *keep
 * whether the current tree is saved first.  -EINVAL for anything else
 * (bad name, other options, more lines, NUL bytes).
 */
int icc_rollback_request_parse(const char *buf, size_t size, char *name, size_t nsize,
			       bool *keep, struct icc_err *err);

#endif
