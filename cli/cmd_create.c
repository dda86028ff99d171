/* cmd_create.c - icc create: a container (writable snapshot of an image), no process */
#include <getopt.h>
#include <string.h>

#include "cli.h"
#include "icc/container.h"
#include "icc/object.h"

int cmd_create(int argc, char **argv)
{
	static const struct option opts[] = {
		{"name", required_argument, NULL, 'n'},
		{0, 0, 0, 0},
	};
	const char *name = NULL;
	optind = 1;
	int c;
	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		if (c != 'n')
			return cli_usage("create", "[--name NAME] IMAGE [CMD...]");
		name = optarg;
	}
	if (optind >= argc)
		return cli_usage("create", "[--name NAME] IMAGE [CMD...]");
	const char *image = argv[optind];
	cJSON *config = cJSON_CreateObject();
	if (optind + 1 < argc) {
		cJSON *cmd = cJSON_AddArrayToObject(config, "Cmd");
		for (int i = optind + 1; i < argc; i++)
			cJSON_AddItemToArray(cmd, cJSON_CreateString(argv[i]));
	}
	struct icc_store st;
	if (cli_open_store(&st)) {
		cJSON_Delete(config);
		return 1;
	}
	struct icc_err err;
	char image_id[ICC_ID_LEN + 1], id[ICC_ID_LEN + 1];
	int r = icc_image_resolve(&st, image, image_id, &err);
	if (r == 0)
		r = icc_container_create(&st, image_id, image, name, config, id, &err);
	cJSON_Delete(config);
	icc_store_close(&st);
	if (r < 0)
		return cli_fail(&err);
	puts(id);
	return 0;
}
