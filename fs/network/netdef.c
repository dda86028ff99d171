/* netdef.c - network definitions of a store (<root>/networks/NAME.json), subnets and host routes */
#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "icc/network/network.h"
#include "icc/store/object.h"

#define DEFAULT_IFACE "icc0"
#define DEFAULT_SUBNET "10.88.0.0/16"

bool icc_network_name_valid(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > 63 || !isalnum((unsigned char)name[0]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)name[i]) && !strchr("_.-", name[i]))
			return false;
	return true;
}

/* A Linux interface name: 1-15 characters, no '/', ':' or white space. */
static bool iface_valid(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 15 || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (; *s; s++)
		if (*s == '/' || *s == ':' || isspace((unsigned char)*s) || !isprint((unsigned char)*s))
			return false;
	return true;
}

int icc_cidr_parse(const char *text, uint32_t *addr, int *prefix)
{
	char buf[64];
	const char *slash = strchr(text, '/');
	if (!slash || (size_t)(slash - text) >= sizeof(buf))
		return -EINVAL;
	snprintf(buf, sizeof(buf), "%.*s", (int)(slash - text), text);
	struct in_addr a;
	if (inet_pton(AF_INET, buf, &a) != 1)
		return -EINVAL;
	char *end;
	long p = strtol(slash + 1, &end, 10);
	if (!slash[1] || *end || p < 8 || p > 30)
		return -EINVAL;
	*addr = ntohl(a.s_addr);
	*prefix = (int)p;
	return 0;
}

void icc_ipv4_text(uint32_t addr, char *buf, size_t size)
{
	struct in_addr a = {.s_addr = htonl(addr)};
	if (!inet_ntop(AF_INET, &a, buf, (socklen_t)size))
		snprintf(buf, size, "?");
}

static uint32_t mask_of(int prefix)
{
	return prefix <= 0 ? 0 : 0xffffffffu << (32 - prefix);
}

static bool overlap(uint32_t a, int pa, uint32_t b, int pb)
{
	uint32_t m = mask_of(pa < pb ? pa : pb);
	return (a & m) == (b & m);
}

int icc_route_overlap(uint32_t addr, int prefix, const char *except_iface, char *what, size_t size)
{
	FILE *f = fopen("/proc/net/route", "re");
	if (!f)
		return 0;
	char line[512];
	int found = 0;
	while (!found && fgets(line, sizeof(line), f)) {
		char ifc[64];
		unsigned int dst, gw, flags, mask;
		/* Iface Destination Gateway Flags RefCnt Use Metric Mask ... (little-endian hex) */
		if (sscanf(line, "%63s %x %x %x %*d %*d %*d %x", ifc, &dst, &gw, &flags, &mask) != 5)
			continue;
		uint32_t d = ntohl(dst), m = ntohl(mask);
		int plen = __builtin_popcount(m);
		if (plen == 0 || (except_iface && !strcmp(ifc, except_iface)))
			continue;
		if (overlap(addr, prefix, d, plen)) {
			char t[32];
			icc_ipv4_text(d, t, sizeof(t));
			snprintf(what, size, "%s/%d dev %s", t, plen, ifc);
			found = 1;
		}
	}
	fclose(f);
	return found;
}

static int networks_dir(struct icc_store *st, struct icc_err *err)
{
	if (mkdirat(st->root_fd, "networks", 0700) < 0 && errno != EEXIST)
		return icc_err_sys(err, errno, "cannot create '%s/networks'", st->root);
	int fd = openat(st->root_fd, "networks", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return icc_err_sys(err, errno, "cannot open '%s/networks'", st->root);
	return fd;
}

int icc_network_list(struct icc_store *st, cJSON **defs, struct icc_err *err)
{
	*defs = cJSON_CreateArray();
	int fd = networks_dir(st, err);
	if (fd < 0) {
		cJSON_Delete(*defs);
		*defs = NULL;
		return fd;
	}
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return 0;
	}
	struct dirent *de;
	char *names[1024];
	size_t n = 0;
	while ((de = readdir(d)) && n < 1024) {
		size_t l = strlen(de->d_name);
		if (de->d_name[0] == '.' || l < 6 || strcmp(de->d_name + l - 5, ".json"))
			continue;
		names[n++] = strdup(de->d_name);
	}
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
			char *t = names[j];
			names[j] = names[j - 1];
			names[j - 1] = t;
		}
	for (size_t i = 0; i < n; i++) {
		cJSON *doc;
		struct icc_err e;
		if (names[i] && icc_json_read(dirfd(d), names[i], &doc, &e) == 0)
			cJSON_AddItemToArray(*defs, doc);
		free(names[i]);
	}
	closedir(d);
	return 0;
}

/* A subnet/interface already used by a definition of the store (other than `self`). */
static bool used_by_store(const cJSON *defs, const char *self, uint32_t addr, int prefix,
			  const char *iface)
{
	const cJSON *it;
	cJSON_ArrayForEach(it, defs) {
		const char *n = icc_json_str(it, "name");
		if (self && n && !strcmp(n, self))
			continue;
		const char *s = icc_json_str(it, "subnet"), *i = icc_json_str(it, "interface");
		uint32_t a;
		int p;
		if (iface && i && !strcmp(i, iface))
			return true;
		if (!iface && s && icc_cidr_parse(s, &a, &p) == 0 && overlap(a, p, addr, prefix))
			return true;
	}
	return false;
}

static bool link_exists(const char *iface)
{
	char p[128];
	snprintf(p, sizeof(p), "/sys/class/net/%s", iface);
	return access(p, F_OK) == 0;
}

/* The first 10.89.N.0/24 free of host routes and of the store's networks, as Podman's pool. */
static int free_subnet(const cJSON *defs, const char *iface, char *out, size_t size)
{
	for (uint32_t n = 0; n < 256; n++) {
		uint32_t a = (10u << 24) | (89u << 16) | (n << 8);
		char what[128];
		if (used_by_store(defs, NULL, a, 24, NULL) || icc_route_overlap(a, 24, iface, what, sizeof(what)))
			continue;
		char t[32];
		icc_ipv4_text(a, t, sizeof(t));
		snprintf(out, size, "%s/24", t);
		return 0;
	}
	return -ENOSPC;
}

static int write_def(struct icc_store *st, const char *name, const char *iface, const char *subnet,
		     const char *gateway, bool internal, bool dns, cJSON **def, struct icc_err *err)
{
	uint32_t a, g;
	int p;
	if (icc_cidr_parse(subnet, &a, &p) < 0)
		return icc_err_set(err, EINVAL, "invalid subnet '%s': expected an IPv4 CIDR like 10.89.1.0/24 (prefix 8-30)", subnet);
	a &= mask_of(p);
	char net[32], gw[32], cidr[48];
	icc_ipv4_text(a, net, sizeof(net));
	snprintf(cidr, sizeof(cidr), "%s/%d", net, p);
	if (gateway) {
		struct in_addr ga;
		if (inet_pton(AF_INET, gateway, &ga) != 1)
			return icc_err_set(err, EINVAL, "invalid gateway '%s': expected an IPv4 address", gateway);
		g = ntohl(ga.s_addr);
		if ((g & mask_of(p)) != a || g == a || g == (a | ~mask_of(p)))
			return icc_err_set(err, EINVAL, "gateway %s is not a host address of subnet %s", gateway, cidr);
	} else {
		g = a + 1;
	}
	icc_ipv4_text(g, gw, sizeof(gw));
	char what[128];
	if (icc_route_overlap(a, p, iface, what, sizeof(what)))
		return icc_err_set(err, EEXIST, "subnet %s of network '%s' collides with the host route %s",
				   cidr, name, what);
	cJSON *d = cJSON_CreateObject();
	char id[ICC_ID_LEN + 1], now[64];
	icc_random_id(id);
	icc_time_format(icc_now_ns(), now, sizeof(now));
	cJSON_AddStringToObject(d, "name", name);
	cJSON_AddStringToObject(d, "id", id);
	cJSON_AddStringToObject(d, "driver", "bridge");
	cJSON_AddStringToObject(d, "interface", iface);
	cJSON_AddStringToObject(d, "subnet", cidr);
	cJSON_AddStringToObject(d, "gateway", gw);
	cJSON_AddBoolToObject(d, "internal", internal);
	cJSON_AddBoolToObject(d, "dns", dns);
	cJSON_AddStringToObject(d, "created", now);
	int fd = networks_dir(st, err);
	if (fd < 0) {
		cJSON_Delete(d);
		return fd;
	}
	char file[128];
	snprintf(file, sizeof(file), "%s.json", name);
	int r = icc_json_write(fd, file, d, err);
	close(fd);
	if (r < 0 || !def)
		cJSON_Delete(d);
	else
		*def = d;
	return r;
}

static int read_def(struct icc_store *st, const char *name, cJSON **def, struct icc_err *err)
{
	int fd = networks_dir(st, err);
	if (fd < 0)
		return fd;
	char file[128];
	snprintf(file, sizeof(file), "%s.json", name);
	struct stat sb;
	int r;
	if (fstatat(fd, file, &sb, AT_SYMLINK_NOFOLLOW) < 0)
		r = -ENOENT;
	else
		r = icc_json_read(fd, file, def, err);
	close(fd);
	return r;
}

int icc_network_get(struct icc_store *st, const char *name, cJSON **def, struct icc_err *err)
{
	if (!icc_network_name_valid(name))
		return icc_err_set(err, EINVAL, "invalid network name '%s'", name);
	int r = read_def(st, name, def, err);
	if (r != -ENOENT)
		return r;
	if (strcmp(name, ICC_DEFAULT_NETWORK))
		return icc_err_set(err, ENOENT, "no such network '%s' (see 'icc network ls')", name);
	r = icc_store_lock(st, err);
	if (r < 0)
		return r;
	r = read_def(st, name, def, err);
	if (r == -ENOENT) {
		cJSON *defs = NULL;
		char subnet[48] = DEFAULT_SUBNET, what[128];
		uint32_t a;
		int p;
		icc_cidr_parse(DEFAULT_SUBNET, &a, &p);
		r = icc_network_list(st, &defs, err);
		if (r == 0 && (icc_route_overlap(a, p, DEFAULT_IFACE, what, sizeof(what)) ||
			       used_by_store(defs, NULL, a, p, NULL)) &&
		    free_subnet(defs, DEFAULT_IFACE, subnet, sizeof(subnet)) < 0)
			r = icc_err_set(err, ENOSPC, "no free subnet for the default network: 10.88.0.0/16 "
					"and every 10.89.N.0/24 collide with host routes");
		if (r == 0)
			r = write_def(st, name, DEFAULT_IFACE, subnet, NULL, false, false, def, err);
		cJSON_Delete(defs);
	}
	icc_store_unlock(st);
	return r;
}

int icc_network_create(struct icc_store *st, const char *name, const struct icc_netdef_opts *o,
		       cJSON **def, struct icc_err *err)
{
	if (!icc_network_name_valid(name))
		return icc_err_set(err, EINVAL,
				   "invalid network name '%s': only [a-zA-Z0-9][a-zA-Z0-9_.-]* (at most 63) are allowed", name);
	if (!strcmp(name, "none") || !strcmp(name, "host"))
		return icc_err_set(err, EINVAL, "'%s' is a network mode, not a network that can be created", name);
	if (o->iface && !iface_valid(o->iface))
		return icc_err_set(err, EINVAL, "invalid interface name '%s': 1-15 characters, no '/', ':' or spaces", o->iface);
	int r = icc_store_lock(st, err);
	if (r < 0)
		return r;
	cJSON *defs = NULL, *old = NULL;
	struct icc_err e;
	r = icc_network_list(st, &defs, err);
	if (r == 0 && read_def(st, name, &old, &e) == 0) {
		r = icc_err_set(err, EEXIST, "network '%s' already exists", name);
		cJSON_Delete(old);
	}
	char iface[16], subnet[48];
	if (r == 0 && o->iface) {
		snprintf(iface, sizeof(iface), "%s", o->iface);
		if (used_by_store(defs, NULL, 0, 0, iface))
			r = icc_err_set(err, EEXIST, "interface '%s' is already the bridge of another network", iface);
	} else if (r == 0) {
		int n = 1;
		for (; n < 10000; n++) {
			snprintf(iface, sizeof(iface), "icc%d", n);
			if (!used_by_store(defs, NULL, 0, 0, iface) && !link_exists(iface))
				break;
		}
	}
	if (r == 0 && o->subnet) {
		uint32_t a;
		int p;
		snprintf(subnet, sizeof(subnet), "%s", o->subnet);
		if (icc_cidr_parse(subnet, &a, &p) < 0)
			r = icc_err_set(err, EINVAL, "invalid subnet '%s': expected an IPv4 CIDR like 10.89.1.0/24 (prefix 8-30)", subnet);
		else if (used_by_store(defs, NULL, a, p, NULL))
			r = icc_err_set(err, EEXIST, "subnet %s overlaps the subnet of another network", subnet);
	} else if (r == 0 && free_subnet(defs, iface, subnet, sizeof(subnet)) < 0) {
		r = icc_err_set(err, ENOSPC, "no free subnet in 10.89.0.0/16; give one with --subnet");
	}
	if (r == 0)
		r = write_def(st, name, iface, subnet, o->gateway, o->internal, !o->no_dns, def, err);
	cJSON_Delete(defs);
	icc_store_unlock(st);
	return r;
}

struct net_user {
	const char *name;
	struct icc_err *err;
};

/* -EBUSY when the container is on network u->name. */
static int refuse_user(const char *id, const cJSON *meta, void *ctx)
{
	const struct net_user *u = ctx;
	const char *net = icc_json_str(cJSON_GetObjectItemCaseSensitive(meta, "config"), "Network");
	if (strcmp(net ? net : ICC_DEFAULT_NETWORK, u->name))
		return 0;
	const char *cn = icc_json_str(meta, "name");
	return icc_err_set(u->err, EBUSY, "network '%s' is in use by container '%s'", u->name,
			   cn ? cn : id);
}

int icc_network_remove(struct icc_store *st, const char *name, struct icc_err *err)
{
	if (!icc_network_name_valid(name))
		return icc_err_set(err, EINVAL, "invalid network name '%s'", name);
	int r = icc_store_lock(st, err);
	if (r < 0)
		return r;
	cJSON *def = NULL;
	r = read_def(st, name, &def, err);
	if (r == -ENOENT)
		r = icc_err_set(err, ENOENT, "no such network '%s'", name);
	struct net_user u = {.name = name, .err = err};
	if (r == 0)
		r = icc_object_each(st, ICC_CONTAINER, refuse_user, &u, err);
	if (r == 0) {
		int fd = networks_dir(st, err);
		if (fd < 0) {
			r = fd;
		} else {
			char file[128];
			snprintf(file, sizeof(file), "%s.json", name);
			if (unlinkat(fd, file, 0) < 0)
				r = icc_err_sys(err, errno, "cannot remove network '%s'", name);
			else
				icc_fsync_dir(fd);
			close(fd);
		}
	}
	/* the bridge kept up between containers goes with its network, unless
	 * another store's container is on it (that store's next start keeps it) */
	if (r == 0)
		icc_net_release(st, icc_json_str(def, "interface"));
	cJSON_Delete(def);
	icc_store_unlock(st);
	return r;
}
