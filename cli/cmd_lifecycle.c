/* cmd_lifecycle.c - icc restart / wait / top / rename / pause / unpause (fs/container/container_ctl.c does the work) */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "icc/container/container_ctl.h"

static int restart_one(struct cli_ctx *ctx, const char *ref, void *secs, struct icc_err *err)
{
	fflush(stdout);
	int r = icc_ctl_restart(&ctx->st, ref, *(int *)secs, err);
	if (r == 0)
		puts(ref);
	return r;
}

static int wait_one(struct cli_ctx *ctx, const char *ref, void *unused, struct icc_err *err)
{
	(void)unused;
	int code;
	int r = icc_ctl_wait(&ctx->st, ref, &code, err);
	if (r == 0) {
		printf("%d\n", code);
		fflush(stdout);
	}
	return r;
}

/* -t SECS of stop and restart: checked before the store is opened */
static int time_check(struct cli_ctx *ctx)
{
	int secs;
	const char *t = cli_value(ctx, "time", NULL);
	return t && cli_parse_secs(ctx->cmd->name, t, &secs) ? EXIT_RUN_FAILED : 0;
}

static int restart_run(struct cli_ctx *ctx)
{
	int secs = 10;
	cli_parse_secs("restart", cli_value(ctx, "time", "10"), &secs);
	return cli_each(ctx, 0, restart_one, &secs);
}

static const struct cli_opt time_opts[] = {
	{'t', "time", "SECS", "seconds to wait before SIGKILL (default 10)"},
	{0},
};

static const struct cli_command restart_cmd = {
	.name = "restart", .run = restart_run, .check = time_check, .opts = time_opts,
	.min = 1, .max = -1, .flags = CLI_STORE,
};

int cmd_restart(int argc, char **argv)
{
	return cli_call(&restart_cmd, argc, argv);
}

static int wait_run(struct cli_ctx *ctx)
{
	return cli_each(ctx, 0, wait_one, NULL);
}

static const struct cli_command wait_cmd = {
	.name = "wait", .run = wait_run, .min = 1, .max = -1, .flags = CLI_STORE | CLI_IN_ORDER,
};

int cmd_wait(int argc, char **argv)
{
	return cli_call(&wait_cmd, argc, argv);
}

static int top_run(struct cli_ctx *ctx)
{
	struct icc_err err;
	char *out;
	/* everything after CONTAINER is ps's, as with docker top */
	if (icc_ctl_top(&ctx->st, ctx->argv[0], (const char *const *)ctx->argv + 1, &out, &err) < 0)
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

static const struct cli_command top_cmd = {
	.name = "top", .run = top_run, .min = 1, .max = -1, .flags = CLI_STORE | CLI_IN_ORDER,
};

int cmd_top(int argc, char **argv)
{
	return cli_call(&top_cmd, argc, argv);
}

static int rename_run(struct cli_ctx *ctx)
{
	struct icc_err err;
	return icc_ctl_rename(&ctx->st, ctx->argv[0], ctx->argv[1], &err) < 0 ? cli_fail(&err) : 0;
}

static const struct cli_command rename_cmd = {
	.name = "rename", .run = rename_run, .min = 2, .max = 2, .flags = CLI_STORE | CLI_IN_ORDER,
};

int cmd_rename(int argc, char **argv)
{
	return cli_call(&rename_cmd, argc, argv);
}

static int pause_one(struct cli_ctx *ctx, const char *ref, void *pause, struct icc_err *err)
{
	int r = icc_ctl_pause(&ctx->st, ref, *(bool *)pause, err);
	if (r == 0)
		puts(ref);
	return r;
}

static int pause_run(struct cli_ctx *ctx)
{
	bool pause = !strcmp(ctx->cmd->name, "pause");
	return cli_each(ctx, 0, pause_one, &pause);
}

static const struct cli_command pause_cmd = {
	.name = "pause", .run = pause_run, .min = 1, .max = -1, .flags = CLI_STORE | CLI_IN_ORDER,
};

int cmd_pause(int argc, char **argv)
{
	return cli_call(&pause_cmd, argc, argv);
}

static const struct cli_command unpause_cmd = {
	.name = "unpause", .run = pause_run, .min = 1, .max = -1, .flags = CLI_STORE | CLI_IN_ORDER,
};

int cmd_unpause(int argc, char **argv)
{
	return cli_call(&unpause_cmd, argc, argv);
}
