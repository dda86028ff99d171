/* container_ctl.h - controlling running containers: signals, stop, wait, restart, pause, rename */
#ifndef ICC_CONTAINER_CTL_H
#define ICC_CONTAINER_CTL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <cjson/cJSON.h>

#include "icc/base/err.h"
#include "icc/store/store.h"
#include "icc/base/util.h"

/*
 * A signal as Docker takes it: a number (1..SIGRTMAX), a name with or
 * without "SIG" in any case ("term", "SIGUSR1"), or RTMIN+N / RTMAX-N.
 * Returns the number, or -1.
 */
int icc_signal_parse(const char *s);

/*
 * Every call takes a container reference (name, id or id prefix) and
 * returns 0 or -errno with a message naming the container.
 */

/* Send `sig`; -EINVAL ("is not running") when the container does not run.
 * A paused container is thawed after the signal, so it can act on it. */
int icc_ctl_kill(struct icc_store *st, const char *ref, int sig, struct icc_err *err);

/*
 * Stop: the container's StopSignal (default SIGTERM), SIGKILL after `secs`
 * seconds, then wait until its end is recorded.  A container that does not
 * run is not an error.
 */
int icc_ctl_stop(struct icc_store *st, const char *ref, int secs, struct icc_err *err);

/* Block until the container does not run; its exit code in *code (0 for a
 * created container). */
int icc_ctl_wait(struct icc_store *st, const char *ref, int *code, struct icc_err *err);

/* Stop (as icc_ctl_stop) and start again in the background, with a terminal
 * when it was created with -t (attachable: icc attach). */
int icc_ctl_restart(struct icc_store *st, const char *ref, int secs, struct icc_err *err);

/* Freeze / thaw every process of a running container (the runtime's
 * pause/resume: the cgroup freezer); state "paused" records it. */
int icc_ctl_pause(struct icc_store *st, const char *ref, bool pause, struct icc_err *err);

/* icc rm: refuse a running container unless ICC_RM_FORCE (then SIGKILL it
 * and wait for its monitor's teardown); ICC_RM_SNAPSHOTS drops the
 * snapshots that would be kept. */
#define ICC_RM_FORCE 1u
#define ICC_RM_SNAPSHOTS 2u

/*
 * Remove a container as `icc rm` does: cancel a restart waiting out its
 * back-off, kill it (with ICC_RM_FORCE), clean up its runtime state and
 * remove it.  The container's name in `cname` (also on failure, once
 * resolved) and the count of snapshots kept for it in *kept.  A running
 * container without ICC_RM_FORCE is -EBUSY.
 */
int icc_ctl_remove(struct icc_store *st, const char *ref, unsigned flags, char *cname,
		   size_t cname_size, int *kept, struct icc_err *err);

/* Give a container another name: valid ([a-zA-Z0-9][a-zA-Z0-9_.-]+) and unused. */
int icc_ctl_rename(struct icc_store *st, const char *ref, const char *name, struct icc_err *err);

/*
 * After the container's process got a fatal signal: wait (at most
 * timeout_ms, and 5 s more for the monitor) until its end is recorded; when
 * the monitor that should record it is gone, clean up and record exit
 * code `code_if_lost` here.
 */
void icc_ctl_wait_ended(struct icc_store *st, const char *id, int timeout_ms, int code_if_lost);

struct icc_cstate;
/* Container `id`'s state, and in `name` the name messages give it (its id when it has none). */
int icc_ctl_state(struct icc_store *st, const char *id, char *name, size_t size,
		  struct icc_cstate *cs, struct icc_err *err);

/* ---- container_stats.c: what the container's cgroup and netns say ---- */

/* The pids of the container's cgroup (the init's), sorted.  *pids malloc'd. */
int icc_ctl_pids(struct icc_store *st, const char *ref, pid_t **pids, size_t *n,
		 struct icc_err *err);

/*
 * `ps ARGS` (default -ef) on the host, kept to the title and the rows whose
 * PID column is one of the container's processes (as docker top).  *out is
 * malloc'd text.
 */
int icc_ctl_top(struct icc_store *st, const char *ref, const char *const *ps_args,
		char **out, struct icc_err *err);

struct icc_stats {
	char id[ICC_ID_LEN + 1];
	char name[256];
	uint64_t cpu_ns;          /* CPU time used, all processes */
	uint64_t sample_ns;       /* monotonic time of the sample */
	uint64_t mem_usage, mem_limit; /* bytes; limit: the host's memory when unlimited */
	uint64_t net_rx, net_tx;  /* bytes, every interface but lo of the netns */
	uint64_t blk_read, blk_write;
	uint64_t pids;
	bool running;
};
/* One sample of a running container (a stopped one: zeros, running false). */
int icc_ctl_stats(struct icc_store *st, const char *ref, struct icc_stats *out,
		  struct icc_err *err);
/* CPU % between two samples of one container, as Docker: 100 is one CPU busy. */
double icc_stats_cpu_percent(const struct icc_stats *before, const struct icc_stats *after);

#endif
