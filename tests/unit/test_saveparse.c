/* test_saveparse.c - the /.icc/save request parser: names, messages, limits */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "unit.h"

#include "icc/snap/saveparse.h"
#include "icc/snap/snapdir.h"

static int parse(const char *s, char *name, char **msg)
{
	struct icc_err err;
	return icc_save_request_parse(s, strlen(s), name, ICC_SNAP_NAME_MAX + 1, msg, &err);
}

static void ok_forms(void **state)
{
	static const struct {
		const char *req, *name, *msg;
	} ok[] = {
		{"\n", "", ""},
		{"v1\n", "v1", ""},
		{"v1", "v1", ""}, /* no newline: still a name */
		{"v1\nline 1\nline 2\n\n\n", "v1", "line 1\nline 2"},
		{"\nmessage\twith tab, caf\xc3\xa9 \xf0\x9f\x98\x80\n", "",
		 "message\twith tab, caf\xc3\xa9 \xf0\x9f\x98\x80"},
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		char name[ICC_SNAP_NAME_MAX + 1];
		char *m;
		if (parse(ok[i].req, name, &m) != 0)
			fail_msg("row %zu: '%s' refused", i, ok[i].req);
		if (strcmp(name, ok[i].name) || strcmp(m, ok[i].msg))
			fail_msg("row %zu: name '%s' message '%s', want '%s' '%s'", i, name, m,
				 ok[i].name, ok[i].msg);
		free(m);
	}
}

static void bad_names(void **state)
{
	char name[ICC_SNAP_NAME_MAX + 1];
	char *m = (char *)1;
	const char *bad[] = {"../x\n", "a/b\n", "a b\n", ".hidden\n", "-x\n", "x\r\n",
			     "caf\xc3\xa9\n", "", "\xff\n"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse(bad[i], name, &m), -EINVAL);
		assert_null(m);
		assert_string_equal(name, "");
	}
	char longname[200];
	memset(longname, 'a', 129);
	strcpy(longname + 129, "\n");
	assert_int_equal(parse(longname, name, &m), -EINVAL);
	longname[128] = '\n';
	longname[129] = '\0';
	assert_int_equal(parse(longname, name, &m), 0);
	assert_int_equal(strlen(name), 128);
	free(m);
	/* a caller's buffer too small for the name */
	struct icc_err err;
	char small[4];
	assert_int_equal(icc_save_request_parse("abcd\n", 5, small, sizeof(small), &m, &err), -EINVAL);
}

static void bad_messages_and_limits(void **state)
{
	char name[ICC_SNAP_NAME_MAX + 1];
	char *m;
	struct icc_err err;
	assert_int_equal(parse("v\nbell\a\n", name, &m), -EINVAL);
	assert_int_equal(parse("v\ndel\x7f\n", name, &m), -EINVAL);
	assert_int_equal(parse("v\n\xc0\xaf\n", name, &m), -EINVAL);     /* overlong */
	assert_int_equal(parse("v\n\xed\xa0\x80\n", name, &m), -EINVAL); /* surrogate */
	assert_int_equal(parse("v\n\xf4\x90\x80\x80\n", name, &m), -EINVAL); /* > U+10FFFF */
	assert_int_equal(parse("v\n\xe2\x82", name, &m), -EINVAL);       /* truncated */
	assert_int_equal(icc_save_request_parse("v\n\0x\n", 5, name, sizeof(name), &m, &err), -EINVAL);
	size_t big = ICC_SAVE_WRITE_MAX + 1;
	char *buf = malloc(big);
	memset(buf, 'x', big);
	buf[0] = '\n';
	assert_int_equal(icc_save_request_parse(buf, big, name, sizeof(name), &m, &err), -EINVAL);
	assert_int_equal(icc_save_request_parse(buf, big - 1, name, sizeof(name), &m, &err), 0);
	assert_int_equal(strlen(m), big - 2);
	free(m);
	free(buf);
}

static void further_writes(void **state)
{
	struct icc_err err;
	char *t;
	assert_int_equal(icc_save_more_parse("more\n", 5, &t, &err), 0);
	assert_string_equal(t, "more");
	free(t);
	assert_int_equal(icc_save_more_parse("\n\n", 2, &t, &err), 0);
	assert_string_equal(t, "");
	free(t);
	assert_int_equal(icc_save_more_parse("a\x01", 2, &t, &err), -EINVAL);
	assert_null(t);
	assert_int_equal(icc_save_more_parse("a\0b", 3, &t, &err), -EINVAL);
}

static void rollback_requests(void **state)
{
	struct icc_err err;
	char name[ICC_SNAP_NAME_MAX + 1];
	bool keep;
#define RB(s) icc_rollback_request_parse(s, strlen(s), name, sizeof(name), &keep, &err)
	assert_int_equal(RB("good\n"), 0);
	assert_string_equal(name, "good");
	assert_true(keep);
	assert_int_equal(RB("v1.2 keep=no\n"), 0);
	assert_string_equal(name, "v1.2");
	assert_false(keep);
	assert_int_equal(RB("v1 keep=yes"), 0);
	assert_true(keep);
	assert_int_equal(RB("\n"), -EINVAL);
	assert_int_equal(RB("../x\n"), -EINVAL);
	assert_int_equal(RB("a b\n"), -EINVAL);
	assert_int_equal(RB("a keep=maybe\n"), -EINVAL);
	assert_int_equal(RB("a\nb\n"), -EINVAL);
	assert_int_equal(icc_rollback_request_parse("a\0b\n", 4, name, sizeof(name), &keep, &err),
			 -EINVAL);
#undef RB
}

UNIT_TESTS(
	cmocka_unit_test(ok_forms),
	cmocka_unit_test(bad_names),
	cmocka_unit_test(bad_messages_and_limits),
	cmocka_unit_test(further_writes),
	cmocka_unit_test(rollback_requests))
