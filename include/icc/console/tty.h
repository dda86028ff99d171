/* tty.h - console socket, pty relay and the "#save" line watcher */
#ifndef ICC_TTY_H
#define ICC_TTY_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "icc/console/attach.h"
#include "icc/base/err.h"
#include "icc/container/jsonlog.h"
#include "icc/console/session.h"

/* A listening unix socket for the runtime's --console-socket. */
int icc_console_listen(const char *path, struct icc_err *err);
/* Accept one connection and receive the pty master fd (SCM_RIGHTS). */
int icc_console_recv(int lfd, int timeout_ms, struct icc_err *err);

/*
 * What a typed line is: returns true for "#save" / "#save NAME" (NAME, maybe
 * empty, copied to name).
 */
bool icc_save_line(const char *line, char *name, size_t size);

/*
 * The logical line on the screen when the user pressed Enter (prompt and
 * all): SAVE with the name in `name` when it is a prompt followed by
 * "#save [NAME]" and the shell is in the foreground (at_prompt);
 * NOT_AT_PROMPT when it looks like one but a program, not the shell, reads it.
 */
enum icc_screen_save { ICC_SCREEN_NONE, ICC_SCREEN_SAVE, ICC_SCREEN_NOT_AT_PROMPT };
enum icc_screen_save icc_screen_save_line(const char *text, bool at_prompt, char *name,
					   size_t size);

/* The same for "#rollback NAME" (NAME required, one word); SAVE means "roll back". */
bool icc_rollback_line(const char *line, char *name, size_t size);
enum icc_screen_save icc_screen_rollback_line(const char *text, bool at_prompt, char *name,
					       size_t size);

/*
 * Relay between the user and a container whose init (`pid`) is our child
 * (we are its subreaper), until it exits.
 *   master >= 0: pty mode; in_fd is relayed into the master, the master to
 *     out_fd; the user's terminal (if in_fd is one) is put in raw mode and
 *     restored; SIGWINCH resizes the pty.
 *   otherwise out_pipe/err_pipe (may be -1) are copied to out_fd/err_fd.
 * Signals SIGINT/SIGTERM/SIGHUP/SIGQUIT (blocked by the caller) are forwarded
 * to the container when forward_signals (a second SIGINT/SIGTERM kills it).
 * Returns the container's exit code (128+N when killed by signal N).
 */
struct icc_io {
	pid_t pid;
	int master, in_fd;
	int out_pipe, err_pipe;
	int out_fd, err_fd;
	bool forward_signals;
	/* the container's output is also kept here (NULL: not kept); out_fd/err_fd may be -1 */
	struct icc_jsonlog *log;
	/* "#save [NAME]" reached the shell (name may be empty): a notice goes in `reply` */
	void (*on_save)(void *ctx, const char *name, char *reply, size_t size);
	/* "#rollback NAME" reached the shell (NULL: not watched) */
	void (*on_rollback)(void *ctx, const char *name, char *reply, size_t size);
	void *ctx;
	/* attach clients (NULL: none): they get the output, and send input, window
	 * sizes and signals (forwarded even when forward_signals is off) */
	struct icc_attach_srv *srv;
	/* the commands typed at the shell prompt are recorded here (NULL: not recorded) */
	struct icc_session *session;
};
int icc_io_run(struct icc_io *io);

/* The signals icc_io_run handles; block them before starting the container. */
void icc_io_block_signals(void);

#endif
