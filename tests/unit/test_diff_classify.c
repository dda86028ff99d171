/* test_diff_classify.c - send-stream operations to docker diff lines: a table of cases */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"

#include "icc/image/diff.h"

#define CR ICC_DOP_CREATE
#define RM ICC_DOP_REMOVE
#define MV ICC_DOP_RENAME
#define MOD ICC_DOP_MODIFY
#define TM ICC_DOP_TIMES

struct op {
	enum icc_diff_op op;
	const char *path, *to;
};

struct tcase {
	const char *name;
	struct op ops[12];     /* as btrfs send emits them, in order; ends at path NULL */
	const char *a[12];     /* paths in tree A (before); NULL-terminated */
	const char *b[12];     /* paths in tree B (after) */
	const char *mtime[4];  /* paths whose mtime differs between A and B */
	const char *want;      /* the docker diff lines */
};

static const struct tcase cases[] = {
	{"rename over: old inode unlinked, new one made under an orphan name",
	 {{RM, "/etc/passwd", NULL}, {CR, "/o260-5-0", NULL}, {MV, "/o260-5-0", "/etc/passwd"},
	  {MOD, "/etc/passwd", NULL}, {TM, "/etc", NULL}},
	 {"/etc", "/etc/passwd"}, {"/etc", "/etc/passwd"}, {"/etc"},
	 "C /etc\nC /etc/passwd\n"},
	{"rename over: old inode orphanized first, then removed",
	 {{MV, "/etc/passwd", "/o259-4-0"}, {CR, "/etc/passwd", NULL}, {RM, "/o259-4-0", NULL},
	  {TM, "/etc", NULL}},
	 {"/etc", "/etc/passwd"}, {"/etc", "/etc/passwd"}, {"/etc"},
	 "C /etc\nC /etc/passwd\n"},
	{"append in place",
	 {{MOD, "/etc/motd", NULL}, {TM, "/etc/motd", NULL}},
	 {"/etc", "/etc/motd"}, {"/etc", "/etc/motd"}, {"/etc/motd"},
	 "C /etc\nC /etc/motd\n"},
	{"hard link over an existing file",
	 {{RM, "/etc/passwd", NULL}, {CR, "/etc/passwd", NULL}, {TM, "/etc/group", NULL},
	  {TM, "/etc", NULL}},
	 {"/etc", "/etc/passwd", "/etc/group"}, {"/etc", "/etc/passwd", "/etc/group"}, {"/etc"},
	 "C /etc\nC /etc/passwd\n"},
	{"a new hard link is added; its other name only had its ctime changed",
	 {{CR, "/etc/group2", NULL}, {TM, "/etc/group", NULL}, {TM, "/etc", NULL}},
	 {"/etc", "/etc/group"}, {"/etc", "/etc/group", "/etc/group2"}, {"/etc"},
	 "C /etc\nA /etc/group2\n"},
	{"type change: file to directory with a file",
	 {{RM, "/etc/motd", NULL}, {CR, "/o270-1-0", NULL}, {MV, "/o270-1-0", "/etc/motd"},
	  {CR, "/etc/motd/x", NULL}},
	 {"/etc", "/etc/motd"}, {"/etc", "/etc/motd", "/etc/motd/x"}, {NULL},
	 "C /etc\nC /etc/motd\nA /etc/motd/x\n"},
	{"mode, owner or xattr only",
	 {{MOD, "/etc/motd", NULL}, {MOD, "/etc/group", NULL}},
	 {"/etc", "/etc/motd", "/etc/group"}, {"/etc", "/etc/motd", "/etc/group"}, {NULL},
	 "C /etc\nC /etc/group\nC /etc/motd\n"},
	{"new file",
	 {{CR, "/o261-2-0", NULL}, {MV, "/o261-2-0", "/srv/new"}, {TM, "/srv", NULL}},
	 {"/srv"}, {"/srv", "/srv/new"}, {"/srv"},
	 "C /srv\nA /srv/new\n"},
	{"deleted directory stands for its contents",
	 {{RM, "/srv/dir/sub/deep", NULL}, {RM, "/srv/dir/sub", NULL}, {RM, "/srv/dir/file", NULL},
	  {RM, "/srv/dir", NULL}, {TM, "/srv", NULL}},
	 {"/srv", "/srv/dir", "/srv/dir/file", "/srv/dir/sub", "/srv/dir/sub/deep"}, {"/srv"},
	 {"/srv"},
	 "C /srv\nD /srv/dir\n"},
	{"new directory made under an orphan name, filled, then named",
	 {{CR, "/o300-3-0", NULL}, {CR, "/o300-3-0/m", NULL}, {CR, "/o300-3-0/m/z", NULL},
	  {MV, "/o300-3-0", "/srv/n"}, {TM, "/srv", NULL}},
	 {"/srv"}, {"/srv", "/srv/n", "/srv/n/m", "/srv/n/m/z"}, {"/srv"},
	 "C /srv\nA /srv/n\nA /srv/n/m\nA /srv/n/m/z\n"},
	{"made and removed: only the directory's mtime",
	 {{CR, "/srv/t", NULL}, {RM, "/srv/t", NULL}, {TM, "/srv", NULL}},
	 {"/srv"}, {"/srv"}, {"/srv"},
	 "C /srv\n"},
	{"read only: atime updates are no change",
	 {{TM, "/etc/motd", NULL}, {TM, "/srv", NULL}},
	 {"/etc", "/etc/motd", "/srv"}, {"/etc", "/etc/motd", "/srv"}, {NULL},
	 ""},
	{"file renamed to a new name",
	 {{MV, "/srv/other", "/srv/renamed"}, {TM, "/srv", NULL}},
	 {"/srv", "/srv/other"}, {"/srv", "/srv/renamed"}, {"/srv"},
	 "C /srv\nD /srv/other\nA /srv/renamed\n"},
	{"two files swapped",
	 {{MV, "/srv/other", "/o5-1-0"}, {MV, "/srv/dir/file", "/srv/other"},
	  {MV, "/o5-1-0", "/srv/dir/file"}},
	 {"/srv", "/srv/dir", "/srv/dir/file", "/srv/other"},
	 {"/srv", "/srv/dir", "/srv/dir/file", "/srv/other"}, {NULL},
	 "C /srv\nC /srv/dir\nC /srv/dir/file\nC /srv/other\n"},
	{"changes deep down make every parent changed",
	 {{MOD, "/a/b/c/d", NULL}},
	 {"/a", "/a/b", "/a/b/c", "/a/b/c/d"}, {"/a", "/a/b", "/a/b/c", "/a/b/c/d"}, {NULL},
	 "C /a\nC /a/b\nC /a/b/c\nC /a/b/c/d\n"},
};

static bool in_set(const char *const *set, const char *path)
{
	for (size_t i = 0; set[i]; i++)
		if (!strcmp(set[i], path))
			return true;
	return false;
}

static bool t_in_a(const char *path, void *ctx)
{
	return in_set(((const struct tcase *)ctx)->a, path);
}

static bool t_in_b(const char *path, void *ctx)
{
	return in_set(((const struct tcase *)ctx)->b, path);
}

static bool t_same_times(const char *path, void *ctx)
{
	return !in_set(((const struct tcase *)ctx)->mtime, path);
}

/* docker's order: sorted by path */
static void lines(const struct icc_changes *c, char *out, size_t size)
{
	out[0] = '\0';
	for (size_t i = 0; i < c->n; i++) {
		size_t len = strlen(out);
		snprintf(out + len, size - len, "%c %s\n", c->v[i].kind, c->v[i].path);
	}
}

static void table(void **state)
{
	(void)state;
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		const struct tcase *tc = &cases[k];
		struct icc_changes c = {0};
		for (size_t i = 0; tc->ops[i].path; i++)
			assert_int_equal(icc_diff_note(&c, tc->ops[i].op, tc->ops[i].path, tc->ops[i].to), 0);
		struct icc_diff_trees t = {t_in_a, t_in_b, t_same_times, (void *)tc};
		assert_int_equal(icc_diff_classify(&c, &t), 0);
		char got[2048];
		lines(&c, got, sizeof(got));
		if (strcmp(got, tc->want))
			fail_msg("case '%s':\nwant:\n%sgot:\n%s", tc->name, tc->want, got);
		icc_changes_free(&c);
	}
}

static void sort_merges_duplicates(void **state)
{
	(void)state;
	struct icc_changes c = {0};
	assert_int_equal(icc_diff_note(&c, CR, "/b", NULL), 0);
	assert_int_equal(icc_diff_note(&c, CR, "/a", NULL), 0);
	assert_int_equal(icc_diff_note(&c, MOD, "/b", NULL), 0);
	assert_int_equal(c.n, 2);
	icc_changes_sort(&c);
	assert_string_equal(c.v[0].path, "/a");
	assert_string_equal(c.v[1].path, "/b");
	icc_changes_free(&c);
}

UNIT_TESTS(
	cmocka_unit_test(table),
	cmocka_unit_test(sort_merges_duplicates))
