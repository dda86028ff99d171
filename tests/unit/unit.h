/* unit.h - what every cmocka unit test includes: cmocka (after the headers it
 * needs), UNIT_TESTS(cmocka_unit_test(a), ...), the main() that runs them,
 * and helpers more than one test uses. */
#ifndef ICC_TESTS_UNIT_H
#define ICC_TESTS_UNIT_H

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

/* A new empty directory /tmp/icc-unit.XXXXXX (its name in PATH), opened. */
static inline int make_tmpdir(char *path, size_t size)
{
	snprintf(path, size, "/tmp/icc-unit.XXXXXX");
	assert_non_null(mkdtemp(path));
	int fd = open(path, O_RDONLY | O_DIRECTORY);
	assert_true(fd >= 0);
	return fd;
}

#define UNIT_TESTS(...)                                                                            \
	int main(void)                                                                             \
	{                                                                                          \
		const struct CMUnitTest tests[] = {__VA_ARGS__};                                   \
		return cmocka_run_group_tests(tests, NULL, NULL);                                  \
	}

#endif
