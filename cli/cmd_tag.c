/* cmd_tag.c - icc tag: point another NAME[:TAG] at an image */
#include "cli.h"
#include "icc/store/object.h"
#include "icc/store/ref.h"

int cmd_tag(int argc, char **argv)
{
	if (argc != 3 || argv[1][0] == '-')
		return cli_usage("tag", "SOURCE NAME[:TAG]");
	struct icc_err err;
	char norm[ICC_REF_MAX];
	if (icc_ref_normalize(argv[2], norm, sizeof(norm), &err) < 0)
		return cli_fail(&err);
	struct icc_store st;
	if (cli_open_store(&st))
		return 1;
	char id[ICC_ID_LEN + 1];
	int r = icc_store_lock(&st, &err);
	if (r == 0)
		r = icc_image_resolve(&st, argv[1], id, &err);
	if (r == 0)
		r = icc_refs_set(&st, norm, id, &err);
	icc_store_close(&st);
	return r < 0 ? cli_fail(&err) : 0;
}
