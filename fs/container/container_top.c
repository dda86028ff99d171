/* container_top.c - docker top: the host's ps, kept to the container's processes */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "icc/container/container_ctl.h"

#define PS_MAX (8u << 20) /* bytes of ps output read: far beyond any real table */

/* Run ps ARGS, its stdout in *out (and the first line of stderr in errline). */
static int run_ps(const char *const *args, char **out, char *errline, size_t esize,
		  struct icc_err *err)
{
	const char *argv[130];
	int n = 0;
	argv[n++] = "ps";
	for (int i = 0; args && args[i] && n < 129; i++)
		argv[n++] = args[i];
	if (n == 1)
		argv[n++] = "-ef";
	argv[n] = NULL;
	int o[2], e[2];
	if (pipe2(o, O_CLOEXEC) < 0)
		return icc_err_sys(err, errno, "cannot run ps");
	if (pipe2(e, O_CLOEXEC) < 0) {
		close(o[0]);
		close(o[1]);
		return icc_err_sys(err, errno, "cannot run ps");
	}
	pid_t pid = fork();
	if (pid == 0) {
		dup2(o[1], 1);
		dup2(e[1], 2);
		execvp("ps", (char *const *)argv);
		dprintf(2, "cannot run ps: %s\n", strerror(errno));
		_exit(127);
	}
	close(o[1]);
	close(e[1]);
	size_t len = 0, cap = 65536, elen = 0;
	char *buf = malloc(cap);
	char ebuf[1024];
	struct pollfd p[2] = {{.fd = o[0], .events = POLLIN}, {.fd = e[0], .events = POLLIN}};
	while (buf && pid > 0 && (p[0].fd >= 0 || p[1].fd >= 0)) {
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		if (p[0].revents) {
			if (len + 1 == cap && cap < PS_MAX)
				buf = realloc(buf, cap *= 2);
			ssize_t r = buf ? read(o[0], buf + len, cap - 1 - len) : -1;
			if (r > 0)
				len += (size_t)r;
			else if (r == 0 || errno != EINTR)
				p[0].fd = -1;
		}
		if (p[1].revents) {
			ssize_t r = read(e[0], ebuf + elen, sizeof(ebuf) - 1 - elen);
			if (r > 0)
				elen += (size_t)r;
			else if (r == 0 || errno != EINTR || elen + 1 >= sizeof(ebuf))
				p[1].fd = -1;
		}
	}
	close(o[0]);
	close(e[0]);
	int status = 0;
	if (pid > 0)
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	ebuf[elen] = '\0';
	char *nl = strchr(ebuf, '\n');
	if (nl)
		*nl = '\0';
	snprintf(errline, esize, "%s", ebuf);
	if (pid < 0 || !buf) {
		free(buf);
		return icc_err_sys(err, pid < 0 ? errno : ENOMEM, "cannot run ps");
	}
	buf[len] = '\0';
	*out = buf;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

/* The next blank-separated word of a line at *s, NULL at the line's end; *len its length. */
static const char *next_word(const char **s, size_t *len)
{
	const char *w = *s + strspn(*s, " \t");
	if (!*w || *w == '\n')
		return NULL;
	*len = strcspn(w, " \t\n");
	*s = w + *len;
	return w;
}

/* The n-th (0-based) blank-separated word of a line, as a number (-1 when none). */
static long word_num(const char *line, int col)
{
	const char *s = line, *w;
	size_t len;
	for (int i = 0; (w = next_word(&s, &len)); i++) {
		if (i == col) {
			char *end;
			long v = strtol(w, &end, 10);
			return end == w + len ? v : -1;
		}
	}
	return -1;
}

/* Which column of the title line is PID. */
static int pid_column(const char *title)
{
	const char *s = title, *w;
	size_t len;
	for (int i = 0; (w = next_word(&s, &len)); i++)
		if (len == 3 && !strncmp(w, "PID", 3))
			return i;
	return -1;
}

static bool has_pid(const pid_t *v, size_t n, long pid)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == pid)
			return true;
	return false;
}

int icc_ctl_top(struct icc_store *st, const char *ref, const char *const *ps_args,
		char **out, struct icc_err *err)
{
	*out = NULL;
	pid_t *pids;
	size_t npids;
	int r = icc_ctl_pids(st, ref, &pids, &npids, err);
	if (r < 0)
		return r;
	char *text = NULL, errline[512];
	int rc = run_ps(ps_args, &text, errline, sizeof(errline), err);
	if (rc < 0) {
		free(pids);
		return rc;
	}
	if (rc != 0) {
		free(text);
		free(pids);
		return icc_err_set(err, EINVAL, "ps failed: %s", errline[0] ? errline : "bad options");
	}
	int col = pid_column(text);
	if (col < 0) {
		free(text);
		free(pids);
		return icc_err_set(err, EINVAL, "ps printed no PID column (add one: -o pid,...)");
	}
	/* keep the title and the container's rows, in place */
	size_t w = 0;
	bool first = true;
	for (char *line = text; *line;) {
		char *nl = strchr(line, '\n');
		size_t l = nl ? (size_t)(nl - line) + 1 : strlen(line);
		if (first || has_pid(pids, npids, word_num(line, col))) {
			memmove(text + w, line, l);
			w += l;
		}
		first = false;
		line += l;
	}
	text[w] = '\0';
	free(pids);
	*out = text;
	return 0;
}
