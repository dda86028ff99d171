/* cmd_dockerfile.c - icc dockerfile: the recorded shell session as a Dockerfile; icc history --commands */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "icc/console/session.h"

#define DOCKERFILE_SYNOPSIS "[--ignore PATH]... IMAGE|CONTAINER|CONTAINER/SNAP"

static int recorded(const struct icc_recipe *r)
{
	int n = 0;
	const cJSON *st;
	cJSON_ArrayForEach(st, r->steps)
		n += cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(st, "commands"));
	return n;
}

int cmd_dockerfile(int argc, char **argv)
{
	static const struct option opts[] = {{"ignore", required_argument, NULL, 'I'}, {0, 0, 0, 0}};
	const char *ignore[64];
	size_t nignore = 0;
	optind = 1;
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'I')
			return cli_usage("dockerfile", DOCKERFILE_SYNOPSIS);
		if (nignore == sizeof(ignore) / sizeof(ignore[0]) || optarg[0] != '/') {
			cli_errorf("dockerfile: --ignore '%s': an absolute path (at most 64)", optarg);
			return EXIT_USAGE;
		}
		ignore[nignore++] = optarg;
	}
	if (argc - optind != 1)
		return cli_usage("dockerfile", DOCKERFILE_SYNOPSIS);
	struct icc_store st;
	if (cli_open_store(&st))
		return 1;
	struct icc_err err;
	struct icc_recipe r;
	int rc = icc_recipe_collect(&st, argv[optind], &r, &err);
	icc_store_close(&st);
	if (rc < 0)
		return cli_fail(&err);
	if (!recorded(&r))
		cli_errorf("dockerfile: %s: no recorded session (printing the FROM and the config)", argv[optind]);
	char *text = icc_recipe_dockerfile(&r, ignore, nignore);
	fputs(text ? text : "", stdout);
	free(text);
	icc_recipe_free(&r);
	return 0;
}

/* icc history --commands X: the recorded commands per lineage step. */
int cli_history_commands(const char *what)
{
	struct icc_store st;
	if (cli_open_store(&st))
		return 1;
	struct icc_err err;
	struct icc_recipe r;
	int rc = icc_recipe_collect(&st, what, &r, &err);
	icc_store_close(&st);
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
