/* network.c - a container's network: netns, address, netavark setup/teardown, records, /etc files */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "icc/base/cleanup.h"
#include "icc/network/network.h"
#include "icc/store/object.h"
#include "icc/base/proc.h"
#include "icc/runtime/runtime.h"

#define NETNS_DIR ICC_NET_RUN "/netns"
#define REC_DIR ICC_NET_RUN "/net"
#define NETAVARK_CONFIG ICC_NET_RUN "/netavark"

static const char *const netavark_paths[] = {"/usr/lib/podman/netavark", "/usr/libexec/podman/netavark", NULL};
static const char *const aardvark_paths[] = {"/usr/lib/podman/aardvark-dns", "/usr/libexec/podman/aardvark-dns", NULL};

static const char *find_bin(const char *const *paths)
{
	for (int i = 0; paths[i]; i++)
		if (access(paths[i], X_OK) == 0)
			return paths[i];
	return NULL;
}

static void mkdirs(void)
{
	mkdir(ICC_NET_RUN, 0700);
	mkdir(NETNS_DIR, 0755);
	mkdir(REC_DIR, 0700);
	mkdir(NETAVARK_CONFIG, 0700);
}

/* A memfd holding `text` (or empty), rewound: netavark's stdio, which a
 * daemon it starts (aardvark-dns) may keep open without blocking anyone. */
static int memfd_with(const char *name, const char *text)
{
	int fd = memfd_create(name, MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	int w = text ? icc_write_all(fd, text, strlen(text)) : 0;
	if (w < 0) {
		close(fd);
		return w;
	}
	lseek(fd, 0, SEEK_SET);
	return fd;
}

static char *memfd_text(int fd)
{
	off_t size = lseek(fd, 0, SEEK_END);
	if (size < 0 || size > (1 << 20))
		size = 0;
	char *s = malloc((size_t)size + 1);
	if (!s)
		return NULL;
	ssize_t n = pread(fd, s, (size_t)size, 0);
	s[n > 0 ? n : 0] = '\0';
	return s;
}

/* Our environment with `path` ("PATH=...") for PATH; NULL when out of memory (ours then). */
static char **env_with_path(char *path)
{
	size_t n = 0;
	while (environ[n])
		n++;
	char **env = calloc(n + 2, sizeof(*env));
	if (!env)
		return NULL;
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "PATH=", 5))
			env[k++] = environ[i];
	env[k++] = path;
	env[k] = NULL;
	return env;
}

/*
 * `netavark --config DIR -a AARDVARK CMD NETNS` with `input` on stdin; its
 * stdout (JSON) in *output.  Without systemd as init, systemd-run (which
 * netavark 1.4 uses to start aardvark-dns when it finds it in PATH) cannot
 * work: PATH then leaves /usr/bin out.
 */
static int netavark(const char *cmd, const char *netns, const char *input, char **output,
		    struct icc_err *err)
{
	const char *nv = find_bin(netavark_paths), *av = find_bin(aardvark_paths);
	if (!nv)
		return icc_err_set(err, ENOENT, "netavark is not installed (apt-get install netavark aardvark-dns)");
	cleanup_close int in = memfd_with("netavark-in", input);
	cleanup_close int out = memfd_with("netavark-out", NULL);
	cleanup_close int er = memfd_with("netavark-err", NULL);
	if (in < 0 || out < 0 || er < 0)
		return icc_err_sys(err, in < 0 ? -in : out < 0 ? -out : -er, "cannot run netavark");
	const char *argv[10];
	int n = 0;
	argv[n++] = nv;
	argv[n++] = "--config";
	argv[n++] = NETAVARK_CONFIG;
	if (av) {
		argv[n++] = "--aardvark-binary";
		argv[n++] = av;
	}
	argv[n++] = cmd;
	argv[n++] = netns;
	argv[n] = NULL;
	cleanup_free char **env = access("/run/systemd/system", F_OK) == 0 ? NULL
				  : env_with_path("PATH=/usr/sbin:/sbin");
	struct icc_proc_opts po = {.in = in, .out = out, .err = er, .envp = env};
	int status = icc_proc_run(argv, &po, err);
	if (status < 0)
		return status;
	cleanup_free char *o = memfd_text(out);
	if (status != 0) {
		/* {"error": "..."} on stdout, else the last line of stderr */
		cleanup_json cJSON *j = o ? cJSON_Parse(o) : NULL;
		cleanup_free char *e = memfd_text(er);
		const char *m = icc_json_str(j, "error");
		const char *last = e ? icc_proc_line(e, true) : "";
		return icc_err_set(err, EIO, "netavark %s failed: %s", cmd,
				   m ? m : *last ? last : "no message");
	}
	if (output)
		*output = icc_steal_ptr(&o);
	return 0;
}

/* ---- network namespaces under /run/icc/netns ---- */

/* As `ip netns` does: the directory is a shared mount, so that unmounting a
 * namespace there also drops the copies other mount namespaces made of it. */
static void netns_dir_shared(void)
{
	if (mount("", NETNS_DIR, "none", MS_SHARED | MS_REC, NULL) == 0)
		return;
	if (errno == EINVAL && mount(NETNS_DIR, NETNS_DIR, "none", MS_BIND | MS_REC, NULL) == 0)
		mount("", NETNS_DIR, "none", MS_SHARED | MS_REC, NULL);
}

static int netns_create(const char *path, struct icc_err *err)
{
	netns_dir_shared();
	int fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0444);
	if (fd < 0)
		return icc_err_sys(err, errno, "cannot create '%s'", path);
	close(fd);
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		unlink(path);
		return icc_err_sys(err, e, "cannot create a network namespace");
	}
	if (pid == 0) {
		if (unshare(CLONE_NEWNET) < 0)
			_exit(1);
		if (mount("/proc/self/ns/net", path, "none", MS_BIND, NULL) < 0)
			_exit(2);
		_exit(0);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		unlink(path);
		return icc_err_set(err, EIO, "cannot create a network namespace at '%s'", path);
	}
	return 0;
}

static void netns_remove(const char *path)
{
	umount2(path, MNT_DETACH);
	unlink(path);
}

/* ---- records: /run/icc/net/<id>.json ---- */

static int rec_read(const char *id, cJSON **rec)
{
	int dfd = open(REC_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	char file[ICC_ID_LEN + 8];
	snprintf(file, sizeof(file), "%s.json", id);
	struct icc_err e;
	struct stat sb;
	int r = fstatat(dfd, file, &sb, AT_SYMLINK_NOFOLLOW) < 0 ? -ENOENT : icc_json_read(dfd, file, rec, &e);
	close(dfd);
	return r;
}

static int rec_write(const cJSON *rec, const char *id, struct icc_err *err)
{
	int dfd = open(REC_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return icc_err_sys(err, errno, "cannot open '%s'", REC_DIR);
	char file[ICC_ID_LEN + 8];
	snprintf(file, sizeof(file), "%s.json", id);
	char *txt = cJSON_PrintUnformatted(rec);
	int r = txt ? icc_write_file_replace(dfd, file, txt, strlen(txt), false, err)
		    : icc_err_set(err, ENOMEM, "cannot serialise the network record");
	free(txt);
	close(dfd);
	return r;
}

static void rec_remove(const char *id)
{
	char p[sizeof(REC_DIR) + ICC_ID_LEN + 8];
	snprintf(p, sizeof(p), "%s/%s.json", REC_DIR, id);
	unlink(p);
}

/* All records (an array; unreadable ones skipped). */
static cJSON *rec_all(void)
{
	cJSON *all = cJSON_CreateArray();
	DIR *d = opendir(REC_DIR);
	if (!d)
		return all;
	struct dirent *de;
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		if (l != ICC_ID_LEN + 5 || strcmp(de->d_name + ICC_ID_LEN, ".json") ||
		    !icc_is_hex(de->d_name, ICC_ID_LEN))
			continue;
		char id[ICC_ID_LEN + 1];
		snprintf(id, sizeof(id), "%.64s", de->d_name);
		cJSON *r;
		if (rec_read(id, &r) == 0)
			cJSON_AddItemToArray(all, r);
	}
	closedir(d);
	return all;
}

static int net_lock(struct icc_err *err)
{
	mkdirs();
	return icc_flock(REC_DIR "/.lock", err);
}

/* ---- DNS servers for a container ---- */

static bool loopback_ns(const char *ip)
{
	return !strncmp(ip, "127.", 4) || !strcmp(ip, "::1");
}

/* The nameservers of a resolv.conf that a container behind NAT can reach. */
static void reachable_servers(const char *path, cJSON *out)
{
	char *txt = NULL;
	size_t len;
	struct icc_err e;
	if (icc_read_file(AT_FDCWD, path, 1 << 16, &txt, &len, &e) < 0)
		return;
	for (char *save = NULL, *line = strtok_r(txt, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char ip[64];
		struct in_addr a;
		if (sscanf(line, " nameserver %63s", ip) == 1 && !loopback_ns(ip) && inet_pton(AF_INET, ip, &a) == 1)
			cJSON_AddItemToArray(out, cJSON_CreateString(ip));
	}
	free(txt);
}

/*
 * The host's resolvers when a container can reach them, else the upstream
 * servers systemd-resolved uses; empty when only a local stub answers: then
 * aardvark-dns on the gateway forwards to it.
 */
static cJSON *upstream_servers(void)
{
	cJSON *s = cJSON_CreateArray();
	reachable_servers("/etc/resolv.conf", s);
	if (cJSON_GetArraySize(s) == 0)
		reachable_servers("/run/systemd/resolve/resolv.conf", s);
	return s;
}

/* ---- setup ---- */

static bool rec_live(const cJSON *rec)
{
	pid_t pid = (pid_t)icc_json_int(rec, "pid", 0);
	unsigned long long start = (unsigned long long)icc_json_int(rec, "pid_start", 0);
	return pid > 0 && icc_proc_starttime(pid) == start;
}

static uint32_t anchor_ip(uint32_t net, int prefix);

/* The first free host address of addr/prefix, not the gateway or the anchor's, not in `used`. */
static int pick_ip(uint32_t net, int prefix, uint32_t gw, const cJSON *recs, const char *iface,
		   uint32_t *out)
{
	uint32_t size = 1u << (32 - prefix);
	for (uint32_t i = 1; i + 1 < size; i++) {
		uint32_t a = net + i;
		if (a == gw || a == anchor_ip(net, prefix))
			continue;
		char t[32];
		icc_ipv4_text(a, t, sizeof(t));
		bool used = false;
		const cJSON *it;
		cJSON_ArrayForEach(it, recs) {
			const char *ri = icc_json_str(it, "interface"), *rip = icc_json_str(it, "ip");
			if (ri && rip && !strcmp(ri, iface) && !strcmp(rip, t))
				used = true;
		}
		if (!used) {
			*out = a;
			return 0;
		}
	}
	return -ENOSPC;
}

/* Host ports published by running containers, with their names, for the conflict check. */
static cJSON *taken_ports(const cJSON *recs)
{
	cJSON *t = cJSON_CreateArray();
	const cJSON *it, *p;
	cJSON_ArrayForEach(it, recs) {
		const char *name = icc_json_str(it, "name");
		cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(it, "ports")) {
			cJSON *c = cJSON_Duplicate(p, true);
			cJSON_AddStringToObject(c, "Container", name ? name : "?");
			cJSON_AddItemToArray(t, c);
		}
	}
	return t;
}

/* A bridge that exists with an IPv4 address outside the network's subnet belongs to another definition. */
static int bridge_conflict(const char *iface, uint32_t net, int prefix, char *what, size_t size)
{
	FILE *f = fopen("/proc/net/route", "re");
	if (!f)
		return 0;
	char line[512];
	int found = 0;
	uint32_t m = prefix ? 0xffffffffu << (32 - prefix) : 0;
	while (!found && fgets(line, sizeof(line), f)) {
		char ifc[64];
		unsigned int dst, mask;
		if (sscanf(line, "%63s %x %*x %*x %*d %*d %*d %x", ifc, &dst, &mask) != 3 || strcmp(ifc, iface))
			continue;
		uint32_t d = ntohl(dst), dm = ntohl(mask);
		if (dm && (d != net || dm != m)) {
			char t[32];
			icc_ipv4_text(d, t, sizeof(t));
			snprintf(what, size, "%s/%d", t, __builtin_popcount(dm));
			found = 1;
		}
	}
	fclose(f);
	return found;
}

static cJSON *netavark_options(const char *id, const char *name, const cJSON *def, const char *iface,
			       const char *ip, const cJSON *ports, bool dns)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "container_id", id);
	cJSON_AddStringToObject(o, "container_name", name);
	cJSON *pm = cJSON_AddArrayToObject(o, "port_mappings");
	const cJSON *it;
	cJSON_ArrayForEach(it, ports) {
		cJSON *m = cJSON_CreateObject();
		const char *hip = icc_json_str(it, "HostIp");
		cJSON_AddStringToObject(m, "host_ip", hip ? hip : "");
		cJSON_AddNumberToObject(m, "container_port", (double)icc_json_int(it, "ContainerPort", 0));
		cJSON_AddNumberToObject(m, "host_port", (double)icc_json_int(it, "HostPort", 0));
		cJSON_AddNumberToObject(m, "range", 1);
		cJSON_AddStringToObject(m, "protocol", icc_json_str(it, "Protocol"));
		cJSON_AddItemToArray(pm, m);
	}
	/* netavark names chains and aardvark files after the network: the bridge
	 * name is unique on the host, a store's network name is not */
	cJSON *nets = cJSON_AddObjectToObject(o, "networks");
	cJSON *n = cJSON_AddObjectToObject(nets, iface);
	cJSON *ips = cJSON_AddArrayToObject(n, "static_ips");
	cJSON_AddItemToArray(ips, cJSON_CreateString(ip));
	cJSON *al = cJSON_AddArrayToObject(n, "aliases");
	cJSON_AddItemToArray(al, cJSON_CreateString(name));
	char sid[13];
	snprintf(sid, sizeof(sid), "%.12s", id);
	cJSON_AddItemToArray(al, cJSON_CreateString(sid));
	cJSON_AddStringToObject(n, "interface_name", "eth0");
	cJSON *info = cJSON_AddObjectToObject(o, "network_info");
	cJSON *ni = cJSON_AddObjectToObject(info, iface);
	cJSON_AddStringToObject(ni, "name", iface);
	cJSON_AddStringToObject(ni, "id", icc_json_str(def, "id") ? icc_json_str(def, "id") : id);
	cJSON_AddStringToObject(ni, "driver", "bridge");
	cJSON_AddStringToObject(ni, "network_interface", iface);
	cJSON *subs = cJSON_AddArrayToObject(ni, "subnets");
	cJSON *s = cJSON_CreateObject();
	cJSON_AddStringToObject(s, "subnet", icc_json_str(def, "subnet"));
	cJSON_AddStringToObject(s, "gateway", icc_json_str(def, "gateway"));
	cJSON_AddItemToArray(subs, s);
	cJSON_AddBoolToObject(ni, "ipv6_enabled", false);
	cJSON_AddBoolToObject(ni, "internal", cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(def, "internal")));
	cJSON_AddBoolToObject(ni, "dns_enabled", dns);
	cJSON *ipam = cJSON_AddObjectToObject(ni, "ipam_options");
	cJSON_AddStringToObject(ipam, "driver", "host-local");
	return o;
}

/* The MAC address netavark gave eth0, from its status output. */
static void mac_of(const char *status, const char *iface, char *mac, size_t size)
{
	mac[0] = '\0';
	cJSON *j = status ? cJSON_Parse(status) : NULL;
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(j, iface);
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(n, "interfaces"), "eth0");
	const char *m = icc_json_str(e, "mac_address");
	snprintf(mac, size, "%s", m ? m : "");
	cJSON_Delete(j);
}

static const char *net_mode(const cJSON *cfg)
{
	const char *n = icc_json_str(cfg, "Network");
	return n && *n ? n : ICC_DEFAULT_NETWORK;
}

/* netavark teardown of a record's options in its namespace `ns`, while that exists. */
static void teardown_rec(const cJSON *rec, const char *ns)
{
	const cJSON *opts = cJSON_GetObjectItemCaseSensitive(rec, "options");
	struct stat sb;
	if (ns && opts && stat(ns, &sb) == 0) {
		char *txt = cJSON_PrintUnformatted(opts);
		struct icc_err e;
		if (txt)
			netavark("teardown", ns, txt, NULL, &e);
		free(txt);
	}
}

/* Tear down what a record describes; the caller holds the network lock. */
static void undo(const cJSON *rec)
{
	const char *id = icc_json_str(rec, "id"), *ns = icc_json_str(rec, "netns");
	teardown_rec(rec, ns);
	if (ns && !strncmp(ns, NETNS_DIR "/", sizeof(NETNS_DIR)) && !strstr(ns, ".."))
		netns_remove(ns);
	if (id && strlen(id) == ICC_ID_LEN && icc_is_hex(id, ICC_ID_LEN))
		rec_remove(id);
}


/* ---- the bridge's anchor ----
 *
 * netavark 1.4 tears down a bridge, and the network's NAT and forward rules
 * with it, when the veth it removes was the last one on the bridge
 * (`complete_teardown`), and makes them again at the next start: 0.3-0.4 s
 * of iptables calls each way.  Docker keeps docker0 and its network rules
 * between containers; icc does the same by keeping one more netavark
 * "container" on each bridge it uses: the anchor, a namespace
 * /run/icc/netns/anchor-<bridge> with a veth and the subnet's last host
 * address, no ports, no DNS.  Containers' teardowns then remove only their
 * own pieces.  The anchor goes with `icc network rm` (when no container of
 * any store is on the bridge) and with `icc system check --repair` when its
 * store or network definition is gone.  Its record is
 * /run/icc/net/<bridge>.anchor, beside the containers' records. */

static void anchor_paths(const char *iface, char *ns, size_t nsz, char *file, size_t fsz)
{
	snprintf(ns, nsz, "%s/anchor-%s", NETNS_DIR, iface);
	snprintf(file, fsz, "%s.anchor", iface);
}

/* The address an anchor takes: the subnet's last host address (0 when the subnet is too small to spare one). */
static uint32_t anchor_ip(uint32_t net, int prefix)
{
	return prefix <= 29 ? net + (1u << (32 - prefix)) - 2 : 0;
}

static int anchor_read(const char *file, cJSON **rec)
{
	int dfd = open(REC_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	struct icc_err e;
	struct stat sb;
	int r = fstatat(dfd, file, &sb, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(sb.st_mode)
			? -ENOENT : icc_json_read(dfd, file, rec, &e);
	close(dfd);
	return r;
}

/* netavark teardown of the anchor (its veth last: the bridge and the network's rules go), its namespace, its record. */
static void anchor_undo(const cJSON *rec, const char *file)
{
	const char *ns = icc_json_str(rec, "netns");
	teardown_rec(rec, ns);
	if (ns && !strncmp(ns, NETNS_DIR "/anchor-", sizeof(NETNS_DIR "/anchor-") - 1) && !strstr(ns, ".."))
		netns_remove(ns);
	char p[sizeof(REC_DIR) + 64];
	snprintf(p, sizeof(p), "%s/%s", REC_DIR, file);
	unlink(p);
}

/* Is any container's record (of any store) on bridge `iface`? */
static bool bridge_in_use(const cJSON *recs, const char *iface)
{
	const cJSON *it;
	cJSON_ArrayForEach(it, recs) {
		const char *ri = icc_json_str(it, "interface");
		if (ri && !strcmp(ri, iface))
			return true;
	}
	return false;
}

/* How many links the bridge has (its brif entries). */
static int bridge_ports(const char *iface)
{
	char p[64];
	snprintf(p, sizeof(p), "/sys/class/net/%s/brif", iface);
	DIR *d = opendir(p);
	int n = 0;
	struct dirent *de;
	while (d && (de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	if (d)
		closedir(d);
	return n;
}

/* Make sure bridge `iface` has its anchor; the caller holds the network lock
 * and has just set up a container on it (so the bridge exists).  Best effort:
 * without an anchor the bridge only goes with its last container, as before. */
static void anchor_ensure(struct icc_store *st, const char *mode, const cJSON *def, const char *iface,
			  uint32_t net, int prefix, const cJSON *recs)
{
	char ns[sizeof(NETNS_DIR) + 32], file[32];
	anchor_paths(iface, ns, sizeof(ns), file, sizeof(file));
	cJSON *old;
	struct stat sb;
	if (anchor_read(file, &old) == 0) {
		/* a bridge deleted by hand comes back with the container's veth alone on it */
		bool ok = stat(ns, &sb) == 0 && bridge_ports(iface) >= 2;
		if (ok) {
			cJSON_Delete(old);
			return;
		}
		anchor_undo(old, file);
		cJSON_Delete(old);
	}
	uint32_t a = anchor_ip(net, prefix);
	char ipt[32];
	icc_ipv4_text(a, ipt, sizeof(ipt));
	const cJSON *it;
	cJSON_ArrayForEach(it, recs) {
		const char *ri = icc_json_str(it, "interface"), *rip = icc_json_str(it, "ip");
		if (ri && rip && !strcmp(ri, iface) && !strcmp(rip, ipt))
			a = 0;
	}
	const char *nid = icc_json_str(def, "id");
	if (!a || !nid || strlen(nid) != ICC_ID_LEN || !icc_is_hex(nid, ICC_ID_LEN))
		return;
	cJSON *empty = cJSON_CreateArray();
	cJSON *opts = netavark_options(nid, "icc-anchor", def, iface, ipt, empty, false);
	cJSON_Delete(empty);
	cJSON *rec = cJSON_CreateObject();
	cJSON_AddStringToObject(rec, "root", st->root);
	cJSON_AddStringToObject(rec, "network", mode);
	cJSON_AddStringToObject(rec, "interface", iface);
	cJSON_AddStringToObject(rec, "ip", ipt);
	cJSON_AddStringToObject(rec, "netns", ns);
	cJSON_AddItemToObject(rec, "options", opts);
	struct icc_err e;
	int dfd = open(REC_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char *txt = cJSON_PrintUnformatted(rec), *otxt = cJSON_PrintUnformatted(opts);
	int r = dfd >= 0 && txt && otxt ? icc_write_file_replace(dfd, file, txt, strlen(txt), false, &e) : -EIO;
	if (dfd >= 0)
		close(dfd);
	if (r == 0) {
		umount2(ns, MNT_DETACH);
		unlink(ns);
		r = netns_create(ns, &e);
		if (r == 0)
			r = netavark("setup", ns, otxt, NULL, &e);
		if (r < 0)
			anchor_undo(rec, file);
	}
	free(txt);
	free(otxt);
	cJSON_Delete(rec);
}

int icc_net_release(struct icc_store *st, const char *iface)
{
	(void)st;
	char ns[sizeof(NETNS_DIR) + 32], file[32];
	if (!iface || !*iface || strlen(iface) > 15 || strchr(iface, '/'))
		return 0;
	anchor_paths(iface, ns, sizeof(ns), file, sizeof(file));
	cJSON *rec;
	if (anchor_read(file, &rec) < 0)
		return 0;
	cJSON_Delete(rec);
	struct icc_err e;
	int lk = net_lock(&e);
	if (lk < 0)
		return lk;
	cJSON *recs = rec_all();
	int r = 0;
	if (bridge_in_use(recs, iface))
		r = -EBUSY;
	else if (anchor_read(file, &rec) == 0) {
		anchor_undo(rec, file);
		cJSON_Delete(rec);
	}
	cJSON_Delete(recs);
	icc_funlock(lk);
	return r;
}

/* Anchors whose store or network definition is gone, or whose namespace is
 * missing, while no container is on their bridge.  Anchors of another store
 * that still exists are that store's to judge (its check, its network rm):
 * looking into its networks/ while it is being torn down would report a
 * half-step of its own. */
static int anchor_check(const char *our_root, bool repair, const cJSON *recs, icc_check_report report,
			void *ctx)
{
	int problems = 0;
	DIR *d = opendir(REC_DIR);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		size_t l = strlen(de->d_name);
		if (l < 8 || l > 15 + 7 || strcmp(de->d_name + l - 7, ".anchor"))
			continue;
		cJSON *rec;
		if (anchor_read(de->d_name, &rec) < 0)
			continue;
		const char *root = icc_json_str(rec, "root"), *name = icc_json_str(rec, "network"),
			   *iface = icc_json_str(rec, "interface"), *ns = icc_json_str(rec, "netns");
		struct stat sb;
		const char *why = NULL;
		char defp[4096];
		if (root && name)
			snprintf(defp, sizeof(defp), "%s/networks/%s.json", root, name);
		bool other = root && strcmp(root, our_root);
		if (!root || !name || !iface || !ns)
			why = "its record is incomplete";
		else if (stat(root, &sb) < 0 && errno == ENOENT)
			why = "its store no longer exists";
		else if (other)
			why = NULL;
		else if (stat(defp, &sb) < 0 && errno == ENOENT)
			why = "its network no longer exists";
		else if (stat(ns, &sb) < 0)
			why = "its namespace is gone";
		if (why && !(iface && bridge_in_use(recs, iface))) {
			char msg[256];
			snprintf(msg, sizeof(msg), "bridge %s: kept up for network '%s', but %s",
				 iface ? iface : "?", name ? name : "?", why);
			if (repair)
				anchor_undo(rec, de->d_name);
			report(msg, repair, ctx);
			problems++;
		}
		cJSON_Delete(rec);
	}
	if (d)
		closedir(d);
	return problems;
}
/* What a container's lease on a network is: kept in its record and summary. */
struct lease {
	const char *mode, *cname, *iface, *gateway;
	const char *ns, *ipt;
	int prefix;
	const cJSON *ports, *dns, *opts;
};

/* Records of starts that died (kill -9) would hold addresses forever: drop
 * those of this container from the list the new address is picked against. */
static void drop_own_recs(cJSON *recs, const char *id)
{
	cJSON *it = recs->child;
	while (it) {
		cJSON *next = it->next;
		const char *rid = icc_json_str(it, "id");
		if (rid && !strcmp(rid, id))
			cJSON_Delete(cJSON_DetachItemViaPointer(recs, it));
		it = next;
	}
}

/* The record of a lease: what teardown and check need to undo it. */
static cJSON *lease_record(struct icc_store *st, const char *id, const struct lease *l)
{
	cJSON *rec = cJSON_CreateObject();
	cJSON_AddStringToObject(rec, "root", st->root);
	cJSON_AddStringToObject(rec, "id", id);
	cJSON_AddStringToObject(rec, "name", l->cname);
	cJSON_AddNumberToObject(rec, "pid", getpid());
	cJSON_AddNumberToObject(rec, "pid_start", (double)icc_proc_starttime(getpid()));
	cJSON_AddStringToObject(rec, "netns", l->ns);
	cJSON_AddStringToObject(rec, "network", l->mode);
	cJSON_AddStringToObject(rec, "interface", l->iface);
	cJSON_AddStringToObject(rec, "ip", l->ipt);
	cJSON_AddNumberToObject(rec, "prefix", l->prefix);
	cJSON_AddStringToObject(rec, "gateway", l->gateway);
	cJSON_AddItemToObject(rec, "ports", cJSON_Duplicate(l->ports, true));
	cJSON_AddItemToObject(rec, "dns", cJSON_Duplicate(l->dns, true));
	cJSON_AddItemToObject(rec, "options", cJSON_Duplicate(l->opts, true));
	return rec;
}

/* The container's NetworkSettings as inspect shows them. */
static cJSON *lease_summary(const struct lease *l, const cJSON *def, const char *mac)
{
	cJSON *s = cJSON_CreateObject();
	cJSON_AddStringToObject(s, "Network", l->mode);
	cJSON_AddStringToObject(s, "NetworkID", icc_json_str(def, "id") ? icc_json_str(def, "id") : "");
	cJSON_AddStringToObject(s, "IPAddress", l->ipt);
	cJSON_AddNumberToObject(s, "IPPrefixLen", l->prefix);
	cJSON_AddStringToObject(s, "Gateway", l->gateway);
	cJSON_AddStringToObject(s, "MacAddress", mac);
	cJSON_AddStringToObject(s, "Bridge", l->iface);
	cJSON_AddItemToObject(s, "Ports", cJSON_Duplicate(l->ports, true));
	cJSON_AddStringToObject(s, "SandboxKey", l->ns);
	return s;
}

int icc_net_setup(struct icc_store *st, const char *id, const cJSON *meta, cJSON **summary,
		  struct icc_err *err)
{
	if (summary)
		*summary = NULL;
	const cJSON *cfg = cJSON_GetObjectItemCaseSensitive(meta, "config");
	const char *mode = net_mode(cfg);
	if (!strcmp(mode, "none") || !strcmp(mode, "host"))
		return 0;
	cJSON *def;
	int r = icc_network_get(st, mode, &def, err);
	if (r < 0)
		return r;
	const char *iface = icc_json_str(def, "interface"), *subnet = icc_json_str(def, "subnet"),
		   *gateway = icc_json_str(def, "gateway");
	uint32_t net, gw;
	int prefix;
	struct in_addr ga;
	if (!iface || !subnet || !gateway || icc_cidr_parse(subnet, &net, &prefix) < 0 ||
	    inet_pton(AF_INET, gateway, &ga) != 1) {
		cJSON_Delete(def);
		return icc_err_set(err, EINVAL, "network '%s': its definition is corrupt", mode);
	}
	gw = ntohl(ga.s_addr);
	const char *cname = icc_json_str(meta, "name");
	if (!cname)
		cname = id;
	int lk = net_lock(err);
	if (lk < 0) {
		cJSON_Delete(def);
		return lk;
	}
	cJSON *recs = rec_all(), *ports = NULL, *rec = NULL, *dns = NULL, *opts = NULL;
	char what[128], ipt[32], ns[sizeof(NETNS_DIR) + ICC_ID_LEN + 2];
	snprintf(ns, sizeof(ns), "%s/%s", NETNS_DIR, id);
	drop_own_recs(recs, id);
	if (icc_route_overlap(net, prefix, iface, what, sizeof(what)))
		r = icc_err_set(err, EEXIST, "network '%s': subnet %s collides with the host route %s",
				mode, subnet, what);
	else if (bridge_conflict(iface, net, prefix, what, sizeof(what)))
		r = icc_err_set(err, EEXIST, "network '%s': bridge %s already serves another subnet (%s)",
				mode, iface, what);
	if (r == 0) {
		cJSON *taken = taken_ports(recs);
		r = icc_ports_resolve(cfg, taken, &ports, err);
		cJSON_Delete(taken);
	}
	uint32_t ip = 0;
	if (r == 0 && pick_ip(net, prefix, gw, recs, iface, &ip) < 0)
		r = icc_err_set(err, ENOSPC, "network '%s': no free address left in %s", mode, subnet);
	icc_ipv4_text(ip, ipt, sizeof(ipt));
	bool with_dns = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(def, "dns"));
	if (r == 0) {
		dns = with_dns ? cJSON_CreateArray() : upstream_servers();
		if (cJSON_GetArraySize(dns) == 0) {
			/* aardvark-dns on the gateway answers, forwarding to the host's resolver */
			with_dns = true;
			cJSON_AddItemToArray(dns, cJSON_CreateString(gateway));
		}
		opts = netavark_options(id, cname, def, iface, ipt, ports, with_dns);
		struct lease l = {.mode = mode, .cname = cname, .iface = iface, .gateway = gateway,
				  .ns = ns, .ipt = ipt, .prefix = prefix, .ports = ports, .dns = dns,
				  .opts = opts};
		rec = lease_record(st, id, &l);
		/* the record first: whatever exists after a crash, check finds it through it */
		r = rec_write(rec, id, err);
	}
	bool made_ns = false;
	if (r == 0) {
		umount2(ns, MNT_DETACH);
		unlink(ns);
		r = netns_create(ns, err);
		made_ns = r == 0;
	}
	char *status = NULL;
	if (r == 0) {
		char *txt = cJSON_PrintUnformatted(opts);
		r = txt ? netavark("setup", ns, txt, &status, err) : icc_err_set(err, ENOMEM, "out of memory");
		free(txt);
	}
	char mac[32] = "";
	if (r == 0) {
		mac_of(status, iface, mac, sizeof(mac));
		cJSON_AddStringToObject(rec, "mac", mac);
		r = rec_write(rec, id, err);
		if (r == 0)
			anchor_ensure(st, mode, def, iface, net, prefix, recs);
	}
	if (r < 0 && rec) {
		if (!made_ns)
			cJSON_DeleteItemFromObjectCaseSensitive(rec, "netns");
		if (made_ns)
			undo(rec);
		else
			rec_remove(id);
	}
	if (r == 0 && summary) {
		struct lease l = {.mode = mode, .iface = iface, .gateway = gateway, .ns = ns,
				  .ipt = ipt, .prefix = prefix, .ports = ports};
		*summary = lease_summary(&l, def, mac);
	}
	free(status);
	icc_funlock(lk);
	cJSON_Delete(opts);
	cJSON_Delete(rec);
	cJSON_Delete(dns);
	cJSON_Delete(ports);
	cJSON_Delete(recs);
	cJSON_Delete(def);
	return r;
}

void icc_net_teardown(struct icc_store *st, const char *id)
{
	cJSON *rec;
	if (rec_read(id, &rec) < 0)
		return;
	cJSON_Delete(rec);
	struct icc_err e;
	int lk = net_lock(&e);
	if (lk < 0)
		return;
	if (rec_read(id, &rec) == 0) {
		undo(rec);
		cJSON_Delete(rec);
	}
	icc_funlock(lk);
}

/* ---- /etc/hosts and /etc/resolv.conf ---- */

static char *xstrdup(const char *s)
{
	return strdup(s ? s : "");
}

/* The host's resolv.conf with its nameserver lines replaced by `servers`. */
static char *resolv_with(const cJSON *servers)
{
	char *host = NULL;
	size_t len = 0;
	struct icc_err e;
	if (icc_read_file(AT_FDCWD, "/etc/resolv.conf", 1 << 16, &host, &len, &e) < 0)
		host = NULL;
	size_t cap = len + 64 * (size_t)(cJSON_GetArraySize(servers) + 1) + 1;
	char *out = malloc(cap);
	if (!out) {
		free(host);
		return NULL;
	}
	size_t n = 0;
	out[0] = '\0';
	if (host)
		for (char *save = NULL, *line = strtok_r(host, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			char word[16];
			if (sscanf(line, " %15s", word) == 1 && !strcmp(word, "nameserver"))
				continue;
			n += (size_t)snprintf(out + n, cap - n, "%s\n", line);
		}
	const cJSON *it;
	cJSON_ArrayForEach(it, servers)
		if (cJSON_IsString(it))
			n += (size_t)snprintf(out + n, cap - n, "nameserver %s\n", it->valuestring);
	free(host);
	return out;
}

int icc_net_files(struct icc_store *st, const char *id, const cJSON *cfg, const char *hostname,
		  struct icc_net_files *f, struct icc_err *err)
{
	memset(f, 0, sizeof(*f));
	const char *mode = net_mode(cfg);
	char *text = NULL;
	size_t len;
	struct icc_err e;
	if (!strcmp(mode, "host")) {
		f->host = true;
		f->hosts = icc_read_file(AT_FDCWD, "/etc/hosts", 1 << 16, &text, &len, &e) == 0
				   ? text : xstrdup("127.0.0.1\tlocalhost\n");
		text = NULL;
		f->resolv = icc_read_file(AT_FDCWD, "/etc/resolv.conf", 1 << 16, &text, &len, &e) == 0
				    ? text : xstrdup("");
		return f->hosts && f->resolv ? 0 : icc_err_set(err, ENOMEM, "out of memory");
	}
	char buf[1024];
	if (!strcmp(mode, "none")) {
		/* nothing is reachable anyway; the host's file says what the host uses */
		snprintf(buf, sizeof(buf),
			 "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n127.0.1.1\t%s\n",
			 hostname);
		f->hosts = xstrdup(buf);
		f->resolv = icc_read_file(AT_FDCWD, "/etc/resolv.conf", 1 << 16, &text, &len, &e) == 0
				    ? text : xstrdup("");
		return f->hosts && f->resolv ? 0 : icc_err_set(err, ENOMEM, "out of memory");
	}
	cJSON *rec;
	if (rec_read(id, &rec) < 0)
		return icc_err_set(err, ENOENT, "container %.12s has no network set up", id);
	const char *ip = icc_json_str(rec, "ip"), *name = icc_json_str(rec, "name");
	snprintf(f->netns, sizeof(f->netns), "%s", icc_json_str(rec, "netns") ? icc_json_str(rec, "netns") : "");
	bool same = !name || !strcmp(name, hostname);
	snprintf(buf, sizeof(buf),
		 "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n%s\t%s%s%s\n",
		 ip ? ip : "127.0.1.1", hostname, same ? "" : " ", same ? "" : name);
	f->hosts = xstrdup(buf);
	f->resolv = resolv_with(cJSON_GetObjectItemCaseSensitive(rec, "dns"));
	cJSON_Delete(rec);
	return f->hosts && f->resolv ? 0 : icc_err_set(err, ENOMEM, "out of memory");
}

void icc_net_files_free(struct icc_net_files *f)
{
	free(f->hosts);
	free(f->resolv);
	f->hosts = f->resolv = NULL;
}

/* ---- check ---- */

/* Is a record a leftover: its start is over and its container does not run? */
static bool leftover(struct icc_store *st, const cJSON *rec, bool *ours)
{
	const char *root = icc_json_str(rec, "root"), *id = icc_json_str(rec, "id");
	*ours = root && !strcmp(root, st->root);
	struct stat sb;
	if (!*ours) {
		/* another store's: only when that store is gone */
		return root && stat(root, &sb) < 0 && errno == ENOENT;
	}
	if (rec_live(rec))
		return false;
	if (!id || !icc_object_exists(st, ICC_CONTAINER, id))
		return true;
	cJSON *meta;
	struct icc_err e;
	if (icc_object_meta(st, ICC_CONTAINER, id, &meta, &e) < 0)
		return false;
	struct icc_cstate cs;
	icc_container_state(meta, &cs);
	cJSON_Delete(meta);
	return cs.status != ICC_CS_RUNNING;
}

int icc_net_check(struct icc_store *st, bool repair, icc_check_report report, void *ctx)
{
	cJSON *recs = rec_all();
	int problems = 0;
	struct icc_err e;
	int lk = -1;
	if (repair && (lk = net_lock(&e)) < 0) {
		cJSON_Delete(recs);
		return 0;
	}
	const cJSON *it;
	cJSON_ArrayForEach(it, recs) {
		bool ours;
		if (!leftover(st, it, &ours))
			continue;
		const char *id = icc_json_str(it, "id"), *ip = icc_json_str(it, "ip"),
			   *ifc = icc_json_str(it, "interface");
		char msg[512];
		snprintf(msg, sizeof(msg), "container %.12s: network left set up (%s on %s, netns %s%s)",
			 id ? id : "?", ip ? ip : "?", ifc ? ifc : "?",
			 icc_json_str(it, "netns") ? icc_json_str(it, "netns") : "?",
			 ours ? "" : ", of a store that no longer exists");
		if (repair)
			undo(it);
		report(msg, repair, ctx);
		problems++;
	}
	/* namespaces without any record (nothing icc made leaves one, but a hand or a crash in teardown may) */
	DIR *d = opendir(NETNS_DIR);
	while (d) {
		struct dirent *de = readdir(d);
		if (!de)
			break;
		if (strlen(de->d_name) != ICC_ID_LEN || !icc_is_hex(de->d_name, ICC_ID_LEN))
			continue;
		cJSON *rec;
		if (rec_read(de->d_name, &rec) == 0) {
			cJSON_Delete(rec);
			continue;
		}
		char p[sizeof(NETNS_DIR) + ICC_ID_LEN + 2], msg[256];
		snprintf(p, sizeof(p), "%s/%s", NETNS_DIR, de->d_name);
		snprintf(msg, sizeof(msg), "network namespace %s: no container set it up", p);
		if (repair)
			netns_remove(p);
		report(msg, repair, ctx);
		problems++;
	}
	if (d)
		closedir(d);
	problems += anchor_check(st->root, repair, recs, report, ctx);
	icc_funlock(lk);
	cJSON_Delete(recs);
	return problems;
}
