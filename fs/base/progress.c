/* progress.c - meters (rate, ETA) and fd relays that count bytes; never prints */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "icc/base/progress.h"
#include "icc/base/util.h"

void icc_meter_init(struct icc_meter *m, const char *what, uint64_t total,
		    icc_progress_fn fn, void *ctx)
{
	memset(m, 0, sizeof(*m));
	m->fn = fn;
	m->ctx = ctx;
	m->what = what;
	m->total = total;
	m->start_ns = icc_now_ns();
	m->interval_ms = 200;
	pthread_mutex_init(&m->lock, NULL);
}

void icc_meter_stat(struct icc_meter *m, struct icc_progress_stat *out, bool finished)
{
	int64_t now = icc_now_ns();
	memset(out, 0, sizeof(*out));
	out->what = m->what;
	out->done = m->done;
	out->total = m->total;
	out->elapsed = (double)(now - m->start_ns) / 1e9;
	out->rate = out->elapsed > 0.05 ? (double)m->done / out->elapsed : 0;
	out->eta = -1;
	if (m->total && out->rate > 0)
		out->eta = m->done >= m->total ? 0 : (double)(m->total - m->done) / out->rate;
	out->finished = finished;
}

void icc_meter_add(struct icc_meter *m, uint64_t n)
{
	pthread_mutex_lock(&m->lock);
	m->done += n;
	int64_t now = icc_now_ns();
	if (m->fn && now - m->last_ns >= (int64_t)m->interval_ms * 1000000) {
		struct icc_progress_stat s;
		m->last_ns = now;
		icc_meter_stat(m, &s, false);
		m->fn(m->ctx, &s);
	}
	pthread_mutex_unlock(&m->lock);
}

void icc_meter_finish(struct icc_meter *m)
{
	pthread_mutex_lock(&m->lock);
	if (m->fn) {
		struct icc_progress_stat s;
		icc_meter_stat(m, &s, true);
		m->fn(m->ctx, &s);
	}
	pthread_mutex_unlock(&m->lock);
}

static void *relay_main(void *arg)
{
	struct icc_relay *r = arg;
	char buf[1 << 16];
	int from = r->input ? r->real : r->other;
	int to = r->input ? r->other : r->real;
	for (;;) {
		ssize_t n = read(from, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r->error = errno;
			break;
		}
		if (n == 0)
			break;
		int w = icc_write_all(to, buf, (size_t)n);
		if (w < 0) {
			/* input: the library stopped reading (EPIPE) - not our failure */
			if (!r->input)
				r->error = -w;
			break;
		}
		icc_meter_add(r->m, (uint64_t)n);
	}
	if (r->input) {
		close(r->other); /* the library sees EOF (or EPIPE on its side) */
		r->other = -1;
	}
	return NULL;
}

int icc_relay_start(struct icc_relay *r, int real_fd, bool input, struct icc_meter *m,
		    struct icc_err *err)
{
	memset(r, 0, sizeof(*r));
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return icc_err_sys(err, errno, "cannot create a pipe");
	r->real = real_fd;
	r->input = input;
	r->m = m;
	r->fd = input ? p[0] : p[1];
	r->other = input ? p[1] : p[0];
	/* a library writing after the reader went away must see EPIPE, not die */
	signal(SIGPIPE, SIG_IGN);
	int e = pthread_create(&r->thread, NULL, relay_main, r);
	if (e) {
		close(p[0]);
		close(p[1]);
		return icc_err_sys(err, e, "cannot start a thread");
	}
	r->started = true;
	return 0;
}

int icc_relay_finish(struct icc_relay *r, struct icc_err *err)
{
	if (!r->started)
		return 0;
	close(r->fd); /* output: EOF for the thread; input: the thread's writes fail */
	r->fd = -1;
	pthread_join(r->thread, NULL);
	if (r->other >= 0)
		close(r->other);
	r->other = -1;
	r->started = false;
	if (r->error)
		return icc_err_sys(err, r->error, "cannot %s", r->input ? "read the input" : "write the output");
	return 0;
}

void icc_format_duration(double secs, char *buf, size_t size)
{
	if (secs < 0) {
		snprintf(buf, size, "--");
		return;
	}
	long s = (long)(secs + 0.5);
	if (s < 60)
		snprintf(buf, size, "%lds", s);
	else if (s < 3600)
		snprintf(buf, size, "%ldm%02lds", s / 60, s % 60);
	else
		snprintf(buf, size, "%ldh%02ldm", s / 3600, (s % 3600) / 60);
}

int64_t icc_parse_duration(const char *s)
{
	if (!s || !*s)
		return -1;
	int64_t total = 0;
	while (*s) {
		if (*s < '0' || *s > '9')
			return -1;
		int64_t n = 0;
		while (*s >= '0' && *s <= '9') {
			n = n * 10 + (*s++ - '0');
			if (n > (int64_t)1 << 40)
				return -1;
		}
		int64_t unit;
		switch (*s) {
		case '\0': unit = 1; break;
		case 's': unit = 1; s++; break;
		case 'm': unit = 60; s++; break;
		case 'h': unit = 3600; s++; break;
		case 'd': unit = 86400; s++; break;
		case 'w': unit = 7 * 86400; s++; break;
		default: return -1;
		}
		total += n * unit;
	}
	return total;
}
