/* test_qgroup.c - the qgroup table lookup, mode names, the apparent-size fallback */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "unit.h"

#include "icc/store/objsize.h"

static void find_in_sorted_table(void **state)
{
	(void)state;
	struct icc_qgroup_usage q[] = {{5, 16384, 16384}, {256, 9000000, 16384}, {257, 9100000, 120000},
				       {300, 1, 1}, {(1ULL << 48) | 100, 7, 7}};
	struct icc_qgroup_table t = {q, 5, 5};
	for (size_t i = 0; i < 5; i++)
		assert_ptr_equal(icc_qgroup_find(&t, q[i].qgroupid), &q[i]);
	assert_null(icc_qgroup_find(&t, 4));
	assert_null(icc_qgroup_find(&t, 258));
	assert_null(icc_qgroup_find(&t, UINT64_MAX));
	struct icc_qgroup_table empty = {NULL, 0, 0};
	assert_null(icc_qgroup_find(&empty, 5));
	assert_int_equal(icc_qgroup_find(&t, 257)->exclusive, 120000);
}

static void mode_names_and_notes(void **state)
{
	(void)state;
	assert_string_equal(icc_qgroup_mode_name(ICC_QGROUP_FULL), "on");
	assert_string_equal(icc_qgroup_mode_name(ICC_QGROUP_OFF), "off");
	assert_string_equal(icc_qgroup_mode_name(ICC_QGROUP_SIMPLE), "simple");
	struct icc_sizes s;
	memset(&s, 0, sizeof(s));
	s.mode = ICC_QGROUP_FULL;
	assert_null(icc_sizes_note(&s));
	enum icc_qgroup_mode others[] = {ICC_QGROUP_OFF, ICC_QGROUP_SIMPLE, ICC_QGROUP_RESCANNING,
					 ICC_QGROUP_INCONSISTENT};
	for (size_t i = 0; i < 4; i++) {
		s.mode = others[i];
		assert_non_null(icc_sizes_note(&s));
		assert_non_null(strstr(icc_sizes_note(&s), "apparent sizes"));
	}
}

/* quotas off: exclusive = total = the apparent size, hard links once */
static void apparent_fallback(void **state)
{
	(void)state;
	char dir[] = "/tmp/icc-unit.XXXXXX";
	assert_non_null(mkdtemp(dir));
	int fd = open(dir, O_RDONLY | O_DIRECTORY);
	assert_true(fd >= 0);
	int f = openat(fd, "a", O_WRONLY | O_CREAT, 0644);
	assert_true(f >= 0);
	assert_int_equal(write(f, "12345678", 8), 8);
	close(f);
	assert_int_equal(linkat(fd, "a", fd, "b", 0), 0);
	struct icc_sizes s;
	memset(&s, 0, sizeof(s));
	s.mode = ICC_QGROUP_OFF;
	struct icc_size z;
	struct icc_err err;
	assert_int_equal(icc_sizes_of(&s, fd, &z, &err), 0);
	assert_int_equal(z.exclusive, 8);
	assert_int_equal(z.total, 8);
	unlinkat(fd, "a", 0);
	unlinkat(fd, "b", 0);
	close(fd);
	rmdir(dir);
}

UNIT_TESTS(
	cmocka_unit_test(find_in_sorted_table),
	cmocka_unit_test(mode_names_and_notes),
	cmocka_unit_test(apparent_fallback))
