/* test_runtime.c - the runtime's error text to an exit code, and container liveness */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "unit.h"

#include "icc/runtime/runtime.h"
#include "icc/base/util.h"

static void exit_codes_like_docker(void **state)
{
	/* docker run: 127 command not found, 126 not executable, 125 the rest */
	assert_int_equal(icc_runtime_exit_code("exec: \"nosuch\": executable file not found in $PATH"), 127);
	assert_int_equal(icc_runtime_exit_code("exec /bin/x: no such file or directory"), 127);
	assert_int_equal(icc_runtime_exit_code("open /x: No such file or directory"), 127);
	assert_int_equal(icc_runtime_exit_code("exec /etc: permission denied"), 126);
	assert_int_equal(icc_runtime_exit_code("exec: Permission denied"), 126);
	assert_int_equal(icc_runtime_exit_code("exec /tmp: is a directory"), 126);
	assert_int_equal(icc_runtime_exit_code("exec /bin/x: exec format error"), 126);
	assert_int_equal(icc_runtime_exit_code("cgroup: device or resource busy"), 125);
	assert_int_equal(icc_runtime_exit_code(""), 125);
}

static void runtime_message_from_logrus(void **state)
{
	char m[256];
	icc_runtime_errmsg("time=\"x\" level=warning msg=\"first\"\n"
			   "time=\"y\" level=error msg=\"runc run failed: unable to start container process: "
			   "exec: \\\"nosuch\\\": executable file not found in $PATH\"\n", m, sizeof(m));
	assert_string_equal(m, "exec: \"nosuch\": executable file not found in $PATH");
	/* not logrus: the last non-empty line */
	icc_runtime_errmsg("crun: something\nthe reason\n\n", m, sizeof(m));
	assert_string_equal(m, "the reason");
	char small[8];
	icc_runtime_errmsg("level=error msg=\"a long message here\"", small, sizeof(small));
	assert_int_equal(strlen(small), sizeof(small) - 1);
}

/* meta {"state": {...}} from JSON text with %d for our own pid */
static cJSON *meta(const char *state_json)
{
	char text[1024];
	snprintf(text, sizeof(text), "{\"state\": %s}", state_json);
	cJSON *j = cJSON_Parse(text);
	assert_non_null(j);
	return j;
}

static void liveness(void **state)
{
	struct icc_cstate cs;
	cJSON *m = meta("{}");
	icc_container_state(m, &cs);
	assert_int_equal(cs.status, ICC_CS_CREATED);
	cJSON_Delete(m);

	m = meta("{\"status\": \"exited\", \"exit_code\": 3, \"started\": \"2024-01-02T03:04:05Z\","
		 " \"finished\": \"2024-01-02T03:04:06Z\"}");
	icc_container_state(m, &cs);
	assert_int_equal(cs.status, ICC_CS_EXITED);
	assert_int_equal(cs.exit_code, 3);
	assert_true(cs.finished_ns - cs.started_ns == 1000000000LL);
	assert_false(cs.stale);
	cJSON_Delete(m);

	/* "running" with our own pid and its start time: running */
	char js[512];
	unsigned long long me = icc_proc_starttime(getpid());
	assert_true(me > 0);
	snprintf(js, sizeof(js), "{\"status\": \"running\", \"pid\": %d, \"pid_start\": %llu}", (int)getpid(), me);
	m = meta(js);
	icc_container_state(m, &cs);
	assert_int_equal(cs.status, ICC_CS_RUNNING);
	assert_int_equal(cs.pid, getpid());
	cJSON_Delete(m);

	/* the same pid number, another start time (pid reused): exited, stale, 255 */
	snprintf(js, sizeof(js), "{\"status\": \"running\", \"pid\": %d, \"pid_start\": %llu,"
		 " \"started\": \"2024-01-02T03:04:05Z\"}", (int)getpid(), me + 1);
	m = meta(js);
	icc_container_state(m, &cs);
	assert_int_equal(cs.status, ICC_CS_EXITED);
	assert_true(cs.stale);
	assert_int_equal(cs.exit_code, 255);
	assert_true(cs.finished_ns == cs.started_ns && cs.started_ns > 0);
	cJSON_Delete(m);

	/* a dead pid (a reaped child) is not running */
	pid_t child = fork();
	if (child == 0)
		_exit(0);
	waitpid(child, NULL, 0);
	snprintf(js, sizeof(js), "{\"status\": \"running\", \"pid\": %d, \"exit_code\": 0}", (int)child);
	m = meta(js);
	icc_container_state(m, &cs);
	assert_int_equal(cs.status, ICC_CS_EXITED);
	assert_int_equal(cs.exit_code, 0);
	cJSON_Delete(m);

	/* the container lives but its filesystem daemon died: dead */
	snprintf(js, sizeof(js), "{\"status\": \"running\", \"pid\": %d, \"pid_start\": %llu,"
		 " \"fs_pid\": %d, \"fs_pid_start\": 1}", (int)getpid(), me, (int)child);
	m = meta(js);
	icc_container_state(m, &cs);
	assert_int_equal(cs.status, ICC_CS_DEAD);
	cJSON_Delete(m);

	/* being started, no pid yet: created */
	m = meta("{\"status\": \"starting\"}");
	icc_container_state(m, &cs);
	assert_int_equal(cs.status, ICC_CS_CREATED);
	cJSON_Delete(m);

	m = meta("{\"status\": \"dead\"}");
	icc_container_state(m, &cs);
	assert_int_equal(cs.status, ICC_CS_DEAD);
	cJSON_Delete(m);
}

UNIT_TESTS(
	cmocka_unit_test(exit_codes_like_docker),
	cmocka_unit_test(runtime_message_from_logrus),
	cmocka_unit_test(liveness))
