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

#include "icc/runtime/hostconfig.h"
#include "icc/network/network.h"
#include "icc/store/object.h"
#include "icc/container/exclude.h"
#include "icc/container/rollback.h"
#include "icc/runtime/runtime.h"
#include "icc/snap/snapdir.h"
#include "icc/container/placeholders.h"
#include "icc/snap/snapkeep.h"
#include "icc/container/jsonlog.h"
#include "icc/console/tty.h"

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

/* What one start shares between its steps: names, paths, the runtime's fds. */
struct launch {
	struct icc_store *st;
	const char *id;
	const struct icc_launch_opts *o;
	char runtime[16], cname[256];
	char bundle[4400], merged[4400], pidfile[4400], fspid[4400], sock[128];
	struct icc_cstate cs;    /* as it was before this start */
	cJSON *netsum;           /* the network's summary until recorded in the state */
	bool networked;
	int lfd, master, outp[2], errp[2];
	char errbuf[4096];
	pid_t pid;
};

/* Read the container and refuse a running one; clear an earlier run's leftovers. */
static int launch_load(struct launch *l, cJSON **meta, struct icc_err *err)
{
	int r = icc_object_meta(l->st, ICC_CONTAINER, l->id, meta, err);
	if (r < 0)
		return r;
	const cJSON *cfg = cJSON_GetObjectItemCaseSensitive(*meta, "config");
	const char *rt = icc_json_str(cfg, "Runtime");
	snprintf(l->runtime, sizeof(l->runtime), "%s", rt && *rt ? rt : ICC_LEGACY_RUNTIME);
	const char *name = icc_json_str(*meta, "name");
	snprintf(l->cname, sizeof(l->cname), "%s", name ? name : l->id);
	icc_container_state(*meta, &l->cs);
	if (l->cs.status == ICC_CS_RUNNING)
		r = icc_err_set(err, EBUSY, "container '%s' is already running", l->cname);
	else
		r = icc_runtime_check(l->runtime, err);
	if (r < 0) {
		cJSON_Delete(*meta);
		return r;
	}
	/* leftovers of an earlier run that ended badly */
	icc_runtime_cleanup(l->st, l->id, l->runtime);
	return 0;
}

/* The rootfs's own preparations, made before icc-fs serves the tree. */
static int launch_prepare_rootfs(struct launch *l, const cJSON *meta, struct icc_err *err)
{
	/* /etc/mtab as Docker has it */
	struct icc_err e3;
	int r = 0, rfd = icc_object_rootfs_fd(l->st, ICC_CONTAINER, l->id, &e3);
	if (rfd >= 0) {
		icc_placeholders_prepare(rfd);
		/* excluded paths are subvolumes (made again if a crash mid-rollback lost one) */
		const cJSON *ex = cJSON_GetObjectItemCaseSensitive(
			cJSON_GetObjectItemCaseSensitive(meta, "config"), "Exclude");
		if (cJSON_IsArray(ex))
			r = icc_excludes_make(rfd, ex, err);
		close(rfd);
	}
	return r;
}

/* Network, bundle, rootfs and the icc-fs mount: everything the runtime needs; takes meta. */
static int launch_prepare(struct launch *l, cJSON *meta, struct icc_err *err)
{
	icc_object_path(l->st, ICC_CONTAINER, l->id, "bundle", l->bundle, sizeof(l->bundle));
	icc_object_path(l->st, ICC_CONTAINER, l->id, "merged", l->merged, sizeof(l->merged));
	icc_object_path(l->st, ICC_CONTAINER, l->id, "runtime.pid", l->pidfile, sizeof(l->pidfile));
	icc_object_path(l->st, ICC_CONTAINER, l->id, "icc-fs.pid", l->fspid, sizeof(l->fspid));
	unlink(l->pidfile);
	unlink(l->fspid);
	int r = icc_net_setup(l->st, l->id, meta, &l->netsum, err);
	if (r == 0)
		r = icc_bundle_write(l->st, l->id, meta, l->o->tty ? 1 : 0, err);
	if (r == 0)
		r = launch_prepare_rootfs(l, meta, err);
	if (r == 0)
		r = icc_fsmount(l->st, l->id, meta, l->merged, l->fspid, err);
	cJSON_Delete(meta);
	if (r < 0) {
		cJSON_Delete(l->netsum);
		l->netsum = NULL;
		/* the network, when the bundle or the mount failed after it */
		icc_runtime_cleanup(l->st, l->id, l->runtime);
	}
	return r;
}

/* The runtime failed with `rc`: its own line in the error, its exit code as Docker's. */
static int launch_runtime_failed(struct launch *l, int *exit_code, struct icc_err *err)
{
	char m[1024];
	icc_runtime_errmsg(l->errbuf, m, sizeof(m));
	*exit_code = icc_runtime_exit_code(m);
	return icc_err_set(err, EIO, "cannot start container '%s': %s", l->cname, m);
}

/* `runtime create`, with a console socket (-t) or pipes for the output; the init's pid. */
static int launch_create(struct launch *l, int *exit_code, struct icc_err *err)
{
	const struct icc_launch_opts *o = l->o;
	int r = 0;
	if (o->tty) {
		mkdir("/run/icc", 0700);
		snprintf(l->sock, sizeof(l->sock), "/run/icc/%.12s-%d.sock", l->id, (int)getpid());
		l->lfd = r = icc_console_listen(l->sock, err);
	} else if (pipe2(l->outp, O_CLOEXEC) < 0 || pipe2(l->errp, O_CLOEXEC) < 0) {
		r = icc_err_sys(err, errno, "cannot create pipes");
	}
	if (r >= 0) {
		const char *args[] = {"create", "--bundle", l->bundle, "--pid-file", l->pidfile,
				      o->tty ? "--console-socket" : l->id, o->tty ? l->sock : NULL,
				      o->tty ? l->id : NULL, NULL};
		int in = o->stdin_open && !o->tty && !o->detach ? 0 : -1;
		int rc = o->tty ? icc_runtime_cmd(l->st, l->runtime, args, -1, -1, -1, l->errbuf,
						  sizeof(l->errbuf), err)
				: icc_runtime_cmd(l->st, l->runtime, args, in, l->outp[1], l->errp[1], NULL, 0, err);
		if (!o->tty) {
			close(l->outp[1]);
			close(l->errp[1]);
			l->outp[1] = l->errp[1] = -1;
		}
		if (rc < 0) {
			r = rc;
		} else if (rc != 0) {
			if (!o->tty)
				drain(l->errp[0], l->errbuf, sizeof(l->errbuf));
			r = launch_runtime_failed(l, exit_code, err);
		}
	}
	if (r >= 0) {
		l->pid = read_pidfile(l->pidfile);
		if (l->pid <= 0)
			r = icc_err_set(err, EIO, "cannot start container '%s': the runtime wrote no pid", l->cname);
	}
	if (r >= 0 && o->tty) {
		l->master = icc_console_recv(l->lfd, 10000, err);
		if (l->master < 0)
			r = l->master;
	}
	if (l->lfd >= 0) {
		close(l->lfd);
		unlink(l->sock);
	}
	return r;
}

/* state: running, with this run's pids and network (the network summary moves into it). */
static int launch_record_running(struct launch *l, struct icc_err *err)
{
	cJSON *patch = cJSON_CreateObject();
	char now[64];
	icc_time_format(icc_now_ns(), now, sizeof(now));
	cJSON_AddStringToObject(patch, "status", "running");
	set_num(patch, "pid", l->pid);
	set_num(patch, "pid_start", (double)icc_proc_starttime(l->pid));
	pid_t fp = read_pidfile(l->fspid);
	set_num(patch, "fs_pid", fp);
	set_num(patch, "fs_pid_start", (double)icc_proc_starttime(fp));
	set_num(patch, "monitor_pid", getpid());
	cJSON_AddStringToObject(patch, "started", now);
	cJSON_AddStringToObject(patch, "runtime", l->runtime);
	cJSON_AddNullToObject(patch, "exit_code");
	cJSON_AddNullToObject(patch, "finished");
	/* this run's own facts: a restart counts, a start anew clears */
	cJSON_AddNullToObject(patch, "oom_killed");
	cJSON_AddNullToObject(patch, "restarting");
	cJSON_AddNullToObject(patch, "manually_stopped");
	set_num(patch, "restart_count", l->o->restarts);
	cJSON_AddNullToObject(patch, "paused");
	cJSON_AddBoolToObject(patch, "tty", l->o->tty);
	l->networked = l->netsum != NULL;
	if (l->netsum)
		cJSON_AddItemToObject(patch, "network", l->netsum);
	else
		cJSON_AddNullToObject(patch, "network");
	l->netsum = NULL;
	/* not synced: no crash leaves the container running, so these facts die with one */
	int r = icc_state_update_transient(l->st, l->id, patch, err);
	cJSON_Delete(patch);
	if (r == -ENOENT)
		icc_err_set(err, ENOENT, "container '%s' was removed meanwhile", l->cname);
	return r;
}

/* A start that failed: nothing is left running, the state is as before. */
static void launch_abort(struct launch *l)
{
	if (l->pid > 0) {
		kill(l->pid, SIGKILL);
		waitpid(l->pid, NULL, 0);
	}
	if (l->master >= 0)
		close(l->master);
	for (int i = 0; i < 2; i++) {
		if (l->outp[i] >= 0)
			close(l->outp[i]);
		if (l->errp[i] >= 0)
			close(l->errp[i]);
	}
	icc_runtime_cleanup(l->st, l->id, l->runtime);
	unlink(l->pidfile);
	cJSON *patch = cJSON_CreateObject();
	cJSON_AddNullToObject(patch, "pid");
	cJSON_AddNullToObject(patch, "monitor_pid");
	cJSON_AddNullToObject(patch, "network");
	cJSON_AddStringToObject(patch, "status", l->cs.status == ICC_CS_CREATED ? "created" : "exited");
	struct icc_err e2;
	icc_state_update(l->st, l->id, patch, &e2);
	cJSON_Delete(patch);
}

/* From the prepared tree to a running container: create, record, start. */
static int launch_start(struct launch *l, int *exit_code, struct icc_err *err)
{
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	icc_io_block_signals();
	int r = launch_create(l, exit_code, err);
	if (r >= 0)
		r = launch_record_running(l, err);
	if (r >= 0) {
		l->errbuf[0] = '\0';
		struct icc_err se;
		icc_err_clear(&se);
		if (icc_runtime_start(l->st, l->runtime, l->id, l->pid, l->errbuf, sizeof(l->errbuf), &se) < 0)
			r = l->errbuf[0] ? launch_runtime_failed(l, exit_code, err)
					 : icc_err_set(err, EIO, "cannot start container '%s': %s", l->cname, se.msg);
	}
	cJSON_Delete(l->netsum);
	l->netsum = NULL;
	if (r < 0)
		launch_abort(l);
	return r;
}

/* state: exited with `code` (or, with --rm, the container removed); then
 * attached clients learn the code. */
static void launch_record_end(struct launch *l, int code, struct icc_attach_srv *srv)
{
	cJSON *patch = icc_state_exited(code);
	/* read before the runtime's delete removes the cgroup */
	if (icc_cgroup_oom_kills(l->id) > 0)
		cJSON_AddBoolToObject(patch, "oom_killed", true);
	cJSON_AddNullToObject(patch, "pid");
	cJSON_AddNullToObject(patch, "monitor_pid");
	cJSON_AddNullToObject(patch, "network");
	cJSON_AddNullToObject(patch, "paused");
	struct icc_err e2;
	icc_runtime_cleanup(l->st, l->id, l->runtime);
	unlink(l->pidfile);
	/* --rm: remove at once; the end is recorded only if that fails (its
	 * two fsyncs would be for a file about to be deleted) */
	bool removed = false;
	if (l->o->autoremove && icc_store_lock(l->st, &e2) == 0) {
		int kept; /* its snapshots stay in the store; the CLI says so */
		if (icc_object_exists(l->st, ICC_CONTAINER, l->id))
			removed = icc_container_remove(l->st, l->id, true, &kept, &e2) == 0;
		icc_store_unlock(l->st);
	}
	if (!removed)
		icc_state_update(l->st, l->id, patch, &e2);
	cJSON_Delete(patch);
	/* attached clients learn the code once the end is on record */
	if (srv)
		icc_attach_finish(srv, code);
}

/* Serve the running container until it ends: its output to the log and the
 * caller's fds, icc attach, the #save watcher; its exit code. */
static int launch_serve(struct launch *l, int cdir, struct icc_attach_srv *srv, int out_fd,
			int err_fd, int notify_fd)
{
	const struct icc_launch_opts *o = l->o;
	struct icc_jsonlog log;
	struct icc_err le;
	bool logging = cdir >= 0 && icc_jsonlog_open(&log, cdir, &le) == 0;
	if (notify_fd >= 0) {
		dprintf(notify_fd, "0 ok\n");
		close(notify_fd);
	}
	struct icc_save_target sc = {.st = l->st, .id = l->id};
	struct icc_session session;
	bool recording = o->record && o->tty && o->stdin_open; /* also under the monitor of run -it (attach) */
	if (recording) {
		struct icc_err se;
		int dfd = icc_object_dirfd(l->st, ICC_CONTAINER, l->id, &se);
		icc_session_open(&session, dfd);
		if (dfd >= 0)
			close(dfd);
		sc.session = &session;
	}
	struct icc_io io = {
		.pid = l->pid,
		.master = l->master,
		.in_fd = o->tty && o->stdin_open && !o->detach ? 0 : -1,
		.out_pipe = l->outp[0],
		.err_pipe = l->errp[0],
		.out_fd = out_fd,
		.err_fd = err_fd,
		.forward_signals = !o->detach,
		.on_save = icc_save_reply,
		.on_rollback = icc_rollback_reply,
		.ctx = &sc,
		.log = logging ? &log : NULL,
		.srv = srv,
		.session = recording ? &session : NULL,
	};
	int code = icc_io_run(&io);
	if (recording)
		icc_session_close(&session);
	if (l->networked) {
		/* the network's teardown takes a while: until the end is recorded,
		 * `icc ps` already shows the right exit code */
		cJSON *early = cJSON_CreateObject();
		set_num(early, "exit_code", code);
		struct icc_err e1;
		icc_state_update_transient(l->st, l->id, early, &e1);
		cJSON_Delete(early);
	}
	if (logging)
		icc_jsonlog_close(&log);
	return code;
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
	struct launch l = {.st = st, .id = id, .o = o, .lfd = -1, .master = -1,
			   .outp = {-1, -1}, .errp = {-1, -1}};
	cJSON *meta = NULL;
	int r = launch_load(&l, &meta, err);
	if (r == 0)
		r = launch_prepare(&l, meta, err);
	if (r == 0)
		r = launch_start(&l, exit_code, err);
	if (r < 0)
		return r;
	/* every container's output is kept for icc logs, foreground ones too; and
	 * whoever waits for it serves icc attach (the socket exists before "ok") */
	struct icc_err le;
	struct icc_attach_srv srv = {.lfd = -1};
	int cdir = icc_object_dirfd(st, ICC_CONTAINER, id, &le);
	bool serving = cdir >= 0 && icc_attach_listen(&srv, cdir, o->tty, o->tty && o->stdin_open, &le) == 0;
	int code = launch_serve(&l, cdir, serving ? &srv : NULL, out_fd, err_fd, notify_fd);
	*exit_code = code;
	launch_record_end(&l, code, serving ? &srv : NULL);
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
