/* runtime.h - running containers with an OCI runtime (runc, crun): bundle, state, launch */
#ifndef ICC_RUNTIME_H
#define ICC_RUNTIME_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <cjson/cJSON.h>

#include "icc/base/err.h"
#include "icc/store/store.h"
#include "icc/base/util.h"

/*
 * Files of a container beside its rootfs (containers/<id>/):
 *   bundle/config.json   OCI runtime config, root.path = merged
 *   merged/              the icc-fs mount the container runs in
 *   hostname hosts resolv.conf   bind-mounted over /etc/... in the container
 *   container-json.log   every run's output, as Docker's json-file driver (jsonlog.h)
 *   runtime.pid          the container's init pid (runtime --pid-file)
 *   icc-fs.pid           the icc-fs daemon's pid
 * The runtime keeps its state under <root>/runtime/<runtime>/.
 */

/* The runtime of a container whose record names none (made before icc recorded it). */
#define ICC_LEGACY_RUNTIME "runc"

/* The runtime of a new container: crun when installed (it starts a container
 * in about two thirds of runc's time, docs/performance.md), else runc. */
const char *icc_runtime_default(void);

/* Is `name` a runtime icc knows and is it installed, and is this process
 * somewhere containers can run (icc_host_root_check)?  0 or -errno. */
int icc_runtime_check(const char *name, struct icc_err *err);

/* -EPERM when the process root is not its mount namespace's root (a chroot),
 * where the runtime's exec would enter the host's real root (fs/runtime/hostroot.c). */
int icc_host_root_check(struct icc_err *err);

/*
 * Run the runtime: `runtime --root <root>/runtime/<runtime> ARGS...` (crun on a
 * hybrid cgroup layout in a private mount namespace without
 * /sys/fs/cgroup/unified).  stdio fds: -1 means /dev/null; errfd -1 means
 * "capture": the first bytes of the runtime's stderr land in errbuf.
 * Returns the exit status (>= 0) or -errno.
 */
int icc_runtime_cmd(struct icc_store *st, const char *runtime, const char *const *args,
		    int infd, int outfd, int errfd, char *errbuf, size_t errsize,
		    struct icc_err *err);

/*
 * Start a created container whose init is `pid`: for runc, icc opens the
 * exec fifo itself (what `runc start` does, without its process start);
 * otherwise `runtime start`.  0 or -errno (errbuf: the runtime's stderr).
 */
int icc_runtime_start(struct icc_store *st, const char *runtime, const char *id, pid_t pid,
		      char *errbuf, size_t errsize, struct icc_err *err);

/* The one useful line of a runtime error ("exec: "x": executable file not found ..."). */
void icc_runtime_errmsg(const char *raw, char *out, size_t size);

/*
 * Write containers/<id>/{bundle/config.json,hostname,hosts,resolv.conf}
 * from meta.json's "config".  `tty` overrides config.Tty when >= 0.
 */
int icc_bundle_write(struct icc_store *st, const char *id, const cJSON *meta, int tty,
		     struct icc_err *err);

/* The host's tini for --init (tini-static first), NULL when not installed. */
const char *icc_init_binary(void);

/* Live status of a container, from meta.json "state" checked against /proc. */
enum icc_cstatus { ICC_CS_CREATED, ICC_CS_RUNNING, ICC_CS_EXITED, ICC_CS_DEAD };
struct icc_cstate {
	enum icc_cstatus status;
	pid_t pid;          /* container init (host pid) when running */
	int exit_code;
	int64_t started_ns, finished_ns;
	bool stale;         /* meta.json said running but the process is gone */
};
void icc_container_state(const cJSON *meta, struct icc_cstate *out);
const char *icc_cstatus_name(enum icc_cstatus s);

/* Process start time (clock ticks since boot, /proc/PID/stat field 22), 0 if gone. */
unsigned long long icc_proc_starttime(pid_t pid);

/*
 * Update meta.json "state" of container `id` under the store lock:
 * merges the members of `patch` into it.  A removed container is not an error
 * (returns -ENOENT quietly).
 */
int icc_state_update(struct icc_store *st, const char *id, const cJSON *patch,
		     struct icc_err *err);
/*
 * The same without the fsyncs, for facts that any crash voids anyway (a
 * running container's pids, the exit code shown until the end is recorded):
 * after a crash meta.json is the old or the new file, never a mix.
 */
int icc_state_update_transient(struct icc_store *st, const char *id, const cJSON *patch,
			       struct icc_err *err);
/* A new state patch for a container that ended with `code`: status exited,
 * exit_code, finished now (NULL when out of memory). */
cJSON *icc_state_exited(int code);

/*
 * Tear down what a run left: the runtime's state (delete --force, which also
 * removes the cgroup) and the icc-fs mount.  Safe to call many times.
 */
void icc_runtime_cleanup(struct icc_store *st, const char *id, const char *runtime);

/* icc-fs mounts: see fsmount.h */
#include "icc/store/fsmount.h"

/* Store a snapshot of a container's rootfs (as `icc snapshot`), published under the store lock. */
struct icc_snap_info;
int icc_container_save(struct icc_store *st, const char *id, const char *name,
		       const char *by, struct icc_snap_info *info, struct icc_err *err);
/* The same, with the commands that led to it (session.h) in the snapshot's "source". */
int icc_container_save_commands(struct icc_store *st, const char *id, const char *name, const char *by,
				const cJSON *commands, struct icc_snap_info *info, struct icc_err *err);

/* Resolve USER ("name", "uid", "name:group", "uid:gid") in the container's /etc files. */
int icc_runtime_user(struct icc_store *st, const char *id, const char *user, long *uid,
		     long *gid, struct icc_err *err);

/* Exit code Docker gives a failed start: 127 not found, 126 cannot execute, else 125. */
int icc_runtime_exit_code(const char *msg);

/* What a typed "#save" saves: the container `id` of `st`. */
struct icc_save_target {
	struct icc_store *st;
	const char *id;
	struct icc_session *session; /* its recorded commands go into the snapshot (NULL: none) */
};
/* icc_io's on_save: take the snapshot, the notice for the terminal in reply. */
void icc_save_reply(void *target, const char *name, char *reply, size_t size);
/*
 * exec -it on a pty icc relays (the #save watcher included): `rest` is what
 * follows "exec --tty" for the runtime (options, id, command).  The process's
 * exit code goes to *exit_code.  record: the commands typed at its shell
 * prompt are recorded (session.h).
 */
int icc_exec_tty(struct icc_store *st, const char *runtime, const char *id,
		 const char *const *rest, bool record, int *exit_code, struct icc_err *err);

/* ---- runtime_run.c: starting containers and waiting for them ---- */
struct icc_launch_opts {
	bool tty;          /* a pty (process.terminal), relayed to our stdio */
	bool stdin_open;   /* -i: the container reads our stdin */
	bool detach;       /* run under a monitor process, output only to the json log */
	bool autoremove;   /* --rm: remove the container after it ended */
	int restarts;      /* restarts under the restart policy so far (0: a start anew) */
	const char *detach_keys; /* foreground with a tty: keys that detach (NULL: ctrl-p,ctrl-q) */
	int output_fd;     /* > 0: the foreground container's stdout and stderr go there (icc build) */
	bool record;       /* tty + stdin: record the commands typed at the shell (session.h) */
};

/*
 * Start container `id` (created or exited): bundle, icc-fs mount, runtime
 * create + start.  Foreground: relays stdio (and "#save" lines with a tty)
 * until the container ends, then records its exit code, unmounts and sets
 * *exit_code.  Detached: returns once the container runs; a double-forked
 * monitor waits for it and cleans up.  On failure nothing is left running or
 * mounted and *exit_code is 125, 126 or 127.
 */
int icc_container_start(struct icc_store *st, const char *id, const struct icc_launch_opts *o,
			int *exit_code, struct icc_err *err);

/*
 * Restart policies (config.RestartPolicy, Docker's): the process that waits
 * for the container (the detached monitor, or one forked when a foreground
 * run ends) starts it again per policy with Docker's back-off and counts
 * state.restart_count.  Nothing survives a host reboot: after one, nothing
 * restarts until someone runs `icc start`.
 *
 * icc_restart_suppress: `icc stop` / `rm -f` ended it: no policy restarts it
 * until its next start (state.manually_stopped).
 */
void icc_restart_suppress(struct icc_store *st, const char *id);
/* The same for a container that is not running: and wait until a monitor that
 * was about to start it again is done (what it started meanwhile is killed). */
void icc_restart_cancel(struct icc_store *st, const char *id);

/* How many processes the OOM killer killed in container `id`'s memory cgroup
 * (cgroup v2 memory.events, v1 memory.oom_control); 0 when unknown. */
long icc_cgroup_oom_kills(const char *id);

#endif
