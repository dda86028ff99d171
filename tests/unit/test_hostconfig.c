/* test_hostconfig.c - run/create flag values: sizes, CPUs, pids, ulimits, capabilities, restart policies */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "unit.h"

#include "icc/runtime/hostconfig.h"

static void bytes(void **state)
{
	struct icc_err e;
	int64_t v;
	static const struct { const char *in; int64_t want; } ok[] = {
		{"100", 100}, {"64m", 64LL << 20}, {"64M", 64LL << 20}, {"64mb", 64LL << 20},
		{"1.5g", 3LL << 29}, {"512k", 512LL << 10}, {"2 g", 2LL << 30}, {"10b", 10},
		{"1gib", 1LL << 30}, {"1t", 1LL << 40},
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(icc_parse_bytes(ok[i].in, &v, &e), 0);
		assert_int_equal(v, ok[i].want);
	}
	static const char *const bad[] = {"12x", "", "m", "-1m", "1.m", "64 m b", "1e3", "0x10", ".5g", "64mm", "1.5.5m"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(icc_parse_bytes(bad[i], &v, &e), -EINVAL);
		assert_non_null(strstr(e.msg, "invalid size"));
	}
}

static void cpus(void **state)
{
	struct icc_err e;
	int64_t n;
	assert_int_equal(icc_parse_cpus("0.5", 2, &n, &e), 0);
	assert_int_equal(n, 500000000);
	assert_int_equal(icc_parse_cpus("2", 2, &n, &e), 0);
	assert_int_equal(n, 2000000000);
	assert_int_equal(icc_parse_cpus("0.01", 2, &n, &e), 0);
	assert_int_equal(n, 10000000);
	assert_int_equal(icc_parse_cpus("-1", 2, &n, &e), -EINVAL);
	assert_string_equal(e.msg, "'-1': the range of CPUs is from 0.01 to 2.00, as there are only 2 CPUs available");
	assert_int_equal(icc_parse_cpus("3", 2, &n, &e), -EINVAL);
	assert_int_equal(icc_parse_cpus("0", 2, &n, &e), -EINVAL);
	assert_int_equal(icc_parse_cpus("nan", 2, &n, &e), -EINVAL);
	assert_int_equal(icc_parse_cpus("1x", 2, &n, &e), -EINVAL);
	assert_string_equal(e.msg, "'1x': not a number");
}

static void pids(void **state)
{
	struct icc_err e;
	int64_t v;
	assert_int_equal(icc_parse_pids_limit("20", &v, &e), 0);
	assert_int_equal(v, 20);
	assert_int_equal(icc_parse_pids_limit("-1", &v, &e), 0);
	assert_int_equal(v, 0);
	assert_int_equal(icc_parse_pids_limit("0", &v, &e), 0);
	assert_int_equal(v, 0);
	assert_int_equal(icc_parse_pids_limit("-2", &v, &e), -EINVAL);
	assert_int_equal(icc_parse_pids_limit("2o", &v, &e), -EINVAL);
}

static void ulimits(void **state)
{
	struct icc_err e;
	struct icc_ulimit u;
	assert_int_equal(icc_parse_ulimit("nofile=1024:2048", &u, &e), 0);
	assert_string_equal(u.name, "nofile");
	assert_int_equal(u.soft, 1024);
	assert_int_equal(u.hard, 2048);
	assert_int_equal(icc_parse_ulimit("core=0", &u, &e), 0);
	assert_int_equal(u.soft, 0);
	assert_int_equal(u.hard, 0);
	assert_int_equal(icc_parse_ulimit("memlock=unlimited", &u, &e), 0);
	assert_int_equal(u.soft, -1);
	assert_int_equal(icc_parse_ulimit("stack=100:unlimited", &u, &e), 0);
	assert_int_equal(u.hard, -1);
	assert_int_equal(icc_parse_ulimit("nofile=x", &u, &e), -EINVAL);
	assert_string_equal(e.msg, "'nofile=x': limits are integers or unlimited");
	assert_int_equal(icc_parse_ulimit("nofile=10:5", &u, &e), -EINVAL);
	assert_int_equal(icc_parse_ulimit("nofile=unlimited:5", &u, &e), -EINVAL);
	assert_int_equal(icc_parse_ulimit("nofil=1", &u, &e), -EINVAL);
	assert_int_equal(icc_parse_ulimit("nofile", &u, &e), -EINVAL);
	assert_int_equal(icc_parse_ulimit("=1", &u, &e), -EINVAL);
}

static void capabilities(void **state)
{
	struct icc_err e;
	char out[32];
	static const char *const same[] = {"net_admin", "NET_ADMIN", "CAP_NET_ADMIN", "cap_net_admin"};
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(icc_parse_cap(same[i], out, sizeof(out), &e), 0);
		assert_string_equal(out, "CAP_NET_ADMIN");
	}
	assert_int_equal(icc_parse_cap("all", out, sizeof(out), &e), 0);
	assert_string_equal(out, "ALL");
	assert_int_equal(icc_parse_cap("checkpoint_restore", out, sizeof(out), &e), 0);
	assert_int_equal(icc_parse_cap("NOT_A_CAP", out, sizeof(out), &e), -EINVAL);
	assert_string_equal(e.msg, "'NOT_A_CAP': unknown capability");
	assert_int_equal(icc_parse_cap("CAP_", out, sizeof(out), &e), -EINVAL);
	size_t n = 0;
	while (icc_all_caps[n])
		n++;
	assert_int_equal(n, 41);
}

static void restart_policies(void **state)
{
	struct icc_err e;
	struct icc_restart_policy p;
	assert_int_equal(icc_parse_restart("no", &p, &e), 0);
	assert_int_equal(p.name, ICC_RESTART_NO);
	assert_int_equal(icc_parse_restart("on-failure:3", &p, &e), 0);
	assert_int_equal(p.name, ICC_RESTART_ON_FAILURE);
	assert_int_equal(p.max_retries, 3);
	assert_int_equal(icc_parse_restart("unless-stopped", &p, &e), 0);
	assert_string_equal(icc_restart_name_str(p.name), "unless-stopped");
	assert_int_equal(icc_restart_name_of("always"), ICC_RESTART_ALWAYS);
	assert_int_equal(icc_restart_name_of(NULL), ICC_RESTART_NO);
	assert_int_equal(icc_parse_restart("sometimes", &p, &e), -EINVAL);
	assert_int_equal(icc_parse_restart("always:3", &p, &e), -EINVAL);
	assert_int_equal(icc_parse_restart("on-failure:x", &p, &e), -EINVAL);
	assert_int_equal(icc_parse_restart("on-failure:-1", &p, &e), -EINVAL);
	assert_int_equal(icc_parse_restart("on", &p, &e), -EINVAL);

	struct icc_restart_policy of2 = {ICC_RESTART_ON_FAILURE, 2}, of = {ICC_RESTART_ON_FAILURE, 0};
	struct icc_restart_policy al = {ICC_RESTART_ALWAYS, 0}, no = {ICC_RESTART_NO, 0};
	assert_true(icc_restart_wanted(&of2, 1, 0, false));
	assert_true(icc_restart_wanted(&of2, 1, 1, false));
	assert_false(icc_restart_wanted(&of2, 1, 2, false));
	assert_false(icc_restart_wanted(&of2, 0, 0, false));
	assert_true(icc_restart_wanted(&of, 137, 500, false));
	assert_true(icc_restart_wanted(&al, 0, 9, false));
	assert_false(icc_restart_wanted(&al, 0, 0, true));
	assert_false(icc_restart_wanted(&no, 1, 0, false));
}

static void backoff(void **state)
{
	assert_int_equal(icc_restart_delay_ms(0, 0), 100);
	assert_int_equal(icc_restart_delay_ms(100, 50), 200);
	assert_int_equal(icc_restart_delay_ms(200, 50), 400);
	assert_int_equal(icc_restart_delay_ms(40000, 50), 60000);
	assert_int_equal(icc_restart_delay_ms(60000, 50), 60000);
	assert_int_equal(icc_restart_delay_ms(60000, 10000), 100);
}

static void add_host(void **state)
{
	struct icc_err e;
	char name[64], ip[64];
	assert_int_equal(icc_parse_add_host("db:10.0.0.2", name, sizeof(name), ip, sizeof(ip), &e), 0);
	assert_string_equal(name, "db");
	assert_string_equal(ip, "10.0.0.2");
	assert_int_equal(icc_parse_add_host("v6=fd00::1", name, sizeof(name), ip, sizeof(ip), &e), 0);
	assert_string_equal(ip, "fd00::1");
	assert_int_equal(icc_parse_add_host("v6:[::1]", name, sizeof(name), ip, sizeof(ip), &e), 0);
	assert_string_equal(ip, "::1");
	assert_int_equal(icc_parse_add_host("nohost", name, sizeof(name), ip, sizeof(ip), &e), -EINVAL);
	assert_int_equal(icc_parse_add_host(":1.2.3.4", name, sizeof(name), ip, sizeof(ip), &e), -EINVAL);
	assert_int_equal(icc_parse_add_host("a b:1.2.3.4", name, sizeof(name), ip, sizeof(ip), &e), -EINVAL);
	assert_int_equal(icc_parse_add_host("h:999.1.1.1", name, sizeof(name), ip, sizeof(ip), &e), -EINVAL);
}

static void tmpfs_options(void **state)
{
	struct icc_err e;
	assert_int_equal(icc_check_tmpfs_options("size=64m,mode=1777,exec,uid=1000", &e), 0);
	assert_int_equal(icc_check_tmpfs_options("", &e), 0);
	assert_int_equal(icc_check_tmpfs_options("size=1m,bind", &e), -EINVAL);
	assert_string_equal(e.msg, "'size=1m,bind': unknown tmpfs option 'bind'");
	assert_int_equal(icc_check_tmpfs_options("size=", &e), -EINVAL);
	assert_int_equal(icc_check_tmpfs_options("rbind", &e), -EINVAL);
}

UNIT_TESTS(
	cmocka_unit_test(bytes),
	cmocka_unit_test(cpus),
	cmocka_unit_test(pids),
	cmocka_unit_test(ulimits),
	cmocka_unit_test(capabilities),
	cmocka_unit_test(restart_policies),
	cmocka_unit_test(backoff),
	cmocka_unit_test(add_host),
	cmocka_unit_test(tmpfs_options))
