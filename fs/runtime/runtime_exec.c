/* runtime_exec.c - exec -it: another process on a pty icc relays, so #save works there too */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "icc/base/cleanup.h"
#include "icc/store/object.h"
#include "icc/container/rollback.h"
#include "icc/runtime/runtime.h"
#include "icc/snap/snapdir.h"
#include "icc/console/tty.h"

void icc_save_reply(void *p, const char *name, char *reply, size_t size)
{
	struct icc_save_target *t = p;
	struct icc_snap_info info;
	struct icc_err err;
	const cJSON *commands = t->session ? icc_session_pending(t->session) : NULL;
	if (icc_container_save_commands(t->st, t->id, name[0] ? name : NULL, "#save", commands, &info, &err) == 0) {
		snprintf(reply, size, "[icc] saved snapshot %s (id %.12s)", info.name, info.id);
		if (t->session)
			icc_session_saved(t->session);
	} else
		snprintf(reply, size, "[icc] #save failed: %s", err.msg);
}

int icc_exec_tty(struct icc_store *st, const char *runtime, const char *id,
		 const char *const *rest, bool record, int *exit_code, struct icc_err *err)
{
	*exit_code = 125;
	char sock[128], pidfile[4400], name[64];
	mkdir("/run/icc", 0700);
	snprintf(sock, sizeof(sock), "/run/icc/%.12s-x%d.sock", id, (int)getpid());
	snprintf(name, sizeof(name), "exec-%d.pid", (int)getpid());
	icc_object_path(st, ICC_CONTAINER, id, name, pidfile, sizeof(pidfile));
	unlink(pidfile);
	/* the exec'd process outlives `runtime exec --detach`: it becomes our child */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	icc_io_block_signals();
	int lfd = icc_console_listen(sock, err);
	if (lfd < 0)
		return lfd;
	size_t nrest = 0;
	while (rest[nrest])
		nrest++;
	cleanup_free const char **args = calloc(nrest + 8, sizeof(*args));
	if (!args) {
		close(lfd);
		unlink(sock);
		return icc_err_set(err, ENOMEM, "exec: out of memory");
	}
	int n = 0;
	args[n++] = "exec";
	args[n++] = "--tty";
	args[n++] = "--detach";
	args[n++] = "--console-socket";
	args[n++] = sock;
	args[n++] = "--pid-file";
	args[n++] = pidfile;
	for (int i = 0; rest[i]; i++)
		args[n++] = rest[i];
	args[n] = NULL;
	char errbuf[4096] = "";
	int rc = icc_runtime_cmd(st, runtime, args, -1, -1, -1, errbuf, sizeof(errbuf), err);
	int r = rc < 0 ? rc : 0, master = -1;
	if (rc > 0) {
		char m[1024];
		icc_runtime_errmsg(errbuf, m, sizeof(m));
		*exit_code = icc_runtime_exit_code(m);
		r = icc_err_set(err, EIO, "exec failed: %s", m);
	}
	pid_t pid = 0;
	if (r == 0) {
		char *s;
		size_t len;
		if (icc_read_file(AT_FDCWD, pidfile, 64, &s, &len, err) == 0) {
			pid = (pid_t)atol(s);
			free(s);
		}
		if (pid <= 0)
			r = icc_err_set(err, EIO, "exec failed: the runtime wrote no pid");
	}
	if (r == 0) {
		master = icc_console_recv(lfd, 10000, err);
		if (master < 0)
			r = master;
	}
	close(lfd);
	unlink(sock);
	unlink(pidfile);
	if (r < 0) {
		if (pid > 0)
			kill(pid, SIGKILL);
		return r;
	}
	struct icc_session session;
	if (record) {
		struct icc_err se;
		int dfd = icc_object_dirfd(st, ICC_CONTAINER, id, &se);
		icc_session_open(&session, dfd);
		if (dfd >= 0)
			close(dfd);
	}
	struct icc_save_target t = {.st = st, .id = id, .session = record ? &session : NULL};
	struct icc_io io = {
		.pid = pid, .master = master, .in_fd = 0, .out_pipe = -1, .err_pipe = -1,
		.out_fd = 1, .err_fd = 2, .forward_signals = true,
		.on_save = icc_save_reply, .ctx = &t, .session = t.session,
		.on_rollback = icc_rollback_reply,
	};
	*exit_code = icc_io_run(&io);
	if (record)
		icc_session_close(&session);
	return 0;
}
