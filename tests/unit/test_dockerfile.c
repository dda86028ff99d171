/* test_dockerfile.c - the Dockerfile parser, variable expansion and .dockerignore matching (pure) */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "unit.h"

#include "icc/build/build.h"

static int parse(const char *text, struct icc_dockerfile *df, struct icc_err *err)
{
	return icc_df_parse(text, strlen(text), df, err);
}

static void instructions_and_stages(void **state)
{
	struct icc_dockerfile df;
	struct icc_err err;
	const char *text =
		"# syntax comment\n"
		"ARG BASE=busybox\n"
		"from $BASE AS Build\n"
		"RUN echo a \\\n"
		"  # a comment inside\n"
		"    && echo b\n"
		"\n"
		"COPY --from=build --chown=1:2 --chmod=644 a b /dst/\n"
		"CMD [\"sh\", \"-c\", \"x\"]\n"
		"CMD [not json\n"
		"FROM scratch\n"
		"ADD [\"x y\", \"/z\"]\n";
	assert_int_equal(parse(text, &df, &err), 0);
	assert_int_equal(df.n, 8);
	assert_int_equal(df.nglobal, 1);
	assert_int_equal(df.nstages, 2);
	assert_string_equal(df.stages[0].name, "build");
	assert_int_equal(df.stages[0].count, 5);
	assert_null(df.stages[1].name);
	assert_int_equal(df.v[1].op, ICC_DF_FROM);
	assert_string_equal(df.v[1].from, "$BASE");
	assert_string_equal(df.v[1].text, "FROM $BASE AS Build");
	assert_int_equal(df.v[2].op, ICC_DF_RUN);
	assert_int_equal(df.v[2].line, 4);
	assert_string_equal(df.v[2].args, "echo a     && echo b");
	assert_false(df.v[2].json);
	assert_string_equal(df.v[3].from, "build");
	assert_string_equal(df.v[3].chown, "1:2");
	assert_string_equal(df.v[3].chmod, "644");
	assert_string_equal(df.v[3].args, "a b /dst/");
	assert_true(df.v[4].json);
	assert_int_equal(df.v[4].argc, 3);
	assert_string_equal(df.v[4].argv[2], "x");
	assert_false(df.v[5].json); /* not a JSON array: the shell form, as Docker takes it */
	assert_true(df.v[7].json);
	assert_string_equal(df.v[7].argv[0], "x y");
	icc_df_free(&df);
}

static void parse_errors(void **state)
{
	struct icc_dockerfile df;
	struct icc_err err;
	assert_int_equal(parse("FROM a\nFORM b\n", &df, &err), -EINVAL);
	assert_string_equal(err.msg, "line 2: unknown instruction: FORM");
	assert_int_equal(parse("FROM a\nRUN x \\\n", &df, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "line 2: the line continuation"));
	assert_int_equal(parse("RUN x\n", &df, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "before the first FROM"));
	assert_int_equal(parse("", &df, &err), -EINVAL);
	assert_string_equal(err.msg, "no FROM instruction");
	assert_int_equal(parse("FROM a\nRUN\n", &df, &err), -EINVAL);
	assert_string_equal(err.msg, "line 2: RUN requires at least one argument");
	assert_int_equal(parse("FROM a\nCOPY --link a b\n", &df, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "unknown flag: --link"));
	assert_int_equal(parse("FROM a\nRUN --mount=type=cache,target=/x make\n", &df, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "line 2: RUN: unknown flag: --mount"));
	assert_int_equal(parse("FROM a AS x\nFROM b AS X\n", &df, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "duplicate stage name"));
	assert_int_equal(parse("FROM a\nHEALTHCHECK NONE\n", &df, &err), -ENOTSUP);
	assert_int_equal(parse("FROM a\nSHELL sh -c\n", &df, &err), -EINVAL);
	assert_int_equal(parse("FROM a b c d\n", &df, &err), -EINVAL);
	assert_int_equal(icc_df_parse("FROM a\0\n", 8, &df, &err), -EINVAL);
}

static const char *vars(void *ctx, const char *name)
{
	if (!strcmp(name, "A"))
		return "one";
	if (!strcmp(name, "E"))
		return "";
	return NULL;
}

static void expansion(void **state)
{
	char **w;
	struct icc_err err;
	int n = icc_df_words("$A ${A}x \"$A two\" '$A' \\$A ${B:-dflt} ${A:+alt} ${E:-e} $ lone${B}", true,
			     vars, NULL, &w, &err);
	assert_int_equal(n, 10);
	assert_string_equal(w[0], "one");
	assert_string_equal(w[1], "onex");
	assert_string_equal(w[2], "one two");
	assert_string_equal(w[3], "$A");
	assert_string_equal(w[4], "$A");
	assert_string_equal(w[5], "dflt");
	assert_string_equal(w[6], "alt");
	assert_string_equal(w[7], "e");
	assert_string_equal(w[8], "$");
	assert_string_equal(w[9], "lone");
	icc_df_words_free(w, n);
	n = icc_df_words("K=\"a b\" L=''", true, vars, NULL, &w, &err);
	assert_int_equal(n, 2);
	assert_string_equal(w[0], "K=a b");
	assert_string_equal(w[1], "L=");
	icc_df_words_free(w, n);
	n = icc_df_words("/a b/$A", false, vars, NULL, &w, &err);
	assert_int_equal(n, 1);
	assert_string_equal(w[0], "/a b/one");
	icc_df_words_free(w, n);
	assert_true(icc_df_words("\"open", true, vars, NULL, &w, &err) < 0);
	assert_true(icc_df_words("${A", true, vars, NULL, &w, &err) < 0);
	assert_true(icc_df_words("${A:-x", true, vars, NULL, &w, &err) < 0);
}

static void dockerignore(void **state)
{
	const char *text = "# comment\n*.key\n/build\ndocs/**/*.md\n!docs/keep.md\n**/tmp\n\n";
	struct icc_ignore *ig = icc_ignore_parse(text, strlen(text));
	assert_true(icc_ignore_match(ig, "secret.key"));
	assert_false(icc_ignore_match(ig, "dir/secret.key")); /* "*" is one level, as Docker's */
	assert_true(icc_ignore_match(ig, "build"));
	assert_true(icc_ignore_match(ig, "build/x/y"));
	assert_true(icc_ignore_match(ig, "docs/a.md"));
	assert_true(icc_ignore_match(ig, "docs/x/y/a.md"));
	assert_false(icc_ignore_match(ig, "docs/keep.md"));
	assert_false(icc_ignore_match(ig, "docs/a.txt"));
	assert_true(icc_ignore_match(ig, "a/b/tmp/c"));
	assert_true(icc_ignore_match(ig, "tmp"));
	assert_false(icc_ignore_match(ig, "src/main.c"));
	assert_true(icc_ignore_has_exceptions(ig));
	icc_ignore_free(ig);
	ig = icc_ignore_parse(NULL, 0);
	assert_false(icc_ignore_match(ig, "anything"));
	assert_false(icc_ignore_has_exceptions(ig));
	icc_ignore_free(ig);
}

static void cache_key(void **state)
{
	char a[65], b[65], c[65], d[65];
	cJSON *args = cJSON_CreateObject();
	cJSON_AddStringToObject(args, "X", "1");
	icc_build_key("p1", "RUN x", args, NULL, a);
	icc_build_key("p1", "RUN x", args, NULL, b);
	assert_string_equal(a, b);
	icc_build_key("p2", "RUN x", args, NULL, c);
	assert_string_not_equal(a, c);
	cJSON_ReplaceItemInObject(args, "X", cJSON_CreateString("2"));
	icc_build_key("p1", "RUN x", args, NULL, d);
	assert_string_not_equal(a, d);
	icc_build_key("p1", "RUN x", NULL, "h1", c);
	icc_build_key("p1", "RUN x", NULL, "h2", d);
	assert_string_not_equal(c, d);
	assert_int_equal(strlen(a), 64);
	cJSON_Delete(args);
}

UNIT_TESTS(
	cmocka_unit_test(instructions_and_stages),
	cmocka_unit_test(parse_errors),
	cmocka_unit_test(expansion),
	cmocka_unit_test(dockerignore),
	cmocka_unit_test(cache_key))
