/* cmd_inspect.c - icc inspect: metadata of images, containers and snapshots as a JSON array */
#include <errno.h>
#include <getopt.h>
#include <string.h>

#include "cli.h"
#include "icc/network/network.h"
#include "icc/store/object.h"
#include "icc/runtime/runtime.h"
#include "icc/store/ref.h"
#include "icc/snap/snapref.h"
#include "inspect_doc.h"

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
	/* "json" is the default array; a template is checked before any lookup */
	struct cli_fmt ff;
	if (cli_fmt_open(&ff, "inspect", format, NULL))
		return 1;
	struct icc_store st;
	if (cli_open_store(&st)) {
		cli_fmt_free(&ff);
		return 1;
	}
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
				doc = inspect_container_doc(&st, id, meta);
				cJSON_Delete(meta);
			}
		} else if ((any || !strcmp(type, "image")) && icc_image_resolve(&st, argv[i], id, &err) == 0) {
			if (icc_object_meta(&st, ICC_IMAGE, id, &meta, &err) == 0) {
				doc = inspect_image_doc(&st, id, meta);
				cJSON_Delete(meta);
			}
		} else if ((any || !strcmp(type, "snapshot")) && icc_snapshot_resolve(&st, argv[i], id, &si, &err) == 0) {
			doc = inspect_snapshot_doc(&st, id, &si);
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
	if (ff.kind == CLI_FMT_TEMPLATE) {
		/* one line per object; a failing template prints only its error */
		const cJSON *it;
		int bad = 0;
		cJSON_ArrayForEach(it, out)
			if (!bad)
				bad = cli_fmt_row(&ff, it);
		if (bad) {
			cli_fmt_free(&ff);
			status = 1;
		} else {
			cli_fmt_flush(&ff);
		}
	} else if (cJSON_GetArraySize(out) > 0 || status == 0) {
		struct icc_sbuf b = {0};
		icc_json_indent(out, &b);
		puts(b.p);
		icc_sbuf_free(&b);
	}
	cli_fmt_free(&ff);
	cJSON_Delete(out);
	icc_store_close(&st);
	return status;
}
