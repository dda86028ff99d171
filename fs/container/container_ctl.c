/* container_ctl.c - signals, stop, wait, restart, pause, rename and removal of containers */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "icc/container/container.h"
#include "icc/container/container_ctl.h"
#include "icc/store/object.h"
#include "icc/store/ref.h"
#include "icc/runtime/runtime.h"
#include "icc/snap/snapkeep.h"

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

int icc_signal_parse(const char *s)
{
	if (!s || !*s)
		return -1;
	char *end;
	if (*s >= '0' && *s <= '9') {
		long n = strtol(s, &end, 10);
		return !*end && n > 0 && n <= SIGRTMAX ? (int)n : -1;
	}
	if (!strncasecmp(s, "SIG", 3))
		s += 3;
	if (!strncasecmp(s, "RTMIN", 5) || !strncasecmp(s, "RTMAX", 5)) {
		bool min = !strncasecmp(s, "RTMIN", 5);
		long off = 0;
		if (s[5]) {
			if (s[5] != (min ? '+' : '-'))
				return -1;
			off = strtol(s + 6, &end, 10);
			if (*end || end == s + 6 || off < 0)
				return -1;
		}
		long sig = min ? SIGRTMIN + off : SIGRTMAX - off;
		return sig >= SIGRTMIN && sig <= SIGRTMAX ? (int)sig : -1;
	}
	/* the C library's own table of abbreviations: every signal this system has */
	for (int sig = 1; sig < SIGRTMIN; sig++) {
		const char *abbr = sigabbrev_np(sig);
		if (abbr && !strcasecmp(s, abbr))
			return sig;
	}
	if (!strcasecmp(s, "IOT"))
		return SIGABRT;
	if (!strcasecmp(s, "POLL"))
		return SIGIO;
	return -1;
}

/* Resolve a reference and read its meta.json. */
static int load(struct icc_store *st, const char *ref, char id[ICC_ID_LEN + 1], cJSON **meta,
		struct icc_err *err)
{
	int r = icc_container_resolve(st, ref, id, err);
	if (r == 0)
		r = icc_object_meta(st, ICC_CONTAINER, id, meta, err);
	return r;
}

static const char *runtime_of(const cJSON *meta)
{
	const char *r = icc_json_str(cJSON_GetObjectItemCaseSensitive(meta, "state"), "runtime");
	if (!r)
		r = icc_json_str(cJSON_GetObjectItemCaseSensitive(meta, "config"), "Runtime");
	return r && *r ? r : ICC_LEGACY_RUNTIME;
}

static void name_of(const cJSON *meta, const char *id, char *out, size_t size)
{
	const char *n = icc_json_str(meta, "name");
	snprintf(out, size, "%s", n ? n : id);
}

/* A container as the controls below load it: meta.json, the name messages
 * give it, and its state. */
struct loaded {
	char id[ICC_ID_LEN + 1];
	char name[256];
	cJSON *meta;
	struct icc_cstate cs;
};

static int load_named(struct icc_store *st, const char *ref, struct loaded *c, struct icc_err *err)
{
	int r = load(st, ref, c->id, &c->meta, err);
	if (r == 0) {
		name_of(c->meta, c->id, c->name, sizeof(c->name));
		icc_container_state(c->meta, &c->cs);
	}
	return r;
}

int icc_ctl_state(struct icc_store *st, const char *id, char *name, size_t size,
		  struct icc_cstate *cs, struct icc_err *err)
{
	cJSON *meta;
	int r = icc_object_meta(st, ICC_CONTAINER, id, &meta, err);
	if (r < 0)
		return r;
	name_of(meta, id, name, size);
	icc_container_state(meta, cs);
	cJSON_Delete(meta);
	return 0;
}

static bool paused(const cJSON *meta)
{
	return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(meta, "state"), "paused"));
}

static void record_lost_end(struct icc_store *st, const char *id, const cJSON *meta, int code)
{
	struct icc_err e;
	icc_runtime_cleanup(st, id, runtime_of(meta));
	cJSON *patch = icc_state_exited(code);
	cJSON_AddNullToObject(patch, "pid");
	cJSON_AddNullToObject(patch, "paused");
	cJSON_AddNullToObject(patch, "network");
	icc_state_update(st, id, patch, &e);
	cJSON_Delete(patch);
}

void icc_ctl_wait_ended(struct icc_store *st, const char *id, int timeout_ms, int code_if_lost)
{
	for (int waited = 0;; waited += 50) {
		cJSON *meta;
		struct icc_err e;
		if (icc_object_meta(st, ICC_CONTAINER, id, &meta, &e) < 0)
			return;
		const cJSON *s = cJSON_GetObjectItemCaseSensitive(meta, "state");
		const char *status = icc_json_str(s, "status");
		struct icc_cstate cs;
		icc_container_state(meta, &cs);
		pid_t mon = (pid_t)icc_json_int(s, "monitor_pid", 0);
		bool monitor_alive = mon > 0 && kill(mon, 0) == 0;
		bool recorded = !status || strcmp(status, "running");
		if (recorded || (cs.status != ICC_CS_RUNNING && (!monitor_alive || waited >= timeout_ms))) {
			if (!recorded)
				record_lost_end(st, id, meta, code_if_lost);
			cJSON_Delete(meta);
			return;
		}
		cJSON_Delete(meta);
		if (waited >= timeout_ms + 5000)
			return;
		sleep_ms(50);
	}
}

/* runtime pause|resume ID; the runtime's own line on failure. */
static int runtime_freeze(struct icc_store *st, const char *id, const cJSON *meta, bool pause,
			  const char *cname, struct icc_err *err)
{
	const char *args[] = {pause ? "pause" : "resume", id, NULL};
	char errbuf[2048] = "";
	int rc = icc_runtime_cmd(st, runtime_of(meta), args, -1, -1, -1, errbuf, sizeof(errbuf), err);
	if (rc < 0)
		return rc;
	if (rc != 0) {
		char m[1024];
		icc_runtime_errmsg(errbuf, m, sizeof(m));
		return icc_err_set(err, EIO, "cannot %s container '%s': %s", pause ? "pause" : "unpause",
				   cname, m[0] ? m : "the runtime failed");
	}
	cJSON *patch = cJSON_CreateObject();
	if (pause)
		cJSON_AddTrueToObject(patch, "paused");
	else
		cJSON_AddNullToObject(patch, "paused");
	int r = icc_state_update(st, id, patch, err);
	cJSON_Delete(patch);
	return r == -ENOENT ? 0 : r;
}

int icc_ctl_pause(struct icc_store *st, const char *ref, bool pause, struct icc_err *err)
{
	struct loaded c;
	int r = load_named(st, ref, &c, err);
	if (r < 0)
		return r;
	if (c.cs.status != ICC_CS_RUNNING)
		r = icc_err_set(err, EINVAL, "container '%s' is not running", c.name);
	else if (pause && paused(c.meta))
		r = icc_err_set(err, EALREADY, "container '%s' is already paused", c.name);
	else if (!pause && !paused(c.meta))
		r = icc_err_set(err, EINVAL, "container '%s' is not paused", c.name);
	else
		r = runtime_freeze(st, c.id, c.meta, pause, c.name, err);
	cJSON_Delete(c.meta);
	return r;
}

/* Signal a running container's init; thaw it after when paused. */
static int signal_init(struct icc_store *st, const char *id, const cJSON *meta,
		       const struct icc_cstate *cs, int sig, const char *cname, struct icc_err *err)
{
	if (kill(cs->pid, sig) < 0)
		return icc_err_sys(err, errno, "cannot kill container '%s'", cname);
	if (paused(meta)) {
		struct icc_err e;
		runtime_freeze(st, id, meta, false, cname, &e);
	}
	return 0;
}

int icc_ctl_kill(struct icc_store *st, const char *ref, int sig, struct icc_err *err)
{
	struct loaded c;
	int r = load_named(st, ref, &c, err);
	if (r < 0)
		return r;
	if (c.cs.status != ICC_CS_RUNNING && c.cs.status != ICC_CS_DEAD)
		r = icc_err_set(err, EINVAL, "cannot kill container '%s': it is not running", c.name);
	else
		r = signal_init(st, c.id, c.meta, &c.cs, sig, c.name, err);
	cJSON_Delete(c.meta);
	if (r == 0 && sig == SIGKILL)
		icc_ctl_wait_ended(st, c.id, 2000, 137);
	return r;
}

/* Stop the container `id` (meta read by the caller). */
static int stop_loaded(struct icc_store *st, const char *id, const cJSON *meta, int secs,
		       struct icc_err *err)
{
	char cname[256];
	name_of(meta, id, cname, sizeof(cname));
	struct icc_cstate cs;
	icc_container_state(meta, &cs);
	if (cs.status != ICC_CS_RUNNING) /* also one waiting out its restart back-off */
		icc_restart_cancel(st, id);
	else /* no restart policy starts it again */
		icc_restart_suppress(st, id);
	if (cs.status != ICC_CS_RUNNING && cs.status != ICC_CS_DEAD) {
		if (cs.stale)
			icc_ctl_wait_ended(st, id, 10000, 255); /* its monitor may still be recording the end */
		return 0;
	}
	const char *stopsig = icc_json_str(cJSON_GetObjectItemCaseSensitive(meta, "config"), "StopSignal");
	int sig = icc_signal_parse(stopsig);
	if (sig <= 0)
		sig = SIGTERM;
	unsigned long long start = icc_proc_starttime(cs.pid);
	int r = signal_init(st, id, meta, &cs, sig, cname, err);
	if (r < 0)
		return r;
	for (int waited = 0; start && icc_proc_starttime(cs.pid) == start && waited < secs * 1000;
	     waited += 50)
		sleep_ms(50);
	if (start && icc_proc_starttime(cs.pid) == start)
		kill(cs.pid, SIGKILL);
	icc_ctl_wait_ended(st, id, 2000, 137);
	return 0;
}

int icc_ctl_stop(struct icc_store *st, const char *ref, int secs, struct icc_err *err)
{
	char id[ICC_ID_LEN + 1];
	cJSON *meta;
	int r = load(st, ref, id, &meta, err);
	if (r < 0)
		return r;
	r = stop_loaded(st, id, meta, secs, err);
	cJSON_Delete(meta);
	return r;
}

/* A pidfd to wait on the container's init without being its parent (-1: poll instead). */
static int pidfd_of(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

int icc_ctl_wait(struct icc_store *st, const char *ref, int *code, struct icc_err *err)
{
	char id[ICC_ID_LEN + 1];
	cJSON *meta;
	int r = load(st, ref, id, &meta, err);
	if (r < 0)
		return r;
	for (;;) {
		struct icc_cstate cs;
		icc_container_state(meta, &cs);
		cJSON_Delete(meta);
		if (cs.status != ICC_CS_RUNNING && cs.status != ICC_CS_DEAD) {
			if (cs.stale)
				icc_ctl_wait_ended(st, id, 600000, 255); /* its monitor may still be recording the end */
			break;
		}
		int pfd = pidfd_of(cs.pid);
		if (pfd >= 0) {
			struct pollfd p = {.fd = pfd, .events = POLLIN};
			while (poll(&p, 1, -1) < 0 && errno == EINTR)
				;
			close(pfd);
		} else {
			sleep_ms(100);
		}
		/* the init is gone: its monitor records the end (its teardown may take
		 * seconds: wait while it lives); a lost one is recorded here */
		icc_ctl_wait_ended(st, id, 600000, 255);
		if (icc_object_meta(st, ICC_CONTAINER, id, &meta, err) < 0) {
			/* --rm: removed at its end; Docker's wait says 0 too */
			*code = 0;
			return 0;
		}
	}
	if (icc_object_meta(st, ICC_CONTAINER, id, &meta, err) < 0) {
		*code = 0;
		return 0;
	}
	struct icc_cstate cs;
	icc_container_state(meta, &cs);
	*code = cs.status == ICC_CS_EXITED ? cs.exit_code : 0;
	cJSON_Delete(meta);
	return 0;
}

int icc_ctl_restart(struct icc_store *st, const char *ref, int secs, struct icc_err *err)
{
	struct loaded c;
	int r = load_named(st, ref, &c, err);
	if (r < 0)
		return r;
	const cJSON *cfg = cJSON_GetObjectItemCaseSensitive(c.meta, "config");
	bool tty = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(cfg, "Tty"));
	struct icc_launch_opts lo = {
		.tty = tty,
		.stdin_open = tty && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(cfg, "OpenStdin")),
		.detach = true,
		.autoremove = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(cfg, "AutoRemove")),
	};
	r = stop_loaded(st, c.id, c.meta, secs, err);
	cJSON_Delete(c.meta);
	if (r < 0)
		return r;
	if (!icc_object_exists(st, ICC_CONTAINER, c.id))
		return icc_err_set(err, ENOENT, "container '%s' was removed when it stopped (--rm)", c.name);
	int code;
	return icc_container_start(st, c.id, &lo, &code, err);
}

int icc_ctl_rename(struct icc_store *st, const char *ref, const char *name, struct icc_err *err)
{
	if (!icc_container_name_valid(name))
		return icc_err_set(err, EINVAL,
				   "invalid container name '%s': only [a-zA-Z0-9][a-zA-Z0-9_.-]+ are allowed", name);
	int r = icc_store_lock(st, err);
	if (r < 0)
		return r;
	char id[ICC_ID_LEN + 1], cname[256];
	cJSON *meta = NULL;
	r = load(st, ref, id, &meta, err);
	if (r == 0) {
		name_of(meta, id, cname, sizeof(cname));
		if (!strcmp(cname, name))
			r = icc_err_set(err, EINVAL, "container '%s' already has that name", cname);
		else if (icc_container_name_taken(st, name))
			r = icc_err_set(err, EEXIST, "container name '%s' is already in use", name);
	}
	if (r == 0) {
		cJSON_DeleteItemFromObjectCaseSensitive(meta, "name");
		cJSON_AddStringToObject(meta, "name", name);
		r = icc_object_meta_save(st, ICC_CONTAINER, id, meta, err);
	}
	cJSON_Delete(meta);
	icc_store_unlock(st);
	return r;
}

/* A restart policy waiting out its back-off must not start it while it goes:
 * cancel that, and read the meta again (the cancel records the end). */
static int cancel_restart(struct icc_store *st, const char *id, cJSON **meta,
			  struct icc_cstate *cs, struct icc_err *err)
{
	if (cs->status == ICC_CS_RUNNING ||
	    !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(*meta, "state"), "restarting")))
		return 0;
	icc_restart_cancel(st, id);
	cJSON_Delete(*meta);
	*meta = NULL;
	int r = icc_object_meta(st, ICC_CONTAINER, id, meta, err);
	if (r == 0)
		icc_container_state(*meta, cs);
	return r;
}

/* A pidfd on the container's monitor while it lives (-1: none), taken before
 * the kill so a reused pid is never waited for. */
static int monitor_pidfd(const cJSON *meta)
{
	pid_t mon = (pid_t)icc_json_int(cJSON_GetObjectItemCaseSensitive(meta, "state"), "monitor_pid", 0);
	return mon > 0 ? pidfd_of(mon) : -1;
}

/* After SIGKILL the monitor still unmounts and removes the cgroup: removing
 * the container under it races that teardown.  Wait (at most 30 s) for it. */
static void wait_monitor(int pfd)
{
	if (pfd < 0)
		return;
	struct pollfd p = {.fd = pfd, .events = POLLIN};
	while (poll(&p, 1, 30000) < 0 && errno == EINTR)
		;
	close(pfd);
}

/* Kill a running container for rm -f; 1 when its --rm monitor removed it. */
static int kill_for_remove(struct icc_store *st, const char *id, const cJSON *meta,
			   bool drop_snaps, int *kept, struct icc_err *err)
{
	icc_restart_suppress(st, id);
	int pfd = monitor_pidfd(meta);
	struct icc_err ke;
	icc_ctl_kill(st, id, SIGKILL, &ke);
	wait_monitor(pfd);
	if (icc_object_exists(st, ICC_CONTAINER, id))
		return 0;
	/* --rm: its monitor removed it and kept its snapshots */
	if (drop_snaps && icc_store_lock(st, err) == 0) {
		int r = icc_kept_remove(st, id, err);
		icc_store_unlock(st);
		return r < 0 ? r : 1;
	}
	*kept = icc_kept_count(st, id);
	return 1;
}

/* Remove the stopped container's runtime state, then the container itself
 * (or the snapshots its --rm monitor kept) under the store lock. */
static int remove_stopped(struct icc_store *st, const char *id, const char *runtime,
			  bool drop_snaps, int *kept, struct icc_err *err)
{
	icc_runtime_cleanup(st, id, runtime);
	int r = icc_store_lock(st, err);
	if (r < 0)
		return r;
	if (icc_object_exists(st, ICC_CONTAINER, id))
		r = icc_container_remove(st, id, !drop_snaps, kept, err);
	else if (drop_snaps) /* removed by its --rm monitor, which kept them */
		r = icc_kept_remove(st, id, err);
	else
		*kept = icc_kept_count(st, id);
	icc_store_unlock(st);
	return r;
}

int icc_ctl_remove(struct icc_store *st, const char *ref, unsigned flags, char *cname,
		   size_t cname_size, int *kept, struct icc_err *err)
{
	bool drop_snaps = flags & ICC_RM_SNAPSHOTS;
	char id[ICC_ID_LEN + 1], runtime[16];
	cJSON *meta;
	*kept = 0;
	snprintf(cname, cname_size, "%s", ref);
	int r = load(st, ref, id, &meta, err);
	if (r < 0)
		return r;
	struct icc_cstate cs;
	icc_container_state(meta, &cs);
	r = cancel_restart(st, id, &meta, &cs, err);
	if (r < 0)
		return r;
	name_of(meta, id, cname, cname_size);
	snprintf(runtime, sizeof(runtime), "%s", runtime_of(meta));
	if (cs.status == ICC_CS_RUNNING || cs.status == ICC_CS_DEAD) {
		if (!(flags & ICC_RM_FORCE))
			r = icc_err_set(err, EBUSY,
					"cannot remove container '%s': it is running (stop it first, or use -f)",
					cname);
		else
			r = kill_for_remove(st, id, meta, drop_snaps, kept, err);
	}
	cJSON_Delete(meta);
	if (r != 0)
		return r < 0 ? r : 0;
	return remove_stopped(st, id, runtime, drop_snaps, kept, err);
}
