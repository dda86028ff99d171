/* jsonlog.c - write a container's output as json-file log lines, rotating once at a size bound */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "icc/container/jsonlog.h"
#include "icc/base/util.h"

static int open_log(struct icc_jsonlog *l)
{
	l->fd = openat(l->dirfd, ICC_JSONLOG_NAME, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0640);
	struct stat st;
	l->size = l->fd >= 0 && fstat(l->fd, &st) == 0 ? st.st_size : 0;
	return l->fd;
}

int icc_jsonlog_open(struct icc_jsonlog *l, int dirfd, struct icc_err *err)
{
	memset(l, 0, sizeof(*l));
	l->max = ICC_JSONLOG_MAX;
	const char *m = getenv("ICC_LOG_MAX_BYTES");
	if (m && atoll(m) >= 1024 && atoll(m) < (long long)ICC_JSONLOG_MAX)
		l->max = (off_t)atoll(m);
	l->dirfd = fcntl(dirfd, F_DUPFD_CLOEXEC, 3);
	if (l->dirfd < 0)
		return icc_err_sys(err, errno, "cannot open the container's log");
	if (open_log(l) < 0) {
		int e = errno;
		close(l->dirfd);
		l->dirfd = -1;
		return icc_err_sys(err, e, "cannot open the container's log");
	}
	return 0;
}

static void entry(struct icc_jsonlog *l, int stream, const char *text, size_t n)
{
	if (l->fd < 0)
		return;
	char *t = malloc(n + 1);
	if (!t)
		return;
	memcpy(t, text, n);
	t[n] = '\0';
	char now[64];
	icc_time_format(icc_now_ns(), now, sizeof(now));
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "log", t);
	cJSON_AddStringToObject(o, "stream", stream ? "stderr" : "stdout");
	cJSON_AddStringToObject(o, "time", now);
	size_t len;
	char *line = icc_json_text(o, false, &len);
	cJSON_Delete(o);
	free(t);
	if (!line)
		return;
	if (l->size > 0 && l->size + (off_t)len > l->max) {
		/* rotate once: the current file becomes .1, the older .1 goes */
		close(l->fd);
		renameat(l->dirfd, ICC_JSONLOG_NAME, l->dirfd, ICC_JSONLOG_OLD);
		open_log(l);
	}
	if (l->fd >= 0) {
		ssize_t w = write(l->fd, line, len);
		if (w > 0)
			l->size += w;
	}
	free(line);
}

void icc_jsonlog_write(struct icc_jsonlog *l, int stream, const char *buf, size_t n)
{
	if (!l || l->fd < 0 || stream < 0 || stream > 1)
		return;
	while (n > 0) {
		const char *nl = memchr(buf, '\n', n);
		size_t take = nl ? (size_t)(nl - buf) + 1 : n;
		size_t room = ICC_JSONLOG_LINE - l->plen[stream];
		if (take > room)
			take = room;
		memcpy(l->part[stream] + l->plen[stream], buf, take);
		l->plen[stream] += take;
		buf += take;
		n -= take;
		bool line_end = l->part[stream][l->plen[stream] - 1] == '\n';
		if (line_end || l->plen[stream] == ICC_JSONLOG_LINE) {
			entry(l, stream, l->part[stream], l->plen[stream]);
			l->plen[stream] = 0;
		}
	}
}

void icc_jsonlog_close(struct icc_jsonlog *l)
{
	if (!l || l->dirfd < 0)
		return;
	for (int s = 0; s < 2; s++)
		if (l->plen[s]) {
			entry(l, s, l->part[s], l->plen[s]);
			l->plen[s] = 0;
		}
	if (l->fd >= 0)
		close(l->fd);
	close(l->dirfd);
	l->fd = l->dirfd = -1;
}
