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
	/* a Dockerfile, the error, and its message (`exact`) or a part of it (NULL: not checked) */
	static const struct {
		const char *text;
		int rc;
		const char *msg;
		bool exact;
	} bad[] = {
		{"FROM a\nFORM b\n", -EINVAL, "line 2: unknown instruction: FORM", true},
		{"FROM a\nRUN x \\\n", -EINVAL, "line 2: the line continuation", false},
		{"RUN x\n", -EINVAL, "before the first FROM", false},
		{"", -EINVAL, "no FROM instruction", true},
		{"FROM a\nRUN\n", -EINVAL, "line 2: RUN requires at least one argument", true},
		{"FROM a\nCOPY --link a b\n", -EINVAL, "unknown flag: --link", false},
		{"FROM a\nRUN --mount=type=cache,target=/x make\n", -EINVAL,
		 "line 2: RUN: unknown flag: --mount", false},
		{"FROM a AS x\nFROM b AS X\n", -EINVAL, "duplicate stage name", false},
		{"FROM a\nHEALTHCHECK NONE\n", -ENOTSUP, NULL, false},
		{"FROM a\nSHELL sh -c\n", -EINVAL, NULL, false},
		{"FROM a b c d\n", -EINVAL, NULL, false},
	};
	struct icc_dockerfile df;
	struct icc_err err;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = parse(bad[i].text, &df, &err);
		if (rc != bad[i].rc)
			fail_msg("row %zu: %d, want %d", i, rc, bad[i].rc);
		if (bad[i].msg && !(bad[i].exact ? !strcmp(err.msg, bad[i].msg) : !!strstr(err.msg, bad[i].msg)))
			fail_msg("row %zu: message '%s', want '%s'", i, err.msg, bad[i].msg);
	}
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
	static const struct {
		const char *path;
		bool ignored;
	} paths[] = {
		{"secret.key", true}, {"dir/secret.key", false}, /* "*" is one level, as Docker's */
		{"build", true},      {"build/x/y", true},	 {"docs/a.md", true},
		{"docs/x/y/a.md", true}, {"docs/keep.md", false}, {"docs/a.txt", false},
		{"a/b/tmp/c", true},  {"tmp", true},		 {"src/main.c", false},
	};
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		if (icc_ignore_match(ig, paths[i].path) != paths[i].ignored)
			fail_msg("row %zu: '%s' should%s be ignored", i, paths[i].path,
				 paths[i].ignored ? "" : " not");
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
