/* jsonlog.h - a container's output kept as Docker's json-file log driver keeps it, bounded */
#ifndef ICC_JSONLOG_H
#define ICC_JSONLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "icc/base/err.h"

/*
 * containers/<id>/container-json.log: one line per line of output,
 * {"log":"text\n","stream":"stdout"|"stderr","time":"RFC 3339 ns"}.  A line
 * longer than 16 KiB is cut into entries without the "\n", as Docker cuts it.
 * When the file would pass ICC_JSONLOG_MAX it becomes container-json.log.1
 * (the older one is dropped): at most twice that is kept.
 */
#define ICC_JSONLOG_NAME "container-json.log"
#define ICC_JSONLOG_OLD "container-json.log.1"
#define ICC_JSONLOG_MAX (10u << 20)
#define ICC_JSONLOG_LINE 16384

struct icc_jsonlog {
	int dirfd;   /* the container's directory */
	int fd;
	off_t size;
	off_t max;   /* ICC_JSONLOG_MAX, smaller in tests ($ICC_LOG_MAX_BYTES) */
	char part[2][ICC_JSONLOG_LINE];
	size_t plen[2];
};

/* Open (append) the log in the container directory dirfd (dup'd). */
int icc_jsonlog_open(struct icc_jsonlog *l, int dirfd, struct icc_err *err);
/* Output of stream 0 (stdout) or 1 (stderr); complete lines are written at once. */
void icc_jsonlog_write(struct icc_jsonlog *l, int stream, const char *buf, size_t n);
/* Write what is left of unfinished lines, close. */
void icc_jsonlog_close(struct icc_jsonlog *l);

#endif
