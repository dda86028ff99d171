/* cmd_inspect.c - icc inspect: metadata of images, containers and snapshots as a JSON array */
#include <errno.h>
#include <getopt.h>
#include <string.h>

#include "cli.h"
#include "icc/network.h"
#include "icc/object.h"
#include "icc/runtime.h"
#include "icc/ref.h"
#include "icc/snapref.h"

static void add_str(cJSON *o, const char *key, const char *v)
{
	cJSON_AddStringToObject(o, key, v ? v : "");
}

static cJSON *copy_member(const cJSON *from, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(from, key);
	return v ? cJSON_Duplicate(v, true) : cJSON_CreateObject();
}

static cJSON *image_doc(struct icc_store *st, const char *id, cJSON *meta)
{
	cJSON *o = cJSON_CreateObject();
	char buf[128];
	snprintf(buf, sizeof(buf), "sha256:%s", id);
	cJSON_AddStringToObject(o, "Id", buf);
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
	const char *parent = icc_json_str(meta, "parent");
	if (parent && *parent)
		snprintf(buf, sizeof(buf), "sha256:%s", parent);
	else
		buf[0] = '\0';
	add_str(o, "Parent", buf);
	add_str(o, "Comment", icc_json_str(meta, "comment"));
	add_str(o, "Created", icc_json_str(meta, "created"));
	add_str(o, "Author", icc_json_str(meta, "author"));
	cJSON_AddItemToObject(o, "Config", copy_member(meta, "config"));
	add_str(o, "Architecture", "amd64");
	add_str(o, "Os", "linux");
	cJSON_AddNumberToObject(o, "Size", (double)icc_image_size(st, id, meta));
	char path[4300];
	cJSON *gd = cJSON_AddObjectToObject(o, "GraphDriver");
	add_str(gd, "Name", "btrfs");
	cJSON *data = cJSON_AddObjectToObject(gd, "Data");
	add_str(data, "RootFS", icc_object_path(st, ICC_IMAGE, id, "rootfs", path, sizeof(path)));
	cJSON *icc = cJSON_AddObjectToObject(o, "Icc");
	add_str(icc, "Kind", "image");
	add_str(icc, "CreatedBy", icc_json_str(meta, "created_by"));
	cJSON_AddItemToObject(icc, "Source", copy_member(meta, "source"));
	if (cJSON_GetObjectItem(meta, "changes"))
		cJSON_AddItemToObject(icc, "Changes", copy_member(meta, "changes"));
	return o;
}

/* Docker's HostConfig members about the network. */
static cJSON *host_config(const cJSON *meta)
{
	const cJSON *cfg = cJSON_GetObjectItemCaseSensitive(meta, "config");
	cJSON *h = cJSON_CreateObject();
	const char *net = icc_json_str(cfg, "Network");
	add_str(h, "NetworkMode", net ? net : ICC_DEFAULT_NETWORK);
	cJSON_AddItemToObject(h, "PortBindings", icc_ports_docker(cJSON_GetObjectItemCaseSensitive(cfg, "PortBindings")));
	cJSON_AddBoolToObject(h, "PublishAllPorts", cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(cfg, "PublishAllPorts")));
	cJSON_AddBoolToObject(h, "AutoRemove", cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(cfg, "AutoRemove")));
	return h;
}

/* Docker's NetworkSettings: what the running container's start set up (empty when not running). */
static cJSON *network_settings(const cJSON *meta)
{
	struct icc_cstate cs;
	icc_container_state(meta, &cs);
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(meta, "state"), "network");
	if (cs.status != ICC_CS_RUNNING)
		n = NULL;
	cJSON *o = cJSON_CreateObject();
	add_str(o, "Bridge", icc_json_str(n, "Bridge"));
	add_str(o, "SandboxKey", icc_json_str(n, "SandboxKey"));
	cJSON_AddItemToObject(o, "Ports", icc_ports_docker(cJSON_GetObjectItemCaseSensitive(n, "Ports")));
	add_str(o, "Gateway", icc_json_str(n, "Gateway"));
	add_str(o, "IPAddress", icc_json_str(n, "IPAddress"));
	cJSON_AddNumberToObject(o, "IPPrefixLen", (double)icc_json_int(n, "IPPrefixLen", 0));
	add_str(o, "MacAddress", icc_json_str(n, "MacAddress"));
	cJSON *nets = cJSON_AddObjectToObject(o, "Networks");
	const char *name = icc_json_str(n, "Network");
	if (name) {
		cJSON *e = cJSON_AddObjectToObject(nets, name);
		add_str(e, "NetworkID", icc_json_str(n, "NetworkID"));
		add_str(e, "Gateway", icc_json_str(n, "Gateway"));
		add_str(e, "IPAddress", icc_json_str(n, "IPAddress"));
		cJSON_AddNumberToObject(e, "IPPrefixLen", (double)icc_json_int(n, "IPPrefixLen", 0));
		add_str(e, "MacAddress", icc_json_str(n, "MacAddress"));
	}
	return o;
}

static cJSON *container_doc(struct icc_store *st, const char *id, cJSON *meta)
{
	cJSON *o = cJSON_CreateObject();
	add_str(o, "Id", id);
	char buf[300];
	snprintf(buf, sizeof(buf), "/%s", icc_json_str(meta, "name") ? icc_json_str(meta, "name") : "");
	add_str(o, "Name", buf);
	add_str(o, "Created", icc_json_str(meta, "created"));
	snprintf(buf, sizeof(buf), "sha256:%s", icc_json_str(meta, "image") ? icc_json_str(meta, "image") : "");
	add_str(o, "Image", buf);
	cJSON *config = copy_member(meta, "config");
	cJSON_DeleteItemFromObjectCaseSensitive(config, "Image");
	cJSON_AddStringToObject(config, "Image", icc_json_str(meta, "image_ref") ? icc_json_str(meta, "image_ref") : "");
	cJSON_AddItemToObject(o, "Config", config);
	cJSON_AddItemToObject(o, "State", copy_member(meta, "state"));
	cJSON_AddItemToObject(o, "HostConfig", host_config(meta));
	cJSON_AddItemToObject(o, "NetworkSettings", network_settings(meta));
	char path[4300];
	cJSON *gd = cJSON_AddObjectToObject(o, "GraphDriver");
	add_str(gd, "Name", "btrfs");
	cJSON *data = cJSON_AddObjectToObject(gd, "Data");
	add_str(data, "RootFS", icc_object_path(st, ICC_CONTAINER, id, "rootfs", path, sizeof(path)));
	add_str(data, "Snapshots", icc_object_path(st, ICC_CONTAINER, id, "snapshots", path, sizeof(path)));
	/* everything else icc keeps (mounts, runtime, ...) as is */
	cJSON *icc = cJSON_AddObjectToObject(o, "Icc");
	add_str(icc, "Kind", "container");
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

static cJSON *snapshot_doc(struct icc_store *st, const char *cid, const struct icc_snap_info *si)
{
	cJSON *o = cJSON_CreateObject();
	add_str(o, "Id", si->id);
	add_str(o, "Name", si->name);
	char created[64], path[4400], rel[300];
	icc_time_format(si->created_ns, created, sizeof(created));
	add_str(o, "Created", created);
	add_str(o, "Origin", icc_snap_origin_name(si->origin));
	add_str(o, "Message", si->message);
	add_str(o, "Container", cid);
	snprintf(rel, sizeof(rel), "snapshots/%s/rootfs", si->name);
	add_str(o, "Path", icc_object_path(st, ICC_CONTAINER, cid, rel, path, sizeof(path)));
	cJSON *icc = cJSON_AddObjectToObject(o, "Icc");
	add_str(icc, "Kind", "snapshot");
	return o;
}

int cmd_inspect(int argc, char **argv)
{
	static const struct option opts[] = {
		{"type", required_argument, NULL, 't'},
		{"format", required_argument, NULL, 'f'},
		{0, 0, 0, 0},
	};
	const char *type = NULL, *format = NULL;
	optind = 1;
	int c;
	while ((c = getopt_long(argc, argv, "f:", opts, NULL)) != -1) {
		if (c == 't')
			type = optarg;
		else if (c == 'f')
			format = optarg;
		else
			return cli_usage("inspect", "[--type image|container|snapshot] OBJECT...");
	}
	if (optind >= argc)
		return cli_usage("inspect", "[--type image|container|snapshot] OBJECT...");
	if (type && strcmp(type, "image") && strcmp(type, "container") && strcmp(type, "snapshot")) {
		cli_errorf("unknown --type '%s': expected image, container or snapshot", type);
		return EXIT_USAGE;
	}
	struct icc_store st;
	if (cli_open_store(&st))
		return 1;
	cJSON *out = cJSON_CreateArray();
	int status = 0;
	for (int i = optind; i < argc; i++) {
		char id[ICC_ID_LEN + 1];
		struct icc_err err;
		cJSON *meta, *doc = NULL;
		struct icc_snap_info si;
		bool any = !type;
		if ((any || !strcmp(type, "container")) && icc_container_resolve(&st, argv[i], id, &err) == 0) {
			if (icc_object_meta(&st, ICC_CONTAINER, id, &meta, &err) == 0) {
				doc = container_doc(&st, id, meta);
				cJSON_Delete(meta);
			}
		} else if ((any || !strcmp(type, "image")) && icc_image_resolve(&st, argv[i], id, &err) == 0) {
			if (icc_object_meta(&st, ICC_IMAGE, id, &meta, &err) == 0) {
				doc = image_doc(&st, id, meta);
				cJSON_Delete(meta);
			}
		} else if ((any || !strcmp(type, "snapshot")) && icc_snapshot_resolve(&st, argv[i], id, &si, &err) == 0) {
			doc = snapshot_doc(&st, id, &si);
		} else if (any) {
			icc_err_set(&err, ENOENT, "no such object '%s'", argv[i]);
		}
		if (!doc) {
			cli_fail(&err);
			status = 1;
			continue;
		}
		cJSON_AddItemToArray(out, doc);
	}
	if (format && cli_parse_format(format) == CLI_FMT_TEMPLATE) {
		const cJSON *it;
		cJSON_ArrayForEach(it, out)
			cli_print_template(format, it);
	} else if (cJSON_GetArraySize(out) > 0 || status == 0) {
		cli_print_json(out, true);
	}
	cJSON_Delete(out);
	icc_store_close(&st);
	return status;
}
