/* test_config.c - the image config whitelist (icc_config_sanitize) */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include "unit.h"

#include "icc/image/image.h"

/* sanitize(in) printed unformatted must be `want`. */
static void expect_sanitized(const char *in, const char *want)
{
	cJSON *doc = in ? cJSON_Parse(in) : NULL;
	if (in && !doc)
		fail_msg("bad test input %s", in);
	cJSON *out = icc_config_sanitize(doc);
	assert_non_null(out);
	char *txt = cJSON_PrintUnformatted(out);
	if (strcmp(txt, want))
		fail_msg("sanitize(%s) = %s, want %s", in ? in : "NULL", txt, want);
	free(txt);
	cJSON_Delete(out);
	cJSON_Delete(doc);
}

static void keeps_what_an_image_may_hold(void **state)
{
	expect_sanitized("{\"Env\":[\"A=1\"],\"Cmd\":[\"sh\"],\"Entrypoint\":[\"/e\"],\"WorkingDir\":\"/w\","
			 "\"User\":\"1:2\",\"Labels\":{\"k\":\"v\"},\"ExposedPorts\":{\"80/tcp\":{}},"
			 "\"StopSignal\":\"SIGINT\",\"Volumes\":{\"/data\":{}}}",
			 "{\"Env\":[\"A=1\"],\"Cmd\":[\"sh\"],\"Entrypoint\":[\"/e\"],\"WorkingDir\":\"/w\","
			 "\"User\":\"1:2\",\"Labels\":{\"k\":\"v\"},\"ExposedPorts\":{\"80/tcp\":{}},"
			 "\"StopSignal\":\"SIGINT\",\"Volumes\":{\"/data\":{}}}");
	expect_sanitized(NULL, "{}");
	expect_sanitized("[\"Mounts\"]", "{}");
	expect_sanitized("\"Mounts\"", "{}");
}

static void drops_what_touches_the_host(void **state)
{
	expect_sanitized("{\"Mounts\":[{\"Source\":\"/\",\"Destination\":\"/host\"}],\"Hostname\":\"h\","
			 "\"Network\":\"host\",\"Runtime\":\"/tmp/x\",\"Privileged\":true,\"Devices\":[{}],"
			 "\"Binds\":[\"/:/h\"],\"HostConfig\":{\"Binds\":[\"/:/h\"]},\"Tty\":true,"
			 "\"mounts\":[{\"Source\":\"/\"}],\"Cmd\":[\"sh\"]}",
			 "{\"Cmd\":[\"sh\"]}");
}

static void checks_types(void **state)
{
	/* wrong types are dropped; arrays keep their strings only */
	expect_sanitized("{\"Env\":\"A=1\",\"Cmd\":[\"a\",1,{\"x\":1},\"b\"],\"WorkingDir\":[\"/\"],"
			 "\"User\":0,\"Entrypoint\":null,\"StopSignal\":9}",
			 "{\"Cmd\":[\"a\",\"b\"]}");
	/* Labels: string values only; Volumes and ExposedPorts: keys only */
	expect_sanitized("{\"Labels\":{\"a\":\"1\",\"b\":2,\"c\":{}},"
			 "\"Volumes\":{\"/v\":{\"Source\":\"/\",\"Type\":\"bind\"},\"/w\":\"/\"},"
			 "\"ExposedPorts\":{\"80/tcp\":{\"HostPort\":\"80\"}}}",
			 "{\"Labels\":{\"a\":\"1\"},\"ExposedPorts\":{\"80/tcp\":{}},\"Volumes\":{\"/v\":{},\"/w\":{}}}");
	/* a repeated key: the first one counts, as for every reader */
	expect_sanitized("{\"Labels\":{\"a\":\"1\",\"a\":\"2\"}}", "{\"Labels\":{\"a\":\"1\"}}");
}

UNIT_TESTS(
	cmocka_unit_test(keeps_what_an_image_may_hold),
	cmocka_unit_test(drops_what_touches_the_host),
	cmocka_unit_test(checks_types))
