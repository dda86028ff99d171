/* err.c - filling struct icc_err with a message that names the object */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "icc/base/err.h"

static int vset(struct icc_err *err, int code, int with_errno, const char *fmt,
		va_list ap) __attribute__((format(printf, 4, 0)));

static int vset(struct icc_err *err, int code, int with_errno, const char *fmt,
		va_list ap)
{
	if (code < 0)
		code = -code;
	if (code == 0)
		code = EIO;
	if (!err)
		return -code;
	err->code = code;
	int n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	if (with_errno && n >= 0 && (size_t)n < sizeof(err->msg))
		snprintf(err->msg + n, sizeof(err->msg) - (size_t)n, ": %s",
			 strerror(code));
	return -code;
}

int icc_err_set(struct icc_err *err, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = vset(err, code, 0, fmt, ap);
	va_end(ap);
	return r;
}

int icc_err_sys(struct icc_err *err, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = vset(err, code, 1, fmt, ap);
	va_end(ap);
	return r;
}

void icc_err_clear(struct icc_err *err)
{
	if (err) {
		err->code = 0;
		err->msg[0] = '\0';
	}
}
