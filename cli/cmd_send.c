/* cmd_send.c - icc send / receive: replicate images and snapshots between stores */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "icc/oci/oci.h"

static int send_stream(int fd, struct cli_progress *pg, void *arg, struct icc_err *err)
{
	struct cli_ctx *ctx = arg;
	(void)pg;
	return icc_send(&ctx->st, ctx->argv[0], cli_value(ctx, "p", NULL), fd, err);
}

int cmd_send(struct cli_ctx *ctx)
{
	struct icc_err err;
	icc_err_clear(&err);
	char what[300];
	snprintf(what, sizeof(what), "Sending %s", ctx->argv[0]);
	int r = cli_write_output(cli_value(ctx, "o", NULL), what, cli_has(ctx, "q"), send_stream, ctx, &err);
	return r < 0 ? cli_fail(&err) : 0;
}

#define ON_TTY "cannot receive from a terminal: use -i FILE or pipe a stream in"

static int input_fd(const char *path)
{
	return cli_open_input(path, "receive", ON_TTY);
}

int cmd_receive_check(struct cli_ctx *ctx)
{
	return cli_check_input(cli_value(ctx, "i", NULL), "receive", ON_TTY);
}

struct receive {
	struct cli_ctx *ctx;
	const char *name;
	char id[ICC_ID_LEN + 1];
};

static int receive_stream(int fd, struct cli_progress *pg, void *arg, struct icc_err *err)
{
	struct receive *rv = arg;
	(void)pg;
	return icc_receive(&rv->ctx->st, fd, rv->name, rv->ctx->argv[0], rv->id, err);
}

int cmd_receive(struct cli_ctx *ctx)
{
	const char *in = cli_value(ctx, "i", NULL);
	bool file = in && strcmp(in, "-");
	int fd = input_fd(in);
	if (fd < 0)
		return 1;
	struct icc_err err;
	icc_err_clear(&err);
	char what[300], name[300];
	snprintf(what, sizeof(what), "Receiving %s", file ? in : "stdin");
	if (file)
		snprintf(name, sizeof(name), "'%s'", in);
	else
		snprintf(name, sizeof(name), "the stream on stdin");
	struct receive rv = {.ctx = ctx, .name = name};
	int r = cli_read_input(fd, what, cli_has(ctx, "q"), receive_stream, &rv, &err);
	if (fd > 0)
		close(fd);
	if (r < 0)
		return cli_fail(&err);
	printf("Received image sha256:%s\n", rv.id);
	return 0;
}
