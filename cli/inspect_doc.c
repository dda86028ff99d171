/* inspect_doc.c - build docker inspect's documents for containers, images and snapshots from meta.json */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "cli.h"
#include "icc/store/object.h"
#include "icc/store/ref.h"
#include "icc/container/jsonlog.h"
#include "icc/network/network.h"
#include "icc/runtime/runtime.h"
#include "icc/snap/snapref.h"
#include "inspect_doc.h"

/* Docker's zero time, for a container that never started or ended. */
#define ZERO_TIME "0001-01-01T00:00:00Z"

static void add_str(cJSON *o, const char *key, const char *v)
{
	cJSON_AddStringToObject(o, key, v ? v : "");
}

static const cJSON *member(const cJSON *o, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(o, key);
}

/*
 * Copy member `key` of `from` into `to` when it has the type `want` tests
 * for, else add `dflt` (a new value, or NULL for JSON null).
 */
static void copy_or(cJSON *to, const char *key, const cJSON *from, cJSON_bool (*want)(const cJSON *),
		    cJSON *dflt)
{
	const cJSON *v = member(from, key);
	if (v && want(v)) {
		cJSON_AddItemToObject(to, key, cJSON_Duplicate(v, true));
		cJSON_Delete(dflt);
	} else {
		cJSON_AddItemToObject(to, key, dflt ? dflt : cJSON_CreateNull());
	}
}

static cJSON *copy_member(const cJSON *from, const char *key)
{
	const cJSON *v = member(from, key);
	return v ? cJSON_Duplicate(v, true) : cJSON_CreateObject();
}

/* "amd64", "arm64", ... from uname(2), as Go names the machine. */
static const char *architecture(void)
{
	static struct utsname u;
	if (uname(&u) < 0)
		return "unknown";
	static const char *const names[][2] = {
		{"x86_64", "amd64"}, {"aarch64", "arm64"}, {"i686", "386"}, {"i386", "386"},
		{"armv7l", "arm"}, {"ppc64le", "ppc64le"}, {"s390x", "s390x"}, {"riscv64", "riscv64"},
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(u.machine, names[i][0]))
			return names[i][1];
	return u.machine;
}

static cJSON *state_doc(const cJSON *meta)
{
	const cJSON *raw = member(meta, "state");
	struct icc_cstate cs;
	icc_container_state(meta, &cs);
	bool running = cs.status == ICC_CS_RUNNING;
	bool paused = running && cJSON_IsTrue(member(raw, "paused"));
	/* between two runs under a restart policy: the monitor waits out the back-off */
	pid_t mon = (pid_t)icc_json_int(raw, "monitor_pid", 0);
	bool restarting = !running && cJSON_IsTrue(member(raw, "restarting")) && mon > 0 && kill(mon, 0) == 0;
	cJSON *s = cJSON_CreateObject();
	add_str(s, "Status", paused ? "paused" : restarting ? "restarting" : icc_cstatus_name(cs.status));
	cJSON_AddBoolToObject(s, "Running", running);
	cJSON_AddBoolToObject(s, "Paused", paused);
	cJSON_AddBoolToObject(s, "Restarting", restarting);
	cJSON_AddBoolToObject(s, "OOMKilled", cJSON_IsTrue(member(raw, "oom_killed")));
	cJSON_AddBoolToObject(s, "Dead", cs.status == ICC_CS_DEAD);
	cJSON_AddNumberToObject(s, "Pid", running ? cs.pid : 0);
	cJSON_AddNumberToObject(s, "ExitCode", cs.status == ICC_CS_EXITED ? cs.exit_code : 0);
	add_str(s, "Error", icc_json_str(raw, "error"));
	const char *started = icc_json_str(raw, "started"), *finished = icc_json_str(raw, "finished");
	add_str(s, "StartedAt", started && *started ? started : ZERO_TIME);
	add_str(s, "FinishedAt", finished && *finished && !running ? finished : ZERO_TIME);
	return s;
}

static cJSON *host_config(const cJSON *cfg)
{
	cJSON *h = cJSON_CreateObject();
	cJSON *binds = NULL;
	const cJSON *m;
	cJSON_ArrayForEach(m, member(cfg, "Mounts")) {
		char b[8400];
		snprintf(b, sizeof(b), "%s:%s%s", icc_json_str(m, "Source") ? icc_json_str(m, "Source") : "",
			 icc_json_str(m, "Destination") ? icc_json_str(m, "Destination") : "",
			 cJSON_IsFalse(member(m, "RW")) ? ":ro" : "");
		if (!binds)
			binds = cJSON_CreateArray();
		cJSON_AddItemToArray(binds, cJSON_CreateString(b));
	}
	cJSON_AddItemToObject(h, "Binds", binds ? binds : cJSON_CreateNull());
	const char *net = icc_json_str(cfg, "Network");
	add_str(h, "NetworkMode", net && *net ? net : ICC_DEFAULT_NETWORK);
	cJSON_AddItemToObject(h, "PortBindings", icc_ports_docker(member(cfg, "PortBindings")));
	cJSON_AddBoolToObject(h, "PublishAllPorts", cJSON_IsTrue(member(cfg, "PublishAllPorts")));
	cJSON *rp = cJSON_CreateObject();
	add_str(rp, "Name", "no");
	cJSON_AddNumberToObject(rp, "MaximumRetryCount", 0);
	copy_or(h, "RestartPolicy", cfg, cJSON_IsObject, rp);
	cJSON_AddBoolToObject(h, "AutoRemove", cJSON_IsTrue(member(cfg, "AutoRemove")));
	const char *rt = icc_json_str(cfg, "Runtime");
	add_str(h, "Runtime", rt && *rt ? rt : ICC_LEGACY_RUNTIME);
	/* the resource and privilege settings run/create record under these names */
	copy_or(h, "Memory", cfg, cJSON_IsNumber, cJSON_CreateNumber(0));
	copy_or(h, "NanoCpus", cfg, cJSON_IsNumber, cJSON_CreateNumber(0));
	copy_or(h, "PidsLimit", cfg, cJSON_IsNumber, NULL);
	copy_or(h, "CapAdd", cfg, cJSON_IsArray, NULL);
	copy_or(h, "CapDrop", cfg, cJSON_IsArray, NULL);
	copy_or(h, "Privileged", cfg, cJSON_IsBool, cJSON_CreateFalse());
	copy_or(h, "ReadonlyRootfs", cfg, cJSON_IsBool, cJSON_CreateFalse());
	/* run/create's other HostConfig flags, Docker's defaults when not given */
	copy_or(h, "MemorySwap", cfg, cJSON_IsNumber, cJSON_CreateNumber(0));
	copy_or(h, "Ulimits", cfg, cJSON_IsArray, NULL);
	copy_or(h, "Init", cfg, cJSON_IsBool, NULL);
	copy_or(h, "Tmpfs", cfg, cJSON_IsObject, NULL);
	copy_or(h, "ExtraHosts", cfg, cJSON_IsArray, NULL);
	copy_or(h, "ShmSize", cfg, cJSON_IsNumber, cJSON_CreateNumber(67108864));
	return h;
}

static cJSON *mounts(const cJSON *cfg)
{
	cJSON *a = cJSON_CreateArray();
	const cJSON *m;
	cJSON_ArrayForEach(m, member(cfg, "Mounts")) {
		cJSON *o = cJSON_CreateObject();
		bool rw = !cJSON_IsFalse(member(m, "RW"));
		add_str(o, "Type", "bind");
		add_str(o, "Source", icc_json_str(m, "Source"));
		add_str(o, "Destination", icc_json_str(m, "Destination"));
		add_str(o, "Mode", rw ? "" : "ro");
		cJSON_AddBoolToObject(o, "RW", rw);
		add_str(o, "Propagation", "rprivate");
		cJSON_AddItemToArray(a, o);
	}
	return a;
}

/* Config as Docker lists it; every key present so templates may name any. */
static cJSON *config_doc(const cJSON *cfg, const char *image, const char *hostname, bool attached)
{
	cJSON *c = cJSON_CreateObject();
	add_str(c, "Hostname", hostname);
	add_str(c, "Domainname", "");
	add_str(c, "User", icc_json_str(cfg, "User"));
	bool in = cJSON_IsTrue(member(cfg, "OpenStdin"));
	cJSON_AddBoolToObject(c, "AttachStdin", in);
	cJSON_AddBoolToObject(c, "AttachStdout", attached);
	cJSON_AddBoolToObject(c, "AttachStderr", attached);
	copy_or(c, "ExposedPorts", cfg, cJSON_IsObject, cJSON_CreateObject());
	cJSON_AddBoolToObject(c, "Tty", cJSON_IsTrue(member(cfg, "Tty")));
	cJSON_AddBoolToObject(c, "OpenStdin", in);
	cJSON_AddBoolToObject(c, "StdinOnce", false);
	copy_or(c, "Env", cfg, cJSON_IsArray, cJSON_CreateArray());
	copy_or(c, "Cmd", cfg, cJSON_IsArray, NULL);
	add_str(c, "Image", image);
	copy_or(c, "Volumes", cfg, cJSON_IsObject, NULL);
	add_str(c, "WorkingDir", icc_json_str(cfg, "WorkingDir"));
	copy_or(c, "Entrypoint", cfg, cJSON_IsArray, NULL);
	cJSON_AddNullToObject(c, "OnBuild");
	copy_or(c, "Labels", cfg, cJSON_IsObject, cJSON_CreateObject());
	add_str(c, "StopSignal", icc_json_str(cfg, "StopSignal"));
	/* icc's own: paths kept out of saves, commits and exports (exclude.h) */
	copy_or(c, "Exclude", cfg, cJSON_IsArray, cJSON_CreateArray());
	return c;
}

static cJSON *endpoint(void)
{
	cJSON *e = cJSON_CreateObject();
	cJSON_AddNullToObject(e, "IPAMConfig");
	cJSON_AddNullToObject(e, "Links");
	cJSON_AddNullToObject(e, "Aliases");
	static const char *const empty[] = {"NetworkID", "EndpointID", "Gateway", "IPAddress", "IPv6Gateway",
					    "GlobalIPv6Address", "MacAddress"};
	for (size_t i = 0; i < sizeof(empty) / sizeof(empty[0]); i++)
		add_str(e, empty[i], "");
	cJSON_AddNumberToObject(e, "IPPrefixLen", 0);
	cJSON_AddNumberToObject(e, "GlobalIPv6PrefixLen", 0);
	return e;
}

/* The network view: what the running container's start set up (docs/network.md);
 * addresses stay empty for host and none, and when it is not running. */
static cJSON *network_settings(const cJSON *meta, const cJSON *cfg)
{
	cJSON *n = cJSON_CreateObject();
	struct icc_cstate cs;
	icc_container_state(meta, &cs);
	const cJSON *st = cs.status == ICC_CS_RUNNING ? member(member(meta, "state"), "network") : NULL;
	char key[64] = "";
	if (cs.status == ICC_CS_RUNNING)
		snprintf(key, sizeof(key), "/proc/%d/ns/net", (int)cs.pid);
	const char *sandbox = icc_json_str(st, "SandboxKey");
	add_str(n, "Bridge", icc_json_str(st, "Bridge"));
	add_str(n, "SandboxID", "");
	add_str(n, "SandboxKey", sandbox && *sandbox ? sandbox : key);
	cJSON_AddItemToObject(n, "Ports", icc_ports_docker(member(st, "Ports")));
	static const char *const keys[] = {"EndpointID", "Gateway", "GlobalIPv6Address", "IPAddress",
					   "IPv6Gateway", "MacAddress"};
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		add_str(n, keys[i], icc_json_str(st, keys[i]));
	cJSON_AddNumberToObject(n, "IPPrefixLen", (double)icc_json_int(st, "IPPrefixLen", 0));
	cJSON_AddNumberToObject(n, "GlobalIPv6PrefixLen", 0);
	cJSON *nets = cJSON_AddObjectToObject(n, "Networks");
	const char *mode = icc_json_str(st, "Network");
	if (!mode || !*mode)
		mode = icc_json_str(cfg, "Network");
	cJSON *e = endpoint();
	static const char *const ekeys[] = {"NetworkID", "Gateway", "IPAddress", "MacAddress"};
	for (size_t i = 0; st && i < sizeof(ekeys) / sizeof(ekeys[0]); i++) {
		cJSON_DeleteItemFromObjectCaseSensitive(e, ekeys[i]);
		add_str(e, ekeys[i], icc_json_str(st, ekeys[i]));
	}
	if (st) {
		cJSON_DeleteItemFromObjectCaseSensitive(e, "IPPrefixLen");
		cJSON_AddNumberToObject(e, "IPPrefixLen", (double)icc_json_int(st, "IPPrefixLen", 0));
	}
	cJSON_AddItemToObject(nets, mode && *mode ? mode : ICC_DEFAULT_NETWORK, e);
	return n;
}

static void add_path(cJSON *o, const char *key, struct icc_store *st, enum icc_kind kind, const char *id,
		     const char *rel)
{
	char path[4400];
	add_str(o, key, icc_object_path(st, kind, id, rel, path, sizeof(path)));
}

static cJSON *snapshot_list(struct icc_store *st, const char *id)
{
	cJSON *a = cJSON_CreateArray();
	struct icc_snapdir sd;
	struct icc_snap_info *all = NULL;
	size_t n = 0;
	struct icc_err e;
	if (icc_container_snapdir_open(st, id, &sd, &e) < 0)
		return a;
	if (icc_snapdir_list(&sd, &all, &n, &e) == 0)
		for (size_t i = 0; i < n; i++) {
			cJSON *s = cJSON_CreateObject();
			char created[64];
			icc_time_format(all[i].created_ns, created, sizeof(created));
			add_str(s, "Name", all[i].name);
			add_str(s, "Id", all[i].id);
			add_str(s, "Created", created);
			add_str(s, "Message", all[i].message);
			cJSON_AddItemToArray(a, s);
		}
	free(all);
	icc_snapdir_close(&sd);
	return a;
}

cJSON *inspect_command_words(const cJSON *cfg)
{
	cJSON *words = cJSON_CreateArray();
	const char *keys[] = {"Entrypoint", "Cmd"};
	for (int k = 0; k < 2; k++) {
		const cJSON *it;
		cJSON_ArrayForEach(it, member(cfg, keys[k]))
			if (cJSON_IsString(it))
				cJSON_AddItemToArray(words, cJSON_CreateString(it->valuestring));
	}
	return words;
}

cJSON *inspect_container_doc(struct icc_store *st, const char *id, const cJSON *meta)
{
	const cJSON *cfg = member(meta, "config");
	cJSON *o = cJSON_CreateObject();
	add_str(o, "Id", id);
	add_str(o, "Created", icc_json_str(meta, "created"));
	/* Path and Args: what runs, Entrypoint then Cmd */
	cJSON *args = inspect_command_words(cfg);
	cJSON *path = cJSON_DetachItemFromArray(args, 0);
	add_str(o, "Path", cJSON_IsString(path) ? path->valuestring : NULL);
	cJSON_Delete(path);
	cJSON_AddItemToObject(o, "Args", args);
	cJSON_AddItemToObject(o, "State", state_doc(meta));
	char buf[300];
	snprintf(buf, sizeof(buf), "sha256:%s", icc_json_str(meta, "image") ? icc_json_str(meta, "image") : "");
	add_str(o, "Image", buf);
	add_path(o, "ResolvConfPath", st, ICC_CONTAINER, id, "resolv.conf");
	add_path(o, "HostnamePath", st, ICC_CONTAINER, id, "hostname");
	add_path(o, "HostsPath", st, ICC_CONTAINER, id, "hosts");
	add_path(o, "LogPath", st, ICC_CONTAINER, id, ICC_JSONLOG_NAME);
	snprintf(buf, sizeof(buf), "/%s", icc_json_str(meta, "name") ? icc_json_str(meta, "name") : "");
	add_str(o, "Name", buf);
	cJSON_AddNumberToObject(o, "RestartCount",
				(double)icc_json_int(member(meta, "state"), "restart_count", 0));
	add_str(o, "Driver", "btrfs");
	add_str(o, "Platform", "linux");
	cJSON_AddItemToObject(o, "HostConfig", host_config(cfg));
	cJSON *gd = cJSON_AddObjectToObject(o, "GraphDriver");
	add_str(gd, "Name", "btrfs");
	cJSON *data = cJSON_AddObjectToObject(gd, "Data");
	add_path(data, "RootFS", st, ICC_CONTAINER, id, "rootfs");
	add_path(data, "Snapshots", st, ICC_CONTAINER, id, "snapshots");
	cJSON_AddItemToObject(o, "Mounts", mounts(cfg));
	const char *h = icc_json_str(cfg, "Hostname");
	char short_id[13];
	cli_short_id(id, short_id);
	cJSON_AddItemToObject(o, "Config", config_doc(cfg, icc_json_str(meta, "image_ref"), h && *h ? h : short_id, true));
	cJSON_AddItemToObject(o, "NetworkSettings", network_settings(meta, cfg));

	cJSON *icc = cJSON_AddObjectToObject(o, "Icc");
	add_str(icc, "Kind", "container");
	add_path(icc, "Subvolume", st, ICC_CONTAINER, id, "rootfs");
	add_path(icc, "SnapshotDir", st, ICC_CONTAINER, id, "snapshots");
	add_path(icc, "Merged", st, ICC_CONTAINER, id, "merged");
	cJSON_AddItemToObject(icc, "Snapshots", snapshot_list(st, id));
	add_str(icc, "Image", icc_json_str(meta, "image"));
	add_str(icc, "ImageRef", icc_json_str(meta, "image_ref"));
	/* the files' own records, as they are (pids of the monitor and icc-fs, ...) */
	cJSON_AddItemToObject(icc, "State", copy_member(meta, "state"));
	cJSON_AddItemToObject(icc, "Config", copy_member(meta, "config"));
	const cJSON *it;
	cJSON_ArrayForEach(it, meta) {
		static const char *shown[] = {"id", "name", "created", "image", "image_ref", "config", "state"};
		bool skip = false;
		for (size_t k = 0; k < sizeof(shown) / sizeof(shown[0]); k++)
			skip |= !strcmp(it->string, shown[k]);
		if (!skip)
			cJSON_AddItemToObject(icc, it->string, cJSON_Duplicate(it, true));
	}
	return o;
}

cJSON *inspect_image_doc(struct icc_store *st, const char *id, cJSON *meta)
{
	cJSON *o = cJSON_CreateObject();
	char buf[128];
	snprintf(buf, sizeof(buf), "sha256:%s", id);
	add_str(o, "Id", buf);
	cJSON *tags = cJSON_AddArrayToObject(o, "RepoTags");
	cJSON *refs;
	struct icc_err e;
	if (icc_refs_load(st, &refs, &e) == 0) {
		const cJSON *it;
		cJSON_ArrayForEach(it, refs)
			if (cJSON_IsString(it) && !strcmp(it->valuestring, id))
				cJSON_AddItemToArray(tags, cJSON_CreateString(it->string));
		cJSON_Delete(refs);
	}
	cJSON_AddArrayToObject(o, "RepoDigests");
	const char *parent = icc_json_str(meta, "parent");
	if (parent && *parent)
		snprintf(buf, sizeof(buf), "sha256:%s", parent);
	else
		buf[0] = '\0';
	add_str(o, "Parent", buf);
	add_str(o, "Comment", icc_json_str(meta, "comment"));
	add_str(o, "Created", icc_json_str(meta, "created"));
	add_str(o, "DockerVersion", "");
	add_str(o, "Author", icc_json_str(meta, "author"));
	cJSON_AddItemToObject(o, "Config", config_doc(member(meta, "config"), "", "", false));
	add_str(o, "Architecture", architecture());
	add_str(o, "Os", "linux");
	cJSON_AddNumberToObject(o, "Size", (double)icc_image_size(st, id, meta));
	cJSON *gd = cJSON_AddObjectToObject(o, "GraphDriver");
	add_str(gd, "Name", "btrfs");
	cJSON *data = cJSON_AddObjectToObject(gd, "Data");
	add_path(data, "RootFS", st, ICC_IMAGE, id, "rootfs");
	/* an icc image is one subvolume, not a stack of layers */
	cJSON *rootfs = cJSON_AddObjectToObject(o, "RootFS");
	add_str(rootfs, "Type", "layers");
	cJSON_AddArrayToObject(rootfs, "Layers");
	cJSON *md = cJSON_AddObjectToObject(o, "Metadata");
	add_str(md, "LastTagTime", ZERO_TIME);

	cJSON *icc = cJSON_AddObjectToObject(o, "Icc");
	add_str(icc, "Kind", "image");
	add_path(icc, "Subvolume", st, ICC_IMAGE, id, "rootfs");
	add_str(icc, "CreatedBy", icc_json_str(meta, "created_by"));
	cJSON_AddItemToObject(icc, "Source", copy_member(meta, "source"));
	const cJSON *ch = member(meta, "changes");
	cJSON_AddItemToObject(icc, "Changes", cJSON_IsArray(ch) ? cJSON_Duplicate(ch, true) : cJSON_CreateArray());
	/* lineage: the parents, nearest first (as far as they still exist) */
	cJSON *lineage = cJSON_AddArrayToObject(icc, "Lineage");
	char cur[ICC_ID_LEN + 1] = "";
	if (parent && strlen(parent) == ICC_ID_LEN)
		memcpy(cur, parent, sizeof(cur));
	for (int depth = 0; cur[0] && depth < 4096; depth++) {
		snprintf(buf, sizeof(buf), "sha256:%s", cur);
		cJSON_AddItemToArray(lineage, cJSON_CreateString(buf));
		cJSON *pm;
		if (icc_object_meta(st, ICC_IMAGE, cur, &pm, &e) < 0)
			break;
		const char *pp = icc_json_str(pm, "parent");
		if (pp && strlen(pp) == ICC_ID_LEN && strcmp(pp, cur))
			memcpy(cur, pp, sizeof(cur));
		else
			cur[0] = '\0';
		cJSON_Delete(pm);
	}
	return o;
}

cJSON *inspect_snapshot_doc(struct icc_store *st, const char *cid, const struct icc_snap_info *si)
{
	cJSON *o = cJSON_CreateObject();
	add_str(o, "Id", si->id);
	add_str(o, "Name", si->name);
	char created[64], rel[300];
	icc_time_format(si->created_ns, created, sizeof(created));
	add_str(o, "Created", created);
	add_str(o, "Message", si->message);
	add_str(o, "Origin", icc_snap_origin_name(si->origin));
	add_str(o, "Container", cid);
	snprintf(rel, sizeof(rel), "snapshots/%s/rootfs", si->name);
	add_path(o, "Path", st, ICC_CONTAINER, cid, rel);
	cJSON *icc = cJSON_AddObjectToObject(o, "Icc");
	add_str(icc, "Kind", "snapshot");
	add_path(icc, "Subvolume", st, ICC_CONTAINER, cid, rel);
	return o;
}
