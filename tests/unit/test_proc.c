/* test_proc.c - the process runner: status, fds, captured stderr, hygiene */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "unit.h"

#include "icc/base/proc.h"

static const struct icc_proc_opts quiet = {.in = ICC_PROC_NULL, .out = ICC_PROC_NULL,
					   .err = ICC_PROC_NULL};

static int sh(const char *script, const struct icc_proc_opts *o)
{
	const char *argv[] = {"sh", "-c", script, NULL};
	struct icc_err err;
	return icc_proc_run(argv, o, &err);
}

static void exit_status_and_signals(void **state)
{
	assert_int_equal(sh("exit 0", &quiet), 0);
	assert_int_equal(sh("exit 3", &quiet), 3);
	assert_int_equal(sh("kill -KILL $$", &quiet), 128 + SIGKILL);
	/* a signal we block is not blocked in the child */
	sigset_t term, old;
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigprocmask(SIG_BLOCK, &term, &old);
	int rc = sh("kill -TERM $$; exit 0", &quiet);
	sigprocmask(SIG_SETMASK, &old, NULL);
	assert_int_equal(rc, 128 + SIGTERM);
}

static void exec_failure_is_127_with_reason(void **state)
{
	char msg[256];
	const char *line;
	const char *argv[] = {"/nonexistent/icc-no-such-program", NULL};
	struct icc_err err;
	assert_int_equal(icc_proc_first_line(argv, msg, sizeof(msg), &line, &err), 127);
	assert_non_null(strstr(line, "cannot run /nonexistent/icc-no-such-program"));
	assert_non_null(strstr(line, strerror(ENOENT)));
	const char *two[] = {"sh", "-c", "echo >&2; echo one >&2; echo two >&2; exit 2", NULL};
	assert_int_equal(icc_proc_first_line(two, msg, sizeof(msg), &line, &err), 2);
	assert_string_equal(line, "one");
}

static int memfd_text(const char *text)
{
	int fd = memfd_create("t", MFD_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	lseek(fd, 0, SEEK_SET);
	return fd;
}

static void stdin_and_stdout_fds(void **state)
{
	int in = memfd_text("hello\n"), out = memfd_text("");
	struct icc_proc_opts o = {.in = in, .out = out, .err = ICC_PROC_NULL};
	assert_int_equal(sh("tr a-z A-Z", &o), 0);
	char buf[32] = "";
	assert_int_equal(pread(out, buf, sizeof(buf) - 1, 0), 6);
	assert_string_equal(buf, "HELLO\n");
	close(in);
	close(out);
	/* ICC_PROC_NULL: reading stdin ends at once, writing is discarded */
	assert_int_equal(sh("read x && exit 1; echo gone; exit 0", &quiet), 0);
}

static void fds_that_are_0_1_2_swap_cleanly(void **state)
{
	/* the child's stdout is our stderr's fd number 2: sources in 0..2 are kept apart */
	int out = memfd_text(""), saved = dup(2);
	assert_int_equal(dup2(out, 2), 2);
	struct icc_proc_opts o = {.in = ICC_PROC_NULL, .out = 2, .err = ICC_PROC_NULL};
	int rc = sh("echo to-two; echo lost >&2", &o);
	dup2(saved, 2);
	close(saved);
	assert_int_equal(rc, 0);
	char buf[32] = "";
	assert_int_equal(pread(out, buf, sizeof(buf) - 1, 0), 7);
	assert_string_equal(buf, "to-two\n");
	close(out);
}

static void other_fds_are_closed(void **state)
{
	int leak = open("/dev/null", O_RDONLY); /* no O_CLOEXEC on purpose */
	assert_true(leak > 2);
	char script[64];
	snprintf(script, sizeof(script), "[ -e /proc/self/fd/%d ] && exit 1; exit 0", leak);
	assert_int_equal(sh(script, &quiet), 0);
	close(leak);
}

static void capture_is_bounded_and_drained(void **state)
{
	char msg[16];
	struct icc_proc_opts o = quiet;
	o.err = ICC_PROC_CAPTURE;
	o.msg = msg;
	o.msg_size = sizeof(msg);
	/* 1 MB of stderr: more than a pipe holds, so an undrained pipe would hang */
	assert_int_equal(sh("echo first-line >&2; head -c 1000000 /dev/zero | tr '\\0' x >&2; exit 4",
			    &o), 4);
	assert_int_equal(strlen(msg), sizeof(msg) - 1);
	assert_string_equal(icc_proc_line(msg, false), "first-line");
	/* no buffer: captured away */
	o.msg = NULL;
	o.msg_size = 0;
	assert_int_equal(sh("echo x >&2; exit 0", &o), 0);
}

static void check_names_the_last_line(void **state)
{
	const char *argv[] = {"sh", "-c", "echo warming up >&2; echo 'ERROR: it broke' >&2; exit 1", NULL};
	struct icc_err err;
	assert_int_equal(icc_proc_check(argv, NULL, &err), -EIO);
	assert_string_equal(err.msg, "sh failed: ERROR: it broke");
	const char *silent[] = {"sh", "-c", "exit 9", NULL};
	assert_int_equal(icc_proc_check(silent, NULL, &err), -EIO);
	assert_string_equal(err.msg, "sh failed: exit status 9");
	const char *ok[] = {"true", NULL};
	assert_int_equal(icc_proc_check(ok, NULL, &err), 0);
}

static void environment_given(void **state)
{
	char *env[] = {"ICC_PROC_TEST=yes", "PATH=/usr/bin:/bin", NULL};
	struct icc_proc_opts o = quiet;
	o.envp = env;
	assert_int_equal(sh("[ \"$ICC_PROC_TEST\" = yes ] && [ -z \"$HOME\" ]", &o), 0);
}

static void lines(void **state)
{
	char a[] = "\n\none\ntwo\n\n";
	assert_string_equal(icc_proc_line(a, false), "one");
	char b[] = "\n\none\ntwo\n\n";
	assert_string_equal(icc_proc_line(b, true), "two");
	char c[] = "";
	assert_string_equal(icc_proc_line(c, true), "");
	char d[] = "no newline";
	assert_string_equal(icc_proc_line(d, true), "no newline");
}

UNIT_TESTS(
	cmocka_unit_test(exit_status_and_signals),
	cmocka_unit_test(exec_failure_is_127_with_reason),
	cmocka_unit_test(stdin_and_stdout_fds),
	cmocka_unit_test(fds_that_are_0_1_2_swap_cleanly),
	cmocka_unit_test(other_fds_are_closed),
	cmocka_unit_test(capture_is_bounded_and_drained),
	cmocka_unit_test(check_names_the_last_line),
	cmocka_unit_test(environment_given),
	cmocka_unit_test(lines))
