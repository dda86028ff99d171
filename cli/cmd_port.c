/* cmd_port.c - icc port: the host ports a running container publishes */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "icc/store/object.h"
#include "icc/runtime/runtime.h"

int cmd_port(struct cli_ctx *ctx)
{
	struct icc_err err;
	char id[ICC_ID_LEN + 1];
	cJSON *meta;
	if (icc_container_resolve(&ctx->st, ctx->argv[0], id, &err) < 0 ||
	    icc_object_meta(&ctx->st, ICC_CONTAINER, id, &meta, &err) < 0)
		return cli_fail(&err);
	char want[32] = "";
	if (ctx->argc == 2)
		snprintf(want, sizeof(want), "%s%s", ctx->argv[1], strchr(ctx->argv[1], '/') ? "" : "/tcp");
	struct icc_cstate cs;
	icc_container_state(meta, &cs);
	const cJSON *net = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(meta, "state"), "network");
	int shown = 0;
	const cJSON *it;
	if (cs.status == ICC_CS_RUNNING)
		cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(net, "Ports")) {
			char key[32];
			const char *ip = icc_json_str(it, "HostIp"), *proto = icc_json_str(it, "Protocol");
			snprintf(key, sizeof(key), "%lld/%s", icc_json_int(it, "ContainerPort", 0), proto ? proto : "tcp");
			if (want[0] && strcmp(key, want))
				continue;
			if (want[0])
				printf("%s:%lld\n", ip && *ip ? ip : "0.0.0.0", icc_json_int(it, "HostPort", 0));
			else
				printf("%s -> %s:%lld\n", key, ip && *ip ? ip : "0.0.0.0", icc_json_int(it, "HostPort", 0));
			shown++;
		}
	cJSON_Delete(meta);
	if (want[0] && !shown) {
		cli_errorf("no public port '%s' published for %s", want, ctx->argv[0]);
		return 1;
	}
	return 0;
}
