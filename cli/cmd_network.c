/* cmd_network.c - icc network create | ls | inspect | rm: user-defined bridge networks */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "icc/network/network.h"
#include "icc/store/object.h"
#include "icc/runtime/runtime.h"

static int create_check(struct cli_ctx *ctx)
{
	const char *driver = cli_value(ctx, "driver", "bridge");
	if (strcmp(driver, "bridge")) {
		cli_errorf("network create: unsupported driver '%s' (only bridge)", driver);
		return 1;
	}
	return 0;
}

static int create(struct cli_ctx *ctx)
{
	struct icc_netdef_opts o = {
		.subnet = cli_value(ctx, "subnet", NULL),
		.gateway = cli_value(ctx, "gateway", NULL),
		.iface = cli_value(ctx, "interface-name", NULL),
		.internal = cli_has(ctx, "internal"),
		.no_dns = cli_has(ctx, "disable-dns"),
	};
	struct icc_err err;
	cJSON *def;
	if (icc_network_create(&ctx->st, ctx->argv[0], &o, &def, &err) < 0)
		return cli_fail(&err);
	puts(icc_json_str(def, "id"));
	cJSON_Delete(def);
	return 0;
}

struct members {
	const char *name;
	cJSON *out;
};

static void add_member(struct icc_store *st, const char *id, const cJSON *meta, const struct icc_cstate *cs,
		       void *arg)
{
	(void)st;
	struct members *ms = arg;
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(meta, "state"), "network");
	const char *nn = icc_json_str(n, "Network");
	if (cs->status != ICC_CS_RUNNING || !nn || strcmp(nn, ms->name))
		return;
	cJSON *m = cJSON_AddObjectToObject(ms->out, id);
	char addr[64];
	snprintf(addr, sizeof(addr), "%s/%lld", icc_json_str(n, "IPAddress") ? icc_json_str(n, "IPAddress") : "",
		 icc_json_int(n, "IPPrefixLen", 0));
	cJSON_AddStringToObject(m, "Name", icc_json_str(meta, "name") ? icc_json_str(meta, "name") : "");
	cJSON_AddStringToObject(m, "IPv4Address", addr);
	cJSON_AddStringToObject(m, "MacAddress", icc_json_str(n, "MacAddress") ? icc_json_str(n, "MacAddress") : "");
}

/* Running containers on network `name`: {id: {"Name", "IPv4Address", "MacAddress"}}. */
static cJSON *members(struct icc_store *st, const char *name)
{
	struct members ms = {name, cJSON_CreateObject()};
	struct icc_err e;
	cli_each_container(st, add_member, &ms, &e); /* unreadable: no members listed */
	return ms.out;
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

static int ls(struct cli_ctx *ctx)
{
	struct icc_store *st = &ctx->st;
	bool quiet = cli_has(ctx, "quiet"), notrunc = cli_has(ctx, "no-trunc");
	const char *format = cli_value(ctx, "format", NULL);
	struct icc_err err;
	cJSON *defs = NULL, *dflt = NULL;
	/* the default network exists from the first look on, as Docker's */
	int r = icc_network_get(st, ICC_DEFAULT_NETWORK, &dflt, &err);
	cJSON_Delete(dflt);
	if (r == 0)
		r = icc_network_list(st, &defs, &err);
	if (r < 0)
		return cli_fail(&err);
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
	return status;
}

static int inspect_one(struct cli_ctx *ctx, const char *name, void *out, struct icc_err *err)
{
	cJSON *def;
	int r = icc_network_get(&ctx->st, name, &def, err);
	if (r < 0)
		return r;
	cJSON_AddItemToArray(out, doc(&ctx->st, def));
	cJSON_Delete(def);
	return 0;
}

static int inspect(struct cli_ctx *ctx)
{
	cJSON *out = cJSON_CreateArray();
	int status = cli_each(ctx, 0, inspect_one, out);
	if (cJSON_GetArraySize(out) > 0 || status == 0)
		cli_print_json(out, true);
	cJSON_Delete(out);
	return status;
}

static int rm_one(struct cli_ctx *ctx, const char *name, void *unused, struct icc_err *err)
{
	(void)unused;
	int r = icc_network_remove(&ctx->st, name, err);
	if (r == 0)
		puts(name);
	return r;
}

static int rm(struct cli_ctx *ctx)
{
	return cli_each(ctx, 0, rm_one, NULL);
}

const struct cli_command cli_network_subs[] = {
	{.name = "network create", .run = create, .check = create_check, .min = 1, .max = 1, .flags = CLI_STORE,
	 .synopsis = "[--subnet CIDR] [--gateway IP] [--interface-name BR] [--internal] [--disable-dns] NAME",
	 .summary = "a bridge network; containers on it resolve each other's names",
	 .opts = (const struct cli_opt[]){
		 {0, "subnet", "CIDR", "IPv4 subnet (default: the first free 10.89.N.0/24)"},
		 {0, "gateway", "IP", "gateway address (default: the subnet's first)"},
		 {0, "interface-name", "BR", "host bridge name (default: the first free iccN)"},
		 {0, "internal", NULL, "no outbound NAT"},
		 {0, "disable-dns", NULL, "no aardvark-dns name resolution"},
		 {'d', "driver", "DRIVER", "bridge (the only one)"},
		 {0}}},
	{.name = "network ls", .run = ls, .flags = CLI_STORE, .synopsis = "[-q] [--format FORMAT]",
	 .summary = "list networks",
	 .opts = (const struct cli_opt[]){
		 {'q', "quiet", NULL, "only network ids"},
		 {0, "no-trunc", NULL, "full ids"},
		 {'f', "format", "FORMAT", CLI_FORMAT_HELP "\nfields: ID Name Driver Scope Subnet Bridge"},
		 {0}}},
	{.name = "network inspect", .run = inspect, .min = 1, .max = -1, .flags = CLI_STORE | CLI_IN_ORDER,
	 .synopsis = "NET...", .summary = "networks as JSON, with their running containers"},
	{.name = "network rm", .run = rm, .min = 1, .max = -1, .flags = CLI_STORE | CLI_IN_ORDER,
	 .synopsis = "NET...", .summary = "remove networks no container uses"},
	{0},
};

int cmd_network(int argc, char **argv)
{
	/* Docker's other names of ls and rm */
	static char ls_word[] = "ls", rm_word[] = "rm";
	if (argc >= 2 && !strcmp(argv[1], "list"))
		argv[1] = ls_word;
	else if (argc >= 2 && !strcmp(argv[1], "remove"))
		argv[1] = rm_word;
	return cli_call_group(cli_find_command("network"), argc, argv);
}
