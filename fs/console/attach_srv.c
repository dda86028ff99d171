/* attach_srv.c - the monitor's side of icc attach: a seqpacket socket in the container's dir */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "icc/console/attach.h"

/* sun_path is 108 bytes and stores live in deep paths: bind through the directory's fd. */
static int sock_addr(int dirfd, struct sockaddr_un *a)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	snprintf(a->sun_path, sizeof(a->sun_path), "/proc/self/fd/%d/%s", dirfd, ICC_ATTACH_SOCK);
	return 0;
}

int icc_attach_listen(struct icc_attach_srv *s, int dirfd, bool tty, bool input,
		      struct icc_err *err)
{
	s->lfd = -1;
	s->dirfd = dirfd;
	s->tty = tty;
	s->input = input;
	for (int i = 0; i < ICC_ATTACH_MAX; i++)
		s->cl[i] = -1;
	struct sockaddr_un a;
	sock_addr(dirfd, &a);
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return icc_err_sys(err, errno, "cannot create the attach socket");
	unlinkat(dirfd, ICC_ATTACH_SOCK, 0);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, ICC_ATTACH_MAX) < 0) {
		int e = errno;
		close(fd);
		return icc_err_sys(err, e, "cannot listen on the attach socket");
	}
	fchmodat(dirfd, ICC_ATTACH_SOCK, 0600, 0);
	s->lfd = fd;
	return 0;
}

int icc_attach_pollfds(const struct icc_attach_srv *s, struct pollfd *p)
{
	int n = 0;
	if (s->lfd < 0)
		return 0;
	p[n++] = (struct pollfd){.fd = s->lfd, .events = POLLIN};
	for (int i = 0; i < ICC_ATTACH_MAX; i++)
		if (s->cl[i] >= 0)
			p[n++] = (struct pollfd){.fd = s->cl[i], .events = POLLIN};
	return n;
}

static void drop(struct icc_attach_srv *s, int i)
{
	close(s->cl[i]);
	s->cl[i] = -1;
}

/* Send one message; a client that cannot take it within a second is dropped. */
static void send_to(struct icc_attach_srv *s, int i, char tag, const char *buf, size_t n)
{
	char msg[ICC_ATTACH_MSG + 1];
	msg[0] = tag;
	memcpy(msg + 1, buf, n);
	for (int tries = 0; tries < 10; tries++) {
		ssize_t w = send(s->cl[i], msg, n + 1, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (w >= 0)
			return;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			break;
		struct pollfd p = {.fd = s->cl[i], .events = POLLOUT};
		poll(&p, 1, 100);
	}
	drop(s, i);
}

void icc_attach_broadcast(struct icc_attach_srv *s, char tag, const char *buf, size_t n)
{
	if (!s)
		return;
	for (int i = 0; i < ICC_ATTACH_MAX; i++)
		for (size_t off = 0; s->cl[i] >= 0 && off < n; off += ICC_ATTACH_MSG) {
			size_t k = n - off < ICC_ATTACH_MSG ? n - off : ICC_ATTACH_MSG;
			send_to(s, i, tag, buf + off, k);
		}
}

static void accept_client(struct icc_attach_srv *s)
{
	int c = accept4(s->lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (c < 0)
		return;
	for (int i = 0; i < ICC_ATTACH_MAX; i++)
		if (s->cl[i] < 0) {
			s->cl[i] = c;
			char hello[2] = {s->tty ? 1 : 0, s->input ? 1 : 0};
			send_to(s, i, 'h', hello, 2);
			return;
		}
	close(c); /* full: the client sees no hello */
}

static void client_message(struct icc_attach_srv *s, int i, const struct icc_attach_ops *ops)
{
	char msg[ICC_ATTACH_MSG + 2];
	ssize_t n = recv(s->cl[i], msg, sizeof(msg) - 1, MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		drop(s, i);
		return;
	}
	msg[n] = '\0';
	if (msg[0] == 'i' && s->input && ops->input) {
		ops->input(ops->ctx, msg + 1, (size_t)n - 1);
	} else if (msg[0] == 'w' && ops->winsize) {
		unsigned rows = 0, cols = 0;
		if (sscanf(msg + 1, "%u %u", &rows, &cols) == 2 && rows && cols && rows < 10000 &&
		    cols < 10000)
			ops->winsize(ops->ctx, (unsigned short)rows, (unsigned short)cols);
	} else if (msg[0] == 's' && ops->signal) {
		int sig = atoi(msg + 1);
		if (sig > 0 && sig < 65)
			ops->signal(ops->ctx, sig);
	}
}

void icc_attach_handle(struct icc_attach_srv *s, const struct pollfd *p, int np,
		       const struct icc_attach_ops *ops)
{
	for (int k = 0; k < np; k++) {
		if (!p[k].revents)
			continue;
		if (p[k].fd == s->lfd) {
			accept_client(s);
			continue;
		}
		for (int i = 0; i < ICC_ATTACH_MAX; i++)
			if (s->cl[i] == p[k].fd) {
				client_message(s, i, ops);
				break;
			}
	}
}

void icc_attach_finish(struct icc_attach_srv *s, int code)
{
	if (s->lfd < 0)
		return;
	char c[16];
	int n = snprintf(c, sizeof(c), "%d", code);
	for (int i = 0; i < ICC_ATTACH_MAX; i++)
		if (s->cl[i] >= 0) {
			send_to(s, i, 'x', c, (size_t)n);
			if (s->cl[i] >= 0)
				drop(s, i);
		}
	close(s->lfd);
	s->lfd = -1;
	unlinkat(s->dirfd, ICC_ATTACH_SOCK, 0);
}
