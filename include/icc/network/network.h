/* network.h - container networks on netavark + aardvark-dns: definitions, ports, setup, teardown */
#ifndef ICC_NETWORK_H
#define ICC_NETWORK_H

#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "icc/store/check.h"
#include "icc/base/err.h"
#include "icc/store/store.h"

/*
 * Networks are defined per store in <root>/networks/<name>.json:
 *   {"name", "id", "driver": "bridge", "interface": "icc0", "subnet": "10.88.0.0/16",
 *    "gateway": "10.88.0.1", "internal": false, "dns": false, "created"}
 * The default network "bridge" (host bridge icc0, 10.88.0.0/16, as Podman's
 * default) is written on first use; "none" and "host" are modes, not networks.
 *
 * What a container's start set up is recorded host-wide, where it lives
 * (the kernel forgets it all at a reboot, and so does /run):
 *   /run/icc/netns/<id>      the container's network namespace (an nsfs bind mount)
 *   /run/icc/net/<id>.json   {"root", "id", "name", "pid", "pid_start", "netns", "network",
 *                            "interface", "ip", "prefix", "gateway", "mac", "ports", "options"}
 *                            ("options" is netavark's input, needed again for its teardown)
 * IP addresses and host ports are allocated against all records, under a
 * flock of /run/icc/net/.lock, so stores sharing a bridge never collide.
 */

#define ICC_NET_RUN "/run/icc"
#define ICC_DEFAULT_NETWORK "bridge"

/* ---- definitions (fs/network/netdef.c) ---- */

struct icc_netdef_opts {
	const char *subnet;    /* "10.89.3.0/24"; NULL: the first free 10.89.N.0/24 */
	const char *gateway;   /* NULL: the subnet's first address */
	const char *iface;     /* bridge name; NULL: the first free iccN */
	bool internal;         /* no outbound NAT */
	bool no_dns;           /* no aardvark-dns (names of other containers do not resolve) */
};

/* Is `name` a valid network name ([a-zA-Z0-9][a-zA-Z0-9_.-]*, at most 63)? */
bool icc_network_name_valid(const char *name);

/*
 * The definition of network `name` (*def to free with cJSON_Delete).  The
 * default "bridge" is written on first use: 10.88.0.0/16 on icc0, or, when a
 * host route already covers that, the first free 10.89.N.0/24 (as Podman picks
 * subnets for new networks).  -ENOENT "no such network" for others.
 */
int icc_network_get(struct icc_store *st, const char *name, cJSON **def, struct icc_err *err);

/* Define a new bridge network; refuses a subnet that overlaps a host route or another network. */
int icc_network_create(struct icc_store *st, const char *name, const struct icc_netdef_opts *o,
		       cJSON **def, struct icc_err *err);

/* Remove a network definition; refuses while a container of the store names it. */
int icc_network_remove(struct icc_store *st, const char *name, struct icc_err *err);

/* All definitions of the store (the default one included once it exists), sorted by name. */
int icc_network_list(struct icc_store *st, cJSON **defs, struct icc_err *err);

/* IPv4 CIDR text to address and prefix length (host order); 0 or -EINVAL. */
int icc_cidr_parse(const char *text, uint32_t *addr, int *prefix);
void icc_ipv4_text(uint32_t addr, char *buf, size_t size);

/*
 * A host route (from /proc/net/route) other than the default route and
 * other than routes on `except_iface` that overlaps addr/prefix: 1 with
 * "DEST/LEN dev IFACE" in `what`, else 0.
 */
int icc_route_overlap(uint32_t addr, int prefix, const char *except_iface, char *what, size_t size);

/* ---- published ports (fs/network/netports.c) ---- */

/*
 * Parse "-p [IP:][HOSTPORT:]CPORT[/tcp|/udp]" and append
 * {"HostIp", "HostPort" (0: any free port), "ContainerPort", "Protocol"} to `out`.
 */
int icc_port_parse(const char *spec, cJSON *out, struct icc_err *err);

/* "127.0.0.1:18080->80/tcp, 0.0.0.0:8080->81/udp" as Docker's PORTS column. */
void icc_ports_text(const cJSON *ports, char *buf, size_t size);

/* NetworkSettings.Ports as Docker: {"80/tcp": [{"HostIp": "0.0.0.0", "HostPort": "8080"}]}. */
cJSON *icc_ports_docker(const cJSON *ports);

/*
 * The ports a start publishes: config.PortBindings, plus config.ExposedPorts
 * on any free host port when config.PublishAllPorts.  Fills free host ports and
 * refuses a host port another container publishes (`taken`, records of
 * running containers) or a host process holds.
 */
int icc_ports_resolve(const cJSON *cfg, const cJSON *taken, cJSON **out, struct icc_err *err);

/* ---- a container's network (fs/network/network.c) ---- */

/*
 * Set up the network of container `id` for a start, from meta.json's config
 * "Network" (bridge when missing, or a network name; none and host set up
 * nothing): a namespace, an address, the veth on the bridge, NAT and
 * published ports through netavark.  On success the record is in place and,
 * if `summary` is not NULL, *summary gets what `inspect` shows
 * ({"Network", "IPAddress", "IPPrefixLen", "Gateway", "MacAddress", "Ports",
 * "SandboxKey"}; NULL for none/host).  On failure nothing is left.
 */
int icc_net_setup(struct icc_store *st, const char *id, const cJSON *meta, cJSON **summary,
		  struct icc_err *err);

/* Undo icc_net_setup of container `id` (netavark teardown, netns, record). Idempotent. */
void icc_net_teardown(struct icc_store *st, const char *id);

/*
 * Take down bridge `iface`, kept up between containers by its anchor (see
 * fs/network/network.c), with the network-level rules netavark made for it: for
 * `icc network rm`.  0 when done or when there is no anchor; -EBUSY (and
 * nothing done) while a container of any store is on the bridge.
 */
int icc_net_release(struct icc_store *st, const char *iface);

/* The files a start bind-mounts over /etc, and the netns path the runtime joins. */
struct icc_net_files {
	char netns[256];   /* "" : the runtime makes a namespace (none), or host */
	bool host;         /* --network host: no network namespace at all */
	char *hosts;
	char *resolv;
};
int icc_net_files(struct icc_store *st, const char *id, const cJSON *cfg, const char *hostname,
		  struct icc_net_files *f, struct icc_err *err);
void icc_net_files_free(struct icc_net_files *f);

/* Records of the store whose container no longer runs (and ones of vanished stores). */
int icc_net_check(struct icc_store *st, bool repair, icc_check_report report, void *ctx);

#endif
