/* cmd_dockerfile.c - icc dockerfile: the recorded shell session as a Dockerfile; icc history --commands */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "icc/console/session.h"

#define DOCKERFILE_IGNORE_MAX 64

static int recorded(const struct icc_recipe *r)
{
	int n = 0;
	const cJSON *st;
	cJSON_ArrayForEach(st, r->steps)
		n += cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(st, "commands"));
	return n;
}

int cmd_dockerfile_check(struct cli_ctx *ctx)
{
	const char *p;
	for (size_t i = 0; (p = cli_nth(ctx, "ignore", i)); i++)
		if (i == DOCKERFILE_IGNORE_MAX || p[0] != '/') {
			cli_errorf("dockerfile: --ignore '%s': an absolute path (at most 64)", p);
			return EXIT_USAGE;
		}
	return 0;
}

int cmd_dockerfile(struct cli_ctx *ctx)
{
	struct icc_store *st = &ctx->st;
	const char *ignore[DOCKERFILE_IGNORE_MAX];
	size_t nignore = 0;
	while (nignore < DOCKERFILE_IGNORE_MAX && (ignore[nignore] = cli_nth(ctx, "ignore", nignore)))
		nignore++;
	struct icc_err err;
	struct icc_recipe r;
	int rc = icc_recipe_collect(st, ctx->argv[0], &r, &err);
	if (rc < 0)
		return cli_fail(&err);
	if (!recorded(&r))
		cli_errorf("dockerfile: %s: no recorded session (printing the FROM and the config)", ctx->argv[0]);
	char *text = icc_recipe_dockerfile(&r, ignore, nignore);
	fputs(text ? text : "", stdout);
	free(text);
	icc_recipe_free(&r);
	return 0;
}

/* icc history --commands X: the recorded commands per lineage step. */
int cli_history_commands(struct icc_store *st, const char *what)
{
	struct icc_err err;
	struct icc_recipe r;
	int rc = icc_recipe_collect(st, what, &r, &err);
	if (rc < 0)
		return cli_fail(&err);
	struct cli_table t;
	cli_table_init(&t, 4, "STEP", "EXIT", "CWD", "COMMAND");
	const cJSON *s, *e;
	cJSON_ArrayForEach(s, r.steps)
		cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(s, "commands")) {
			const cJSON *status = cJSON_GetObjectItemCaseSensitive(e, "status");
			char code[16];
			snprintf(code, sizeof(code), "%d", cJSON_IsNumber(status) ? status->valueint : 0);
			const char *cwd = icc_json_str(e, "cwd"), *cmd = icc_json_str(e, "cmd");
			cli_table_add(&t, icc_json_str(s, "label"), cJSON_IsNumber(status) ? code : "-",
				      cwd ? cwd : "", cmd ? cmd : "");
		}
	if (!recorded(&r))
		cli_errorf("history: %s: no recorded session", what);
	cli_table_print(&t, stdout);
	cli_table_free(&t);
	icc_recipe_free(&r);
	return 0;
}
