/* cmd_logs.c - icc logs: a container's json-file log, filtered by time and tail, optionally followed */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "icc/container/jsonlog.h"
#include "icc/store/object.h"
#include "icc/runtime/runtime.h"

struct filter {
	int64_t since, until; /* ns, 0: none */
	bool timestamps;
};

/* Print one log line if the filter keeps it; false when past --until. */
static bool emit(const char *line, size_t len, const struct filter *f, bool dry)
{
	cJSON *o = cJSON_ParseWithLength(line, len);
	if (!o)
		return true; /* a line cut by a crash: skipped */
	const char *text = icc_json_str(o, "log"), *time = icc_json_str(o, "time");
	const char *stream = icc_json_str(o, "stream");
	int64_t t = time ? icc_time_parse(time) : 0;
	bool keep = text && (!f->since || t >= f->since) && (!f->until || t <= f->until);
	if (keep && !dry) {
		FILE *out = stream && !strcmp(stream, "stderr") ? stderr : stdout;
		if (f->timestamps)
			fprintf(out, "%s ", time ? time : "");
		fputs(text, out);
		fflush(out);
	}
	cJSON_Delete(o);
	return keep;
}

/* The whole of a log file read from fd (bounded by the rotation size). */
static char *read_all(int fd, size_t *len)
{
	size_t cap = 1 << 16;
	char *b = malloc(cap);
	*len = 0;
	while (b) {
		if (*len == cap) {
			if (cap >= 2 * (size_t)ICC_JSONLOG_MAX)
				break;
			char *nb = realloc(b, cap * 2);
			if (!nb)
				break;
			b = nb;
			cap *= 2;
		}
		ssize_t n = read(fd, b + *len, cap - *len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		*len += (size_t)n;
	}
	return b;
}

/* Complete lines of buf: counted (print false) or printed from the `from`-th kept one; returns bytes used. */
static size_t lines(const char *buf, size_t len, const struct filter *f, long from, long *seen, bool print)
{
	const char *p = buf, *end = buf + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			break; /* being written: follow reads it whole */
		if (emit(p, (size_t)(nl - p), f, !print || *seen < from))
			(*seen)++;
		p = nl + 1;
	}
	return (size_t)(p - buf);
}

/*
 * Print what the files hold now, the older one first; the last `tail` kept
 * lines only (-1: all).  Returns the current file open just past its last
 * complete line (for -f), or -1.
 */
static int dump(int dirfd, const struct filter *f, long tail)
{
	char *b[2] = {NULL, NULL};
	size_t len[2] = {0, 0};
	int fds[2];
	fds[0] = openat(dirfd, ICC_JSONLOG_OLD, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	fds[1] = openat(dirfd, ICC_JSONLOG_NAME, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	for (int k = 0; k < 2; k++)
		if (fds[k] >= 0)
			b[k] = read_all(fds[k], &len[k]);
	long kept = 0, seen = 0;
	if (tail >= 0)
		for (int k = 0; k < 2; k++)
			if (b[k])
				lines(b[k], len[k], f, 0, &kept, false);
	long from = tail < 0 ? 0 : (kept > tail ? kept - tail : 0);
	size_t used = 0;
	for (int k = 0; k < 2; k++)
		if (b[k]) {
			size_t u = lines(b[k], len[k], f, from, &seen, true);
			if (k == 1)
				used = u;
		}
	if (fds[0] < 0 && fds[1] < 0) {
		/* a container that last ran before icc kept json logs: its raw output */
		int raw = openat(dirfd, "container.log", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		size_t n;
		char *r = raw >= 0 ? read_all(raw, &n) : NULL;
		if (r)
			fwrite(r, 1, n, stdout);
		free(r);
		if (raw >= 0)
			close(raw);
	}
	free(b[0]);
	free(b[1]);
	if (fds[0] >= 0)
		close(fds[0]);
	if (fds[1] >= 0)
		lseek(fds[1], (off_t)used, SEEK_SET);
	return fds[1];
}

static bool running(struct icc_store *st, const char *id)
{
	cJSON *meta;
	struct icc_cstate cs;
	if (cli_container_meta(st, id, &meta, &cs) < 0)
		return false;
	cJSON_Delete(meta);
	return cs.status == ICC_CS_RUNNING;
}

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* -f: print lines as they are added, across one rotation, until the container stops. */
static void follow(struct icc_store *st, const char *id, int dirfd, int fd, const struct filter *f)
{
	struct stat at;
	char buf[65536], line[6 * ICC_JSONLOG_LINE + 4096];
	size_t have = 0;
	for (bool last = false;;) {
		ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf)) : 0;
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] == '\n') {
				if (!emit(line, have, f, false) && f->until && icc_now_ns() > f->until) {
					close(fd);
					return;
				}
				have = 0;
			} else if (have < sizeof(line)) {
				line[have++] = buf[i];
			}
		}
		if (n > 0)
			continue;
		/* at the end: a rotation moved the file away, or a first run made it */
		struct stat now;
		if (fstatat(dirfd, ICC_JSONLOG_NAME, &now, AT_SYMLINK_NOFOLLOW) == 0 &&
		    (fd < 0 || fstat(fd, &at) < 0 || now.st_ino != at.st_ino)) {
			if (fd >= 0)
				close(fd);
			fd = openat(dirfd, ICC_JSONLOG_NAME, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
			have = 0;
			continue;
		}
		if (last || (f->until && icc_now_ns() > f->until))
			break;
		if (!running(st, id))
			last = true; /* one more read for the last lines */
		else
			sleep_ms(200);
	}
	if (fd >= 0)
		close(fd);
}

/* --since, --until and --tail in the order given; 0 or the exit code after the error */
static int logs_args(const struct cli_ctx *ctx, struct filter *flt, long *tail)
{
	int64_t now = icc_now_ns();
	*tail = -1;
	for (size_t i = 0; i < ctx->ngiven; i++) {
		const struct cli_opt *o = ctx->given[i].opt;
		const char *v = ctx->given[i].value;
		char *end;
		if (o->letter == 'n' && !strcmp(v, "all")) {
			*tail = -1;
		} else if (o->letter == 'n') {
			errno = 0;
			*tail = strtol(v, &end, 10);
			if (errno || end == v || *end || *tail < 0) {
				cli_errorf("logs: invalid value for --tail: '%s' (a number of lines, or all)", v);
				return EXIT_RUN_FAILED;
			}
		} else if (!o->letter) { /* --since, --until */
			int64_t t = icc_time_when(v, now);
			if (!t) {
				cli_errorf("logs: invalid value for --%s: '%s' (a time like 2024-05-01T10:00:00Z, "
					   "Unix seconds, or a duration like 10m)", o->name, v);
				return EXIT_RUN_FAILED;
			}
			*(strcmp(o->name, "since") ? &flt->until : &flt->since) = t;
		}
	}
	return 0;
}

int cmd_logs_check(struct cli_ctx *ctx)
{
	struct filter flt = {0};
	long tail;
	return logs_args(ctx, &flt, &tail);
}

int cmd_logs(struct cli_ctx *ctx)
{
	struct filter flt = {.timestamps = cli_has(ctx, "timestamps")};
	long tail;
	logs_args(ctx, &flt, &tail);
	struct icc_err err;
	char id[ICC_ID_LEN + 1];
	int dirfd = -1;
	if (icc_container_resolve(&ctx->st, ctx->argv[0], id, &err) < 0 ||
	    (dirfd = icc_object_dirfd(&ctx->st, ICC_CONTAINER, id, &err)) < 0) {
		cli_errorf("logs: %s", err.msg);
		return 1;
	}
	int fd = dump(dirfd, &flt, tail);
	if (cli_has(ctx, "follow"))
		follow(&ctx->st, id, dirfd, fd, &flt);
	else if (fd >= 0)
		close(fd);
	close(dirfd);
	return 0;
}

const struct cli_opt cmd_logs_opts[] = {
	{'f', "follow", NULL, "keep printing until the container ends"},
	{'t', "timestamps", NULL, "each line after its time (RFC 3339, ns)"},
	{0, "since", "WHEN", "only lines from WHEN: 2024-05-01T10:00:00Z, Unix seconds, or 10m ago"},
	{0, "until", "WHEN", "only lines up to WHEN"},
	{'n', "tail", "N", "only the last N lines (all: every line)"},
	{0},
};
