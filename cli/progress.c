/* progress.c - the CLI's progress line on a terminal: "\rWhat: 12MB / 40MB (30%)  8MB/s  ETA 3s" */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

bool cli_color(void)
{
	const char *nc = getenv("NO_COLOR");
	const char *term = getenv("TERM");
	return isatty(2) && !(nc && *nc) && !(term && !strcmp(term, "dumb"));
}

bool cli_progress_wanted(bool quiet)
{
	const char *e = getenv("ICC_PROGRESS");
	if (quiet || (e && !strcmp(e, "0")))
		return false;
	return isatty(2);
}

static void draw(void *ctx, const struct icc_progress_stat *s)
{
	struct cli_progress *p = ctx;
	char done[32], total[32], rate[32], eta[32], line[512];
	icc_human_size(s->done, done, sizeof(done));
	icc_human_size(s->total, total, sizeof(total));
	icc_human_size((uint64_t)s->rate, rate, sizeof(rate));
	icc_format_duration(s->finished ? s->elapsed : s->eta, eta, sizeof(eta));
	bool color = cli_color();
	if (s->total) {
		unsigned pct = s->done >= s->total ? 100 : (unsigned)(s->done * 100 / s->total);
		snprintf(line, sizeof(line), "%s: %s / %s (%u%%)  %s/s  %s %s", s->what, done, total, pct, rate,
			 s->finished ? "in" : "ETA", eta);
	} else {
		icc_format_duration(s->elapsed, eta, sizeof(eta));
		snprintf(line, sizeof(line), "%s: %s  %s/s  %s%s", s->what, done, rate,
			 s->finished ? "in " : "", eta);
	}
	if (s->finished)
		fprintf(stderr, "\r%s%s%s\033[K\n", color ? "\033[32m" : "", line, color ? "\033[0m" : "");
	else
		fprintf(stderr, "\r%s%s%s\033[K", color ? "\033[1m" : "", line, color ? "\033[0m" : "");
	fflush(stderr);
	p->drawn = true;
}

void cli_progress_begin(struct cli_progress *p, const char *what, uint64_t total, bool quiet)
{
	memset(p, 0, sizeof(*p));
	p->on = cli_progress_wanted(quiet);
	icc_meter_init(&p->m, what, total, p->on ? draw : NULL, p);
}

int cli_progress_wrap(struct cli_progress *p, int fd, bool input, struct icc_err *err)
{
	if (!p->on)
		return fd;
	if (icc_relay_start(&p->relay, fd, input, &p->m, err) < 0)
		return -1;
	p->wrapped = true;
	return p->relay.fd;
}

int cli_progress_end(struct cli_progress *p, int r, struct icc_err *err)
{
	if (p->wrapped) {
		struct icc_err e2;
		int r2 = icc_relay_finish(&p->relay, &e2);
		p->wrapped = false;
		if (r == 0 && r2 < 0) {
			*err = e2;
			r = r2;
		}
	}
	if (p->on && r == 0)
		icc_meter_finish(&p->m);
	else if (p->on && p->drawn)
		fputs("\r\033[K", stderr); /* the error follows on a clean line */
	pthread_mutex_destroy(&p->m.lock);
	return r;
}

int cli_write_output(const char *path, const char *what, bool quiet, cli_io_fn *fn, void *arg,
		     struct icc_err *err)
{
	struct cli_output out;
	if (cli_output_open(&out, path, err) < 0)
		return -1;
	struct cli_progress pg;
	cli_progress_begin(&pg, what, 0, quiet);
	int wfd = cli_progress_wrap(&pg, out.fd, false, err);
	int r = wfd < 0 ? -1 : fn(wfd, &pg, arg, err);
	r = cli_progress_end(&pg, r, err);
	return cli_output_finish(&out, r, err);
}

int cli_read_input(int fd, const char *what, bool quiet, cli_io_fn *fn, void *arg, struct icc_err *err)
{
	struct stat sb;
	uint64_t total = fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) ? (uint64_t)sb.st_size : 0;
	struct cli_progress pg;
	cli_progress_begin(&pg, what, total, quiet);
	int rfd = cli_progress_wrap(&pg, fd, true, err);
	int r = rfd < 0 ? -1 : fn(rfd, &pg, arg, err);
	return cli_progress_end(&pg, r, err);
}

int cli_open_input(const char *path, const char *verb, const char *on_tty)
{
	if (!path || !strcmp(path, "-")) {
		if (!isatty(0))
			return 0;
		cli_errorf("%s", on_tty);
		return -1;
	}
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		cli_errorf("cannot %s '%s': %s", verb, path, strerror(errno));
	return fd;
}

int cli_check_input(const char *path, const char *verb, const char *on_tty)
{
	int fd = cli_open_input(path, verb, on_tty);
	if (fd > 0)
		close(fd);
	return fd < 0;
}
