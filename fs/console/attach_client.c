/* attach_client.c - icc attach: our terminal on a container's console, kept by its monitor */
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
#include <termios.h>
#include <unistd.h>

#include "icc/console/attach.h"
#include "icc/container/container_ctl.h"
#include "icc/store/object.h"
#include "icc/runtime/runtime.h"

int icc_detach_keys_parse(const char *spec, char keys[16], size_t *n, struct icc_err *err)
{
	*n = 0;
	const char *p = spec;
	while (*p) {
		size_t len = strcspn(p, ",");
		int key = -1; /* ctrl-@ is NUL */
		if (len == 1) {
			key = (unsigned char)p[0];
		} else if (len == 6 && !strncasecmp(p, "ctrl-", 5)) {
			char c = p[5];
			if (c >= 'a' && c <= 'z')
				key = c - 'a' + 1;
			else if (c >= 'A' && c <= 'Z')
				key = c - 'A' + 1;
			else if (c == '@' || c == '[' || c == '\\' || c == ']' || c == '^' || c == '_')
				key = c - '@';
		}
		if (key < 0 || *n == 16)
			return icc_err_set(err, EINVAL,
					   "invalid detach keys '%s': keys like 'ctrl-p,ctrl-q', 'a', 'ctrl-@'",
					   spec);
		keys[(*n)++] = (char)key;
		p += len;
		if (*p == ',') {
			p++;
			if (!*p)
				return icc_err_set(err, EINVAL, "invalid detach keys '%s': ends with ','", spec);
		}
	}
	if (!*n)
		return icc_err_set(err, EINVAL, "invalid detach keys '': give at least one key");
	return 0;
}

static int connect_to(int dirfd)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	snprintf(a.sun_path, sizeof(a.sun_path), "/proc/self/fd/%d/%s", dirfd, ICC_ATTACH_SOCK);
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	return fd;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static void send_msg(int sock, char tag, const char *buf, size_t n)
{
	char msg[ICC_ATTACH_MSG + 1];
	for (size_t off = 0; off < n || (!n && !off); off += ICC_ATTACH_MSG) {
		size_t k = n - off < ICC_ATTACH_MSG ? n - off : ICC_ATTACH_MSG;
		msg[0] = tag;
		memcpy(msg + 1, buf + off, k);
		while (send(sock, msg, k + 1, MSG_NOSIGNAL) < 0 && errno == EINTR)
			;
		if (!n)
			break;
	}
}

static void send_winsize(int sock, int from)
{
	struct winsize ws;
	if (from >= 0 && ioctl(from, TIOCGWINSZ, &ws) == 0 && ws.ws_row && ws.ws_col) {
		char m[32];
		int n = snprintf(m, sizeof(m), "%u %u", ws.ws_row, ws.ws_col);
		send_msg(sock, 'w', m, (size_t)n);
	}
}

/* Typed bytes to the container, except the detach keys; true when they were typed. */
struct keys {
	char k[16];
	size_t n, matched;
};
static bool typed(int sock, struct keys *dk, const char *buf, size_t n)
{
	char out[8192 + 16];
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		if (buf[i] == dk->k[dk->matched]) {
			if (++dk->matched == dk->n)
				return true;
			continue;
		}
		/* not the sequence after all: what was held goes on */
		memcpy(out + o, dk->k, dk->matched);
		o += dk->matched;
		dk->matched = 0;
		if (buf[i] == dk->k[0])
			dk->matched = 1;
		else
			out[o++] = buf[i];
	}
	if (o)
		send_msg(sock, 'i', out, o);
	return false;
}

/* Connected and greeted: relay until the exit code, a detach or a lost monitor (-1). */
static int relay(int sock, bool tty, bool input, const struct icc_attach_opts *o, struct keys *dk,
		 int *code, bool *detached)
{
	sigset_t set;
	sigemptyset(&set);
	int sigs[] = {SIGWINCH, SIGINT, SIGTERM, SIGHUP, SIGQUIT};
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaddset(&set, sigs[i]);
	sigset_t old;
	sigprocmask(SIG_BLOCK, &set, &old);
	int sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	struct termios saved;
	bool raw = false;
	bool stdin_on = input && !o->no_stdin;
	int winsrc = isatty(0) ? 0 : (isatty(1) ? 1 : -1);
	if (tty && stdin_on && isatty(0) && tcgetattr(0, &saved) == 0) {
		struct termios t = saved;
		cfmakeraw(&t);
		raw = tcsetattr(0, TCSANOW, &t) == 0;
	}
	if (tty)
		send_winsize(sock, winsrc);
	int rc = -1;
	for (;;) {
		struct pollfd p[3] = {{.fd = sock, .events = POLLIN}, {.fd = sfd, .events = POLLIN},
				      {.fd = stdin_on ? 0 : -1, .events = POLLIN}};
		if (poll(p, 3, -1) < 0 && errno != EINTR)
			break;
		if (p[1].revents & POLLIN) {
			struct signalfd_siginfo si;
			while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
				if (si.ssi_signo == SIGWINCH && tty) {
					send_winsize(sock, winsrc);
				} else if (si.ssi_signo != SIGWINCH && o->sig_proxy) {
					char m[8];
					int n = snprintf(m, sizeof(m), "%u", si.ssi_signo);
					send_msg(sock, 's', m, (size_t)n);
				} else if (si.ssi_signo != SIGWINCH) {
					/* not forwarded: the signal ends only the attach */
					*detached = true;
					rc = 0;
				}
			}
		}
		if (*detached)
			break;
		if (p[2].revents & (POLLIN | POLLHUP | POLLERR)) {
			char buf[8192];
			ssize_t n = read(0, buf, sizeof(buf));
			if (n > 0 && typed(sock, dk, buf, (size_t)n)) {
				*detached = true;
				rc = 0;
				break;
			}
			if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
				stdin_on = false;
		}
		if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			char msg[ICC_ATTACH_MSG + 2];
			ssize_t n = recv(sock, msg, sizeof(msg) - 1, 0);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			msg[n] = '\0';
			if (msg[0] == 'o' || msg[0] == 'e')
				write_all(msg[0] == 'o' ? 1 : 2, msg + 1, (size_t)n - 1);
			else if (msg[0] == 'x') {
				*code = atoi(msg + 1);
				rc = 0;
				break;
			}
		}
	}
	if (raw)
		tcsetattr(0, TCSAFLUSH, &saved);
	if (sfd >= 0)
		close(sfd);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return rc;
}

/* The container's name and whether it runs. */
static int check_running(struct icc_store *st, const char *id, char *name, size_t size,
			 struct icc_err *err)
{
	struct icc_cstate cs;
	int r = icc_ctl_state(st, id, name, size, &cs, err);
	if (r < 0)
		return r;
	if (cs.status != ICC_CS_RUNNING)
		return icc_err_set(err, EINVAL,
				   "You cannot attach to a stopped container, start it first");
	return 0;
}

int icc_attach(struct icc_store *st, const char *id, const struct icc_attach_opts *o,
	       int *exit_code, bool *detached, struct icc_err *err)
{
	*exit_code = 0;
	*detached = false;
	struct keys dk = {.matched = 0};
	int r = icc_detach_keys_parse(o->detach_keys ? o->detach_keys : ICC_DETACH_KEYS_DEFAULT, dk.k,
				      &dk.n, err);
	char name[256];
	if (r == 0)
		r = check_running(st, id, name, sizeof(name), err);
	if (r < 0)
		return r;
	int dirfd = icc_object_dirfd(st, ICC_CONTAINER, id, err);
	if (dirfd < 0)
		return dirfd;
	int sock = connect_to(dirfd);
	close(dirfd);
	if (sock < 0)
		return icc_err_sys(err, -sock,
				   "cannot attach to container '%s': its monitor keeps no console", name);
	char hello[8];
	struct pollfd p = {.fd = sock, .events = POLLIN};
	ssize_t n = poll(&p, 1, 5000) == 1 ? recv(sock, hello, sizeof(hello), 0) : -1;
	if (n != 3 || hello[0] != 'h') {
		close(sock);
		return icc_err_set(err, EBUSY, "cannot attach to container '%s': %s", name,
				   n == 0 ? "too many clients are attached" : "its monitor does not answer");
	}
	int code = 0;
	r = relay(sock, hello[1] == 1, hello[2] == 1, o, &dk, &code, detached);
	close(sock);
	if (r < 0) {
		/* the monitor went away without a word: the recorded end says how it ended */
		if (icc_ctl_wait(st, id, &code, err) < 0)
			return -EIO;
	}
	*exit_code = code;
	return 0;
}

/*
 * A terminal in the foreground (run -it, start -ai): the monitor keeps the
 * console and we attach to it, so the detach keys leave it running.
 */
int icc_container_run(struct icc_store *st, const char *id, const struct icc_launch_opts *o,
		      int *exit_code, struct icc_err *err)
{
	if (o->detach || !o->tty)
		return icc_container_start(st, id, o, exit_code, err);
	struct icc_launch_opts d = *o;
	d.detach = true;
	int r = icc_container_start(st, id, &d, exit_code, err);
	if (r < 0)
		return r;
	struct icc_attach_opts ao = {
		.detach_keys = o->detach_keys,
		.no_stdin = !o->stdin_open,
		.sig_proxy = true,
	};
	bool detached;
	r = icc_attach(st, id, &ao, exit_code, &detached, err);
	if (r < 0) {
		*exit_code = 125;
		return r;
	}
	if (detached)
		*exit_code = 0;
	return 0;
}
