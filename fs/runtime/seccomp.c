/* seccomp.c - Docker-format seccomp profiles translated into a container's OCI linux.seccomp */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "icc/runtime/seccomp.h"
#include "icc/base/util.h"

/*
 * icc's overlay on the default profile.  Debian's profile (podman's) allows
 * unshare, clone with any flags and the keyring calls, because podman expects
 * nested user namespaces; Docker's profile does not, and icc follows Docker
 * here: without CAP_SYS_ADMIN a container cannot make a user namespace (the
 * way in to mount and most kernel attack surface, CVE-2022-0185) and cannot
 * reach the kernel keyrings, which are not namespaced and hold the host's
 * secrets.  clone3 cannot be filtered on its flags (they are behind a
 * pointer): ENOSYS makes the C library fall back to clone, as under Docker.
 */
#define CLONE_NEWUSER_S "268435456"
static const char overlay_json[] =
	"["
	"{\"names\":[\"add_key\",\"keyctl\",\"request_key\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":1},"
	"{\"names\":[\"unshare\",\"clone\",\"clone3\"],\"action\":\"SCMP_ACT_ALLOW\","
	" \"includes\":{\"caps\":[\"CAP_SYS_ADMIN\"]}},"
	"{\"names\":[\"unshare\"],\"action\":\"SCMP_ACT_ALLOW\",\"excludes\":{\"caps\":[\"CAP_SYS_ADMIN\"]},"
	" \"args\":[{\"index\":0,\"value\":" CLONE_NEWUSER_S ",\"valueTwo\":0,\"op\":\"SCMP_CMP_MASKED_EQ\"}]},"
	"{\"names\":[\"unshare\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":1,\"excludes\":{\"caps\":[\"CAP_SYS_ADMIN\"]},"
	" \"args\":[{\"index\":0,\"value\":" CLONE_NEWUSER_S ",\"valueTwo\":" CLONE_NEWUSER_S ",\"op\":\"SCMP_CMP_MASKED_EQ\"}]},"
	/* clone's flags are argument 0, but argument 1 on s390 */
	"{\"names\":[\"clone\"],\"action\":\"SCMP_ACT_ALLOW\",\"excludes\":{\"caps\":[\"CAP_SYS_ADMIN\"],\"arches\":[\"s390\",\"s390x\"]},"
	" \"args\":[{\"index\":0,\"value\":" CLONE_NEWUSER_S ",\"valueTwo\":0,\"op\":\"SCMP_CMP_MASKED_EQ\"}]},"
	"{\"names\":[\"clone\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":1,\"excludes\":{\"caps\":[\"CAP_SYS_ADMIN\"],\"arches\":[\"s390\",\"s390x\"]},"
	" \"args\":[{\"index\":0,\"value\":" CLONE_NEWUSER_S ",\"valueTwo\":" CLONE_NEWUSER_S ",\"op\":\"SCMP_CMP_MASKED_EQ\"}]},"
	"{\"names\":[\"clone\"],\"action\":\"SCMP_ACT_ALLOW\",\"includes\":{\"arches\":[\"s390\",\"s390x\"]},\"excludes\":{\"caps\":[\"CAP_SYS_ADMIN\"]},"
	" \"args\":[{\"index\":1,\"value\":" CLONE_NEWUSER_S ",\"valueTwo\":0,\"op\":\"SCMP_CMP_MASKED_EQ\"}]},"
	"{\"names\":[\"clone\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":1,\"includes\":{\"arches\":[\"s390\",\"s390x\"]},\"excludes\":{\"caps\":[\"CAP_SYS_ADMIN\"]},"
	" \"args\":[{\"index\":1,\"value\":" CLONE_NEWUSER_S ",\"valueTwo\":" CLONE_NEWUSER_S ",\"op\":\"SCMP_CMP_MASKED_EQ\"}]},"
	"{\"names\":[\"clone3\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":38,\"excludes\":{\"caps\":[\"CAP_SYS_ADMIN\"]}}"
	"]";

static const char *const actions[] = {
	"SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP",
	"SCMP_ACT_ERRNO", "SCMP_ACT_TRACE", "SCMP_ACT_ALLOW", "SCMP_ACT_LOG", NULL,
};
static const char *const ops[] = {
	"SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ", "SCMP_CMP_GE",
	"SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ", NULL,
};

/* Go's GOARCH (what profiles write in "arches") and libseccomp's name of it */
static const struct {
	const char *uname, *goarch, *scmp;
} arches[] = {
	{"x86_64", "amd64", "SCMP_ARCH_X86_64"},   {"aarch64", "arm64", "SCMP_ARCH_AARCH64"},
	{"i686", "386", "SCMP_ARCH_X86"},          {"i386", "386", "SCMP_ARCH_X86"},
	{"armv7l", "arm", "SCMP_ARCH_ARM"},        {"armv6l", "arm", "SCMP_ARCH_ARM"},
	{"ppc64le", "ppc64le", "SCMP_ARCH_PPC64LE"}, {"ppc64", "ppc64", "SCMP_ARCH_PPC64"},
	{"s390x", "s390x", "SCMP_ARCH_S390X"},     {"riscv64", "riscv64", "SCMP_ARCH_RISCV64"},
	{"mips64", "mips64", "SCMP_ARCH_MIPS64"},  {"loongarch64", "loong64", "SCMP_ARCH_LOONGARCH64"},
};

static bool in_list(const char *const *list, const char *s)
{
	for (; list && *list; list++)
		if (!strcmp(*list, s))
			return true;
	return false;
}

/* Is string `s` an element of the JSON array `arr`? */
static bool json_has(const cJSON *arr, const char *s)
{
	const cJSON *it;
	cJSON_ArrayForEach(it, arr)
		if (cJSON_IsString(it) && !strcmp(it->valuestring, s))
			return true;
	return false;
}

/* A non-negative integer that fits in 64 bits (JSON numbers are doubles). */
static bool json_uint(const cJSON *v, double max)
{
	return cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble <= max &&
	       v->valuedouble == (double)(unsigned long long)v->valuedouble;
}

struct ctx {
	const char *name;
	const char *const *caps;
	const struct icc_seccomp_host *host;
	struct icc_err *err;
};

static int bad(struct ctx *c, const char *where, int idx, const char *what, const char *detail)
{
	if (idx >= 0)
		return icc_err_set(c->err, EINVAL, "invalid seccomp profile '%s': %s[%d]: %s%s",
				   c->name, where, idx, what, detail);
	return icc_err_set(c->err, EINVAL, "invalid seccomp profile '%s': %s: %s%s", c->name, where,
			   what, detail);
}

/* "4.8" against the running kernel: 1 if the kernel is at least that, 0 if not, -1 if bad. */
static int kernel_at_least(const struct icc_seccomp_host *h, const char *v)
{
	int maj, min, n = 0;
	if (sscanf(v, "%d.%d%n", &maj, &min, &n) != 2 || v[n] || maj < 0 || min < 0)
		return -1;
	return h->kmajor > maj || (h->kmajor == maj && h->kminor >= min);
}

/* Check an includes/excludes object; *match: does it hold for this container? */
static int filter(struct ctx *c, const cJSON *f, bool include, int idx, bool *match)
{
	const char *where = include ? "includes" : "excludes";
	*match = include;
	if (!f || cJSON_IsNull(f))
		return 0;
	if (!cJSON_IsObject(f))
		return bad(c, "syscalls", idx, where, " is not an object");
	const cJSON *caps = cJSON_GetObjectItemCaseSensitive(f, "caps");
	const cJSON *ar = cJSON_GetObjectItemCaseSensitive(f, "arches");
	const cJSON *mk = cJSON_GetObjectItemCaseSensitive(f, "minKernel");
	const cJSON *it;
	if ((caps && !cJSON_IsArray(caps) && !cJSON_IsNull(caps)) ||
	    (ar && !cJSON_IsArray(ar) && !cJSON_IsNull(ar)))
		return bad(c, "syscalls", idx, where, ": caps and arches must be lists");
	cJSON_ArrayForEach(it, caps)
		if (!cJSON_IsString(it))
			return bad(c, "syscalls", idx, where, ": a capability is not a string");
	cJSON_ArrayForEach(it, ar)
		if (!cJSON_IsString(it))
			return bad(c, "syscalls", idx, where, ": an arch is not a string");
	int kernel_ok = 1;
	if (mk && !cJSON_IsNull(mk)) {
		kernel_ok = cJSON_IsString(mk) ? kernel_at_least(c->host, mk->valuestring) : -1;
		if (kernel_ok < 0)
			return bad(c, "syscalls", idx, where, ": minKernel is not like \"4.8\"");
	}
	bool any_cap = false, all_caps = true;
	cJSON_ArrayForEach(it, caps) {
		bool has = in_list(c->caps, it->valuestring);
		any_cap |= has;
		all_caps &= has;
	}
	bool arch_listed = json_has(ar, c->host->goarch);
	if (include)
		*match = all_caps && (cJSON_GetArraySize(ar) == 0 || arch_listed) && (!mk || kernel_ok);
	else
		*match = any_cap || arch_listed || (mk && !cJSON_IsNull(mk) && kernel_ok);
	return 0;
}

/* One syscalls[] entry: appended to `out` if it applies to this container. */
static int rule(struct ctx *c, const cJSON *s, int idx, cJSON *out)
{
	if (!cJSON_IsObject(s))
		return bad(c, "syscalls", idx, "not an object", "");
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(s, "name");
	const cJSON *names = cJSON_GetObjectItemCaseSensitive(s, "names");
	const cJSON *action = cJSON_GetObjectItemCaseSensitive(s, "action");
	const cJSON *eret = cJSON_GetObjectItemCaseSensitive(s, "errnoRet");
	const cJSON *args = cJSON_GetObjectItemCaseSensitive(s, "args");
	const cJSON *it;
	if (name && cJSON_GetArraySize(names) > 0)
		return bad(c, "syscalls", idx, "both 'name' and 'names' given", "");
	if (name && !cJSON_IsString(name))
		return bad(c, "syscalls", idx, "'name' is not a string", "");
	if (names && !cJSON_IsArray(names) && !cJSON_IsNull(names))
		return bad(c, "syscalls", idx, "'names' is not a list", "");
	cJSON_ArrayForEach(it, names)
		if (!cJSON_IsString(it) || !it->valuestring[0])
			return bad(c, "syscalls", idx, "a syscall name is not a string", "");
	if (!cJSON_IsString(action))
		return bad(c, "syscalls", idx, "no action", "");
	if (!in_list(actions, action->valuestring))
		return bad(c, "syscalls", idx, "unknown action ", action->valuestring);
	if (eret && !cJSON_IsNull(eret) && !json_uint(eret, 4095))
		return bad(c, "syscalls", idx, "errnoRet is not an errno number", "");
	if (args && !cJSON_IsArray(args) && !cJSON_IsNull(args))
		return bad(c, "syscalls", idx, "'args' is not a list", "");
	cJSON_ArrayForEach(it, args) {
		const cJSON *op = cJSON_GetObjectItemCaseSensitive(it, "op");
		const cJSON *v2 = cJSON_GetObjectItemCaseSensitive(it, "valueTwo");
		if (!json_uint(cJSON_GetObjectItemCaseSensitive(it, "index"), 5))
			return bad(c, "syscalls", idx, "an argument index is not 0-5", "");
		/* JSON numbers are doubles here: exact, and printed as integers, up to 2^53 */
		if (!json_uint(cJSON_GetObjectItemCaseSensitive(it, "value"), 9007199254740991.0) ||
		    (v2 && !json_uint(v2, 9007199254740991.0)))
			return bad(c, "syscalls", idx, "an argument value is not an integer from 0 to 2^53", "");
		if (!cJSON_IsString(op) || !in_list(ops, op->valuestring))
			return bad(c, "syscalls", idx, "unknown argument op ",
				   cJSON_IsString(op) ? op->valuestring : "(none)");
	}
	bool inc, exc;
	int r = filter(c, cJSON_GetObjectItemCaseSensitive(s, "includes"), true, idx, &inc);
	if (r == 0)
		r = filter(c, cJSON_GetObjectItemCaseSensitive(s, "excludes"), false, idx, &exc);
	if (r < 0 || !inc || exc)
		return r;

	cJSON *o = cJSON_CreateObject();
	cJSON *n = cJSON_AddArrayToObject(o, "names");
	if (name)
		cJSON_AddItemToArray(n, cJSON_CreateString(name->valuestring));
	cJSON_ArrayForEach(it, names)
		cJSON_AddItemToArray(n, cJSON_CreateString(it->valuestring));
	cJSON_AddStringToObject(o, "action", action->valuestring);
	if (eret && cJSON_IsNumber(eret))
		cJSON_AddNumberToObject(o, "errnoRet", eret->valuedouble);
	if (cJSON_GetArraySize(args) > 0) {
		cJSON *a = cJSON_AddArrayToObject(o, "args");
		cJSON_ArrayForEach(it, args) {
			const cJSON *v2 = cJSON_GetObjectItemCaseSensitive(it, "valueTwo");
			cJSON *x = cJSON_CreateObject();
			cJSON_AddNumberToObject(x, "index", cJSON_GetObjectItemCaseSensitive(it, "index")->valuedouble);
			cJSON_AddNumberToObject(x, "value", cJSON_GetObjectItemCaseSensitive(it, "value")->valuedouble);
			cJSON_AddNumberToObject(x, "valueTwo", v2 ? v2->valuedouble : 0);
			cJSON_AddStringToObject(x, "op", cJSON_GetObjectItemCaseSensitive(it, "op")->valuestring);
			cJSON_AddItemToArray(a, x);
		}
	}
	if (cJSON_GetArraySize(n) == 0)
		cJSON_Delete(o);
	else
		cJSON_AddItemToArray(out, o);
	return 0;
}

static int rules(struct ctx *c, const cJSON *syscalls, cJSON *out)
{
	if (syscalls && !cJSON_IsArray(syscalls) && !cJSON_IsNull(syscalls))
		return bad(c, "syscalls", -1, "not a list", "");
	int idx = 0;
	const cJSON *s;
	cJSON_ArrayForEach(s, syscalls) {
		int r = rule(c, s, idx++, out);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Take the names the overlay rules cover out of the profile's rules. */
static void drop_names(cJSON *rulelist, const cJSON *overlay)
{
	cJSON *r = rulelist->child;
	while (r) {
		cJSON *next = r->next;
		cJSON *names = cJSON_GetObjectItemCaseSensitive(r, "names");
		cJSON *n = names->child;
		while (n) {
			cJSON *nn = n->next;
			bool taken = false;
			const cJSON *o;
			cJSON_ArrayForEach(o, overlay)
				taken |= json_has(cJSON_GetObjectItemCaseSensitive(o, "names"), n->valuestring);
			if (taken)
				cJSON_Delete(cJSON_DetachItemViaPointer(names, n));
			n = nn;
		}
		if (!names->child)
			cJSON_Delete(cJSON_DetachItemViaPointer(rulelist, r));
		r = next;
	}
}

int icc_seccomp_translate(const cJSON *profile, const cJSON *overlay, const char *const *caps,
			  const struct icc_seccomp_host *host, const char *name, cJSON **out,
			  struct icc_err *err)
{
	struct ctx c = {.name = name, .caps = caps, .host = host, .err = err};
	*out = NULL;
	if (!cJSON_IsObject(profile))
		return bad(&c, "the profile", -1, "not a JSON object", "");
	const cJSON *da = cJSON_GetObjectItemCaseSensitive(profile, "defaultAction");
	const cJSON *der = cJSON_GetObjectItemCaseSensitive(profile, "defaultErrnoRet");
	const cJSON *archs = cJSON_GetObjectItemCaseSensitive(profile, "architectures");
	const cJSON *amap = cJSON_GetObjectItemCaseSensitive(profile, "archMap");
	const cJSON *flags = cJSON_GetObjectItemCaseSensitive(profile, "flags");
	const cJSON *it;
	if (!cJSON_IsString(da) || !in_list(actions, da->valuestring))
		return bad(&c, "defaultAction", -1, "missing or unknown: ",
			   cJSON_IsString(da) ? da->valuestring : "(none)");
	if (der && !cJSON_IsNull(der) && !json_uint(der, 4095))
		return bad(&c, "defaultErrnoRet", -1, "not an errno number", "");
	if (cJSON_GetArraySize(archs) > 0 && cJSON_GetArraySize(amap) > 0)
		return bad(&c, "the profile", -1, "both 'architectures' and 'archMap' given", "");
	if ((archs && !cJSON_IsArray(archs) && !cJSON_IsNull(archs)) ||
	    (amap && !cJSON_IsArray(amap) && !cJSON_IsNull(amap)) ||
	    (flags && !cJSON_IsArray(flags) && !cJSON_IsNull(flags)))
		return bad(&c, "the profile", -1, "architectures, archMap and flags must be lists", "");

	const char *native = NULL;
	for (size_t i = 0; i < sizeof(arches) / sizeof(arches[0]); i++)
		if (!strcmp(arches[i].goarch, host->goarch))
			native = arches[i].scmp;

	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "defaultAction", da->valuestring);
	if (cJSON_IsNumber(der))
		cJSON_AddNumberToObject(o, "defaultErrnoRet", der->valuedouble);
	cJSON *oa = cJSON_AddArrayToObject(o, "architectures");
	int r = 0;
	cJSON_ArrayForEach(it, archs) {
		if (!cJSON_IsString(it))
			r = bad(&c, "architectures", -1, "an entry is not a string", "");
		else
			cJSON_AddItemToArray(oa, cJSON_CreateString(it->valuestring));
	}
	/* archMap: the entry for this machine, with its sub-architectures (x86, x32 on amd64) */
	cJSON_ArrayForEach(it, amap) {
		const cJSON *a = cJSON_GetObjectItemCaseSensitive(it, "architecture");
		const cJSON *subs = cJSON_GetObjectItemCaseSensitive(it, "subArchitectures");
		if (!cJSON_IsString(a)) {
			r = bad(&c, "archMap", -1, "an entry has no architecture", "");
			break;
		}
		if (!native || strcmp(a->valuestring, native) || cJSON_GetArraySize(oa) > 0)
			continue;
		cJSON_AddItemToArray(oa, cJSON_CreateString(a->valuestring));
		const cJSON *sa;
		cJSON_ArrayForEach(sa, subs)
			if (cJSON_IsString(sa))
				cJSON_AddItemToArray(oa, cJSON_CreateString(sa->valuestring));
	}
	if (cJSON_GetArraySize(oa) == 0)
		cJSON_DeleteItemFromObjectCaseSensitive(o, "architectures");
	if (r == 0 && cJSON_GetArraySize(flags) > 0) {
		cJSON *of = cJSON_AddArrayToObject(o, "flags");
		cJSON_ArrayForEach(it, flags) {
			if (!cJSON_IsString(it)) {
				r = bad(&c, "flags", -1, "an entry is not a string", "");
				break;
			}
			cJSON_AddItemToArray(of, cJSON_CreateString(it->valuestring));
		}
	}
	cJSON *sys = cJSON_AddArrayToObject(o, "syscalls");
	if (r == 0)
		r = rules(&c, cJSON_GetObjectItemCaseSensitive(profile, "syscalls"), sys);
	if (r == 0 && overlay) {
		drop_names(sys, overlay);
		c.name = "icc overlay";
		r = rules(&c, overlay, sys);
	}
	if (r < 0) {
		cJSON_Delete(o);
		return r;
	}
	*out = o;
	return 0;
}

int icc_seccomp_host_get(struct icc_seccomp_host *host, struct icc_err *err)
{
	struct utsname u;
	if (uname(&u) < 0)
		return icc_err_sys(err, errno, "cannot tell the machine (uname)");
	host->goarch = NULL;
	for (size_t i = 0; i < sizeof(arches) / sizeof(arches[0]); i++)
		if (!strcmp(arches[i].uname, u.machine))
			host->goarch = arches[i].goarch;
	if (!host->goarch)
		return icc_err_set(err, ENOTSUP, "no seccomp architecture known for machine '%s'", u.machine);
	host->kmajor = host->kminor = 0;
	sscanf(u.release, "%d.%d", &host->kmajor, &host->kminor);
	return 0;
}

int icc_seccomp_load(const char *path, cJSON **profile, struct icc_err *err)
{
	char *text;
	struct icc_err e;
	*profile = NULL;
	if (icc_read_file(AT_FDCWD, path, 4 << 20, &text, NULL, &e) < 0)
		return icc_err_set(err, e.code, "cannot read the seccomp profile '%s': %s", path,
				   strerror(e.code));
	cJSON *j = cJSON_Parse(text);
	free(text);
	if (!cJSON_IsObject(j)) {
		cJSON_Delete(j);
		return icc_err_set(err, EINVAL, "invalid seccomp profile '%s': not a JSON object", path);
	}
	*profile = j;
	return 0;
}

int icc_seccomp_for_container(const cJSON *setting, const char *const *caps, cJSON **out,
			      struct icc_err *err)
{
	*out = NULL;
	if (cJSON_IsString(setting) && !strcmp(setting->valuestring, "unconfined"))
		return 0;
	struct icc_seccomp_host host;
	int r = icc_seccomp_host_get(&host, err);
	if (r < 0)
		return r;
	if (cJSON_IsObject(setting))
		return icc_seccomp_translate(setting, NULL, caps, &host, "seccomp=FILE", out, err);
	if (setting && !(cJSON_IsString(setting) && !strcmp(setting->valuestring, "default")))
		return icc_err_set(err, EINVAL, "invalid seccomp setting in the container's config");
	cJSON *profile;
	r = icc_seccomp_load(ICC_SECCOMP_DEFAULT_PROFILE, &profile, err);
	if (r == -ENOENT)
		return icc_err_set(err, ENOENT,
				   "the default seccomp profile '%s' is missing (apt-get install %s, "
				   "or run with --security-opt seccomp=unconfined)",
				   ICC_SECCOMP_DEFAULT_PROFILE, ICC_SECCOMP_DEFAULT_PACKAGE);
	if (r < 0)
		return r;
	cJSON *overlay = cJSON_Parse(overlay_json);
	r = icc_seccomp_translate(profile, overlay, caps, &host, ICC_SECCOMP_DEFAULT_PROFILE, out, err);
	cJSON_Delete(overlay);
	cJSON_Delete(profile);
	return r;
}
