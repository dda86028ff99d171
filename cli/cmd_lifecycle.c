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
int cli_time_check(struct cli_ctx *ctx)
{
	int secs;
	const char *t = cli_value(ctx, "time", NULL);
	return t && cli_parse_secs(ctx->cmd->name, t, &secs) ? EXIT_RUN_FAILED : 0;
}

int cmd_restart(struct cli_ctx *ctx)
{
	int secs = 10;
	cli_parse_secs("restart", cli_value(ctx, "time", "10"), &secs);
	return cli_each(ctx, 0, restart_one, &secs);
}

const struct cli_opt cli_time_opts[] = {
	{'t', "time", "SECS", "seconds to wait before SIGKILL (default 10)"},
	{0},
};

int cmd_wait(struct cli_ctx *ctx)
{
	return cli_each(ctx, 0, wait_one, NULL);
}

int cmd_top(struct cli_ctx *ctx)
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

int cmd_rename(struct cli_ctx *ctx)
{
	struct icc_err err;
	return icc_ctl_rename(&ctx->st, ctx->argv[0], ctx->argv[1], &err) < 0 ? cli_fail(&err) : 0;
}

static int pause_one(struct cli_ctx *ctx, const char *ref, void *pause, struct icc_err *err)
{
	int r = icc_ctl_pause(&ctx->st, ref, *(bool *)pause, err);
	if (r == 0)
		puts(ref);
	return r;
}

int cmd_pause(struct cli_ctx *ctx)
{
	bool pause = !strcmp(ctx->cmd->name, "pause");
	return cli_each(ctx, 0, pause_one, &pause);
}
