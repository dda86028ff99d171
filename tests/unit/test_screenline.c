/* test_screenline.c - which screen lines at Enter are a "#save" or "#rollback" the shell receives */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include "unit.h"

#include "icc/console/tty.h"

#define NONE ICC_SCREEN_NONE
#define SAVE ICC_SCREEN_SAVE
#define AWAY ICC_SCREEN_NOT_AT_PROMPT

/* One screen line at Enter: what the save (or rollback) reader says, and the name it finds. */
struct line_case {
	const char *text;
	bool at_prompt;
	bool rollback;
	enum icc_screen_save want;
	const char *name; /* NULL: not checked */
};

static const struct line_case cases[] = {
	/* prompts before the command */
	{"/ # #save mine", true, false, SAVE, "mine"},
	{"user@host:~$ #save", true, false, SAVE, ""},
	{"> #save  x  ", true, false, SAVE, "x"},
	{"#save bare", true, false, SAVE, "bare"},
	/* not a save */
	{"/ # echo #save x", true, false, NONE, NULL},
	{"/ # #saved nothing", true, false, NONE, NULL},
	{"/ # #save a b", true, false, NONE, NULL},
	{"/ # ls", true, false, NONE, NULL},
	{"", true, false, NONE, NULL},
	{"/ #save", true, false, NONE, NULL},
	{"/ # #rollback x", true, false, NONE, NULL},
	/* typed while a program, not the shell, reads */
	{"#save x", false, false, AWAY, NULL},
	{"/ # #save x", false, false, AWAY, NULL},
	{"data line", false, false, NONE, NULL},
	/* rollback lines */
	{"/ # #rollback good", true, true, SAVE, "good"},
	{"#rollback  v1 ", true, true, SAVE, "v1"},
	{"/ # #rollback good", false, true, AWAY, NULL},
	{"/ # #rollback", true, true, NONE, NULL},
	{"/ # #rollback a b", true, true, NONE, NULL},
	{"/ # #rollbacks x", true, true, NONE, NULL},
	{"/ # echo #rollback x", true, true, NONE, NULL},
};

static void test_lines(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct line_case *c = &cases[i];
		char name[300] = "";
		enum icc_screen_save got =
			c->rollback ? icc_screen_rollback_line(c->text, c->at_prompt, name, sizeof(name))
				    : icc_screen_save_line(c->text, c->at_prompt, name, sizeof(name));
		if (got != c->want)
			fail_msg("row %zu '%s' (at prompt %d): got %d, want %d", i, c->text,
				 c->at_prompt, (int)got, (int)c->want);
		if (c->name && strcmp(name, c->name))
			fail_msg("row %zu '%s': name '%s', want '%s'", i, c->text, name, c->name);
	}
}

UNIT_TESTS(cmocka_unit_test(test_lines))
