/* test_netports.c - -p parsing, Docker's port texts, CIDR parsing and -P resolution */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include "unit.h"

#include "icc/network/network.h"

static cJSON *parse_ok(const char *spec)
{
	cJSON *arr = cJSON_CreateArray();
	struct icc_err err;
	if (icc_port_parse(spec, arr, &err) != 0)
		fail_msg("'%s' rejected: %s", spec, err.msg);
	return arr;
}

static void parse_bad(const char *spec, const char *words)
{
	cJSON *arr = cJSON_CreateArray();
	struct icc_err err;
	if (icc_port_parse(spec, arr, &err) == 0)
		fail_msg("'%s' accepted", spec);
	assert_int_equal(err.code, EINVAL);
	if (!strstr(err.msg, words))
		fail_msg("'%s': message '%s' lacks '%s'", spec, err.msg, words);
	assert_int_equal(cJSON_GetArraySize(arr), 0);
	cJSON_Delete(arr);
}

static void port_specs(void **state)
{
	cJSON *a = parse_ok("127.0.0.1:18080:80");
	cJSON *o = cJSON_GetArrayItem(a, 0);
	assert_string_equal(icc_json_str(o, "HostIp"), "127.0.0.1");
	assert_int_equal(icc_json_int(o, "HostPort", -1), 18080);
	assert_int_equal(icc_json_int(o, "ContainerPort", -1), 80);
	assert_string_equal(icc_json_str(o, "Protocol"), "tcp");
	cJSON_Delete(a);
	a = parse_ok("53/udp");
	o = cJSON_GetArrayItem(a, 0);
	assert_int_equal(icc_json_int(o, "HostPort", -1), 0);
	assert_string_equal(icc_json_str(o, "Protocol"), "udp");
	assert_string_equal(icc_json_str(o, "HostIp"), "");
	cJSON_Delete(a);
	a = parse_ok("8080:80/tcp");
	char text[128];
	icc_ports_text(a, text, sizeof(text));
	assert_string_equal(text, "0.0.0.0:8080->80/tcp");
	cJSON *d = icc_ports_docker(a);
	assert_string_equal(icc_json_str(cJSON_GetArrayItem(cJSON_GetObjectItem(d, "80/tcp"), 0), "HostPort"), "8080");
	cJSON_Delete(d);
	cJSON_Delete(a);
	parse_bad("99999:80", "invalid host port '99999'");
	parse_bad("80:0", "invalid port '0'");
	parse_bad("80:80/sctp", "invalid protocol 'sctp'");
	parse_bad("x:80:80", "invalid host IP 'x'");
	parse_bad("8000-8010:80", "ranges");
	parse_bad("", "invalid port");
	parse_bad("1:2:3:4", "IPv6 host addresses are not supported");
}

static void cidrs(void **state)
{
	uint32_t a;
	int p;
	assert_int_equal(icc_cidr_parse("10.88.0.0/16", &a, &p), 0);
	assert_int_equal(a, 0x0a580000u);
	assert_int_equal(p, 16);
	assert_int_equal(icc_cidr_parse("10.88.0.0", &a, &p), -EINVAL);
	assert_int_equal(icc_cidr_parse("10.88.0.0/31", &a, &p), -EINVAL);
	assert_int_equal(icc_cidr_parse("10.88.0.0/x", &a, &p), -EINVAL);
	assert_int_equal(icc_cidr_parse("300.1.1.1/24", &a, &p), -EINVAL);
	assert_true(icc_network_name_valid("app-1.net_x"));
	assert_false(icc_network_name_valid("-x"));
	assert_false(icc_network_name_valid("a/b"));
}

/* -P: EXPOSE'd ports on free host ports, skipping one -p already publishes and bad entries */
static void publish_all(void **state)
{
	cJSON *cfg = cJSON_Parse("{\"PublishAllPorts\": true,"
				 " \"PortBindings\": [{\"HostIp\": \"127.0.0.1\", \"HostPort\": 0, \"ContainerPort\": 80, \"Protocol\": \"tcp\"}],"
				 " \"ExposedPorts\": {\"80/tcp\": {}, \"53/udp\": {}, \"x/tcp\": {}, \"1/sctp\": {}}}");
	cJSON *taken = cJSON_CreateArray(), *out;
	struct icc_err err;
	assert_int_equal(icc_ports_resolve(cfg, taken, &out, &err), 0);
	assert_int_equal(cJSON_GetArraySize(out), 2);
	const cJSON *o;
	cJSON_ArrayForEach(o, out)
		assert_true(icc_json_int(o, "HostPort", 0) > 0);
	/* a port another container publishes is refused, naming it */
	cJSON *t = cJSON_Parse("[{\"HostIp\": \"\", \"HostPort\": 12345, \"ContainerPort\": 80, \"Protocol\": \"tcp\", \"Container\": \"web\"}]");
	cJSON *c2 = cJSON_Parse("{\"PortBindings\": [{\"HostIp\": \"127.0.0.1\", \"HostPort\": 12345, \"ContainerPort\": 80, \"Protocol\": \"tcp\"}]}");
	cJSON *o2;
	assert_int_equal(icc_ports_resolve(c2, t, &o2, &err), -EADDRINUSE);
	assert_non_null(strstr(err.msg, "in use by container 'web'"));
	assert_null(o2);
	cJSON_Delete(c2);
	cJSON_Delete(t);
	cJSON_Delete(out);
	cJSON_Delete(taken);
	cJSON_Delete(cfg);
}

UNIT_TESTS(
	cmocka_unit_test(port_specs),
	cmocka_unit_test(cidrs),
	cmocka_unit_test(publish_all))
