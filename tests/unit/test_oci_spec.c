/* test_oci_spec.c - icc_oci_spec: the config.json a container config and host facts give */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "unit.h"

#include "icc/runtime/oci_spec.h"
#include "icc/base/util.h"

static cJSON *seccomp_section(void)
{
	return cJSON_Parse("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[]}");
}

static struct icc_oci_host host(const cJSON *sec)
{
	struct icc_oci_host h = {
		.rootfs = "/s/containers/c1/merged", .hostname = "c1host",
		.hostname_file = "/s/containers/c1/hostname", .hosts_file = "/s/containers/c1/hosts",
		.resolv_file = "/s/containers/c1/resolv.conf", .ctl_dir = "/s/containers/c1/merged/.icc",
		.cgroups_path = "/icc/c1", .netns = "/run/netns/icc-c1", .uid = 0, .gid = 0,
		.nofile = 1048576, .init_binary = "/usr/bin/tini-static", .seccomp = sec,
	};
	return h;
}

/* The spec of config text `cfg` on the default host. */
static cJSON *spec_of(const char *cfg_text, struct icc_oci_host *h)
{
	cJSON *cfg = cJSON_Parse(cfg_text);
	assert_non_null(cfg);
	cJSON *spec = icc_oci_spec(cfg, h);
	cJSON_Delete(cfg);
	assert_non_null(spec);
	return spec;
}

static const cJSON *at(const cJSON *o, const char *a, const char *b)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, a);
	return b ? cJSON_GetObjectItemCaseSensitive(v, b) : v;
}

/* The element of array `arr` whose string `key` is `value`, NULL if none. */
static const cJSON *element_with(const cJSON *arr, const char *key, const char *value)
{
	const cJSON *e;
	cJSON_ArrayForEach(e, arr) {
		const char *v = icc_json_str(e, key);
		if (v && !strcmp(v, value))
			return e;
	}
	return NULL;
}

/* The mount at `dest`, the rlimit and the namespace of `type`: NULL if none. */
static const cJSON *mount_at(const cJSON *spec, const char *dest)
{
	return element_with(at(spec, "mounts", NULL), "destination", dest);
}

static const cJSON *rlimit(const cJSON *spec, const char *type)
{
	return element_with(at(at(spec, "process", NULL), "rlimits", NULL), "type", type);
}

static const cJSON *namespace(const cJSON *spec, const char *type)
{
	return element_with(at(at(spec, "linux", NULL), "namespaces", NULL), "type", type);
}

/* `v` printed unformatted is `want` (a macro: a failure names the caller's line) */
#define assert_printed(v, want)                                                                    \
	do {                                                                                       \
		char *printed_ = printed(v);                                                       \
		assert_string_equal(printed_, want);                                               \
		free(printed_);                                                                    \
	} while (0)

static char *printed(const cJSON *v)
{
	char *s = cJSON_PrintUnformatted(v);
	assert_non_null(s);
	return s;
}

static void defaults(void **state)
{
	cJSON *sec = seccomp_section();
	struct icc_oci_host h = host(sec);
	cJSON *spec = spec_of("{\"Cmd\":[\"sh\"],\"Env\":[\"A=1\"]}", &h);
	/* namespaces: all six, the network one joined at the path icc made */
	const cJSON *ns = at(at(spec, "linux", NULL), "namespaces", NULL);
	assert_int_equal(cJSON_GetArraySize(ns), 6);
	assert_printed(namespace(spec, "network"), "{\"type\":\"network\",\"path\":\"/run/netns/icc-c1\"}");
	/* the default capabilities in all three sets */
	const cJSON *caps = at(at(spec, "process", NULL), "capabilities", NULL);
	for (const char *const *c = icc_default_caps; *c; c++)
		assert_true(icc_json_has_string(at(caps, "effective", NULL), *c) && icc_json_has_string(at(caps, "bounding", NULL), *c));
	assert_int_equal(cJSON_GetArraySize(at(caps, "permitted", NULL)), 14);
	assert_false(icc_json_has_string(at(caps, "effective", NULL), "CAP_SYS_ADMIN"));
	/* masked and read-only paths, seccomp, no new privileges */
	const cJSON *lx = at(spec, "linux", NULL);
	assert_true(icc_json_has_string(at(lx, "maskedPaths", NULL), "/proc/kcore"));
	assert_true(icc_json_has_string(at(lx, "readonlyPaths", NULL), "/proc/sys"));
	assert_non_null(at(lx, "seccomp", NULL));
	assert_true(cJSON_IsTrue(at(at(spec, "process", NULL), "noNewPrivileges", NULL)));
	/* mounts: /proc, /dev, /etc files bound from beside the rootfs, shm 64m */
	assert_string_equal(icc_json_str(mount_at(spec, "/etc/hosts"), "source"), "/s/containers/c1/hosts");
	assert_true(icc_json_has_string(at(mount_at(spec, "/dev/shm"), "options", NULL), "size=65536k"));
	assert_true(icc_json_has_string(at(mount_at(spec, "/sys"), "options", NULL), "ro"));
	assert_null(mount_at(spec, "/.icc"));
	assert_null(mount_at(spec, ICC_INIT_PATH));
	/* rlimits: the host's nofile as exact digits */
	assert_printed(rlimit(spec, "RLIMIT_NOFILE"), "{\"type\":\"RLIMIT_NOFILE\",\"hard\":1048576,\"soft\":1048576}");
	/* root, args, env, no resources */
	assert_false(cJSON_IsTrue(at(at(spec, "root", NULL), "readonly", NULL)));
	assert_string_equal(icc_json_str(at(spec, "root", NULL), "path"), "/s/containers/c1/merged");
	assert_printed(at(at(spec, "process", NULL), "args", NULL), "[\"sh\"]");
	assert_printed(at(at(spec, "process", NULL), "env", NULL), "[\"" ICC_DEFAULT_PATH "\",\"HOSTNAME=c1host\",\"A=1\",\"HOME=/root\"]");
	const cJSON *res = at(lx, "resources", NULL);
	assert_null(at(res, "memory", NULL));
	assert_null(at(res, "cpu", NULL));
	assert_null(at(res, "pids", NULL));
	cJSON_Delete(spec);
	cJSON_Delete(sec);
}

static void host_network_and_user(void **state)
{
	struct icc_oci_host h = host(NULL);
	h.host_network = true;
	h.netns = "";
	h.uid = 1000;
	h.gid = 100;
	h.tty = true;
	cJSON *spec = spec_of("{}", &h);
	const cJSON *ns = at(at(spec, "linux", NULL), "namespaces", NULL);
	assert_int_equal(cJSON_GetArraySize(ns), 5);
	assert_null(namespace(spec, "network"));
	assert_string_equal(icc_json_str(mount_at(spec, "/sys"), "type"), "bind");
	assert_null(at(at(spec, "linux", NULL), "seccomp", NULL));
	assert_printed(at(at(spec, "process", NULL), "user", NULL), "{\"uid\":1000,\"gid\":100,\"additionalGids\":[100]}");
	assert_printed(at(at(spec, "process", NULL), "args", NULL), "[\"/bin/sh\"]");
	assert_true(icc_json_has_string(at(at(spec, "process", NULL), "env", NULL), "TERM=xterm"));
	assert_false(icc_json_has_string(at(at(spec, "process", NULL), "env", NULL), "HOME=/root"));
	cJSON_Delete(spec);
}

static void resources(void **state)
{
	struct icc_oci_host h = host(NULL);
	cJSON *spec = spec_of("{\"Memory\":67108864,\"NanoCpus\":500000000,\"PidsLimit\":20}", &h);
	assert_printed(at(at(spec, "linux", NULL), "resources", NULL), "{\"devices\":[{\"allow\":false,\"access\":\"rwm\"}],"
		       "\"memory\":{\"limit\":67108864,\"swap\":134217728},"
		       "\"cpu\":{\"quota\":50000,\"period\":100000},\"pids\":{\"limit\":20}}");
	cJSON_Delete(spec);
	spec = spec_of("{\"NanoCpus\":1500000000,\"PidsLimit\":0}", &h);
	assert_printed(at(at(spec, "linux", NULL), "resources", NULL), "{\"devices\":[{\"allow\":false,\"access\":\"rwm\"}],"
		       "\"cpu\":{\"quota\":150000,\"period\":100000}}");
	cJSON_Delete(spec);
}

static void caps_add_drop_all(void **state)
{
	const char *out[64];
	cJSON *cfg = cJSON_Parse("{\"CapDrop\":[\"CAP_CHOWN\",\"CAP_KILL\"],\"CapAdd\":[\"CAP_NET_ADMIN\"]}");
	size_t n = icc_oci_caps(cfg, 0, out);
	assert_int_equal(n, 13);
	bool admin = false, chown = false;
	for (size_t i = 0; i < n; i++) {
		admin |= !strcmp(out[i], "CAP_NET_ADMIN");
		chown |= !strcmp(out[i], "CAP_CHOWN");
	}
	assert_true(admin);
	assert_false(chown);
	cJSON_Delete(cfg);
	cfg = cJSON_Parse("{\"CapDrop\":[\"ALL\"],\"CapAdd\":[\"CAP_CHOWN\"]}");
	assert_int_equal(icc_oci_caps(cfg, 0, out), 1);
	assert_string_equal(out[0], "CAP_CHOWN");
	assert_null(out[1]);
	cJSON_Delete(cfg);
	cfg = cJSON_Parse("{\"CapAdd\":[\"ALL\"],\"CapDrop\":[\"CAP_SYS_ADMIN\"]}");
	assert_int_equal(icc_oci_caps(cfg, 0, out), 40);
	/* "all" is what the host's bounding set holds: bit 24 (CAP_SYS_RESOURCE) missing */
	assert_int_equal(icc_oci_caps(cfg, 0x1fffeffffffULL, out), 39);
	cJSON_Delete(cfg);
	cfg = cJSON_Parse("{\"Privileged\":true,\"CapDrop\":[\"ALL\"]}");
	assert_int_equal(icc_oci_caps(cfg, 0, out), 41);
	cJSON_Delete(cfg);
	/* the spec's three sets are that list */
	struct icc_oci_host h = host(NULL);
	cJSON *spec = spec_of("{\"CapDrop\":[\"ALL\"],\"CapAdd\":[\"CAP_NET_RAW\"]}", &h);
	assert_printed(at(at(spec, "process", NULL), "capabilities", NULL), "{\"bounding\":[\"CAP_NET_RAW\"],\"effective\":[\"CAP_NET_RAW\"],"
		       "\"permitted\":[\"CAP_NET_RAW\"]}");
	cJSON_Delete(spec);
}

static void privileged(void **state)
{
	cJSON *sec = seccomp_section();
	struct icc_oci_host h = host(sec);
	cJSON *devs = cJSON_Parse("[{\"path\":\"/dev/loop0\",\"type\":\"b\",\"major\":7,\"minor\":0}]");
	h.devices = devs;
	cJSON *spec = spec_of("{\"Privileged\":true}", &h);
	const cJSON *lx = at(spec, "linux", NULL);
	assert_null(at(lx, "maskedPaths", NULL));
	assert_null(at(lx, "readonlyPaths", NULL));
	assert_null(at(lx, "seccomp", NULL));
	assert_int_equal(cJSON_GetArraySize(at(lx, "devices", NULL)), 1);
	assert_true(cJSON_IsTrue(at(cJSON_GetArrayItem(at(at(lx, "resources", NULL), "devices", NULL), 0), "allow", NULL)));
	assert_true(icc_json_has_string(at(mount_at(spec, "/sys"), "options", NULL), "rw"));
	assert_int_equal(cJSON_GetArraySize(at(at(at(spec, "process", NULL), "capabilities", NULL), "effective", NULL)), 41);
	cJSON_Delete(spec);
	/* without --privileged the host's devices are not given */
	spec = spec_of("{}", &h);
	assert_null(at(at(spec, "linux", NULL), "devices", NULL));
	cJSON_Delete(spec);
	cJSON_Delete(devs);
	cJSON_Delete(sec);
}

static void init_readonly_tmpfs_shm(void **state)
{
	struct icc_oci_host h = host(NULL);
	cJSON *spec = spec_of("{\"Init\":true,\"ReadonlyRootfs\":true,\"Entrypoint\":[\"/e\"],\"Cmd\":[\"a\"],"
			      "\"Tmpfs\":{\"/run\":\"size=1m,exec\",\"/tmp\":\"\"},\"ShmSize\":8388608}", &h);
	assert_printed(at(at(spec, "process", NULL), "args", NULL), "[\"" ICC_INIT_PATH "\",\"--\",\"/e\",\"a\"]");
	assert_printed(mount_at(spec, ICC_INIT_PATH), "{\"destination\":\"" ICC_INIT_PATH "\",\"type\":\"bind\",\"source\":\"/usr/bin/tini-static\","
		       "\"options\":[\"bind\",\"ro\",\"nosuid\",\"nodev\"]}");
	assert_true(cJSON_IsTrue(at(at(spec, "root", NULL), "readonly", NULL)));
	/* /.icc stays writable over a read-only root: saving still works */
	assert_string_equal(icc_json_str(mount_at(spec, "/.icc"), "source"), "/s/containers/c1/merged/.icc");
	assert_false(icc_json_has_string(at(mount_at(spec, "/.icc"), "options", NULL), "ro"));
	assert_printed(at(mount_at(spec, "/run"), "options", NULL), "[\"exec\",\"nosuid\",\"nodev\",\"size=1m\"]");
	assert_printed(at(mount_at(spec, "/tmp"), "options", NULL), "[\"noexec\",\"nosuid\",\"nodev\"]");
	assert_true(icc_json_has_string(at(mount_at(spec, "/dev/shm"), "options", NULL), "size=8192k"));
	cJSON_Delete(spec);
	/* no tini on the host: no init (the bundle writer refuses to start then) */
	h.init_binary = NULL;
	spec = spec_of("{\"Init\":true,\"Cmd\":[\"a\"]}", &h);
	assert_printed(at(at(spec, "process", NULL), "args", NULL), "[\"a\"]");
	cJSON_Delete(spec);
}

static void ulimits(void **state)
{
	struct icc_oci_host h = host(NULL);
	cJSON *spec = spec_of("{\"Ulimits\":[{\"Name\":\"nofile\",\"Soft\":512,\"Hard\":1024},"
			      "{\"Name\":\"core\",\"Soft\":-1,\"Hard\":-1},{\"Name\":\"nproc\",\"Soft\":10,\"Hard\":20}]}", &h);
	assert_printed(at(at(spec, "process", NULL), "rlimits", NULL), "[{\"type\":\"RLIMIT_NOFILE\",\"hard\":1024,\"soft\":512},"
		       "{\"type\":\"RLIMIT_CORE\",\"hard\":18446744073709551615,\"soft\":18446744073709551615},"
		       "{\"type\":\"RLIMIT_NPROC\",\"hard\":20,\"soft\":10}]");
	cJSON_Delete(spec);
}

static void user_mounts_and_nnp(void **state)
{
	struct icc_oci_host h = host(NULL);
	cJSON *spec = spec_of("{\"Mounts\":[{\"Source\":\"/h\",\"Destination\":\"/c\",\"RW\":false}],"
			      "\"NoNewPrivileges\":false}", &h);
	assert_true(icc_json_has_string(at(mount_at(spec, "/c"), "options", NULL), "ro"));
	assert_true(cJSON_IsFalse(at(at(spec, "process", NULL), "noNewPrivileges", NULL)));
	cJSON_Delete(spec);
}

UNIT_TESTS(
	cmocka_unit_test(defaults),
	cmocka_unit_test(host_network_and_user),
	cmocka_unit_test(resources),
	cmocka_unit_test(caps_add_drop_all),
	cmocka_unit_test(privileged),
	cmocka_unit_test(init_readonly_tmpfs_shm),
	cmocka_unit_test(ulimits),
	cmocka_unit_test(user_mounts_and_nnp))
