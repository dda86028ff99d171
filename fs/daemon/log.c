/* log.c - what the daemon says about requests it refuses, and the failed-save log */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "iccfs.h"
#include "icc/base/util.h"

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

void iccfs_refuse(fuse_req_t req, int err, const char *fmt, ...)
{
	char why[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	/* debug level: shown under -d (libfuse's log), dropped otherwise */
	fuse_log(FUSE_LOG_DEBUG, "icc-fs: refused with %s: %s\n", strerrorname_np(err) ? strerrorname_np(err) : "?", why);
	fuse_reply_err(req, err);
}

static pthread_mutex_t save_log_lock = PTHREAD_MUTEX_INITIALIZER;

void iccfs_save_failed(int err, const char *msg)
{
	char now[64], line[1200];
	icc_time_format(icc_now_ns(), now, sizeof(now));
	int n = snprintf(line, sizeof(line), "%s %s %s\n", now,
			 strerrorname_np(err) ? strerrorname_np(err) : "?", msg && *msg ? msg : strerror(err));
	if (n >= (int)sizeof(line)) {
		n = (int)sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	/* keep it bounded: past ICCFS_SAVE_LOG_MAX the file becomes the .1 copy */
	pthread_mutex_lock(&save_log_lock);
	struct stat sb;
	if (fstatat(fs.sd.dirfd, ICCFS_SAVE_LOG, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
	    sb.st_size + n > ICCFS_SAVE_LOG_MAX)
		renameat(fs.sd.dirfd, ICCFS_SAVE_LOG, fs.sd.dirfd, ICCFS_SAVE_LOG ".1");
	int fd = openat(fs.sd.dirfd, ICCFS_SAVE_LOG, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd >= 0) {
		icc_write_all(fd, line, (size_t)n);
		close(fd);
	}
	pthread_mutex_unlock(&save_log_lock);
	iccfs_log("save failed: %s", line + strlen(now) + 1);
}
