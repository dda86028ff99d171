/* runtime_run.c - start a container with the OCI runtime, wait for it, record its end */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "icc/hostconfig.h"
#include "icc/network.h"
#include "icc/object.h"
#include "icc/exclude.h"
#include "icc/rollback.h"
#include "icc/runtime.h"
#include "icc/snapdir.h"
#include "icc/placeholders.h"
#include "icc/snapkeep.h"
#include "icc/jsonlog.h"
#include "icc/tty.h"

static pid_t read_pidfile(const char *path)
{
	char *s;
	size_t len;
	struct icc_err e;
	if (icc_read_file(AT_FDCWD, path, 64, &s, &len, &e) < 0)
		return 0;
	pid_t pid = (pid_t)atol(s);
	free(s);
	return pid;
}

/* Read what the runtime said on a pipe after it failed (bounded wait). */
static void drain(int fd, char *buf, size_t size)
{
	size_t len = strlen(buf);
	for (int i = 0; i < 20 && len + 1 < size; i++) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, 100) <= 0)
			break;
		ssize_t n = read(fd, buf + len, size - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
}

static void set_num(cJSON *o, const char *k, double v)
{
	cJSON_AddNumberToObject(o, k, v);
}

/*
 * The body of a start: everything up to the container's end.  notify_fd >= 0
 * (detached): one line "CODE MESSAGE" is written there once the container
 * runs ("0 ok") or failed to start.
 */
static int launch(struct icc_store *st, const char *id, const struct icc_launch_opts *o,
		  int out_fd, int err_fd, int notify_fd, int *exit_code, struct icc_err *err)
{
	*exit_code = 125;
	cJSON *meta = NULL;
	int r = icc_object_meta(st, ICC_CONTAINER, id, &meta, err);
	if (r < 0)
		return r;
	const cJSON *cfg = cJSON_GetObjectItemCaseSensitive(meta, "config");
	const char *rt = icc_json_str(cfg, "Runtime");
	char runtime[16];
	snprintf(runtime, sizeof(runtime), "%s", rt && *rt ? rt : ICC_DEFAULT_RUNTIME);
	const char *name = icc_json_str(meta, "name");
	char cname[256];
	snprintf(cname, sizeof(cname), "%s", name ? name : id);
	struct icc_cstate cs;
	icc_container_state(meta, &cs);
	if (cs.status == ICC_CS_RUNNING) {
		cJSON_Delete(meta);
		return icc_err_set(err, EBUSY, "container '%s' is already running", cname);
	}
	r = icc_runtime_check(runtime, err);
	if (r < 0) {
		cJSON_Delete(meta);
		return r;
	}
	/* leftovers of an earlier run that ended badly */
	icc_runtime_cleanup(st, id, runtime);

	char bundle[4400], merged[4400], pidfile[4400], fspid[4400], sock[128];
	icc_object_path(st, ICC_CONTAINER, id, "bundle", bundle, sizeof(bundle));
	icc_object_path(st, ICC_CONTAINER, id, "merged", merged, sizeof(merged));
	icc_object_path(st, ICC_CONTAINER, id, "runtime.pid", pidfile, sizeof(pidfile));
	icc_object_path(st, ICC_CONTAINER, id, "icc-fs.pid", fspid, sizeof(fspid));
	unlink(pidfile);
	unlink(fspid);
	cJSON *netsum = NULL;
	bool networked = false;
	r = icc_net_setup(st, id, meta, &netsum, err);
	if (r == 0)
		r = icc_bundle_write(st, id, meta, o->tty ? 1 : 0, err);
	if (r == 0) {
		/* /etc/mtab as Docker has it; made before icc-fs serves the tree */
		struct icc_err e3;
		int rfd = icc_object_rootfs_fd(st, ICC_CONTAINER, id, &e3);
		if (rfd >= 0) {
			icc_placeholders_prepare(rfd);
			/* excluded paths are subvolumes (made again if a crash mid-rollback lost one) */
			const cJSON *ex = cJSON_GetObjectItemCaseSensitive(
				cJSON_GetObjectItemCaseSensitive(meta, "config"), "Exclude");
			if (cJSON_IsArray(ex))
				r = icc_excludes_make(rfd, ex, err);
			close(rfd);
		}
	}
	if (r == 0)
		r = icc_fsmount(st, id, meta, merged, fspid, err);
	cJSON_Delete(meta);
	if (r < 0) {
		cJSON_Delete(netsum);
		/* the network, when the bundle or the mount failed after it */
		icc_runtime_cleanup(st, id, runtime);
		return r;
	}

	prctl(PR_SET_CHILD_SUBREAPER, 1);
	icc_io_block_signals();
	int lfd = -1, master = -1, outp[2] = {-1, -1}, errp[2] = {-1, -1};
	char errbuf[4096] = "";
	if (o->tty) {
		mkdir("/run/icc", 0700);
		snprintf(sock, sizeof(sock), "/run/icc/%.12s-%d.sock", id, (int)getpid());
		lfd = r = icc_console_listen(sock, err);
	} else if (pipe2(outp, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0) {
		r = icc_err_sys(err, errno, "cannot create pipes");
	}
	int rc = 0;
	if (r >= 0) {
		const char *args[] = {"create", "--bundle", bundle, "--pid-file", pidfile,
				      o->tty ? "--console-socket" : id, o->tty ? sock : NULL,
				      o->tty ? id : NULL, NULL};
		int in = o->stdin_open && !o->tty && !o->detach ? 0 : -1;
		rc = o->tty ? icc_runtime_cmd(st, runtime, args, -1, -1, -1, errbuf, sizeof(errbuf), err)
			    : icc_runtime_cmd(st, runtime, args, in, outp[1], errp[1], NULL, 0, err);
		if (!o->tty) {
			close(outp[1]);
			close(errp[1]);
			outp[1] = errp[1] = -1;
		}
		if (rc < 0) {
			r = rc;
		} else if (rc != 0) {
			if (!o->tty)
				drain(errp[0], errbuf, sizeof(errbuf));
			char m[1024];
			icc_runtime_errmsg(errbuf, m, sizeof(m));
			*exit_code = icc_runtime_exit_code(m);
			r = icc_err_set(err, EIO, "cannot start container '%s': %s", cname, m);
		}
	}
	pid_t pid = 0;
	if (r >= 0) {
		pid = read_pidfile(pidfile);
		if (pid <= 0)
			r = icc_err_set(err, EIO, "cannot start container '%s': the runtime wrote no pid", cname);
	}
	if (r >= 0 && o->tty) {
		master = icc_console_recv(lfd, 10000, err);
		if (master < 0)
			r = master;
	}
	if (lfd >= 0) {
		close(lfd);
		unlink(sock);
	}
	if (r >= 0) {
		cJSON *patch = cJSON_CreateObject();
		char now[64];
		icc_time_format(icc_now_ns(), now, sizeof(now));
		cJSON_AddStringToObject(patch, "status", "running");
		set_num(patch, "pid", pid);
		set_num(patch, "pid_start", (double)icc_proc_starttime(pid));
		pid_t fp = read_pidfile(fspid);
		set_num(patch, "fs_pid", fp);
		set_num(patch, "fs_pid_start", (double)icc_proc_starttime(fp));
		set_num(patch, "monitor_pid", getpid());
		cJSON_AddStringToObject(patch, "started", now);
		cJSON_AddStringToObject(patch, "runtime", runtime);
		cJSON_AddNullToObject(patch, "exit_code");
		cJSON_AddNullToObject(patch, "finished");
		/* this run's own facts: a restart counts, a start anew clears */
		cJSON_AddNullToObject(patch, "oom_killed");
		cJSON_AddNullToObject(patch, "restarting");
		cJSON_AddNullToObject(patch, "manually_stopped");
		set_num(patch, "restart_count", o->restarts);
		cJSON_AddNullToObject(patch, "paused");
		cJSON_AddBoolToObject(patch, "tty", o->tty);
		networked = netsum != NULL;
		if (netsum)
			cJSON_AddItemToObject(patch, "network", netsum);
		else
			cJSON_AddNullToObject(patch, "network");
		netsum = NULL;
		r = icc_state_update(st, id, patch, err);
		cJSON_Delete(patch);
		if (r == -ENOENT)
			icc_err_set(err, ENOENT, "container '%s' was removed meanwhile", cname);
	}
	if (r >= 0) {
		const char *args[] = {"start", id, NULL};
		rc = icc_runtime_cmd(st, runtime, args, -1, -1, -1, errbuf, sizeof(errbuf), err);
		if (rc != 0) {
			char m[1024];
			icc_runtime_errmsg(errbuf, m, sizeof(m));
			*exit_code = icc_runtime_exit_code(m);
			r = icc_err_set(err, EIO, "cannot start container '%s': %s", cname, m);
		}
	}
	cJSON_Delete(netsum);
	if (r < 0) {
		if (pid > 0) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
		}
		if (master >= 0)
			close(master);
		for (int i = 0; i < 2; i++) {
			if (outp[i] >= 0)
				close(outp[i]);
			if (errp[i] >= 0)
				close(errp[i]);
		}
		icc_runtime_cleanup(st, id, runtime);
		unlink(pidfile);
		cJSON *patch = cJSON_CreateObject();
		cJSON_AddNullToObject(patch, "pid");
		cJSON_AddNullToObject(patch, "monitor_pid");
		cJSON_AddNullToObject(patch, "network");
		cJSON_AddStringToObject(patch, "status", cs.status == ICC_CS_CREATED ? "created" : "exited");
		struct icc_err e2;
		icc_state_update(st, id, patch, &e2);
		cJSON_Delete(patch);
		return r;
	}
	/* every container's output is kept for icc logs, foreground ones too; and
	 * whoever waits for it serves icc attach (the socket exists before "ok") */
	struct icc_jsonlog log;
	struct icc_err le;
	struct icc_attach_srv srv = {.lfd = -1};
	int cdir = icc_object_dirfd(st, ICC_CONTAINER, id, &le);
	bool logging = cdir >= 0 && icc_jsonlog_open(&log, cdir, &le) == 0;
	bool serving = cdir >= 0 && icc_attach_listen(&srv, cdir, o->tty, o->tty && o->stdin_open, &le) == 0;
	if (notify_fd >= 0) {
		dprintf(notify_fd, "0 ok\n");
		close(notify_fd);
	}
	struct icc_save_target sc = {.st = st, .id = id};
	struct icc_session session;
	bool recording = o->record && o->tty && o->stdin_open; /* also under the monitor of run -it (attach) */
	if (recording) {
		struct icc_err se;
		int dfd = icc_object_dirfd(st, ICC_CONTAINER, id, &se);
		icc_session_open(&session, dfd);
		if (dfd >= 0)
			close(dfd);
		sc.session = &session;
	}
	struct icc_io io = {
		.pid = pid,
		.master = master,
		.in_fd = o->tty && o->stdin_open && !o->detach ? 0 : -1,
		.out_pipe = outp[0],
		.err_pipe = errp[0],
		.out_fd = out_fd,
		.err_fd = err_fd,
		.forward_signals = !o->detach,
		.on_save = icc_save_reply,
		.on_rollback = icc_rollback_reply,
		.ctx = &sc,
		.log = logging ? &log : NULL,
		.srv = serving ? &srv : NULL,
		.session = recording ? &session : NULL,
	};
	int code = icc_io_run(&io);
	if (recording)
		icc_session_close(&session);
	*exit_code = code;
	if (networked) {
		/* the network's teardown takes a while: until the end is recorded,
		 * `icc ps` already shows the right exit code */
		cJSON *early = cJSON_CreateObject();
		set_num(early, "exit_code", code);
		struct icc_err e1;
		icc_state_update(st, id, early, &e1);
		cJSON_Delete(early);
	}
	if (logging)
		icc_jsonlog_close(&log);

	cJSON *patch = cJSON_CreateObject();
	char now[64];
	icc_time_format(icc_now_ns(), now, sizeof(now));
	cJSON_AddStringToObject(patch, "status", "exited");
	set_num(patch, "exit_code", code);
	cJSON_AddStringToObject(patch, "finished", now);
	/* read before the runtime's delete removes the cgroup */
	if (icc_cgroup_oom_kills(id) > 0)
		cJSON_AddBoolToObject(patch, "oom_killed", true);
	cJSON_AddNullToObject(patch, "pid");
	cJSON_AddNullToObject(patch, "monitor_pid");
	cJSON_AddNullToObject(patch, "network");
	cJSON_AddNullToObject(patch, "paused");
	struct icc_err e2;
	icc_runtime_cleanup(st, id, runtime);
	unlink(pidfile);
	/* --rm: remove at once; the end is recorded only if that fails (its
	 * two fsyncs would be for a file about to be deleted) */
	bool removed = false;
	if (o->autoremove && icc_store_lock(st, &e2) == 0) {
		int kept; /* its snapshots stay in the store; the CLI says so */
		if (icc_object_exists(st, ICC_CONTAINER, id))
			removed = icc_container_remove(st, id, true, &kept, &e2) == 0;
		icc_store_unlock(st);
	}
	if (!removed)
		icc_state_update(st, id, patch, &e2);
	cJSON_Delete(patch);
	/* attached clients learn the code once the end is on record */
	if (serving)
		icc_attach_finish(&srv, code);
	if (cdir >= 0)
		close(cdir);
	return 0;
}

/* Should the container be started again after it ended with `code`?  Reads its meta afresh. */
static bool restart_due(struct icc_store *st, const char *id, int code, int restarts)
{
	cJSON *meta;
	struct icc_err e;
	if (!icc_object_exists(st, ICC_CONTAINER, id) || icc_object_meta(st, ICC_CONTAINER, id, &meta, &e) < 0)
		return false; /* removed meanwhile */
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(meta, "state");
	const cJSON *rp = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(meta, "config"),
							   "RestartPolicy");
	struct icc_restart_policy p = {
		.name = icc_restart_name_of(icc_json_str(rp, "Name")),
		.max_retries = (int)icc_json_int(rp, "MaximumRetryCount", 0),
	};
	struct icc_cstate cs;
	icc_container_state(meta, &cs);
	/* started by someone else meanwhile (icc start), or stopped by the user */
	bool due = cs.status != ICC_CS_RUNNING &&
		   icc_restart_wanted(&p, code, restarts,
				      cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(s, "manually_stopped")));
	cJSON_Delete(meta);
	return due;
}

static void mark_restarting(struct icc_store *st, const char *id, bool on)
{
	cJSON *patch = cJSON_CreateObject();
	if (on) {
		cJSON_AddBoolToObject(patch, "restarting", true);
		set_num(patch, "monitor_pid", getpid());
	} else {
		cJSON_AddNullToObject(patch, "restarting");
		cJSON_AddNullToObject(patch, "monitor_pid");
	}
	struct icc_err e;
	icc_state_update(st, id, patch, &e);
	cJSON_Delete(patch);
}

/*
 * The restart loop of the process that waits for the container: after a run
 * that ended with `code` after `ran_ms`, start it again while its policy says
 * so, waiting Docker's back-off first (checked every 100 ms, so that a stop
 * or rm during the wait is seen).
 */
static void supervise(struct icc_store *st, const char *id, const struct icc_launch_opts *o, int code,
		      int64_t ran_ms)
{
	struct icc_launch_opts ro = *o;
	ro.detach = true;
	ro.stdin_open = false;
	cJSON *meta;
	struct icc_err e;
	if (icc_object_meta(st, ICC_CONTAINER, id, &meta, &e) < 0)
		return;
	int restarts = (int)icc_json_int(cJSON_GetObjectItemCaseSensitive(meta, "state"), "restart_count", 0);
	cJSON_Delete(meta);
	int64_t delay = 0;
	while (restart_due(st, id, code, restarts)) {
		delay = icc_restart_delay_ms(delay, ran_ms);
		mark_restarting(st, id, true);
		bool due = true;
		for (int64_t waited = 0; due && waited < delay; waited += 100) {
			struct timespec ts = {0, (long)(delay - waited < 100 ? delay - waited : 100) * 1000000L};
			nanosleep(&ts, NULL);
			due = restart_due(st, id, code, restarts);
		}
		if (!due)
			break;
		ro.restarts = ++restarts;
		int64_t t0 = icc_now_ns();
		icc_err_clear(&e);
		if (launch(st, id, &ro, -1, -1, -1, &code, &e) < 0) {
			/* a start that failed counts as a failed run */
			cJSON *patch = cJSON_CreateObject();
			cJSON_AddStringToObject(patch, "error", e.msg);
			set_num(patch, "restart_count", restarts);
			icc_state_update(st, id, patch, &e);
			cJSON_Delete(patch);
		}
		ran_ms = (icc_now_ns() - t0) / 1000000;
	}
	if (icc_object_exists(st, ICC_CONTAINER, id))
		mark_restarting(st, id, false);
}

/* A process of its own (double fork, own session, no terminal) that runs `body`. */
static pid_t daemonize(int keep_fd)
{
	pid_t child = fork();
	if (child != 0)
		return child;
	setsid();
	if (fork() != 0)
		_exit(0);
	int nul = open("/dev/null", O_RDWR);
	dup2(nul, 0);
	dup2(nul, 1);
	dup2(nul, 2);
	if (nul > 2 && nul != keep_fd)
		close(nul);
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

int icc_container_start(struct icc_store *st, const char *id, const struct icc_launch_opts *o,
			int *exit_code, struct icc_err *err)
{
	if (!o->detach) {
		int64_t t0 = icc_now_ns();
		int out = o->output_fd > 0 ? o->output_fd : 1, errfd = o->output_fd > 0 ? o->output_fd : 2;
		int r = launch(st, id, o, out, errfd, -1, exit_code, err);
		int64_t ran_ms = (icc_now_ns() - t0) / 1000000;
		/* the policy outlives this foreground run: a monitor of its own restarts it */
		if (r == 0 && restart_due(st, id, *exit_code, o->restarts)) {
			pid_t child = daemonize(-1);
			if (child == 0) {
				supervise(st, id, o, *exit_code, ran_ms);
				_exit(0);
			}
			if (child > 0)
				waitpid(child, NULL, 0);
		}
		return r;
	}

	/* detached: a monitor (double fork, own session) runs and waits; the
	 * output goes only to the container's json log */
	*exit_code = 125;
	int pfd[2];
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return icc_err_sys(err, errno, "cannot create a pipe");
	pid_t child = daemonize(pfd[1]);
	if (child < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return icc_err_sys(err, errno, "cannot fork");
	}
	if (child == 0) {
		close(pfd[0]);
		int code;
		struct icc_err e;
		icc_err_clear(&e);
		int64_t t0 = icc_now_ns();
		if (launch(st, id, o, -1, -1, pfd[1], &code, &e) < 0) {
			dprintf(pfd[1], "%d %s\n", code, e.msg);
			_exit(1);
		}
		supervise(st, id, o, code, (icc_now_ns() - t0) / 1000000);
		_exit(0);
	}
	close(pfd[1]);
	waitpid(child, NULL, 0);
	char buf[1200];
	size_t len = 0;
	ssize_t n;
	while (len + 1 < sizeof(buf) && ((n = read(pfd[0], buf + len, sizeof(buf) - 1 - len)) > 0 ||
					 (n < 0 && errno == EINTR))) {
		if (n > 0)
			len += (size_t)n;
		if (memchr(buf, '\n', len))
			break;
	}
	close(pfd[0]);
	buf[len] = '\0';
	char *nl = strchr(buf, '\n');
	if (nl)
		*nl = '\0';
	int code = atoi(buf);
	if (len == 0)
		return icc_err_set(err, EIO, "the container monitor died while starting the container");
	if (code != 0) {
		*exit_code = code;
		char *msg = strchr(buf, ' ');
		return icc_err_set(err, EIO, "%s", msg ? msg + 1 : "cannot start the container");
	}
	*exit_code = 0;
	return 0;
}

void icc_restart_suppress(struct icc_store *st, const char *id)
{
	cJSON *patch = cJSON_CreateObject();
	cJSON_AddBoolToObject(patch, "manually_stopped", true);
	struct icc_err e;
	icc_state_update(st, id, patch, &e);
	cJSON_Delete(patch);
}

void icc_restart_cancel(struct icc_store *st, const char *id)
{
	icc_restart_suppress(st, id);
	/* a monitor past its last check may be starting the container right now:
	 * wait until it is done, ending what it started (10 s at most) */
	for (int waited = 0; waited < 10000; waited += 50) {
		cJSON *meta;
		struct icc_err e;
		if (!icc_object_exists(st, ICC_CONTAINER, id) || icc_object_meta(st, ICC_CONTAINER, id, &meta, &e) < 0)
			return;
		const cJSON *s = cJSON_GetObjectItemCaseSensitive(meta, "state");
		pid_t mon = (pid_t)icc_json_int(s, "monitor_pid", 0);
		struct icc_cstate cs;
		icc_container_state(meta, &cs);
		cJSON_Delete(meta);
		if (mon <= 0 || mon == getpid() || kill(mon, 0) < 0)
			return;
		if (cs.status == ICC_CS_RUNNING)
			kill(cs.pid, SIGKILL);
		struct timespec ts = {0, 50 * 1000000L};
		nanosleep(&ts, NULL);
	}
}
