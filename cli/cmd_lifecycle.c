/* cmd_lifecycle.c - icc restart / wait / top / rename / pause / unpause (fs/container/container_ctl.c does the work) */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "icc/container/container_ctl.h"

/* Options that none of these commands has: every getopt error is a usage line. */
static int no_options(int argc, char **argv, const char *cmd)
{
	static const struct option none[] = {{0, 0, 0, 0}};
	optind = 1;
	if (getopt_long(argc, argv, "+", none, NULL) != -1)
		return cli_usage_code(cmd, EXIT_RUN_FAILED);
	return 0;
}

/* Run `one` on each container named after the options, in one store; 1 if any failed. */
static int each_container(int argc, char **argv,
			  int (*one)(struct icc_store *st, const char *ref, void *ctx, struct icc_err *err), void *ctx)
{
	struct icc_store st;
	if (cli_open_store(&st))
		return 1;
	int status = 0;
	for (int i = optind; i < argc; i++) {
		struct icc_err err;
		if (one(&st, argv[i], ctx, &err) < 0) {
			cli_fail(&err);
			status = 1;
		}
	}
	icc_store_close(&st);
	return status;
}

static int restart_one(struct icc_store *st, const char *ref, void *ctx, struct icc_err *err)
{
	fflush(stdout);
	int r = icc_ctl_restart(st, ref, *(int *)ctx, err);
	if (r == 0)
		puts(ref);
	return r;
}

static int wait_one(struct icc_store *st, const char *ref, void *ctx, struct icc_err *err)
{
	int code;
	int r = icc_ctl_wait(st, ref, &code, err);
	if (r == 0) {
		printf("%d\n", code);
		fflush(stdout);
	}
	return r;
}

int cmd_restart(int argc, char **argv)
{
	static const struct option opts[] = {
		{"time", required_argument, NULL, 't'},
		{0, 0, 0, 0},
	};
	int secs = 10, c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "t:", opts, NULL)) != -1) {
		if (c != 't')
			return cli_usage_code("restart", EXIT_RUN_FAILED);
		if (cli_parse_secs("restart", optarg, &secs))
			return EXIT_RUN_FAILED;
	}
	if (optind >= argc)
		return cli_usage_code("restart", EXIT_RUN_FAILED);
	return each_container(argc, argv, restart_one, &secs);
}

int cmd_wait(int argc, char **argv)
{
	if (no_options(argc, argv, "wait"))
		return EXIT_RUN_FAILED;
	if (optind >= argc)
		return cli_usage_code("wait", EXIT_RUN_FAILED);
	return each_container(argc, argv, wait_one, NULL);
}

int cmd_top(int argc, char **argv)
{
	/* everything after CONTAINER is ps's, as with docker top */
	if (no_options(argc, argv, "top"))
		return EXIT_RUN_FAILED;
	if (optind >= argc)
		return cli_usage_code("top", EXIT_RUN_FAILED);
	struct icc_store st;
	if (cli_open_store(&st))
		return 1;
	struct icc_err err;
	char *out;
	int r = icc_ctl_top(&st, argv[optind], (const char *const *)argv + optind + 1, &out, &err);
	icc_store_close(&st);
	if (r < 0)
		return cli_fail(&err);
	/* what ps printed of the container's processes: their command lines, made printable */
	for (char *line = out, *nl; *line; line = nl ? nl + 1 : line + strlen(line)) {
		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		icc_printable(line);
		puts(line);
		if (!nl)
			break;
	}
	free(out);
	return 0;
}

int cmd_rename(int argc, char **argv)
{
	if (no_options(argc, argv, "rename"))
		return EXIT_RUN_FAILED;
	if (argc - optind != 2)
		return cli_usage_code("rename", EXIT_RUN_FAILED);
	struct icc_store st;
	if (cli_open_store(&st))
		return 1;
	struct icc_err err;
	int r = icc_ctl_rename(&st, argv[optind], argv[optind + 1], &err);
	icc_store_close(&st);
	return r < 0 ? cli_fail(&err) : 0;
}

static int pause_one(struct icc_store *st, const char *ref, void *ctx, struct icc_err *err)
{
	int r = icc_ctl_pause(st, ref, *(bool *)ctx, err);
	if (r == 0)
		puts(ref);
	return r;
}

static int pause_cmd(int argc, char **argv, const char *cmd, bool pause)
{
	if (no_options(argc, argv, cmd))
		return EXIT_RUN_FAILED;
	if (optind >= argc)
		return cli_usage_code(cmd, EXIT_RUN_FAILED);
	return each_container(argc, argv, pause_one, &pause);
}

int cmd_pause(int argc, char **argv)
{
	return pause_cmd(argc, argv, "pause", true);
}

int cmd_unpause(int argc, char **argv)
{
	return pause_cmd(argc, argv, "unpause", false);
}
