/* run_opts.h - the options `icc run` and `icc create` share */
#ifndef ICC_RUN_OPTS_H
#define ICC_RUN_OPTS_H

#include <stdbool.h>

#include <cjson/cJSON.h>

struct run_opts {
	bool interactive, tty, detach, autoremove;
	const char *name;
	const char *image;
	cJSON *config;   /* members over the image's config: Cmd, Env, Tty, Mounts, ... */
	const char *runtime;
	const char *pull;    /* --pull missing (default), always, never */
	const char *detach_keys; /* --detach-keys (checked; NULL: ctrl-p,ctrl-q) */
	bool no_record;      /* --no-record: -it shells' commands are not recorded (session.h) */
};

/* The options, by their place in cli_run_opts (the spec that parses them and prints run's help). */
enum {
	RUN_OPT_INTERACTIVE, RUN_OPT_TTY, RUN_OPT_DETACH, RUN_OPT_RM, RUN_OPT_NAME, RUN_OPT_ENV,
	RUN_OPT_WORKDIR, RUN_OPT_USER, RUN_OPT_HOSTNAME, RUN_OPT_VOLUME, RUN_OPT_NETWORK, RUN_OPT_NET,
	RUN_OPT_PUBLISH, RUN_OPT_PUBLISH_ALL, RUN_OPT_PULL, RUN_OPT_RUNTIME, RUN_OPT_SECURITY_OPT,
	RUN_OPT_ENTRYPOINT, RUN_OPT_ENV_FILE, RUN_OPT_LABEL, RUN_OPT_MEMORY, RUN_OPT_CPUS,
	RUN_OPT_PIDS_LIMIT, RUN_OPT_ULIMIT, RUN_OPT_SHM_SIZE, RUN_OPT_TMPFS, RUN_OPT_READ_ONLY,
	RUN_OPT_INIT, RUN_OPT_CAP_ADD, RUN_OPT_CAP_DROP, RUN_OPT_PRIVILEGED, RUN_OPT_ADD_HOST,
	RUN_OPT_RESTART, RUN_OPT_DETACH_KEYS, RUN_OPT_NO_RECORD, RUN_OPT_EXCLUDE, RUN_OPT_COUNT,
};

/* One of those flags into `config` (Docker's key names); 0, 125 after printing
 * the error, -1 when `c` is not one of them. */
int run_flag(cJSON *config, const char *cmd, int c, const char *arg);
/* Checks and defaults once all flags are read (--restart with --rm, --entrypoint
 * without CMD, --privileged); 0 or 125 after printing. */
int run_flags_finish(cJSON *config, const char *cmd, bool autoremove, bool has_cmd);

/* The options cli_parse read (ctx of run or create) into o; returns 0, or an exit code
 * (125) after printing the error.  Free with run_opts_free. */
struct cli_ctx;
int run_opts_parse(const struct cli_ctx *ctx, struct run_opts *o);
void run_opts_free(struct run_opts *o);

#endif
