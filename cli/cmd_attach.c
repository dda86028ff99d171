/* cmd_attach.c - icc attach: the terminal of a running container (fs/console/attach_client.c) */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "icc/console/attach.h"
#include "icc/store/object.h"

int cmd_attach_check(struct cli_ctx *ctx)
{
	const char *proxy = cli_value(ctx, "sig-proxy", "true"), *keys = cli_value(ctx, "detach-keys", NULL);
	if (strcmp(proxy, "true") && strcmp(proxy, "false"))
		return cli_usage_code("attach", EXIT_RUN_FAILED);
	struct icc_err err;
	char kb[16];
	size_t kn;
	if (keys && icc_detach_keys_parse(keys, kb, &kn, &err) < 0) {
		cli_errorf("attach: %s", err.msg);
		return EXIT_RUN_FAILED;
	}
	return 0;
}

int cmd_attach(struct cli_ctx *ctx)
{
	struct icc_attach_opts o = {
		.detach_keys = cli_value(ctx, "detach-keys", NULL),
		.no_stdin = cli_has(ctx, "no-stdin"),
		.sig_proxy = !strcmp(cli_value(ctx, "sig-proxy", "true"), "true"),
	};
	struct icc_err err;
	char id[ICC_ID_LEN + 1];
	int code = 0;
	bool detached = false;
	int r = icc_container_resolve(&ctx->st, ctx->argv[0], id, &err);
	if (r == 0) {
		fflush(stdout);
		r = icc_attach(&ctx->st, id, &o, &code, &detached, &err);
	}
	if (r < 0)
		return cli_fail(&err);
	return detached ? 0 : code;
}

const struct cli_opt cmd_attach_opts[] = {
	{0, "detach-keys", "KEYS", "keys that detach and leave it running (default ctrl-p,ctrl-q)"},
	{0, "no-stdin", NULL, "do not send what is typed (only show the output)"},
	{0, "sig-proxy", "=BOOL", "forward SIGINT, SIGTERM, SIGHUP, SIGQUIT (default true)"},
	{0},
};
