/* test_ref.c - image reference grammar, container and snapshot names */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include "unit.h"

#include "icc/store/ref.h"
#include "icc/snap/snapdir.h"

static void expect_norm(const char *in, const char *out)
{
	char buf[ICC_REF_MAX];
	struct icc_err err;
	int r = icc_ref_normalize(in, buf, sizeof(buf), &err);
	if (r != 0)
		fail_msg("'%s' rejected: %s", in, err.msg);
	assert_string_equal(buf, out);
}

static void expect_bad(const char *in)
{
	char buf[ICC_REF_MAX];
	struct icc_err err;
	if (icc_ref_normalize(in, buf, sizeof(buf), &err) == 0)
		fail_msg("'%s' accepted as '%s'", in, buf);
	assert_int_equal(err.code, EINVAL);
	assert_non_null(strstr(err.msg, "invalid"));
}

static void valid_references(void **state)
{
	expect_norm("busybox", "busybox:latest");
	expect_norm("busybox:1.36", "busybox:1.36");
	expect_norm("container:1.0", "container:1.0");
	expect_norm("library/ubuntu", "library/ubuntu:latest");
	expect_norm("my-app_x.y__z", "my-app_x.y__z:latest");
	expect_norm("a---b", "a---b:latest");
	expect_norm("localhost:5000/app:v1", "localhost:5000/app:v1");
	expect_norm("registry.example.com/team/app:2024_01", "registry.example.com/team/app:2024_01");
	expect_norm("localhost/app", "localhost/app:latest");
	expect_norm("x:Tag_With-Caps.1", "x:Tag_With-Caps.1");
}

static void invalid_references(void **state)
{
	expect_bad("");
	expect_bad("Ubuntu");
	expect_bad("ubuntu:");
	expect_bad(":tag");
	expect_bad("-app");
	expect_bad("app-");
	expect_bad("a..b");
	expect_bad("a/");
	expect_bad("/a");
	expect_bad("a//b");
	expect_bad("app:-tag");
	expect_bad("app:.tag");
	expect_bad("app:t/ag");
	expect_bad("app@sha256:abcd");
	expect_bad("with space");
	expect_bad("bad_:x");
	char longtag[200];
	memset(longtag, 'a', sizeof(longtag));
	memcpy(longtag, "x:", 2);
	longtag[2 + 129] = '\0'; /* 129-character tag */
	expect_bad(longtag);
	char longname[300];
	memset(longname, 'a', sizeof(longname) - 1);
	longname[299] = '\0';
	expect_bad(longname);
}

static void split_reference(void **state)
{
	char name[300], tag[160];
	icc_ref_split("localhost:5000/app:v1", name, sizeof(name), tag, sizeof(tag));
	assert_string_equal(name, "localhost:5000/app");
	assert_string_equal(tag, "v1");
	icc_ref_split("localhost:5000/app", name, sizeof(name), tag, sizeof(tag));
	assert_string_equal(name, "localhost:5000/app");
	assert_string_equal(tag, "latest");
}

/* One name and whether a validator takes it. */
struct name_case {
	const char *name;
	bool valid;
};

static void check_names(bool (*valid)(const char *), const struct name_case *c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (valid(c[i].name) != c[i].valid)
			fail_msg("row %zu: '%s' should be %s", i, c[i].name,
				 c[i].valid ? "valid" : "refused");
}

static void container_names(void **state)
{
	static const struct name_case c[] = {
		{"web", true}, {"Web_1.a-b", true}, {"a", false},  {"_web", false},
		{"we/b", false}, {"web b", false},  {"", false},
	};
	check_names(icc_container_name_valid, c, sizeof(c) / sizeof(c[0]));
}

static void snapshot_names(void **state)
{
	static const struct name_case c[] = {
		{"a", true},	 {"20261123-101010-2", true}, {"v1.0_final", true}, {"", false},
		{"..", false},	 {"../x", false},	      {"a/b", false},	    {".hidden", false},
		{"-x", false},	 {"a\nb", false},
	};
	check_names(icc_snap_name_valid, c, sizeof(c) / sizeof(c[0]));
	char longname[200];
	memset(longname, 'a', sizeof(longname));
	longname[128] = '\0';
	assert_true(icc_snap_name_valid(longname));
	longname[128] = 'a';
	longname[129] = '\0';
	assert_false(icc_snap_name_valid(longname));
}

UNIT_TESTS(
	cmocka_unit_test(valid_references),
	cmocka_unit_test(invalid_references),
	cmocka_unit_test(split_reference),
	cmocka_unit_test(container_names),
	cmocka_unit_test(snapshot_names))
