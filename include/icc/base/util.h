/* util.h - small helpers: atomic files, JSON documents, ids, time */
#ifndef ICC_UTIL_H
#define ICC_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <sys/types.h>

#include <cjson/cJSON.h>

#include "icc/base/err.h"

#define ICC_ID_LEN 64 /* hex digits of a full object id */

/*
 * Write `len` bytes to `name` in `dirfd` so that readers see either the old
 * or the new content: temp file, fsync, rename, fsync of the directory.
 */
int icc_write_file_atomic(int dirfd, const char *name, const void *data,
			  size_t len, struct icc_err *err);
/* The same, with the fsyncs only when `durable` (for files remade anyway after a crash). */
int icc_write_file_replace(int dirfd, const char *name, const void *data,
			   size_t len, bool durable, struct icc_err *err);

/*
 * openat2(2) of `path` under `dirfd` with these resolve flags (O_CLOEXEC
 * added); the fd, or -errno (errno is set as well).  Retried while the kernel answers EAGAIN, which RESOLVE_IN_ROOT and
 * RESOLVE_BENEATH do when any rename or mount on the system raced a ".." of
 * the lookup (the lookup itself did nothing wrong).
 */
int icc_openat2(int dirfd, const char *path, int flags, unsigned long long resolve);

/* Read a whole (small) file, at most `max` bytes; *out is NUL-terminated. */
int icc_read_file(int dirfd, const char *name, size_t max, char **out,
		  size_t *len, struct icc_err *err);

/* The same for PATH inside a container or image tree: resolved with `rootfd` as
 * its root (RESOLVE_IN_ROOT), and only if it is a regular file. */
int icc_read_file_in_root(int rootfd, const char *path, size_t max, char **out,
			  size_t *len, struct icc_err *err);

/* JSON documents on disk, written with icc_write_file_atomic. */
int icc_json_write(int dirfd, const char *name, const cJSON *doc,
		   struct icc_err *err);
int icc_json_read(int dirfd, const char *name, cJSON **doc,
		  struct icc_err *err);

/* cJSON accessors that tolerate missing or mistyped members. */
const char *icc_json_str(const cJSON *obj, const char *key);
long long icc_json_int(const cJSON *obj, const char *key, long long dflt);
/* Does the JSON array `arr` hold the string `s`? */
bool icc_json_has_string(const cJSON *arr, const char *s);

/* Room for element `n` of a growing array *pv (of `elem`-byte elements,
 * *cap allocated): doubles it, starting at `first`; 0 or -ENOMEM. */
int icc_grow(void *pv, size_t *cap, size_t n, size_t elem, size_t first);
/* Append a copy of `s` to the string vector *v (*n used, *cap allocated); 0 or -ENOMEM. */
int icc_strv_push(char ***v, size_t *n, size_t *cap, const char *s);

/* A fresh random id: 64 lowercase hex digits (256 bits from getrandom). */
void icc_random_id(char out[ICC_ID_LEN + 1]);
bool icc_is_hex(const char *s, size_t len);

/* Time as nanoseconds since the epoch, and RFC 3339 text (UTC, ns). */
int64_t icc_now_ns(void);
void icc_time_format(int64_t ns, char *buf, size_t size);
int64_t icc_time_parse(const char *s); /* 0 when unparsable */

/* A Go duration ("90s", "1h30m", "1.5h", "250ms") in ns; -1 when it is not one. */
int64_t icc_go_duration(const char *s);
/* A point in time as docker logs --since/--until take it: RFC 3339 (or a
 * date), Unix seconds, or a Go duration before `now`; in ns, 0 when invalid. */
int64_t icc_time_when(const char *s, int64_t now);

/* "3 minutes ago", "About an hour ago" as Docker prints them. */
void icc_time_ago(int64_t ns, int64_t now_ns, char *buf, size_t size);
/* Docker's human sizes: "7.97MB", "1.2GB" (decimal units, 3 significant digits). */
void icc_human_size(uint64_t bytes, char *buf, size_t size);

/*
 * Make text from an image, archive or container safe to show on a terminal,
 * in place (same length): every control character (C0, DEL, and C1 such as
 * U+009B CSI) and every byte that is not valid UTF-8 becomes '?', so no
 * escape sequence (title, clear screen, cursor moves) or line break passes.
 */
void icc_printable(char *s);

/* Write all `len` bytes, through EINTR and (on a non-blocking fd) EAGAIN; 0 or -errno. */
int icc_write_all(int fd, const void *buf, size_t len);

/* Copy the rest of `in` to `out`: copy_file_range (reflinks on btrfs), else
 * read and write.  0, or -errno with *failed saying what ("cannot copy the
 * data", "cannot read", "cannot write"). */
int icc_copy_data(int in, int out, const char **failed);

/* mkdir -p: missing parents with mode 0755, `path` itself with `mode`; 0 or -errno. */
int icc_mkdir_p(const char *path, mode_t mode);

/* A 16-byte UUID as text: 8-4-4-4-12 lowercase hex digits. */
void icc_uuid_format(const uint8_t u[16], char out[37]);

/* `doc` as JSON text ending in a newline (pretty, or on one line), malloc'd,
 * its length in *len when len is not NULL; NULL when out of memory. */
char *icc_json_text(const cJSON *doc, bool pretty, size_t *len);

/* The names in an llistxattr(2) result (`n` bytes of `list`), sorted, as
 * pointers into `list`: at most `max` of them; returns how many. */
size_t icc_xattr_names_sorted(const char *list, ssize_t n, const char **names, size_t max);

/* fsync a directory by fd (after renames inside it). */
int icc_fsync_dir(int dirfd);

/*
 * The store-wide mutation lock: flock(LOCK_EX) on `path` (created if
 * missing).  Returns the fd to pass to icc_funlock, or -errno.  flock locks
 * belong to the open file, so a process must not take it twice.
 */
int icc_flock(const char *path, struct icc_err *err);
void icc_funlock(int fd);

#endif
