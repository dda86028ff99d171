/* test_screenline.c - which screen lines at Enter are a "#save" the shell receives */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include "unit.h"

#include "icc/console/tty.h"

static enum icc_screen_save at(const char *text, bool prompt, char *name)
{
	return icc_screen_save_line(text, prompt, name, 300);
}

static void test_prompts(void **state)
{
	(void)state;
	char name[300];
	assert_int_equal(at("/ # #save mine", true, name), ICC_SCREEN_SAVE);
	assert_string_equal(name, "mine");
	assert_int_equal(at("user@host:~$ #save", true, name), ICC_SCREEN_SAVE);
	assert_string_equal(name, "");
	assert_int_equal(at("> #save  x  ", true, name), ICC_SCREEN_SAVE);
	assert_string_equal(name, "x");
	assert_int_equal(at("#save bare", true, name), ICC_SCREEN_SAVE);
	assert_string_equal(name, "bare");
}

static void test_not_save(void **state)
{
	(void)state;
	char name[300];
	assert_int_equal(at("/ # echo #save x", true, name), ICC_SCREEN_NONE);
	assert_int_equal(at("/ # #saved nothing", true, name), ICC_SCREEN_NONE);
	assert_int_equal(at("/ # #save a b", true, name), ICC_SCREEN_NONE);
	assert_int_equal(at("/ # ls", true, name), ICC_SCREEN_NONE);
	assert_int_equal(at("", true, name), ICC_SCREEN_NONE);
	assert_int_equal(at("/ #save", true, name), ICC_SCREEN_NONE);
}

static void test_not_at_prompt(void **state)
{
	(void)state;
	char name[300];
	assert_int_equal(at("#save x", false, name), ICC_SCREEN_NOT_AT_PROMPT);
	assert_int_equal(at("/ # #save x", false, name), ICC_SCREEN_NOT_AT_PROMPT);
	assert_int_equal(at("data line", false, name), ICC_SCREEN_NONE);
}

static void test_rollback_lines(void **state)
{
	(void)state;
	char name[300];
	assert_int_equal(icc_screen_rollback_line("/ # #rollback good", true, name, 300), ICC_SCREEN_SAVE);
	assert_string_equal(name, "good");
	assert_int_equal(icc_screen_rollback_line("#rollback  v1 ", true, name, 300), ICC_SCREEN_SAVE);
	assert_string_equal(name, "v1");
	assert_int_equal(icc_screen_rollback_line("/ # #rollback good", false, name, 300),
			 ICC_SCREEN_NOT_AT_PROMPT);
	assert_int_equal(icc_screen_rollback_line("/ # #rollback", true, name, 300), ICC_SCREEN_NONE);
	assert_int_equal(icc_screen_rollback_line("/ # #rollback a b", true, name, 300), ICC_SCREEN_NONE);
	assert_int_equal(icc_screen_rollback_line("/ # #rollbacks x", true, name, 300), ICC_SCREEN_NONE);
	assert_int_equal(icc_screen_rollback_line("/ # echo #rollback x", true, name, 300), ICC_SCREEN_NONE);
	assert_int_equal(icc_screen_save_line("/ # #rollback x", true, name, 300), ICC_SCREEN_NONE);
}

UNIT_TESTS(
	cmocka_unit_test(test_prompts),
	cmocka_unit_test(test_not_save),
	cmocka_unit_test(test_rollback_lines),
	cmocka_unit_test(test_not_at_prompt))
