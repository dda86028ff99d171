/* cmd_commit.c - icc commit: a container's tree as a new image, by one snapshot */
#include <getopt.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "icc/image/image.h"
#include "icc/store/object.h"
#include "icc/console/session.h"

#define COMMIT_SYNOPSIS "[-m MSG] [-a AUTHOR] [-c CHANGE]... CONTAINER [IMAGE[:TAG]]"

int cmd_commit(int argc, char **argv)
{
	static const struct option opts[] = {
		{"message", required_argument, NULL, 'm'},
		{"author", required_argument, NULL, 'a'},
		{"change", required_argument, NULL, 'c'},
		{"pause", no_argument, NULL, 'p'},
		{0, 0, 0, 0},
	};
	const char *message = NULL, *author = NULL;
	cJSON *changes = cJSON_CreateArray();
	optind = 1;
	int c;
	while ((c = getopt_long(argc, argv, "m:a:c:p", opts, NULL)) != -1) {
		switch (c) {
		case 'm': message = optarg; break;
		case 'a': author = optarg; break;
		case 'c': cJSON_AddItemToArray(changes, cJSON_CreateString(optarg)); break;
		case 'p': break; /* nothing to pause: a snapshot is atomic */
		default:
			cJSON_Delete(changes);
			return cli_usage("commit", COMMIT_SYNOPSIS);
		}
	}
	if (argc - optind < 1 || argc - optind > 2) {
		cJSON_Delete(changes);
		return cli_usage("commit", COMMIT_SYNOPSIS);
	}
	const char *ref = argc - optind == 2 ? argv[optind + 1] : NULL;
	struct icc_store st;
	if (cli_open_store(&st)) {
		cJSON_Delete(changes);
		return 1;
	}
	struct icc_err err;
	char cid[ICC_ID_LEN + 1], id[ICC_ID_LEN + 1];
	cJSON *meta = NULL;
	int src = -1;
	int r = icc_container_resolve(&st, argv[optind], cid, &err);
	if (r == 0)
		r = icc_object_meta(&st, ICC_CONTAINER, cid, &meta, &err);
	if (r == 0)
		r = src = icc_object_rootfs_fd(&st, ICC_CONTAINER, cid, &err);
	if (r >= 0) {
		/* the image whitelist (icc_config_sanitize) drops what describes one run */
		cJSON *base = icc_config_sanitize(cJSON_GetObjectItemCaseSensitive(meta, "config"));
		/* created_by: the container's command, as Docker shows it */
		char created_by[2048] = "";
		size_t n = 0;
		const char *keys[] = {"Entrypoint", "Cmd"};
		for (int k = 0; k < 2; k++) {
			const cJSON *it;
			cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(base, keys[k]))
				if (cJSON_IsString(it) && n < sizeof(created_by))
					n += (size_t)snprintf(created_by + n, sizeof(created_by) - n, "%s%s",
							      n ? " " : "", it->valuestring);
		}
		if (!created_by[0])
			snprintf(created_by, sizeof(created_by), "/bin/sh");
		cJSON *source = cJSON_CreateObject();
		cJSON_AddStringToObject(source, "type", "commit");
		cJSON_AddStringToObject(source, "container", cid);
		const char *cname = icc_json_str(meta, "name");
		cJSON_AddStringToObject(source, "container_name", cname ? cname : "");
		/* the commands recorded at the container's shell: its saves, then what is not saved */
		cJSON *session = NULL;
		struct icc_err se;
		if (icc_session_steps(&st, cid, NULL, true, &session, &se) == 0)
			cJSON_AddItemToObject(source, "session", session);
		const char *parent = icc_json_str(meta, "image");
		struct icc_image_opts o = {
			.ref = ref,
			.comment = message ? message : "",
			.author = author,
			.created_by = created_by,
			.changes = changes,
			.base_config = base,
			.parent = parent && icc_object_exists(&st, ICC_IMAGE, parent) ? parent : NULL,
			.source = source,
		};
		r = icc_image_from_subvol(&st, src, &o, id, &err);
		cJSON_Delete(source);
		cJSON_Delete(base);
	}
	if (src >= 0)
		close(src);
	cJSON_Delete(meta);
	cJSON_Delete(changes);
	icc_store_close(&st);
	if (r < 0)
		return cli_fail(&err);
	printf("sha256:%s\n", id);
	return 0;
}
