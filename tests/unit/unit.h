/* unit.h - what every cmocka unit test includes: cmocka (after the headers it
 * needs) and UNIT_TESTS(cmocka_unit_test(a), ...), the main() that runs them. */
#ifndef ICC_TESTS_UNIT_H
#define ICC_TESTS_UNIT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#define UNIT_TESTS(...)                                                                            \
	int main(void)                                                                             \
	{                                                                                          \
		const struct CMUnitTest tests[] = {__VA_ARGS__};                                   \
		return cmocka_run_group_tests(tests, NULL, NULL);                                  \
	}

#endif
