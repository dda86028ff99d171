/* test_recipe.c - the command in a screen line, and the Dockerfile written from recorded steps (pure) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "unit.h"

#include "icc/console/session.h"

static void command_after_prompt(void **state)
{
	char out[256];
	assert_true(icc_session_command("root@3f2a9c41d0e7:/# apt-get update", out, sizeof(out)));
	assert_string_equal(out, "apt-get update");
	assert_true(icc_session_command("/ # ls -l  ", out, sizeof(out)));
	assert_string_equal(out, "ls -l");
	assert_true(icc_session_command("user@h:~$ echo '# x'", out, sizeof(out)));
	assert_string_equal(out, "echo '# x'");
	assert_false(icc_session_command("root@h:/# ", out, sizeof(out)));
	assert_false(icc_session_command("no prompt here", out, sizeof(out)));
	assert_false(icc_session_command("$ abcdef", out, 4));
}

static cJSON *entry(const char *cmd, const char *cwd, int status)
{
	cJSON *e = cJSON_CreateObject();
	cJSON_AddStringToObject(e, "cmd", cmd);
	cJSON_AddStringToObject(e, "cwd", cwd);
	if (status >= 0)
		cJSON_AddNumberToObject(e, "status", status);
	else
		cJSON_AddNullToObject(e, "status");
	return e;
}

static void dockerfile_text(void **state)
{
	struct icc_recipe r = {0};
	snprintf(r.base_ref, sizeof(r.base_ref), "debian:bookworm");
	r.base_config = cJSON_Parse("{\"Env\":[\"PATH=/bin\"]}");
	r.config = cJSON_Parse("{\"Env\":[\"PATH=/bin\",\"MODE=x y\"],\"WorkingDir\":\"/srv\",\"Cmd\":[\"bash\"]}");
	r.steps = cJSON_CreateArray();
	cJSON *s = cJSON_CreateObject();
	cJSON_AddStringToObject(s, "label", "seed/first");
	cJSON_AddStringToObject(s, "time", "T");
	cJSON *c = cJSON_AddArrayToObject(s, "commands");
	cJSON_AddItemToArray(c, entry("apt-get update", "/", 0));
	cJSON_AddItemToArray(c, entry("ls /nonexistent", "/", 2));
	cJSON_AddItemToArray(c, entry("cd /tmp", "/", -1));
	cJSON_AddItemToArray(c, entry("make", "/tmp", 0));
	cJSON_AddItemToArray(c, entry("vi notes", "/tmp", 0));
	cJSON_AddItemToArray(c, entry("export A=1", "/tmp", -1));
	cJSON_AddItemToArray(c, entry("exit", "/tmp", -1));
	cJSON_AddItemToArray(r.steps, s);
	const char *ignore[] = {"/etc/shadow"};
	char *t = icc_recipe_dockerfile(&r, ignore, 1);
	static const struct {
		const char *part;
		bool present;
	} parts[] = {
		{"\nFROM debian:bookworm\n", true},
		{"\n# seed/first, T\nRUN apt-get update\n# failed (exit 2): ls /nonexistent\n"
		 "WORKDIR /tmp\nRUN make\n# interactive",
		 true},
		{": vi notes\n# (its exit status was not observed: a shell builtin, or icc ran in a nested pid namespace)\nRUN export A=1\n",
		 true},
		{"cd /tmp", false},
		{"RUN exit", false},
		{"\nENV MODE=\"x y\"\nWORKDIR /srv\nCMD [\"bash\"]\n", true},
		{"ENV PATH", false},
		{"\n#   /etc/shadow\n", true},
	};
	assert_non_null(t);
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		if (!strstr(t, parts[i].part) == parts[i].present)
			fail_msg("row %zu: '%s' should%s be in:\n%s", i, parts[i].part,
				 parts[i].present ? "" : " not", t);
	free(t);
	cJSON_Delete(r.steps);
	r.steps = cJSON_CreateArray();
	t = icc_recipe_dockerfile(&r, NULL, 0);
	assert_non_null(strstr(t, "No recorded session"));
	free(t);
	icc_recipe_free(&r);
}

UNIT_TESTS(
	cmocka_unit_test(command_after_prompt),
	cmocka_unit_test(dockerfile_text))
