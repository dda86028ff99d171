/* oci_spec.c - build a container's OCI config.json from its config and the host's facts (oci_spec.h) */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "icc/runtime/hostconfig.h"
#include "icc/runtime/oci_spec.h"
#include "icc/base/util.h"

const char *const icc_default_caps[] = {
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD",
	"CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP",
	"CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE", NULL,
};

const char *const icc_masked_paths[] = {
	"/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
	"/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi",
	"/sys/firmware", "/sys/devices/virtual/powercap", NULL,
};

const char *const icc_readonly_paths[] = {
	"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL,
};

static const cJSON *member(const cJSON *o, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(o, key);
}

static bool in_strings(const cJSON *arr, const char *s)
{
	const cJSON *it;
	cJSON_ArrayForEach(it, arr)
		if (cJSON_IsString(it) && !strcmp(it->valuestring, s))
			return true;
	return false;
}

static bool in_list(const char *const *v, const char *s)
{
	for (; *v; v++)
		if (!strcmp(*v, s))
			return true;
	return false;
}

size_t icc_oci_caps(const cJSON *cfg, uint64_t bounding, const char **out)
{
	const cJSON *add = member(cfg, "CapAdd"), *drop = member(cfg, "CapDrop");
	bool priv = cJSON_IsTrue(member(cfg, "Privileged"));
	bool add_all = in_strings(add, "ALL"), drop_all = in_strings(drop, "ALL");
	size_t n = 0;
	for (size_t i = 0; icc_all_caps[i]; i++) {
		const char *c = icc_all_caps[i];
		/* "every capability" is every one this host can give */
		bool on_host = !bounding || (i < 64 && (bounding >> i & 1));
		bool have;
		if (priv)
			have = on_host;
		else if (add_all)
			have = (on_host && !in_strings(drop, c)) || in_strings(add, c);
		else if (drop_all)
			have = in_strings(add, c);
		else
			have = (in_list(icc_default_caps, c) || in_strings(add, c)) && !in_strings(drop, c);
		if (have)
			out[n++] = c;
	}
	out[n] = NULL;
	return n;
}

static void add_strings(cJSON *arr, const char *const *v)
{
	for (; *v; v++)
		cJSON_AddItemToArray(arr, cJSON_CreateString(*v));
}

static void add_mount(cJSON *mounts, const char *dest, const char *type, const char *src,
		      const char *const *opts)
{
	cJSON *m = cJSON_CreateObject();
	cJSON_AddStringToObject(m, "destination", dest);
	cJSON_AddStringToObject(m, "type", type);
	cJSON_AddStringToObject(m, "source", src);
	add_strings(cJSON_AddArrayToObject(m, "options"), opts);
	cJSON_AddItemToArray(mounts, m);
}

/* A uint64 as the exact digits (a double would round RLIM_INFINITY). */
static cJSON *u64(uint64_t v)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v);
	return cJSON_CreateRaw(buf);
}

static void add_rlimit(cJSON *rl, const char *name, uint64_t soft, uint64_t hard)
{
	char type[32];
	size_t i = 0;
	for (; name[i] && i < 16; i++)
		type[i] = (char)toupper((unsigned char)name[i]);
	type[i] = '\0';
	char full[40];
	snprintf(full, sizeof(full), "RLIMIT_%s", type);
	/* a --ulimit of the same name replaces the default one */
	for (cJSON *o = rl->child; o; o = o->next)
		if (!strcmp(icc_json_str(o, "type"), full)) {
			cJSON_Delete(cJSON_DetachItemViaPointer(rl, o));
			break;
		}
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "type", full);
	cJSON_AddItemToObject(o, "hard", u64(hard));
	cJSON_AddItemToObject(o, "soft", u64(soft));
	cJSON_AddItemToArray(rl, o);
}

static cJSON *rlimits(const cJSON *cfg, const struct icc_oci_host *h)
{
	cJSON *rl = cJSON_CreateArray();
	if (h->nofile)
		add_rlimit(rl, "nofile", h->nofile, h->nofile);
	const cJSON *u;
	cJSON_ArrayForEach(u, member(cfg, "Ulimits")) {
		const char *name = icc_json_str(u, "Name");
		if (!name)
			continue;
		long long soft = icc_json_int(u, "Soft", 0), hard = icc_json_int(u, "Hard", 0);
		add_rlimit(rl, name, soft < 0 ? UINT64_MAX : (uint64_t)soft, hard < 0 ? UINT64_MAX : (uint64_t)hard);
	}
	return rl;
}

static void add_args(cJSON *args, const cJSON *cfg, const struct icc_oci_host *h)
{
	if (cJSON_IsTrue(member(cfg, "Init")) && h->init_binary) {
		/* tini as PID 1 reaps zombies and passes signals on (Docker's --init) */
		cJSON_AddItemToArray(args, cJSON_CreateString(ICC_INIT_PATH));
		cJSON_AddItemToArray(args, cJSON_CreateString("--"));
	}
	size_t before = (size_t)cJSON_GetArraySize(args);
	const char *keys[] = {"Entrypoint", "Cmd"};
	for (int k = 0; k < 2; k++) {
		const cJSON *it;
		cJSON_ArrayForEach(it, member(cfg, keys[k]))
			if (cJSON_IsString(it))
				cJSON_AddItemToArray(args, cJSON_CreateString(it->valuestring));
	}
	if ((size_t)cJSON_GetArraySize(args) == before)
		cJSON_AddItemToArray(args, cJSON_CreateString("/bin/sh"));
}

static cJSON *environment(const cJSON *cfg, const struct icc_oci_host *h)
{
	cJSON *env = cJSON_CreateArray();
	bool has_path = false, has_term = false, has_home = false;
	const cJSON *it;
	cJSON_ArrayForEach(it, member(cfg, "Env")) {
		if (!cJSON_IsString(it))
			continue;
		has_path |= !strncmp(it->valuestring, "PATH=", 5);
		has_term |= !strncmp(it->valuestring, "TERM=", 5);
		has_home |= !strncmp(it->valuestring, "HOME=", 5);
	}
	if (!has_path)
		cJSON_AddItemToArray(env, cJSON_CreateString(ICC_DEFAULT_PATH));
	char text[512];
	snprintf(text, sizeof(text), "HOSTNAME=%s", h->hostname);
	cJSON_AddItemToArray(env, cJSON_CreateString(text));
	if (h->tty && !has_term)
		cJSON_AddItemToArray(env, cJSON_CreateString("TERM=xterm"));
	cJSON_ArrayForEach(it, member(cfg, "Env"))
		if (cJSON_IsString(it))
			cJSON_AddItemToArray(env, cJSON_CreateString(it->valuestring));
	if (h->uid == 0 && !has_home)
		cJSON_AddItemToArray(env, cJSON_CreateString("HOME=/root"));
	return env;
}

static cJSON *process(const cJSON *cfg, const struct icc_oci_host *h)
{
	cJSON *proc = cJSON_CreateObject();
	cJSON_AddBoolToObject(proc, "terminal", h->tty);
	cJSON *user = cJSON_AddObjectToObject(proc, "user");
	cJSON_AddNumberToObject(user, "uid", (double)h->uid);
	cJSON_AddNumberToObject(user, "gid", (double)h->gid);
	if (h->uid != 0 || h->gid != 0) {
		cJSON *ag = cJSON_AddArrayToObject(user, "additionalGids");
		cJSON_AddItemToArray(ag, cJSON_CreateNumber((double)h->gid));
	}
	add_args(cJSON_AddArrayToObject(proc, "args"), cfg, h);
	cJSON_AddItemToObject(proc, "env", environment(cfg, h));
	const char *wd = icc_json_str(cfg, "WorkingDir");
	cJSON_AddStringToObject(proc, "cwd", wd && *wd ? wd : "/");
	const char *caps[64];
	icc_oci_caps(cfg, h->cap_bounding, caps);
	cJSON *c = cJSON_AddObjectToObject(proc, "capabilities");
	static const char *const sets[] = {"bounding", "effective", "permitted"};
	for (size_t i = 0; i < 3; i++)
		add_strings(cJSON_AddArrayToObject(c, sets[i]), caps);
	cJSON_AddItemToObject(proc, "rlimits", rlimits(cfg, h));
	/* set-ID programs and file capabilities grant nothing unless the operator asks */
	cJSON_AddBoolToObject(proc, "noNewPrivileges", !cJSON_IsFalse(member(cfg, "NoNewPrivileges")));
	return proc;
}

/* --tmpfs PATH[:OPTS]: Docker's defaults (noexec, nosuid, nodev) then the user's options. */
static void tmpfs_mounts(cJSON *mounts, const cJSON *cfg)
{
	const cJSON *it;
	cJSON_ArrayForEach(it, member(cfg, "Tmpfs")) {
		if (!it->string || it->string[0] != '/')
			continue;
		const char *opts[40] = {"noexec", "nosuid", "nodev"};
		size_t n = 3;
		char buf[1024];
		snprintf(buf, sizeof(buf), "%s", cJSON_IsString(it) ? it->valuestring : "");
		for (char *save = NULL, *o = strtok_r(buf, ",", &save); o && n < 39; o = strtok_r(NULL, ",", &save)) {
			/* an explicit exec/suid/dev undoes its default */
			const char *undo = !strcmp(o, "exec") ? "noexec" : !strcmp(o, "suid") ? "nosuid"
					 : !strcmp(o, "dev") ? "nodev" : NULL;
			for (size_t k = 0; undo && k < n; k++)
				if (!strcmp(opts[k], undo))
					opts[k] = o;
			if (!undo)
				opts[n++] = o;
		}
		opts[n] = NULL;
		add_mount(mounts, it->string, "tmpfs", "tmpfs", opts);
	}
}

static cJSON *mounts(const cJSON *cfg, const struct icc_oci_host *h)
{
	bool priv = cJSON_IsTrue(member(cfg, "Privileged"));
	const char *sys_mode = priv ? "rw" : "ro";
	cJSON *m = cJSON_CreateArray();
	add_mount(m, "/proc", "proc", "proc", (const char *[]){"nosuid", "noexec", "nodev", NULL});
	add_mount(m, "/dev", "tmpfs", "tmpfs",
		  (const char *[]){"nosuid", "strictatime", "mode=755", "size=65536k", NULL});
	add_mount(m, "/dev/pts", "devpts", "devpts",
		  (const char *[]){"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5", NULL});
	long long shm = icc_json_int(cfg, "ShmSize", 0);
	char shm_size[48];
	snprintf(shm_size, sizeof(shm_size), "size=%lluk",
		 (unsigned long long)((shm > 0 ? shm : ICC_SHM_DEFAULT_BYTES) + 1023) / 1024);
	add_mount(m, "/dev/shm", "tmpfs", "shm",
		  (const char *[]){"nosuid", "noexec", "nodev", "mode=1777", shm_size, NULL});
	add_mount(m, "/dev/mqueue", "mqueue", "mqueue", (const char *[]){"nosuid", "noexec", "nodev", NULL});
	if (h->host_network)
		add_mount(m, "/sys", "bind", "/sys", (const char *[]){"rbind", "nosuid", "noexec", "nodev", sys_mode, NULL});
	else
		add_mount(m, "/sys", "sysfs", "sysfs", (const char *[]){"nosuid", "noexec", "nodev", sys_mode, NULL});
	add_mount(m, "/sys/fs/cgroup", "cgroup", "cgroup",
		  (const char *[]){"nosuid", "noexec", "nodev", "relatime", sys_mode, NULL});
	const char *etc[][2] = {{"/etc/hostname", h->hostname_file}, {"/etc/hosts", h->hosts_file},
				{"/etc/resolv.conf", h->resolv_file}};
	for (size_t i = 0; i < 3; i++)
		if (etc[i][1])
			add_mount(m, etc[i][0], "bind", etc[i][1], (const char *[]){"rbind", "rprivate", NULL});
	const cJSON *it;
	cJSON_ArrayForEach(it, member(cfg, "Mounts")) {
		const char *src = icc_json_str(it, "Source"), *dst = icc_json_str(it, "Destination");
		if (!src || !dst)
			continue;
		bool ro = cJSON_IsFalse(member(it, "RW"));
		add_mount(m, dst, "bind", src,
			  ro ? (const char *[]){"rbind", "rprivate", "ro", NULL} : (const char *[]){"rbind", "rprivate", NULL});
	}
	tmpfs_mounts(m, cfg);
	if (cJSON_IsTrue(member(cfg, "Init")) && h->init_binary)
		add_mount(m, ICC_INIT_PATH, "bind", h->init_binary, (const char *[]){"bind", "ro", "nosuid", "nodev", NULL});
	/* a read-only root keeps /.icc writable: `echo > /.icc/save` still snapshots */
	if (cJSON_IsTrue(member(cfg, "ReadonlyRootfs")) && h->ctl_dir)
		add_mount(m, "/.icc", "bind", h->ctl_dir, (const char *[]){"bind", "rprivate", "nosuid", "nodev", NULL});
	return m;
}

/* linux.resources: the device rule and --memory, --cpus, --pids-limit. */
static cJSON *resources(const cJSON *cfg)
{
	cJSON *res = cJSON_CreateObject();
	cJSON *devs = cJSON_AddArrayToObject(res, "devices");
	cJSON *rule = cJSON_CreateObject();
	/* the runtime allows its default devices itself; privileged allows all */
	cJSON_AddBoolToObject(rule, "allow", cJSON_IsTrue(member(cfg, "Privileged")));
	cJSON_AddStringToObject(rule, "access", "rwm");
	cJSON_AddItemToArray(devs, rule);
	long long mem = icc_json_int(cfg, "Memory", 0);
	if (mem > 0) {
		cJSON *m = cJSON_AddObjectToObject(res, "memory");
		cJSON_AddItemToObject(m, "limit", u64((uint64_t)mem));
		/* Docker's default: as much swap as memory (limit + swap = twice the memory) */
		long long swap = icc_json_int(cfg, "MemorySwap", 0);
		if (swap == -1)
			cJSON_AddItemToObject(m, "swap", cJSON_CreateRaw("-1"));
		else
			cJSON_AddItemToObject(m, "swap", u64((uint64_t)(swap > 0 ? swap : 2 * mem)));
	}
	long long nano = icc_json_int(cfg, "NanoCpus", 0);
	if (nano > 0) {
		cJSON *c = cJSON_AddObjectToObject(res, "cpu");
		cJSON_AddItemToObject(c, "quota", u64((uint64_t)(nano * ICC_CPU_PERIOD_US / 1000000000LL)));
		cJSON_AddItemToObject(c, "period", u64(ICC_CPU_PERIOD_US));
	}
	long long pids = icc_json_int(cfg, "PidsLimit", 0);
	if (pids > 0)
		cJSON_AddItemToObject(cJSON_AddObjectToObject(res, "pids"), "limit", u64((uint64_t)pids));
	return res;
}

static cJSON *linux_section(const cJSON *cfg, const struct icc_oci_host *h)
{
	bool priv = cJSON_IsTrue(member(cfg, "Privileged"));
	cJSON *l = cJSON_CreateObject();
	cJSON_AddStringToObject(l, "cgroupsPath", h->cgroups_path);
	cJSON_AddItemToObject(l, "resources", resources(cfg));
	if (priv && cJSON_IsArray(h->devices))
		cJSON_AddItemToObject(l, "devices", cJSON_Duplicate(h->devices, true));
	cJSON *ns = cJSON_AddArrayToObject(l, "namespaces");
	static const char *const nss[] = {"pid", "ipc", "uts", "mount", "network", "cgroup"};
	for (size_t i = 0; i < sizeof(nss) / sizeof(nss[0]); i++) {
		bool net = !strcmp(nss[i], "network");
		if (net && h->host_network)
			continue;
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "type", nss[i]);
		/* bridge networks: the namespace icc made and netavark configured */
		if (net && h->netns && h->netns[0])
			cJSON_AddStringToObject(o, "path", h->netns);
		cJSON_AddItemToArray(ns, o);
	}
	/* privileged: nothing hidden, nothing filtered (Docker's --privileged) */
	if (!priv) {
		add_strings(cJSON_AddArrayToObject(l, "maskedPaths"), icc_masked_paths);
		add_strings(cJSON_AddArrayToObject(l, "readonlyPaths"), icc_readonly_paths);
		if (h->seccomp)
			cJSON_AddItemToObject(l, "seccomp", cJSON_Duplicate(h->seccomp, true));
	}
	return l;
}

cJSON *icc_oci_spec(const cJSON *cfg, const struct icc_oci_host *h)
{
	cJSON *spec = cJSON_CreateObject();
	if (!spec)
		return NULL;
	cJSON_AddStringToObject(spec, "ociVersion", "1.0.2");
	cJSON_AddItemToObject(spec, "process", process(cfg, h));
	cJSON *root = cJSON_AddObjectToObject(spec, "root");
	cJSON_AddStringToObject(root, "path", h->rootfs);
	cJSON_AddBoolToObject(root, "readonly", cJSON_IsTrue(member(cfg, "ReadonlyRootfs")));
	cJSON_AddStringToObject(spec, "hostname", h->hostname);
	cJSON_AddItemToObject(spec, "mounts", mounts(cfg, h));
	cJSON_AddItemToObject(spec, "linux", linux_section(cfg, h));
	return spec;
}
