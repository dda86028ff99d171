/* proc.c - the one process runner: fork, exec, wait, stderr kept for the error */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include "icc/base/proc.h"

/* In the child, between fork and exec: only calls that are safe there. */
static void child(const char *const argv[], const struct icc_proc_opts *o, const int src[3])
{
	int tmp[3];
	/* above 2 first, so that a source that is itself 0, 1 or 2 is not overwritten */
	for (int i = 0; i < 3; i++)
		if ((tmp[i] = fcntl(src[i], F_DUPFD_CLOEXEC, 3)) < 0)
			_exit(126);
	for (int i = 0; i < 3; i++)
		if (dup2(tmp[i], i) < 0)
			_exit(126);
	close_range(3, ~0U, 0);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	if (o->private_mounts && (unshare(CLONE_NEWNS) < 0 ||
				  mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)) {
		dprintf(2, "cannot make a private mount namespace: %s\n", strerror(errno));
		_exit(126);
	}
	if (o->private_mounts && o->detach)
		umount2(o->detach, MNT_DETACH); /* EINVAL: not mounted, nothing to hide */
	if (o->envp)
		execvpe(argv[0], (char *const *)argv, o->envp);
	else
		execvp(argv[0], (char *const *)argv);
	dprintf(2, "cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

int icc_proc_start(const char *const argv[], const struct icc_proc_opts *o,
		   struct icc_proc *p, struct icc_err *err)
{
	p->pid = -1;
	p->errpipe = -1;
	p->msg = o->err == ICC_PROC_CAPTURE ? o->msg : NULL;
	p->msg_size = p->msg ? o->msg_size : 0;
	if (p->msg_size)
		p->msg[0] = '\0';
	int nul = -1, pfd[2] = {-1, -1};
	if ((o->in == ICC_PROC_NULL || o->out == ICC_PROC_NULL || o->err == ICC_PROC_NULL) &&
	    (nul = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0)
		return icc_err_sys(err, errno, "cannot run %s: /dev/null", argv[0]);
	if (o->err == ICC_PROC_CAPTURE && pipe2(pfd, O_CLOEXEC) < 0) {
		int e = errno;
		if (nul >= 0)
			close(nul);
		return icc_err_sys(err, e, "cannot run %s: pipe", argv[0]);
	}
	const int spec[3] = {o->in, o->out, o->err};
	int src[3];
	for (int i = 0; i < 3; i++)
		src[i] = spec[i] >= 0 ? spec[i] : spec[i] == ICC_PROC_CAPTURE ? pfd[1] : nul;
	pid_t pid = fork();
	if (pid == 0)
		child(argv, o, src);
	int e = errno;
	if (nul >= 0)
		close(nul);
	if (pfd[1] >= 0)
		close(pfd[1]);
	if (pid < 0) {
		if (pfd[0] >= 0)
			close(pfd[0]);
		return icc_err_sys(err, e, "cannot run %s", argv[0]);
	}
	p->pid = pid;
	p->errpipe = pfd[0];
	return 0;
}

/* Keep the first msg_size - 1 bytes; read the rest away so the child never blocks. */
static void capture(struct icc_proc *p)
{
	size_t len = 0;
	char junk[4096];
	for (;;) {
		bool room = p->msg && len + 1 < p->msg_size;
		ssize_t r = read(p->errpipe, room ? p->msg + len : junk,
				 room ? p->msg_size - 1 - len : sizeof(junk));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (room)
			len += (size_t)r;
	}
	if (p->msg_size)
		p->msg[len] = '\0';
	close(p->errpipe);
	p->errpipe = -1;
}

int icc_proc_wait(struct icc_proc *p, struct icc_err *err)
{
	if (p->errpipe >= 0)
		capture(p);
	int status;
	while (waitpid(p->pid, &status, 0) < 0)
		if (errno != EINTR)
			return icc_err_sys(err, errno, "cannot wait for process %d", (int)p->pid);
	p->pid = -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int icc_proc_run(const char *const argv[], const struct icc_proc_opts *o, struct icc_err *err)
{
	struct icc_proc p;
	int r = icc_proc_start(argv, o, &p, err);
	return r < 0 ? r : icc_proc_wait(&p, err);
}

int icc_proc_check(const char *const argv[], const struct icc_proc_opts *o, struct icc_err *err)
{
	char msg[4096];
	struct icc_proc_opts c = o ? *o : (struct icc_proc_opts){.in = ICC_PROC_NULL, .out = ICC_PROC_NULL};
	c.err = ICC_PROC_CAPTURE;
	c.msg = msg;
	c.msg_size = sizeof(msg);
	int rc = icc_proc_run(argv, &c, err);
	if (rc <= 0)
		return rc;
	const char *line = icc_proc_line(msg, true);
	if (*line)
		return icc_err_set(err, EIO, "%s failed: %s", argv[0], line);
	if (rc > 128)
		return icc_err_set(err, EIO, "%s failed: killed by signal %d", argv[0], rc - 128);
	return icc_err_set(err, EIO, "%s failed: exit status %d", argv[0], rc);
}

int icc_proc_first_line(const char *const argv[], char *msg, size_t size, const char **line,
			struct icc_err *err)
{
	struct icc_proc_opts o = {.in = ICC_PROC_NULL, .out = ICC_PROC_NULL, .err = ICC_PROC_CAPTURE,
				  .msg = msg, .msg_size = size};
	int rc = icc_proc_run(argv, &o, err);
	*line = rc < 0 ? "" : icc_proc_line(msg, false);
	return rc;
}

const char *icc_proc_line(char *msg, bool last)
{
	const char *found = "";
	for (char *s = msg; s && *s;) {
		char *nl = strchr(s, '\n');
		if (nl)
			*nl = '\0';
		if (*s && (last || !*found))
			found = s;
		if (!last && *found)
			break;
		s = nl ? nl + 1 : NULL;
	}
	return found;
}
