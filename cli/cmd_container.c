/* cmd_container.c - icc start / stop / kill / rm: containers' lifecycle (fs/container/container_ctl.c does the work) */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "icc/console/attach.h"
#include "icc/container/container_ctl.h"
#include "icc/store/object.h"
#include "icc/runtime/runtime.h"
#include "icc/snap/snapkeep.h"

/* --detach-keys and, with -a/-i, one container: usage checks before the store */
int cmd_start_check(struct cli_ctx *ctx)
{
	const char *keys = cli_value(ctx, "detach-keys", NULL);
	char kb[16];
	size_t kn;
	struct icc_err kerr;
	if (keys && icc_detach_keys_parse(keys, kb, &kn, &kerr) < 0) {
		cli_errorf("start: %s", kerr.msg);
		return EXIT_USAGE;
	}
	if ((cli_has(ctx, "attach") || cli_has(ctx, "interactive")) && ctx->argc != 1)
		return cli_usage_why(ctx->cmd, NULL);
	return 0;
}

int cmd_start(struct cli_ctx *ctx)
{
	bool attach = cli_has(ctx, "attach"), interactive = cli_has(ctx, "interactive");
	int status = 0;
	for (int i = 0; i < ctx->argc; i++) {
		char id[ICC_ID_LEN + 1];
		cJSON *meta;
		if (cli_container_load(&ctx->st, ctx->argv[i], id, &meta)) {
			status = 1;
			continue;
		}
		const cJSON *cfg = cJSON_GetObjectItemCaseSensitive(meta, "config");
		struct icc_launch_opts lo = {
			.tty = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(cfg, "Tty")),
			.stdin_open = interactive,
			.detach = !(attach || interactive),
			.autoremove = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(cfg, "AutoRemove")),
			.detach_keys = cli_value(ctx, "detach-keys", NULL),
			.record = !cli_has(ctx, "no-record"),
		};
		cJSON_Delete(meta);
		int code = 0;
		struct icc_err err;
		fflush(stdout);
		if (icc_container_run(&ctx->st, id, &lo, &code, &err) < 0) {
			cli_fail(&err);
			status = code ? code : 1;
			continue;
		}
		if (lo.detach)
			puts(ctx->argv[i]);
		else
			status = code;
	}
	return status;
}

const struct cli_opt cmd_start_opts[] = {
	{'a', "attach", NULL, "attach to its output (one container)"},
	{'i', "interactive", NULL, "attach stdin too (one container)"},
	{0, "detach-keys", "KEYS", "with a terminal: keys that detach, leaving it running (ctrl-p,ctrl-q)"},
	{0, "no-record", NULL, "do not record the commands typed at its shell (icc dockerfile)"},
	{0},
};

/* stop (sig < 0) or signal one container */
static int signal_one(struct cli_ctx *ctx, const char *ref, void *arg, struct icc_err *err)
{
	const int *sig_secs = arg;
	int r = sig_secs[0] < 0 ? icc_ctl_stop(&ctx->st, ref, sig_secs[1], err)
				: icc_ctl_kill(&ctx->st, ref, sig_secs[0], err);
	if (r == 0)
		puts(ref);
	return r;
}

int cmd_stop(struct cli_ctx *ctx)
{
	int sig_secs[2] = {-1, 10};
	cli_parse_secs("stop", cli_value(ctx, "time", "10"), &sig_secs[1]);
	return cli_each(ctx, 0, signal_one, sig_secs);
}

int cmd_kill_check(struct cli_ctx *ctx)
{
	const char *s = cli_value(ctx, "signal", NULL);
	if (s && icc_signal_parse(s) < 0) {
		cli_errorf("kill: %s: invalid signal (a name like TERM or SIGUSR1, or a number 1-%d)", s, SIGRTMAX);
		return EXIT_USAGE;
	}
	return 0;
}

int cmd_kill(struct cli_ctx *ctx)
{
	const char *s = cli_value(ctx, "signal", NULL);
	int sig_secs[2] = {s ? icc_signal_parse(s) : SIGKILL, 0};
	return cli_each(ctx, 0, signal_one, sig_secs);
}

const struct cli_opt cmd_kill_opts[] = {
	{'s', "signal", "SIGNAL", "name or number (default KILL)"},
	{0},
};

static int remove_one(struct cli_ctx *ctx, const char *ref, void *flags, struct icc_err *err)
{
	char cname[256];
	int kept;
	int r = icc_ctl_remove(&ctx->st, ref, *(unsigned *)flags, cname, sizeof(cname), &kept, err);
	if (r < 0)
		return r;
	cli_say_kept(cname, kept);
	puts(ref);
	return 0;
}

int cmd_rm(struct cli_ctx *ctx)
{
	unsigned flags = (cli_has(ctx, "force") ? ICC_RM_FORCE : 0) |
			 (cli_has(ctx, "snapshots") ? ICC_RM_SNAPSHOTS : 0);
	return cli_each(ctx, 0, remove_one, &flags);
}

const struct cli_opt cmd_rm_opts[] = {
	{'f', "force", NULL, "kill a running container first"},
	{0, "snapshots", NULL, "delete the container's snapshots too (else kept: icc snapshots --all)"},
	{'v', NULL, NULL, "accepted for Docker's sake: icc containers have no anonymous volumes"},
	{0},
};
