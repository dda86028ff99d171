/* test_seccomp.c - Docker-format seccomp profiles into OCI linux.seccomp, per capability set and arch */
#include <errno.h>
#include <stdbool.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "unit.h"

#include "icc/runtime/seccomp.h"
#include "icc/base/util.h"

static const struct icc_seccomp_host amd64_5_10 = {"amd64", 5, 10};
static const struct icc_seccomp_host s390x_4_4 = {"s390x", 4, 4};
static const char *const no_caps[] = {NULL};
static const char *const admin_caps[] = {"CAP_CHOWN", "CAP_SYS_ADMIN", NULL};

static const char profile_text[] =
	"{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":38,"
	" \"archMap\":[{\"architecture\":\"SCMP_ARCH_X86_64\",\"subArchitectures\":[\"SCMP_ARCH_X86\",\"SCMP_ARCH_X32\"]},"
	"              {\"architecture\":\"SCMP_ARCH_S390X\",\"subArchitectures\":[\"SCMP_ARCH_S390\"]}],"
	" \"syscalls\":["
	"  {\"names\":[\"read\",\"write\",\"unshare\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[],\"includes\":{},\"excludes\":{}},"
	"  {\"names\":[\"arch_prctl\"],\"action\":\"SCMP_ACT_ALLOW\",\"includes\":{\"arches\":[\"amd64\",\"x32\"]}},"
	"  {\"names\":[\"mount\"],\"action\":\"SCMP_ACT_ALLOW\",\"includes\":{\"caps\":[\"CAP_SYS_ADMIN\",\"CAP_CHOWN\"]}},"
	"  {\"names\":[\"mount\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":1,\"excludes\":{\"caps\":[\"CAP_SYS_ADMIN\"]}},"
	"  {\"names\":[\"ptrace\"],\"action\":\"SCMP_ACT_ALLOW\",\"includes\":{\"minKernel\":\"4.8\"}},"
	"  {\"names\":[\"old_call\"],\"action\":\"SCMP_ACT_ALLOW\",\"excludes\":{\"minKernel\":\"5.0\",\"arches\":[\"ppc64le\"]}},"
	"  {\"name\":\"personality\",\"action\":\"SCMP_ACT_ALLOW\","
	"   \"args\":[{\"index\":0,\"value\":4294967295,\"valueTwo\":0,\"op\":\"SCMP_CMP_EQ\"}]},"
	"  {\"names\":[],\"action\":\"SCMP_ACT_ALLOW\"}"
	" ]}";

static cJSON *translate_ok(const char *text, const char *overlay, const char *const *caps,
			   const struct icc_seccomp_host *h)
{
	cJSON *p = cJSON_Parse(text), *ov = overlay ? cJSON_Parse(overlay) : NULL, *out = NULL;
	assert_non_null(p);
	struct icc_err err = {0};
	int r = icc_seccomp_translate(p, ov, caps, h, "test.json", &out, &err);
	if (r < 0)
		fail_msg("%s", err.msg);
	cJSON_Delete(p);
	cJSON_Delete(ov);
	return out;
}

/* The rules (in order) that name `sys`: "ACTION[/errno][/args]" joined by ' '. */
static const char *rules_for(const cJSON *oci, const char *sys)
{
	static char buf[512];
	buf[0] = '\0';
	const cJSON *r, *n;
	cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(oci, "syscalls")) {
		cJSON_ArrayForEach(n, cJSON_GetObjectItemCaseSensitive(r, "names")) {
			if (strcmp(n->valuestring, sys))
				continue;
			size_t l = strlen(buf);
			snprintf(buf + l, sizeof(buf) - l, "%s%s", l ? " " : "",
				 icc_json_str(r, "action") + strlen("SCMP_ACT_"));
			const cJSON *e = cJSON_GetObjectItemCaseSensitive(r, "errnoRet");
			l = strlen(buf);
			if (e)
				snprintf(buf + l, sizeof(buf) - l, "/%d", (int)e->valuedouble);
			const cJSON *a;
			cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(r, "args")) {
				l = strlen(buf);
				snprintf(buf + l, sizeof(buf) - l, "/a%d:%.0f:%.0f:%s",
					 (int)icc_json_int(a, "index", -1),
					 cJSON_GetObjectItemCaseSensitive(a, "value")->valuedouble,
					 cJSON_GetObjectItemCaseSensitive(a, "valueTwo")->valuedouble,
					 icc_json_str(a, "op") + strlen("SCMP_CMP_"));
			}
		}
	}
	return buf;
}

static void defaults_and_arches(void **state)
{
	cJSON *o = translate_ok(profile_text, NULL, no_caps, &amd64_5_10);
	assert_string_equal(icc_json_str(o, "defaultAction"), "SCMP_ACT_ERRNO");
	assert_int_equal(icc_json_int(o, "defaultErrnoRet", 0), 38);
	char *a = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(o, "architectures"));
	assert_string_equal(a, "[\"SCMP_ARCH_X86_64\",\"SCMP_ARCH_X86\",\"SCMP_ARCH_X32\"]");
	free(a);
	assert_string_equal(rules_for(o, "arch_prctl"), "ALLOW");
	assert_string_equal(rules_for(o, "read"), "ALLOW");
	/* "name" works like a one-element "names"; args are kept */
	assert_string_equal(rules_for(o, "personality"), "ALLOW/a0:4294967295:0:EQ");
	/* an empty names list gives no rule */
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(o, "syscalls")), 5);
	cJSON_Delete(o);

	o = translate_ok(profile_text, NULL, no_caps, &s390x_4_4);
	a = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(o, "architectures"));
	assert_string_equal(a, "[\"SCMP_ARCH_S390X\",\"SCMP_ARCH_S390\"]");
	free(a);
	assert_string_equal(rules_for(o, "arch_prctl"), "");
	cJSON_Delete(o);
}

static void capabilities_and_kernel(void **state)
{
	cJSON *o = translate_ok(profile_text, NULL, no_caps, &amd64_5_10);
	assert_string_equal(rules_for(o, "mount"), "ERRNO/1");
	assert_string_equal(rules_for(o, "ptrace"), "ALLOW");   /* 5.10 >= 4.8 */
	assert_string_equal(rules_for(o, "old_call"), "");      /* excluded from 5.0 on */
	cJSON_Delete(o);
	/* includes.caps needs every listed capability; excludes.caps drops on any */
	const char *const only_admin[] = {"CAP_SYS_ADMIN", NULL};
	o = translate_ok(profile_text, NULL, only_admin, &amd64_5_10);
	assert_string_equal(rules_for(o, "mount"), "");
	cJSON_Delete(o);
	o = translate_ok(profile_text, NULL, admin_caps, &amd64_5_10);
	assert_string_equal(rules_for(o, "mount"), "ALLOW");
	cJSON_Delete(o);
	o = translate_ok(profile_text, NULL, no_caps, &s390x_4_4);
	assert_string_equal(rules_for(o, "ptrace"), "");        /* 4.4 < 4.8 */
	assert_string_equal(rules_for(o, "old_call"), "ALLOW");
	cJSON_Delete(o);
}

static const char overlay_text[] =
	"[{\"names\":[\"unshare\"],\"action\":\"SCMP_ACT_ALLOW\",\"includes\":{\"caps\":[\"CAP_SYS_ADMIN\"]}},"
	" {\"names\":[\"unshare\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":1,\"excludes\":{\"caps\":[\"CAP_SYS_ADMIN\"]},"
	"  \"args\":[{\"index\":0,\"value\":268435456,\"valueTwo\":268435456,\"op\":\"SCMP_CMP_MASKED_EQ\"}]},"
	" {\"names\":[\"keyctl\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":1}]";

static void overlay_takes_over_its_names(void **state)
{
	cJSON *o = translate_ok(profile_text, overlay_text, no_caps, &amd64_5_10);
	/* the profile's unconditional allow of unshare is gone, read and write stay */
	assert_string_equal(rules_for(o, "unshare"), "ERRNO/1/a0:268435456:268435456:MASKED_EQ");
	assert_string_equal(rules_for(o, "read"), "ALLOW");
	assert_string_equal(rules_for(o, "write"), "ALLOW");
	assert_string_equal(rules_for(o, "keyctl"), "ERRNO/1");
	cJSON_Delete(o);
	o = translate_ok(profile_text, overlay_text, admin_caps, &amd64_5_10);
	assert_string_equal(rules_for(o, "unshare"), "ALLOW");
	cJSON_Delete(o);
}

static void bad_profiles_get_one_line(void **state)
{
	static const struct {
		const char *text, *msg;
	} cases[] = {
		{"[]", "not a JSON object"},
		{"{}", "defaultAction: missing or unknown: (none)"},
		{"{\"defaultAction\":\"SCMP_ACT_NOPE\"}", "defaultAction: missing or unknown: SCMP_ACT_NOPE"},
		{"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"SCMP_ARCH_X86_64\"],"
		 "\"archMap\":[{\"architecture\":\"SCMP_ARCH_X86_64\"}]}", "both 'architectures' and 'archMap'"},
		{"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":{}}", "syscalls: not a list"},
		{"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"a\"],\"action\":\"X\"}]}",
		 "syscalls[0]: unknown action X"},
		{"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"a\"],\"action\":\"SCMP_ACT_ALLOW\"},"
		 "{\"name\":\"b\",\"names\":[\"c\"],\"action\":\"SCMP_ACT_ALLOW\"}]}", "syscalls[1]: both 'name' and 'names'"},
		{"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"a\"],\"action\":\"SCMP_ACT_ALLOW\","
		 "\"args\":[{\"index\":6,\"value\":0,\"op\":\"SCMP_CMP_EQ\"}]}]}", "syscalls[0]: an argument index is not 0-5"},
		{"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"a\"],\"action\":\"SCMP_ACT_ALLOW\","
		 "\"args\":[{\"index\":0,\"value\":-1,\"op\":\"SCMP_CMP_EQ\"}]}]}", "an argument value is not an integer from 0 to 2^53"},
		{"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"a\"],\"action\":\"SCMP_ACT_ALLOW\","
		 "\"args\":[{\"index\":0,\"value\":1,\"op\":\"SCMP_CMP_ABOUT\"}]}]}", "unknown argument op SCMP_CMP_ABOUT"},
		{"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"a\"],\"action\":\"SCMP_ACT_ALLOW\","
		 "\"includes\":{\"minKernel\":\"five\"}}]}", "syscalls[0]: includes: minKernel is not like"},
		{"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"a\"],\"action\":\"SCMP_ACT_ERRNO\","
		 "\"errnoRet\":1.5}]}", "errnoRet is not an errno number"},
		{"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"%n%s\"],\"action\":\"SCMP_%n%s\"}]}",
		 "unknown action SCMP_%n%s"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cJSON *p = cJSON_Parse(cases[i].text), *out = (cJSON *)1;
		assert_non_null(p);
		struct icc_err err = {0};
		assert_int_equal(icc_seccomp_translate(p, NULL, no_caps, &amd64_5_10, "my.json", &out, &err),
				 -EINVAL);
		assert_null(out);
		if (!strstr(err.msg, cases[i].msg) || !strstr(err.msg, "'my.json'") || strchr(err.msg, '\n'))
			fail_msg("case %zu: '%s' lacks '%s'", i, err.msg, cases[i].msg);
		cJSON_Delete(p);
	}
}

/* Debian's profile as installed: the rules icc's overlay changes for a default container */
static void debian_profile_with_overlay(void **state)
{
	if (access(ICC_SECCOMP_DEFAULT_PROFILE, R_OK) != 0)
		skip();
	static const char *const caps[] = {"CAP_CHOWN", "CAP_SETUID", "CAP_SYS_CHROOT", NULL};
	cJSON *o = NULL;
	struct icc_err err = {0};
	if (icc_seccomp_for_container(NULL, caps, &o, &err) < 0)
		fail_msg("%s", err.msg);
	assert_string_equal(rules_for(o, "keyctl"), "ERRNO/1");
	assert_string_equal(rules_for(o, "add_key"), "ERRNO/1");
	assert_string_equal(rules_for(o, "clone3"), "ERRNO/38");
	assert_string_equal(rules_for(o, "unshare"),
			    "ALLOW/a0:268435456:0:MASKED_EQ ERRNO/1/a0:268435456:268435456:MASKED_EQ");
	assert_string_equal(rules_for(o, "chroot"), "ALLOW");
	assert_string_equal(rules_for(o, "io_uring_setup"), "");
	assert_string_equal(rules_for(o, "read"), "ALLOW");
	cJSON_Delete(o);
	cJSON *s = cJSON_CreateString("unconfined");
	o = (cJSON *)1;
	assert_int_equal(icc_seccomp_for_container(s, caps, &o, &err), 0);
	assert_null(o);
	cJSON_Delete(s);
}

/* The default profile's file missing: one line naming it and its package. */
static bool hide_default_profile;
int __real_icc_read_file(int dirfd, const char *name, size_t max, char **out, size_t *len,
			 struct icc_err *err);
int __wrap_icc_read_file(int dirfd, const char *name, size_t max, char **out, size_t *len,
			 struct icc_err *err)
{
	if (hide_default_profile && !strcmp(name, ICC_SECCOMP_DEFAULT_PROFILE))
		return icc_err_set(err, ENOENT, "cannot open '%s': No such file or directory", name);
	return __real_icc_read_file(dirfd, name, max, out, len, err);
}

static void missing_default_profile(void **state)
{
	hide_default_profile = true;
	cJSON *o = NULL;
	struct icc_err err = {0};
	assert_int_equal(icc_seccomp_for_container(NULL, no_caps, &o, &err), -ENOENT);
	assert_null(o);
	assert_non_null(strstr(err.msg, "'" ICC_SECCOMP_DEFAULT_PROFILE "' is missing"));
	assert_non_null(strstr(err.msg, "apt-get install " ICC_SECCOMP_DEFAULT_PACKAGE));
	assert_null(strchr(err.msg, '\n'));
}

UNIT_TESTS(
	cmocka_unit_test(defaults_and_arches),
	cmocka_unit_test(capabilities_and_kernel),
	cmocka_unit_test(overlay_takes_over_its_names),
	cmocka_unit_test(bad_profiles_get_one_line),
	cmocka_unit_test(debian_profile_with_overlay),
	cmocka_unit_test(missing_default_profile))
