/* cmd_attach.c - icc attach: the terminal of a running container (fs/console/attach_client.c) */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "icc/console/attach.h"
#include "icc/store/object.h"

int cmd_attach(int argc, char **argv)
{
	static const struct option opts[] = {
		{"detach-keys", required_argument, NULL, 'k'},
		{"no-stdin", no_argument, NULL, 'n'},
		{"sig-proxy", optional_argument, NULL, 's'},
		{0, 0, 0, 0},
	};
	struct icc_attach_opts o = {.sig_proxy = true};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'k')
			o.detach_keys = optarg;
		else if (c == 'n')
			o.no_stdin = true;
		else if (c == 's' && (!optarg || !strcmp(optarg, "true") || !strcmp(optarg, "false")))
			o.sig_proxy = !optarg || !strcmp(optarg, "true");
		else
			return cli_usage_code("attach", EXIT_RUN_FAILED);
	}
	if (argc - optind != 1)
		return cli_usage_code("attach", EXIT_RUN_FAILED);
	struct icc_err err;
	char keys[16];
	size_t nkeys;
	if (o.detach_keys && icc_detach_keys_parse(o.detach_keys, keys, &nkeys, &err) < 0) {
		cli_errorf("attach: %s", err.msg);
		return EXIT_RUN_FAILED;
	}
	struct icc_store st;
	if (cli_open_store(&st))
		return 1;
	char id[ICC_ID_LEN + 1];
	int code = 0;
	bool detached = false;
	int r = icc_container_resolve(&st, argv[optind], id, &err);
	if (r == 0) {
		fflush(stdout);
		r = icc_attach(&st, id, &o, &code, &detached, &err);
	}
	icc_store_close(&st);
	if (r < 0)
		return cli_fail(&err);
	return detached ? 0 : code;
}
