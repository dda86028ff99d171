/* err.h - error reporting shared by libicc, the CLI and the daemon */
#ifndef ICC_ERR_H
#define ICC_ERR_H

#include <stddef.h>

/*
 * Every library call that can fail takes a `struct icc_err *` and returns 0
 * or -errno.  The message names the object and the reason, without the
 * "icc: " prefix (the CLI adds it), e.g. "no such image 'ubuntu:2'".
 */
struct icc_err {
	int code;        /* positive errno, 0 when no error */
	char msg[1024];
};

/* Record an error; returns -code so callers can `return icc_err_set(...)`. */
int icc_err_set(struct icc_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Like icc_err_set, with ": strerror(code)" appended. */
int icc_err_sys(struct icc_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

void icc_err_clear(struct icc_err *err);

#endif
