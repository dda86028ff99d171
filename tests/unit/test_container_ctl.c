/* test_container_ctl.c - the pure parts of container control: signal names, detach keys, CPU % */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include "unit.h"

#include "icc/console/attach.h"
#include "icc/container/container_ctl.h"

static void test_signal_names(void **state)
{
	(void)state;
	assert_int_equal(icc_signal_parse("TERM"), SIGTERM);
	assert_int_equal(icc_signal_parse("SIGTERM"), SIGTERM);
	assert_int_equal(icc_signal_parse("sigusr1"), SIGUSR1);
	assert_int_equal(icc_signal_parse("kill"), SIGKILL);
	assert_int_equal(icc_signal_parse("WINCH"), SIGWINCH);
	assert_int_equal(icc_signal_parse("SIGSYS"), SIGSYS);
	assert_int_equal(icc_signal_parse("IOT"), SIGABRT);
	assert_int_equal(icc_signal_parse("9"), 9);
	assert_int_equal(icc_signal_parse("64"), 64);
	assert_int_equal(icc_signal_parse("RTMIN"), SIGRTMIN);
	assert_int_equal(icc_signal_parse("SIGRTMIN+3"), SIGRTMIN + 3);
	assert_int_equal(icc_signal_parse("RTMAX-1"), SIGRTMAX - 1);
}

static void test_bad_signals(void **state)
{
	(void)state;
	const char *bad[] = {"", "0", "65", "-1", "BOGUS", "SIG", "TERMX", "9x", "RTMIN+", "RTMIN-1",
			     "RTMAX+1", "RTMIN+99", " 9", NULL};
	for (int i = 0; bad[i]; i++)
		assert_int_equal(icc_signal_parse(bad[i]), -1);
	assert_int_equal(icc_signal_parse(NULL), -1);
}

static void test_detach_keys(void **state)
{
	(void)state;
	char k[16];
	size_t n;
	struct icc_err err;
	assert_int_equal(icc_detach_keys_parse("ctrl-p,ctrl-q", k, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_int_equal(k[0], 16);
	assert_int_equal(k[1], 17);
	assert_int_equal(icc_detach_keys_parse("a,ctrl-@,ctrl-_,CTRL-X", k, &n, &err), 0);
	assert_int_equal(n, 4);
	assert_int_equal(k[0], 'a');
	assert_int_equal(k[1], 0);
	assert_int_equal(k[2], 31);
	assert_int_equal(k[3], 24);
	const char *bad[] = {"", "ctrl-", "ctrl-1", "ab", "a,", ",a", "ctrl-p,,ctrl-q", NULL};
	for (int i = 0; bad[i]; i++)
		assert_true(icc_detach_keys_parse(bad[i], k, &n, &err) < 0);
	assert_non_null(strstr(err.msg, "detach keys"));
}

static void test_cpu_percent(void **state)
{
	(void)state;
	struct icc_stats a = {.running = true, .cpu_ns = 1000000000ull, .sample_ns = 5000000000ull};
	struct icc_stats b = a;
	b.cpu_ns += 250000000ull; /* a quarter second of CPU in half a second */
	b.sample_ns += 500000000ull;
	assert_true(icc_stats_cpu_percent(&a, &b) > 49.99 && icc_stats_cpu_percent(&a, &b) < 50.01);
	b.running = false;
	assert_true(icc_stats_cpu_percent(&a, &b) == 0.0);
	b = a;
	assert_true(icc_stats_cpu_percent(&a, &b) == 0.0); /* no time passed */
}

UNIT_TESTS(
	cmocka_unit_test(test_signal_names),
	cmocka_unit_test(test_bad_signals),
	cmocka_unit_test(test_detach_keys),
	cmocka_unit_test(test_cpu_percent))
