/* netports.c - published ports: -p parsing, free and taken host ports, Docker's text forms */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "icc/network/network.h"

static int port_num(const char *s, size_t len, bool zero_ok)
{
	if (len == 0 || len > 5)
		return -1;
	int v = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return (v == 0 && !zero_ok) || v > 65535 ? -1 : v;
}

int icc_port_parse(const char *spec, cJSON *out, struct icc_err *err)
{
	char buf[256];
	if (strlen(spec) >= sizeof(buf) || !*spec)
		return icc_err_set(err, EINVAL, "invalid port '%s': expected [IP:][HOSTPORT:]PORT[/tcp|/udp]", spec);
	snprintf(buf, sizeof(buf), "%s", spec);
	const char *proto = "tcp";
	char *slash = strchr(buf, '/');
	if (slash) {
		*slash = '\0';
		proto = slash + 1;
		if (strcmp(proto, "tcp") && strcmp(proto, "udp"))
			return icc_err_set(err, EINVAL, "invalid protocol '%s' in port '%s': expected tcp or udp",
					   proto, spec);
	}
	/* split on ':' from the right: CPORT, HOSTPORT, IP */
	char *parts[3] = {0};
	int n = 0;
	char *s = buf;
	for (;;) {
		char *c = strrchr(s, ':');
		if (!c || n == 2)
			break;
		parts[n++] = c + 1;
		*c = '\0';
	}
	parts[n++] = s;
	/* parts[0] = CPORT, parts[1] = HOSTPORT, parts[2] = IP (as written right to left) */
	const char *cport = parts[0], *hport = n > 1 ? parts[1] : "", *ip = n > 2 ? parts[2] : "";
	if (strchr(ip, ':') || strchr(hport, '-') || strchr(cport, '-'))
		return icc_err_set(err, EINVAL, "invalid port '%s': port ranges and IPv6 host addresses are not supported", spec);
	int cp = port_num(cport, strlen(cport), false);
	if (cp < 0)
		return icc_err_set(err, EINVAL, "invalid port '%s' in '%s': expected a number 1-65535", cport, spec);
	int hp = *hport ? port_num(hport, strlen(hport), false) : 0;
	if (hp < 0)
		return icc_err_set(err, EINVAL, "invalid host port '%s' in '%s': expected a number 1-65535", hport, spec);
	struct in_addr a;
	if (*ip && inet_pton(AF_INET, ip, &a) != 1)
		return icc_err_set(err, EINVAL, "invalid host IP '%s' in port '%s': expected an IPv4 address", ip, spec);
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "HostIp", *ip ? ip : "");
	cJSON_AddNumberToObject(o, "HostPort", hp);
	cJSON_AddNumberToObject(o, "ContainerPort", cp);
	cJSON_AddStringToObject(o, "Protocol", proto);
	cJSON_AddItemToArray(out, o);
	return 0;
}

void icc_ports_text(const cJSON *ports, char *buf, size_t size)
{
	size_t n = 0;
	buf[0] = '\0';
	const cJSON *it;
	cJSON_ArrayForEach(it, ports) {
		const char *ip = icc_json_str(it, "HostIp"), *proto = icc_json_str(it, "Protocol");
		int w = snprintf(buf + n, n < size ? size - n : 0, "%s%s:%lld->%lld/%s", n ? ", " : "",
				 ip && *ip ? ip : "0.0.0.0", icc_json_int(it, "HostPort", 0),
				 icc_json_int(it, "ContainerPort", 0), proto ? proto : "tcp");
		if (w < 0 || (size_t)w >= size - n)
			break;
		n += (size_t)w;
	}
}

cJSON *icc_ports_docker(const cJSON *ports)
{
	cJSON *o = cJSON_CreateObject();
	const cJSON *it;
	cJSON_ArrayForEach(it, ports) {
		char key[32], hp[16];
		const char *ip = icc_json_str(it, "HostIp"), *proto = icc_json_str(it, "Protocol");
		snprintf(key, sizeof(key), "%lld/%s", icc_json_int(it, "ContainerPort", 0), proto ? proto : "tcp");
		snprintf(hp, sizeof(hp), "%lld", icc_json_int(it, "HostPort", 0));
		cJSON *arr = cJSON_GetObjectItemCaseSensitive(o, key);
		if (!arr)
			arr = cJSON_AddArrayToObject(o, key);
		cJSON *b = cJSON_CreateObject();
		cJSON_AddStringToObject(b, "HostIp", ip && *ip ? ip : "0.0.0.0");
		cJSON_AddStringToObject(b, "HostPort", hp);
		cJSON_AddItemToArray(arr, b);
	}
	return o;
}

/* Bind ip:port (port 0: any) with the protocol; the bound port, or -errno. */
static int try_bind(const char *ip, int port, bool udp)
{
	int fd = socket(AF_INET, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	if (ip && *ip)
		inet_pton(AF_INET, ip, &sa.sin_addr);
	int r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	if (r < 0) {
		r = -errno;
	} else {
		socklen_t l = sizeof(sa);
		r = getsockname(fd, (struct sockaddr *)&sa, &l) < 0 ? -errno : ntohs(sa.sin_port);
	}
	close(fd);
	return r;
}

/* Two host addresses that both see a port ("" and 0.0.0.0 are every address). */
static bool ip_overlap(const char *a, const char *b)
{
	bool any_a = !a || !*a || !strcmp(a, "0.0.0.0"), any_b = !b || !*b || !strcmp(b, "0.0.0.0");
	return any_a || any_b || !strcmp(a, b);
}

static int add_port(cJSON *out, const char *ip, int hp, int cp, const char *proto, const cJSON *taken,
		    struct icc_err *err)
{
	bool udp = !strcmp(proto, "udp");
	const cJSON *it;
	/* the same host port twice in this start, or published by another container */
	const cJSON *lists[2] = {out, taken};
	for (int k = 0; hp && k < 2; k++)
		cJSON_ArrayForEach(it, lists[k]) {
			const char *p = icc_json_str(it, "Protocol"), *hip = icc_json_str(it, "HostIp");
			if (icc_json_int(it, "HostPort", 0) != hp || !p || strcmp(p, proto) || !ip_overlap(ip, hip))
				continue;
			const char *who = icc_json_str(it, "Container");
			if (who)
				return icc_err_set(err, EADDRINUSE, "host port %d/%s is already in use by container '%s'",
						   hp, proto, who);
			return icc_err_set(err, EADDRINUSE, "host port %d/%s is published twice", hp, proto);
		}
	int r = try_bind(ip, hp, udp);
	if (r == -EADDRINUSE)
		return icc_err_set(err, EADDRINUSE, "host port %d/%s is already in use on the host", hp, proto);
	if (r == -EADDRNOTAVAIL)
		return icc_err_set(err, EADDRNOTAVAIL, "host IP '%s' is not an address of this machine", ip);
	if (r < 0)
		return icc_err_sys(err, -r, "cannot check host port %d/%s", hp, proto);
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "HostIp", ip ? ip : "");
	cJSON_AddNumberToObject(o, "HostPort", r);
	cJSON_AddNumberToObject(o, "ContainerPort", cp);
	cJSON_AddStringToObject(o, "Protocol", proto);
	cJSON_AddItemToArray(out, o);
	return 0;
}

int icc_ports_resolve(const cJSON *cfg, const cJSON *taken, cJSON **out, struct icc_err *err)
{
	*out = cJSON_CreateArray();
	int r = 0;
	const cJSON *it;
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(cfg, "PortBindings")) {
		const char *proto = icc_json_str(it, "Protocol");
		r = add_port(*out, icc_json_str(it, "HostIp"), (int)icc_json_int(it, "HostPort", 0),
			     (int)icc_json_int(it, "ContainerPort", 0), proto ? proto : "tcp", taken, err);
		if (r < 0)
			break;
	}
	if (r == 0 && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(cfg, "PublishAllPorts"))) {
		cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(cfg, "ExposedPorts")) {
			/* "80/tcp", "53/udp" or "80" */
			char key[32];
			snprintf(key, sizeof(key), "%s", it->string ? it->string : "");
			char *sl = strchr(key, '/');
			const char *proto = sl ? sl + 1 : "tcp";
			if (sl)
				*sl = '\0';
			int cp = port_num(key, strlen(key), false);
			if (cp < 0 || (strcmp(proto, "tcp") && strcmp(proto, "udp")))
				continue;
			/* a port -p already publishes is not published twice */
			bool done = false;
			const cJSON *o;
			cJSON_ArrayForEach(o, *out) {
				const char *op = icc_json_str(o, "Protocol");
				done |= icc_json_int(o, "ContainerPort", 0) == cp && op && !strcmp(op, proto);
			}
			if (done)
				continue;
			r = add_port(*out, "", 0, cp, proto, taken, err);
			if (r < 0)
				break;
		}
	}
	if (r < 0) {
		cJSON_Delete(*out);
		*out = NULL;
	}
	return r;
}
