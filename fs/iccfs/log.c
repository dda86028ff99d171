/* log.c - what the daemon says about requests it refuses */
#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>

#include "iccfs.h"

static bool log_to_stderr; /* -f, -d: the terminal; else syslog */

void iccfs_log_to_stderr(bool on)
{
	log_to_stderr = on;
}

void iccfs_log(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (log_to_stderr) {
		fprintf(stderr, "icc-fs: ");
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	} else {
		vsyslog(LOG_WARNING, fmt, ap);
	}
	va_end(ap);
}
