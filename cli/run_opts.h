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
};

#define RUN_SYNOPSIS "[-i] [-t] [-d] [--rm] [--name NAME] [-e K=V] [-w DIR] [-u USER] [--hostname H] [-v HOSTDIR:CDIR[:ro]] [--network bridge|none|host|NAME] [-p [IP:]HPORT:CPORT[/PROTO]]... [-P] [--pull missing|always|never] [--runtime runc|crun] [--security-opt OPT] [--exclude PATH]... IMAGE [CMD...]"

/* Parse; returns 0, or an exit code after printing the error.  Free with run_opts_free. */
int run_opts_parse(int argc, char **argv, const char *cmd, struct run_opts *o);
void run_opts_free(struct run_opts *o);

#endif
