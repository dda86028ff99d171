/* proc.h - the one way libicc runs a program: fork, exec, wait */
#ifndef ICC_PROC_H
#define ICC_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "icc/base/err.h"

/* What a child's stdin, stdout or stderr is, besides an fd of ours (>= 0). */
#define ICC_PROC_NULL (-1)    /* /dev/null */
#define ICC_PROC_CAPTURE (-2) /* stderr only: kept in msg for the error message */

struct icc_proc_opts {
	int in, out, err;        /* the child's fds 0, 1, 2 (an fd, ICC_PROC_NULL, ICC_PROC_CAPTURE) */
	char *msg;               /* captured stderr, NUL-terminated, its first msg_size - 1 bytes */
	size_t msg_size;
	bool private_mounts;     /* a mount namespace of its own, propagation private */
	const char *detach;      /* with private_mounts: unmounted there before the exec (if mounted) */
	char *const *envp;       /* the child's environment; NULL: ours */
};

/* A started child; icc_proc_wait reaps it. */
struct icc_proc {
	pid_t pid;
	int errpipe;             /* read end of the capture pipe, or -1 */
	char *msg;
	size_t msg_size;
};

/*
 * Start argv[0] (looked up in PATH unless it holds a '/') with the fds of
 * `o`; every other fd of ours is closed in the child, the signal mask is
 * empty and SIGPIPE default.  An exec failure is exit status 127 with
 * "cannot run NAME: reason" as its stderr.
 */
int icc_proc_start(const char *const argv[], const struct icc_proc_opts *o,
		   struct icc_proc *p, struct icc_err *err);

/* Read the captured stderr to its end, then reap the child (EINTR-safe).
 * Returns its exit status, 128 + signal when killed, or -errno. */
int icc_proc_wait(struct icc_proc *p, struct icc_err *err);

/* icc_proc_start + icc_proc_wait. */
int icc_proc_run(const char *const argv[], const struct icc_proc_opts *o, struct icc_err *err);

/*
 * Run with stderr captured and turn a failure into the error
 * "NAME failed: <last line of its stderr>" (-EIO); `o` gives stdin and
 * stdout (NULL: both /dev/null) and the other options, its err is ignored.
 */
int icc_proc_check(const char *const argv[], const struct icc_proc_opts *o, struct icc_err *err);

/*
 * Run with stdin and stdout on /dev/null and stderr captured; returns what
 * icc_proc_run does, with *line set to the first non-empty line of the
 * stderr kept in msg ("" when none).
 */
int icc_proc_first_line(const char *const argv[], char *msg, size_t size, const char **line,
			struct icc_err *err);

/* The first (or last) non-empty line of captured text, cut in place. */
const char *icc_proc_line(char *msg, bool last);

#endif
