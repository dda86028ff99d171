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

#define RUN_SYNOPSIS "[-i] [-t] [-d] [--rm] [--name NAME] [-e K=V] [-w DIR] [-u USER] [--hostname H] [-v HOSTDIR:CDIR[:ro]] [--network bridge|none|host|NAME] [-p [IP:]HPORT:CPORT[/PROTO]]... [-P] [--pull missing|always|never] [--runtime runc|crun] [--security-opt OPT] [-m SIZE] [--cpus N] [--restart POLICY] [--exclude PATH]... [OPTION...] IMAGE [CMD...]"

/* getopt codes of the flags run_flags.c parses (beyond any character) */
enum {
	RUN_OPT_ENTRYPOINT = 300, RUN_OPT_ENV_FILE, RUN_OPT_MEMORY, RUN_OPT_CPUS, RUN_OPT_PIDS_LIMIT,
	RUN_OPT_ULIMIT, RUN_OPT_INIT, RUN_OPT_READ_ONLY, RUN_OPT_TMPFS, RUN_OPT_CAP_ADD,
	RUN_OPT_CAP_DROP, RUN_OPT_PRIVILEGED, RUN_OPT_ADD_HOST, RUN_OPT_LABEL, RUN_OPT_SHM_SIZE,
	RUN_OPT_RESTART, RUN_OPT_DETACH_KEYS, RUN_OPT_EXCLUDE,
};

/* One of those flags into `config` (Docker's key names); 0, 125 after printing
 * the error, -1 when `c` is not one of them. */
int run_flag(cJSON *config, const char *cmd, int c, const char *arg);
/* Checks and defaults once all flags are read (--restart with --rm, --entrypoint
 * without CMD, --privileged); 0 or 125 after printing. */
int run_flags_finish(cJSON *config, const char *cmd, bool autoremove, bool has_cmd);

/* Parse; returns 0, or an exit code after printing the error.  Free with run_opts_free. */
int run_opts_parse(int argc, char **argv, const char *cmd, struct run_opts *o);
void run_opts_free(struct run_opts *o);

#endif
