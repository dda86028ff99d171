/* progress.h - progress of long operations: a meter and byte relays (no printing) */
#ifndef ICC_PROGRESS_H
#define ICC_PROGRESS_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "icc/base/err.h"

/*
 * The library never prints.  A long operation reports through a meter; the
 * meter computes the rate and ETA and calls the callback at most every
 * `interval_ms` (and once more at the end, with `finished` set).  The CLI's
 * callback draws the line on a terminal.
 */
struct icc_progress_stat {
	const char *what;  /* "Importing base.tar", ... */
	uint64_t done;     /* bytes so far */
	uint64_t total;    /* 0 when unknown */
	double elapsed;    /* seconds since the start */
	double rate;       /* bytes per second, 0 until known */
	double eta;        /* seconds left, < 0 when unknown */
	bool finished;
};

typedef void (*icc_progress_fn)(void *ctx, const struct icc_progress_stat *s);

struct icc_meter {
	icc_progress_fn fn; /* NULL: a meter that only counts */
	void *ctx;
	const char *what;
	uint64_t done, total;
	int64_t start_ns, last_ns;
	int interval_ms;
	pthread_mutex_t lock;
};

void icc_meter_init(struct icc_meter *m, const char *what, uint64_t total,
		    icc_progress_fn fn, void *ctx);
/* Count n more bytes (thread-safe); may call the callback. */
void icc_meter_add(struct icc_meter *m, uint64_t n);
/* The final report (finished = true). */
void icc_meter_finish(struct icc_meter *m);
void icc_meter_stat(struct icc_meter *m, struct icc_progress_stat *out, bool finished);

/*
 * A relay: a thread copying bytes between a pipe and a real fd, counting
 * them in a meter, so any library call that reads or writes an fd reports
 * progress without knowing about it.
 *   input:  icc_relay_start(r, src_fd, true, m) -> r->fd is a pipe to read from
 *   output: icc_relay_start(r, dst_fd, false, m) -> r->fd is a pipe to write to
 * icc_relay_finish closes r->fd (output: then waits until everything was
 * written to dst_fd) and joins the thread; it returns 0 or the -errno of a
 * failed read/write of the real fd.  The real fd is not closed.
 */
struct icc_relay {
	int fd;       /* the end the library uses */
	int other;    /* the end the thread uses */
	int real;     /* the caller's fd */
	bool input;
	int error;    /* errno of the thread's failure, 0 */
	struct icc_meter *m;
	pthread_t thread;
	bool started;
};

int icc_relay_start(struct icc_relay *r, int real_fd, bool input, struct icc_meter *m,
		    struct icc_err *err);
int icc_relay_finish(struct icc_relay *r, struct icc_err *err);

/* "1.2MB" style sizes come from icc_human_size (util.h); "1m05s" durations: */
void icc_format_duration(double secs, char *buf, size_t size);

/*
 * Parse a duration: "90" (seconds), "30s", "30m", "2h", "7d", "1w", or
 * combinations like "1h30m".  Returns seconds, or -1 when invalid.
 */
int64_t icc_parse_duration(const char *s);

#endif
