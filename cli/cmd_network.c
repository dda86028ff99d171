/* cmd_network.c - icc network create | ls | inspect | rm: user-defined bridge networks */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "icc/network/network.h"
#include "icc/store/object.h"
#include "icc/runtime/runtime.h"

#define CREATE_SYNOPSIS "[--subnet CIDR] [--gateway IP] [--interface-name BRIDGE] [--internal] [--disable-dns] NAME"

static int create(int argc, char **argv)
{
	static const struct option opts[] = {
		{"subnet", required_argument, NULL, 's'},
		{"gateway", required_argument, NULL, 'g'},
		{"interface-name", required_argument, NULL, 'i'},
		{"internal", no_argument, NULL, 'I'},
		{"disable-dns", no_argument, NULL, 'D'},
		{"driver", required_argument, NULL, 'd'},
		{0, 0, 0, 0},
	};
	struct icc_netdef_opts o = {0};
	optind = 1;
	int c;
	while ((c = getopt_long(argc, argv, "d:", opts, NULL)) != -1) {
		switch (c) {
		case 's': o.subnet = optarg; break;
		case 'g': o.gateway = optarg; break;
		case 'i': o.iface = optarg; break;
		case 'I': o.internal = true; break;
		case 'D': o.no_dns = true; break;
		case 'd':
			if (strcmp(optarg, "bridge")) {
				cli_errorf("network create: unsupported driver '%s' (only bridge)", optarg);
				return 1;
			}
			break;
		default: return cli_usage("network create", CREATE_SYNOPSIS);
		}
	}
	if (argc - optind != 1)
		return cli_usage("network create", CREATE_SYNOPSIS);
	struct icc_store st;
	if (cli_open_store(&st))
		return 1;
	struct icc_err err;
	cJSON *def;
	int r = icc_network_create(&st, argv[optind], &o, &def, &err);
	icc_store_close(&st);
	if (r < 0)
		return cli_fail(&err);
	puts(icc_json_str(def, "id"));
	cJSON_Delete(def);
	return 0;
}

/* Running containers on network `name`: {id: {"Name", "IPv4Address", "MacAddress"}}. */
static cJSON *members(struct icc_store *st, const char *name)
{
	cJSON *out = cJSON_CreateObject();
	struct icc_idlist l;
	struct icc_err e;
	if (icc_object_list(st, ICC_CONTAINER, &l, &e) < 0)
		return out;
	for (size_t i = 0; i < l.count; i++) {
		cJSON *meta;
		if (icc_object_meta(st, ICC_CONTAINER, l.ids[i], &meta, &e) < 0)
			continue;
		struct icc_cstate cs;
		icc_container_state(meta, &cs);
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(meta, "state"), "network");
		const char *nn = icc_json_str(n, "Network");
		if (cs.status == ICC_CS_RUNNING && nn && !strcmp(nn, name)) {
			cJSON *m = cJSON_AddObjectToObject(out, l.ids[i]);
			char addr[64];
			snprintf(addr, sizeof(addr), "%s/%lld", icc_json_str(n, "IPAddress") ? icc_json_str(n, "IPAddress") : "",
				 icc_json_int(n, "IPPrefixLen", 0));
			cJSON_AddStringToObject(m, "Name", icc_json_str(meta, "name") ? icc_json_str(meta, "name") : "");
			cJSON_AddStringToObject(m, "IPv4Address", addr);
			cJSON_AddStringToObject(m, "MacAddress", icc_json_str(n, "MacAddress") ? icc_json_str(n, "MacAddress") : "");
		}
		cJSON_Delete(meta);
	}
	icc_idlist_free(&l);
	return out;
}

/* Docker's `network inspect` document of a definition. */
static cJSON *doc(struct icc_store *st, const cJSON *def)
{
	cJSON *o = cJSON_CreateObject();
	const char *s;
#define STR(k, v) cJSON_AddStringToObject(o, k, (s = icc_json_str(def, v)) ? s : "")
	STR("Name", "name");
	STR("Id", "id");
	STR("Created", "created");
	cJSON_AddStringToObject(o, "Scope", "local");
	STR("Driver", "driver");
	cJSON_AddBoolToObject(o, "EnableIPv6", false);
	cJSON *ipam = cJSON_AddObjectToObject(o, "IPAM");
	cJSON_AddStringToObject(ipam, "Driver", "default");
	cJSON *cfgs = cJSON_AddArrayToObject(ipam, "Config");
	cJSON *c = cJSON_CreateObject();
	cJSON_AddStringToObject(c, "Subnet", (s = icc_json_str(def, "subnet")) ? s : "");
	cJSON_AddStringToObject(c, "Gateway", (s = icc_json_str(def, "gateway")) ? s : "");
	cJSON_AddItemToArray(cfgs, c);
	cJSON_AddBoolToObject(o, "Internal", cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(def, "internal")));
	cJSON_AddItemToObject(o, "Containers", members(st, icc_json_str(def, "name")));
	cJSON *opt = cJSON_AddObjectToObject(o, "Options");
	cJSON_AddStringToObject(opt, "com.docker.network.bridge.name", (s = icc_json_str(def, "interface")) ? s : "");
	cJSON *icc = cJSON_AddObjectToObject(o, "Icc");
	cJSON_AddBoolToObject(icc, "DNS", cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(def, "dns")));
	cJSON_AddStringToObject(icc, "Backend", "netavark");
#undef STR
	return o;
}

static int ls(int argc, char **argv)
{
	static const struct option opts[] = {
		{"quiet", no_argument, NULL, 'q'},
		{"no-trunc", no_argument, NULL, 'T'},
		{"format", required_argument, NULL, 'f'},
		{0, 0, 0, 0},
	};
	bool quiet = false, notrunc = false;
	const char *format = NULL;
	optind = 1;
	int c;
	while ((c = getopt_long(argc, argv, "qf:", opts, NULL)) != -1) {
		if (c == 'q')
			quiet = true;
		else if (c == 'T')
			notrunc = true;
		else if (c == 'f')
			format = optarg;
		else
			return cli_usage("network ls", "[-q] [--no-trunc] [--format FORMAT]");
	}
	struct icc_store st;
	if (cli_open_store(&st))
		return 1;
	struct icc_err err;
	cJSON *defs = NULL, *dflt = NULL;
	/* the default network exists from the first look on, as Docker's */
	int r = icc_network_get(&st, ICC_DEFAULT_NETWORK, &dflt, &err);
	cJSON_Delete(dflt);
	if (r == 0)
		r = icc_network_list(&st, &defs, &err);
	if (r < 0) {
		icc_store_close(&st);
		return cli_fail(&err);
	}
	struct cli_fmt ff;
	int status = cli_fmt_open(&ff, "network ls", format, "ID", "NETWORK ID", "Name", "NAME", "Driver", "DRIVER",
				  "Scope", "SCOPE", "Subnet", "SUBNET", "Bridge", "BRIDGE", NULL);
	enum cli_format fmt = ff.kind;
	struct cli_table t;
	cli_table_init(&t, 6, "NETWORK ID", "NAME", "DRIVER", "SCOPE", "SUBNET", "BRIDGE");
	const cJSON *it;
	cJSON_ArrayForEach(it, defs) {
		if (status)
			break;
		const char *id = icc_json_str(it, "id"), *name = icc_json_str(it, "name");
		char sid[13];
		if (!id || !name)
			continue;
		const char *shown = notrunc ? id : cli_short_id(id, sid);
		if (quiet) {
			puts(shown);
			continue;
		}
		const char *sub = icc_json_str(it, "subnet"), *br = icc_json_str(it, "interface");
		if (fmt == CLI_FMT_TABLE) {
			cli_table_add(&t, shown, name, "bridge", "local", sub ? sub : "", br ? br : "");
			continue;
		}
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "ID", shown);
		cJSON_AddStringToObject(o, "Name", name);
		cJSON_AddStringToObject(o, "Driver", "bridge");
		cJSON_AddStringToObject(o, "Scope", "local");
		cJSON_AddStringToObject(o, "Subnet", sub ? sub : "");
		cJSON_AddStringToObject(o, "Bridge", br ? br : "");
		status = cli_fmt_row(&ff, o);
		cJSON_Delete(o);
	}
	if (!quiet && fmt == CLI_FMT_TABLE)
		cli_table_print(&t, stdout);
	cli_table_free(&t);
	if (status) /* a bad template: only its error line */
		cli_fmt_free(&ff);
	else
		cli_fmt_flush(&ff);
	cJSON_Delete(defs);
	icc_store_close(&st);
	return status;
}

static int inspect(int argc, char **argv)
{
	if (argc < 2)
		return cli_usage("network inspect", "NETWORK...");
	struct icc_store st;
	if (cli_open_store(&st))
		return 1;
	cJSON *out = cJSON_CreateArray();
	int status = 0;
	for (int i = 1; i < argc; i++) {
		struct icc_err err;
		cJSON *def;
		if (icc_network_get(&st, argv[i], &def, &err) < 0) {
			cli_fail(&err);
			status = 1;
			continue;
		}
		cJSON_AddItemToArray(out, doc(&st, def));
		cJSON_Delete(def);
	}
	if (cJSON_GetArraySize(out) > 0 || status == 0)
		cli_print_json(out, true);
	cJSON_Delete(out);
	icc_store_close(&st);
	return status;
}

static int rm(int argc, char **argv)
{
	if (argc < 2)
		return cli_usage("network rm", "NETWORK...");
	struct icc_store st;
	if (cli_open_store(&st))
		return 1;
	int status = 0;
	for (int i = 1; i < argc; i++) {
		struct icc_err err;
		if (icc_network_remove(&st, argv[i], &err) < 0) {
			cli_fail(&err);
			status = 1;
			continue;
		}
		puts(argv[i]);
	}
	icc_store_close(&st);
	return status;
}

int cmd_network(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "create"))
		return create(argc - 1, argv + 1);
	if (argc >= 2 && (!strcmp(argv[1], "ls") || !strcmp(argv[1], "list")))
		return ls(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "inspect"))
		return inspect(argc - 1, argv + 1);
	if (argc >= 2 && (!strcmp(argv[1], "rm") || !strcmp(argv[1], "remove")))
		return rm(argc - 1, argv + 1);
	if (argc >= 2)
		cli_errorf("network: unknown subcommand '%s' (create, ls, inspect, rm)", argv[1]);
	return cli_usage("network", "create|ls|inspect|rm ...");
}
