/* cmd_create.c - icc create: a container (writable snapshot of an image), no process */
#include "cli.h"

int cmd_create(int argc, char **argv)
{
	/* the same options as run (cli/run_opts.c); the work is in cmd_run.c */
	return cli_run_or_create(argc, argv, false);
}
