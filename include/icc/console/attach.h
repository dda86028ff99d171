/* attach.h - the console a container's monitor keeps, and the clients that attach to it */
#ifndef ICC_ATTACH_H
#define ICC_ATTACH_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>

#include "icc/base/err.h"
#include "icc/store/store.h"

/*
 * The process that waits for a container (its monitor) listens on
 * containers/<id>/attach.sock, a SOCK_SEQPACKET unix socket: one message
 * is one tag byte and its payload.
 *   monitor -> client: 'h' tty stdin (two bytes 0/1, on connect), 'o'/'e' output
 *     of stdout/stderr, 'x' the exit code (decimal) once the container ended and
 *     its end is recorded; then the monitor closes.
 *   client -> monitor: 'i' typed bytes, 'w' "ROWS COLS" window size, 's' a
 *     signal number to forward.
 * Output is sent to every attached client; a client that does not read for
 * a second is dropped (the container never waits for a slow terminal).
 */
#define ICC_ATTACH_SOCK "attach.sock"
#define ICC_ATTACH_MAX 8
#define ICC_ATTACH_MSG 16384

struct icc_attach_srv {
	int lfd;
	int dirfd; /* the container's directory (the socket is bound through it) */
	int cl[ICC_ATTACH_MAX];
	bool tty, input;
};

/* Callbacks of the monitor for what clients send. */
struct icc_attach_ops {
	void (*input)(void *ctx, const char *buf, size_t n);
	void (*winsize)(void *ctx, unsigned short rows, unsigned short cols);
	void (*signal)(void *ctx, int sig);
	void *ctx;
};

/* Listen on <dirfd>/attach.sock (dirfd is kept). */
int icc_attach_listen(struct icc_attach_srv *s, int dirfd, bool tty, bool input,
		      struct icc_err *err);
/* Add the listening socket and the clients to p (room for 1 + ICC_ATTACH_MAX); the count. */
int icc_attach_pollfds(const struct icc_attach_srv *s, struct pollfd *p);
/* After poll: accept new clients, read their messages, drop the gone ones. */
void icc_attach_handle(struct icc_attach_srv *s, const struct pollfd *p, int np,
		       const struct icc_attach_ops *ops);
/* Send output (tag 'o' or 'e') to every client. */
void icc_attach_broadcast(struct icc_attach_srv *s, char tag, const char *buf, size_t n);
/* Tell every client the exit code, close all, remove the socket. */
void icc_attach_finish(struct icc_attach_srv *s, int code);

/*
 * Detach keys, Docker's syntax: "ctrl-p,ctrl-q" (the default), one key a
 * comma: a single character, or ctrl-X for X in a-z @ [ \ ] ^ _.  The
 * bytes go to keys (at most 16).
 */
#define ICC_DETACH_KEYS_DEFAULT "ctrl-p,ctrl-q"
int icc_detach_keys_parse(const char *spec, char keys[16], size_t *n, struct icc_err *err);

struct icc_attach_opts {
	const char *detach_keys; /* NULL: the default */
	bool no_stdin;           /* do not send our stdin */
	bool sig_proxy;          /* forward SIGINT/SIGTERM/SIGHUP/SIGQUIT to the container */
};

/*
 * Attach our stdin/stdout/stderr to running container `id`: raw terminal
 * for a tty container, window size followed, detach keys watched.  Returns
 * 0 with *detached (the keys were typed: the container runs on) or the
 * container's exit code in *exit_code; -errno when it cannot attach
 * (a stopped container: "You cannot attach to a stopped container, start
 * it first").
 */
int icc_attach(struct icc_store *st, const char *id, const struct icc_attach_opts *o,
	       int *exit_code, bool *detached, struct icc_err *err);

/*
 * Start container `id` as icc_container_start does, except that a tty in the
 * foreground (run -it, start -ai) is started detached and then attached: the
 * monitor keeps the console, so the detach keys leave it running.
 */
struct icc_launch_opts;
int icc_container_run(struct icc_store *st, const char *id, const struct icc_launch_opts *o,
		      int *exit_code, struct icc_err *err);

#endif
