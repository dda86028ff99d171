/* tty.c - console socket, pty relay with window sizes, and the "#save" line watcher */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <vterm.h>

#include "icc/console/tty.h"
#include "icc/base/util.h"

int icc_console_listen(const char *path, struct icc_err *err)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(a.sun_path))
		return icc_err_set(err, ENAMETOOLONG, "console socket path too long: %s", path);
	strcpy(a.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return icc_err_sys(err, errno, "cannot create the console socket");
	unlink(path);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 1) < 0) {
		int e = errno;
		close(fd);
		return icc_err_sys(err, e, "cannot listen on '%s'", path);
	}
	return fd;
}

int icc_console_recv(int lfd, int timeout_ms, struct icc_err *err)
{
	struct pollfd p = {.fd = lfd, .events = POLLIN};
	int r;
	while ((r = poll(&p, 1, timeout_ms)) < 0 && errno == EINTR)
		;
	if (r <= 0)
		return icc_err_set(err, ETIMEDOUT, "the runtime sent no terminal");
	int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (c < 0)
		return icc_err_sys(err, errno, "cannot accept the console connection");
	char data[256];
	struct iovec iov = {.iov_base = data, .iov_len = sizeof(data)};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			   .msg_controllen = sizeof(u.buf)};
	ssize_t n;
	while ((n = recvmsg(c, &m, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR)
		;
	int e = errno;
	close(c);
	if (n < 0)
		return icc_err_sys(err, e, "cannot receive the terminal");
	struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
	if (!cm || cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
		return icc_err_set(err, EPROTO, "the runtime sent no terminal fd");
	int fd;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

bool icc_save_line(const char *line, char *name, size_t size)
{
	while (*line == ' ' || *line == '\t')
		line++;
	if (strncmp(line, "#save", 5))
		return false;
	const char *p = line + 5;
	if (*p && *p != ' ' && *p != '\t')
		return false;
	while (*p == ' ' || *p == '\t')
		p++;
	size_t n = strlen(p);
	while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	for (size_t i = 0; i < n; i++)
		if (p[i] == ' ' || p[i] == '\t')
			return false; /* "#save a b": just a comment */
	snprintf(name, size, "%.*s", (int)n, p);
	return true;
}

static const int relay_signals[] = {SIGCHLD, SIGWINCH, SIGINT, SIGTERM, SIGHUP, SIGQUIT};

static void sigset_relay(sigset_t *s)
{
	sigemptyset(s);
	for (size_t i = 0; i < sizeof(relay_signals) / sizeof(relay_signals[0]); i++)
		sigaddset(s, relay_signals[i]);
}

void icc_io_block_signals(void)
{
	sigset_t s;
	sigset_relay(&s);
	sigprocmask(SIG_BLOCK, &s, NULL);
}

/*
 * The watcher: the container's output drawn on a libvterm screen, and the
 * user's input held at each Enter until the shell has echoed what came
 * before it, so the screen shows the line the shell is about to receive,
 * whatever way it was made (typing, history, completion, editing).
 */
struct line_ctx {
	struct icc_io *io;
	VTerm *vt;
	char pending[1400];
	int64_t since; /* ms */
	char hold[16384]; /* input from an Enter on, not yet given to the shell */
	size_t hold_len;
	int64_t hold_since, last_out;
};

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool row_full(VTermScreen *scr, int row, int cols)
{
	VTermScreenCell cell;
	VTermPos pos = {.row = row, .col = cols - 1};
	return vterm_screen_get_cell(scr, pos, &cell) == 1 && cell.chars[0] && cell.chars[0] != ' ';
}

/* The cursor's row and the rows it wraps into or from (a full last column). */
static void cursor_line(VTerm *vt, char *out, size_t size)
{
	VTermScreen *scr = vterm_obtain_screen(vt);
	VTermPos cur;
	vterm_state_get_cursorpos(vterm_obtain_state(vt), &cur);
	int rows, cols;
	vterm_get_size(vt, &rows, &cols);
	int first = cur.row, last = cur.row;
	while (first > 0 && row_full(scr, first - 1, cols))
		first--;
	while (last + 1 < rows && row_full(scr, last, cols))
		last++;
	size_t len = 0;
	out[0] = '\0';
	for (int r = first; r <= last && len + 1 < size; r++) {
		VTermRect rect = {.start_row = r, .end_row = r + 1, .start_col = 0, .end_col = cols};
		len += vterm_screen_get_text(scr, out + len, size - 1 - len, rect);
	}
	while (len > 0 && out[len - 1] == ' ')
		len--;
	out[len] = '\0';
}

/* Enter is about to reach the shell: is its line a "#save"? */
static void check_line(struct line_ctx *lc, int master)
{
	char text[4096], name[300], reply[1400] = "";
	cursor_line(lc->vt, text, sizeof(text));
	/* the shell reads the line only when its process group has the terminal */
	pid_t fg = tcgetpgrp(master), sid = tcgetsid(master);
	bool shell = fg > 0 && fg == sid;
	enum icc_screen_save kind = icc_screen_save_line(text, shell, name, sizeof(name));
	bool rollback = false;
	if (kind == ICC_SCREEN_NONE && lc->io->on_rollback) {
		kind = icc_screen_rollback_line(text, shell, name, sizeof(name));
		rollback = kind != ICC_SCREEN_NONE;
	}
	switch (kind) {
	case ICC_SCREEN_SAVE:
		if (rollback)
			lc->io->on_rollback(lc->io->ctx, name, reply, sizeof(reply));
		else if (lc->io->on_save)
			lc->io->on_save(lc->io->ctx, name, reply, sizeof(reply));
		break;
	case ICC_SCREEN_NOT_AT_PROMPT:
		snprintf(reply, sizeof(reply),
			 "[icc] %s not taken: a program, not the shell, reads this line",
			 rollback ? "#rollback" : "#save");
		break;
	case ICC_SCREEN_NONE:
		/* a command for the shell itself (never a line typed into another program) */
		if (lc->io->session && fg > 0 && fg == sid)
			icc_session_line(lc->io->session, text, sid);
		break;
	}
	if (reply[0]) {
		snprintf(lc->pending, sizeof(lc->pending), "%s", reply);
		lc->since = now_ms();
	}
}

/* Give typed bytes to the shell up to an Enter; the rest waits in lc->hold. */
static int feed_input(struct line_ctx *lc, int master, const char *buf, size_t n)
{
	const char *cr = lc->vt ? memchr(buf, '\r', n) : NULL;
	size_t head = cr ? (size_t)(cr - buf) : n;
	if (icc_write_all(master, buf, head) < 0)
		return -1;
	if (cr) {
		memcpy(lc->hold, cr, n - head);
		lc->hold_len = n - head;
		lc->hold_since = now_ms();
	}
	return 0;
}

/* The shell echoed (quiet for 30 ms, or 300 ms passed): check, then release the Enter. */
static int release_hold(struct line_ctx *lc, int master)
{
	int64_t t = now_ms();
	if (!lc->hold_len || (t - lc->last_out < 30 && t - lc->hold_since < 300) ||
	    t - lc->hold_since < 30)
		return 0;
	check_line(lc, master);
	char rest[sizeof(lc->hold)];
	size_t n = lc->hold_len - 1;
	memcpy(rest, lc->hold + 1, n);
	lc->hold_len = 0;
	if (icc_write_all(master, "\r", 1) < 0)
		return -1;
	return feed_input(lc, master, rest, n);
}

/* Output for the user: our own fd (when there is one) and every attach client. */
static void emit(struct icc_io *io, int to, int stream, const char *buf, size_t n)
{
	if (to >= 0)
		icc_write_all(to, buf, n);
	icc_attach_broadcast(io->srv, stream == 1 ? 'e' : 'o', buf, n);
}

/* Copy what is readable from `from` to `to` (and the log: stream 0/1, -1 for
 * typed input); -1 at EOF/error. */
static int pump(int from, int to, int stream, struct icc_io *io, struct line_ctx *lc, bool typed)
{
	char buf[16384];
	ssize_t n = read(from, buf, typed ? sizeof(buf) / 2 : sizeof(buf));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n <= 0)
		return -1;
	if (stream >= 0)
		icc_jsonlog_write(io->log, stream, buf, (size_t)n);
	if (typed)
		return feed_input(lc, to, buf, (size_t)n);
	if (lc && lc->vt) {
		vterm_input_write(lc->vt, buf, (size_t)n);
		lc->last_out = now_ms();
	}
	/* a notice waits for the end of the line the shell echoes, so it gets a line of its own */
	char *nl = lc && lc->pending[0] ? memchr(buf, '\n', (size_t)n) : NULL;
	if (nl) {
		size_t head = (size_t)(nl - buf) + 1;
		char msg[1500];
		snprintf(msg, sizeof(msg), "%s\r\n", lc->pending);
		lc->pending[0] = '\0';
		emit(io, to, stream, buf, head);
		emit(io, to, stream, msg, strlen(msg));
		emit(io, to, stream, buf + head, (size_t)n - head);
		return 0;
	}
	emit(io, to, stream, buf, (size_t)n);
	return 0;
}

/* The vterm follows the pty's size. */
static void vt_resize(VTerm *vt, int master)
{
	struct winsize ws;
	if (vt && ioctl(master, TIOCGWINSZ, &ws) == 0 && ws.ws_row && ws.ws_col)
		vterm_set_size(vt, ws.ws_row, ws.ws_col);
}

static void copy_winsize(int from, int to)
{
	struct winsize ws;
	if (from >= 0 && ioctl(from, TIOCGWINSZ, &ws) == 0 && ws.ws_row && ws.ws_col)
		ioctl(to, TIOCSWINSZ, &ws);
}

/* What attach clients send, applied as if typed here. */
struct client_ctx {
	struct icc_io *io;
	struct line_ctx *lc;
	int master;
	bool exited;
	int *signals;
};

static void client_input(void *p, const char *buf, size_t n)
{
	struct client_ctx *c = p;
	if (c->master >= 0 && !c->exited)
		feed_input(c->lc, c->master, buf, n);
}

static void client_winsize(void *p, unsigned short rows, unsigned short cols)
{
	struct client_ctx *c = p;
	struct winsize ws = {.ws_row = rows, .ws_col = cols};
	if (c->master >= 0) {
		ioctl(c->master, TIOCSWINSZ, &ws);
		vt_resize(c->lc->vt, c->master);
	}
}

static void client_signal(void *p, int sig)
{
	struct client_ctx *c = p;
	if (c->exited)
		return;
	if ((sig == SIGINT || sig == SIGTERM) && ++*c->signals > 1)
		sig = SIGKILL;
	kill(c->io->pid, sig);
}

/* The user's terminal in raw mode while a -t container runs: keys go to it
 * as typed.  True when it was changed (saved: what to restore). */
static bool term_raw(int tty_in, struct termios *saved)
{
	if (tty_in < 0 || tcgetattr(tty_in, saved) != 0)
		return false;
	struct termios t = *saved;
	cfmakeraw(&t);
	return tcsetattr(tty_in, TCSANOW, &t) == 0;
}

/* A vterm mirrors the container's screen when someone types into it (the #save watcher reads it). */
static void vt_open(struct line_ctx *lc, int master)
{
	lc->vt = vterm_new(24, 80);
	if (lc->vt) {
		vterm_set_utf8(lc->vt, 1);
		vterm_screen_reset(vterm_obtain_screen(lc->vt), 1);
		vt_resize(lc->vt, master);
	}
}

/* A notice no line end came for within 300 ms gets a line of its own now. */
static void pending_flush(struct icc_io *io, struct line_ctx *lc)
{
	if (lc->pending[0] && now_ms() - lc->since >= 300) {
		char msg[1500];
		snprintf(msg, sizeof(msg), "\r\n%s\r\n", lc->pending);
		emit(io, io->out_fd, 0, msg, strlen(msg));
		lc->pending[0] = '\0';
	}
}

/* Signals that arrived: the init's end (SIGCHLD, reaping every child: we
 * may be a subreaper), a window size to pass on, or one to forward. */
static void signals_read(struct icc_io *io, int sfd, int master, int winsrc, struct line_ctx *lc,
			 int *signals, int *status, bool *exited)
{
	struct signalfd_siginfo si;
	while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
		int sig = (int)si.ssi_signo;
		if (sig == SIGCHLD) {
			int st;
			pid_t w;
			while ((w = waitpid(-1, &st, WNOHANG)) > 0)
				if (w == io->pid) {
					*status = st;
					*exited = true;
				}
		} else if (sig == SIGWINCH) {
			if (master >= 0)
				copy_winsize(winsrc, master);
			if (master >= 0)
				vt_resize(lc->vt, master);
		} else if (io->forward_signals && !*exited) {
			if ((sig == SIGINT || sig == SIGTERM) && ++*signals > 1)
				sig = SIGKILL;
			kill(io->pid, sig);
		}
	}
}

/* The init's exit status as a shell's code: 128+N for a signal. */
static int exit_code_of(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 255;
}

int icc_io_run(struct icc_io *io)
{
	sigset_t set;
	sigset_relay(&set);
	sigprocmask(SIG_BLOCK, &set, NULL);
	int sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);

	struct termios saved;
	bool raw = false;
	int tty_in = io->in_fd >= 0 && isatty(io->in_fd) ? io->in_fd : -1;
	int winsrc = tty_in >= 0 ? tty_in : (isatty(io->out_fd) ? io->out_fd : -1);
	if (io->master >= 0) {
		copy_winsize(winsrc, io->master);
		raw = term_raw(tty_in, &saved);
	}
	int in_fd = io->master >= 0 ? io->in_fd : -1;
	int master = io->master, outp = io->out_pipe, errp = io->err_pipe;
	struct line_ctx lc = {.io = io};
	if (master >= 0 && (in_fd >= 0 || (io->srv && io->srv->input)))
		vt_open(&lc, master);
	int status = -1, signals = 0;
	bool exited = false;
	int64_t deadline = 0;
	struct client_ctx cc = {.io = io, .lc = &lc, .master = master, .signals = &signals};
	struct icc_attach_ops ops = {.input = client_input, .winsize = client_winsize,
				     .signal = client_signal, .ctx = &cc};

	for (;;) {
		if (exited && master < 0 && outp < 0 && errp < 0)
			break;
		struct pollfd p[7 + ICC_ATTACH_MAX];
		int np = 0, ii = -1, im = -1, io_ = -1, ie = -1, is = -1, ic = -1;
		if (sfd >= 0) { is = np; p[np++] = (struct pollfd){.fd = sfd, .events = POLLIN}; }
		if (io->session && io->session->nl >= 0) { ic = np; p[np++] = (struct pollfd){.fd = io->session->nl, .events = POLLIN}; }
		if (in_fd >= 0 && !exited && !lc.hold_len) { ii = np; p[np++] = (struct pollfd){.fd = in_fd, .events = POLLIN}; }
		if (master >= 0) { im = np; p[np++] = (struct pollfd){.fd = master, .events = POLLIN}; }
		if (outp >= 0) { io_ = np; p[np++] = (struct pollfd){.fd = outp, .events = POLLIN}; }
		if (errp >= 0) { ie = np; p[np++] = (struct pollfd){.fd = errp, .events = POLLIN}; }
		/* clients wait while an Enter is held, as the terminal's input does */
		int isrv = np, nsrv = io->srv && !lc.hold_len ? icc_attach_pollfds(io->srv, p + np) : 0;
		np += nsrv;
		/* after the container exited, drain what is left for a moment only
		 * (a leaked daemon could keep a pipe open) */
		int timeout = exited ? 200 : (sfd < 0 || lc.pending[0] ? 200 : -1);
		if (lc.hold_len)
			timeout = 10;
		int r = poll(p, (nfds_t)np, timeout);
		pending_flush(io, &lc);
		if (r < 0 && errno != EINTR)
			break;
		if (r == 0 && exited && ++deadline > 5)
			break;
		if (r == 0 && sfd < 0 && !exited) {
			int st;
			if (waitpid(io->pid, &st, WNOHANG) == io->pid) {
				status = st;
				exited = true;
			}
		}
		if (is >= 0 && (p[is].revents & POLLIN))
			signals_read(io, sfd, master, winsrc, &lc, &signals, &status, &exited);
		if (ic >= 0 && (p[ic].revents & POLLIN))
			icc_session_events(io->session);
		if (ii >= 0 && (p[ii].revents & (POLLIN | POLLHUP | POLLERR))) {
			if (pump(in_fd, master, -1, io, &lc, true) < 0)
				in_fd = -1;
		}
		if (r > 0 && nsrv) {
			cc.master = master;
			cc.exited = exited;
			icc_attach_handle(io->srv, p + isrv, nsrv, &ops);
		}
		if (im >= 0 && (p[im].revents & (POLLIN | POLLHUP | POLLERR))) {
			if (pump(master, io->out_fd, 0, io, &lc, false) < 0) {
				close(master);
				master = -1;
			}
		}
		if (master < 0)
			lc.hold_len = 0;
		else if (release_hold(&lc, master) < 0)
			in_fd = -1;
		if (io_ >= 0 && (p[io_].revents & (POLLIN | POLLHUP | POLLERR))) {
			if (pump(outp, io->out_fd, 0, io, NULL, false) < 0) {
				close(outp);
				outp = -1;
			}
		}
		if (ie >= 0 && (p[ie].revents & (POLLIN | POLLHUP | POLLERR))) {
			if (pump(errp, io->err_fd, 1, io, NULL, false) < 0) {
				close(errp);
				errp = -1;
			}
		}
	}
	if (!exited) {
		int st;
		while (waitpid(io->pid, &st, 0) < 0 && errno == EINTR)
			;
		status = st;
	}
	if (master >= 0)
		close(master);
	if (outp >= 0)
		close(outp);
	if (errp >= 0)
		close(errp);
	if (raw)
		tcsetattr(tty_in, TCSAFLUSH, &saved);
	if (sfd >= 0)
		close(sfd);
	if (lc.vt)
		vterm_free(lc.vt);
	io->master = io->out_pipe = io->err_pipe = -1;
	return exit_code_of(status);
}
