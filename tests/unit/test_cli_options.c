/* test_cli_options.c - the one option parser: GNU forms, usage errors, the help lines from the same spec */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../cli/cli.h"

static const struct cli_opt spec[] = {
	{'o', "output", "FILE", "write to FILE"},
	{'q', "quiet", NULL, "no progress"},
	{'a', "all", NULL, "everything"},
	{0, "tls-verify", "[=BOOL]", "verify\nthe certificate"},
	{0, "compress", "=ALG", "compression"},
	{'p', "pause", NULL, NULL},
	{0, "no-trunc", NULL, "full ids"},
	{'c', "change", "CHANGE", "a change line"},
	{0},
};
static const struct cli_command cmd = {.name = "t", .run = NULL, .synopsis = "[-q] X...",
				       .opts = spec, .min = 1, .max = 3};

static int parse(struct cli_ctx *ctx, const struct cli_command *c, ...)
{
	char *argv[16] = {"t"};
	int argc = 1;
	va_list ap;
	va_start(ap, c);
	for (char *a; (a = va_arg(ap, char *));)
		argv[argc++] = a;
	va_end(ap);
	return cli_parse(c, argc, argv, ctx);
}

static void gnu_forms(void **state)
{
	struct cli_ctx ctx;
	/* bundles, an attached value, --name=VALUE, a prefix, options after operands, "--" */
	assert_int_equal(parse(&ctx, &cmd, "-qa", "x", "-ofile", "--chan=A", "--change", "B", "--no-t",
			       "--", "-y", NULL), 0);
	assert_int_equal(ctx.argc, 2);
	assert_string_equal(ctx.argv[0], "x");
	assert_string_equal(ctx.argv[1], "-y");
	assert_null(ctx.argv[2]);
	assert_true(cli_has(&ctx, "q") && cli_has(&ctx, "all") && cli_has(&ctx, "no-trunc"));
	assert_string_equal(cli_value(&ctx, "output", NULL), "file");
	assert_string_equal(cli_nth(&ctx, "c", 0), "A");
	assert_string_equal(cli_nth(&ctx, "change", 1), "B");
	assert_null(cli_nth(&ctx, "change", 2));
	assert_false(cli_has(&ctx, "tls-verify"));
	assert_string_equal(cli_value(&ctx, "tls-verify", "dflt"), "dflt");
	cli_ctx_free(&ctx);
	/* an optional value: given bare or with =VALUE; "-" is an operand; -c takes the next word */
	assert_int_equal(parse(&ctx, &cmd, "--tls-verify", "-", "-c", "-q", NULL), 0);
	assert_true(cli_has(&ctx, "tls-verify"));
	assert_string_equal(cli_value(&ctx, "tls-verify", "d"), "d");
	assert_string_equal(cli_nth(&ctx, "change", 0), "-q");
	assert_false(cli_has(&ctx, "quiet"));
	assert_int_equal(ctx.argc, 1);
	cli_ctx_free(&ctx);
	assert_int_equal(parse(&ctx, &cmd, "--tls-verify=false", "x", "--compress", "zstd", "-p", NULL), 0);
	assert_string_equal(cli_value(&ctx, "tls-verify", NULL), "false");
	assert_string_equal(cli_value(&ctx, "compress", NULL), "zstd");
	assert_true(cli_has(&ctx, "pause"));
	cli_ctx_free(&ctx);
}

static void in_order_stops_at_the_first_operand(void **state)
{
	struct cli_command c = cmd;
	c.flags = CLI_IN_ORDER;
	struct cli_ctx ctx;
	assert_int_equal(parse(&ctx, &c, "-q", "x", "-a", NULL), 0);
	assert_int_equal(ctx.argc, 2);
	assert_string_equal(ctx.argv[1], "-a");
	assert_false(cli_has(&ctx, "all"));
	cli_ctx_free(&ctx);
}

static void usage_errors_exit_125(void **state)
{
	struct cli_ctx ctx;
	assert_int_equal(parse(&ctx, &cmd, "--bogus", "x", NULL), EXIT_USAGE);
	assert_int_equal(parse(&ctx, &cmd, "-z", "x", NULL), EXIT_USAGE);
	assert_int_equal(parse(&ctx, &cmd, "x", "-o", NULL), EXIT_USAGE);
	assert_int_equal(parse(&ctx, &cmd, "x", "--output", NULL), EXIT_USAGE);
	assert_int_equal(parse(&ctx, &cmd, "--quiet=1", "x", NULL), EXIT_USAGE);
	assert_int_equal(parse(&ctx, &cmd, "--t", "x", NULL), 0); /* a unique prefix: --tls-verify */
	cli_ctx_free(&ctx);
	assert_int_equal(parse(&ctx, &cmd, NULL), EXIT_USAGE);		      /* fewer than min */
	assert_int_equal(parse(&ctx, &cmd, "a", "b", "c", "d", NULL), EXIT_USAGE); /* more than max */
}

static void help_lines_come_from_the_spec(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	cli_print_options(spec, out);
	fclose(out);
	assert_string_equal(buf,
			    "  -o, --output FILE      write to FILE\n"
			    "  -q, --quiet            no progress\n"
			    "  -a, --all              everything\n"
			    "      --tls-verify=BOOL  verify\n"
			    "                         the certificate\n"
			    "      --compress=ALG     compression\n"
			    "      --no-trunc         full ids\n"
			    "  -c, --change CHANGE    a change line\n");
	free(buf);
}

/* a group: "g SUB" entries and its own ("g X", no word), as snapshot */
static int ran_sub, ran_own;
static int sub_run(struct cli_ctx *ctx)
{
	ran_sub = ctx->argc;
	return 0;
}
static int own_run(struct cli_ctx *ctx)
{
	ran_own = ctx->argc;
	return cli_has(ctx, "m") ? 7 : 0;
}
static const struct cli_command subs[] = {
	{.name = "g", .run = own_run, .synopsis = "X [-m MSG]", .max = 1,
	 .opts = (const struct cli_opt[]){{'m', NULL, "MSG", "a message"}, {0}}},
	{.name = "g rm", .run = sub_run, .synopsis = "Y...", .min = 1, .max = -1},
	{0},
};
static const struct cli_command group = {.name = "g", .subs = subs, .summary = "a group"};

static void groups_take_synopsis_and_dispatch_from_their_subs(void **state)
{
	char buf[256];
	assert_string_equal(cli_synopsis(&group, buf, sizeof(buf)), "X [-m MSG] | rm Y...");
	char *rm[] = {"g", "rm", "a", "b", NULL};
	assert_int_equal(cli_call(&group, 4, rm), 0);
	assert_int_equal(ran_sub, 2);
	char *own[] = {"g", "-m", "hi", "x", NULL};
	assert_int_equal(cli_call(&group, 4, own), 7); /* not a subcommand's word: the group's own */
	assert_int_equal(ran_own, 1);
	char *bad[] = {"g", "rm", NULL};
	assert_int_equal(cli_call(&group, 2, bad), EXIT_USAGE); /* rm wants one at least */
	const struct cli_command nogroup = {.name = "h", .subs = subs + 1};
	char *unknown[] = {"h", "zz", NULL};
	assert_int_equal(cli_call(&nogroup, 2, unknown), EXIT_USAGE);
}

int main(void)
{
	cli_set_commands(&cmd, 1); /* the usage lines name its synopsis */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(gnu_forms),
		cmocka_unit_test(in_order_stops_at_the_first_operand),
		cmocka_unit_test(usage_errors_exit_125),
		cmocka_unit_test(help_lines_come_from_the_spec),
		cmocka_unit_test(groups_take_synopsis_and_dispatch_from_their_subs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
