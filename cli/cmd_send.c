/* cmd_send.c - icc send / receive: replicate images and snapshots between stores */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "icc/oci/oci.h"

#define SEND_SYNOPSIS "[-q] [-p PARENT] [-o FILE] IMAGE|SNAP"
#define RECEIVE_SYNOPSIS "[-q] [-i FILE] [NAME[:TAG]]"

int cmd_send(int argc, char **argv)
{
	const char *out = NULL, *parent = NULL;
	bool quiet = false;
	optind = 1;
	int c;
	while ((c = getopt_long(argc, argv, "p:o:q", NULL, NULL)) != -1) {
		if (c == 'q')
			quiet = true;
		else if (c == 'p')
			parent = optarg;
		else if (c == 'o')
			out = optarg;
		else
			return cli_usage("send", SEND_SYNOPSIS);
	}
	if (argc - optind != 1)
		return cli_usage("send", SEND_SYNOPSIS);
	if ((!out || !strcmp(out, "-")) && isatty(1)) {
		cli_errorf("cannot write a send stream to a terminal: use -o FILE or redirect the output");
		return 1;
	}
	struct icc_store st;
	if (cli_open_store(&st))
		return 1;
	struct icc_err err;
	icc_err_clear(&err);
	struct cli_output out_file;
	if (cli_output_open(&out_file, out, &err) < 0) {
		icc_store_close(&st);
		return cli_fail(&err);
	}
	int fd = out_file.fd;
	char what[300];
	snprintf(what, sizeof(what), "Sending %s", argv[optind]);
	struct cli_progress pg;
	cli_progress_begin(&pg, what, 0, quiet);
	int wfd = cli_progress_wrap(&pg, fd, false, &err);
	int r = wfd < 0 ? -1 : icc_send(&st, argv[optind], parent, wfd, &err);
	r = cli_progress_end(&pg, r, &err);
	r = cli_output_finish(&out_file, r, &err);
	icc_store_close(&st);
	return r < 0 ? cli_fail(&err) : 0;
}

int cmd_receive(int argc, char **argv)
{
	const char *in = NULL;
	bool quiet = false;
	optind = 1;
	int c;
	while ((c = getopt_long(argc, argv, "i:q", NULL, NULL)) != -1) {
		if (c == 'q')
			quiet = true;
		else if (c == 'i')
			in = optarg;
		else
			return cli_usage("receive", RECEIVE_SYNOPSIS);
	}
	if (argc - optind > 1)
		return cli_usage("receive", RECEIVE_SYNOPSIS);
	int fd = 0;
	if (in && strcmp(in, "-")) {
		fd = open(in, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			cli_errorf("cannot receive '%s': %s", in, strerror(errno));
			return 1;
		}
	} else if (isatty(0)) {
		cli_errorf("cannot receive from a terminal: use -i FILE or pipe a stream in");
		return 1;
	}
	struct icc_store st;
	if (cli_open_store(&st))
		return 1;
	struct icc_err err;
	icc_err_clear(&err);
	char id[ICC_ID_LEN + 1];
	struct stat sb;
	uint64_t total = fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) ? (uint64_t)sb.st_size : 0;
	char what[300];
	snprintf(what, sizeof(what), "Receiving %s", in && strcmp(in, "-") ? in : "stdin");
	struct cli_progress pg;
	cli_progress_begin(&pg, what, total, quiet);
	int rfd = cli_progress_wrap(&pg, fd, true, &err);
	char name[300];
	if (in && strcmp(in, "-"))
		snprintf(name, sizeof(name), "'%s'", in);
	else
		snprintf(name, sizeof(name), "the stream on stdin");
	int r = rfd < 0 ? -1 : icc_receive(&st, rfd, name, argc - optind == 1 ? argv[optind] : NULL, id, &err);
	r = cli_progress_end(&pg, r, &err);
	if (fd > 0)
		close(fd);
	icc_store_close(&st);
	if (r < 0)
		return cli_fail(&err);
	printf("Received image sha256:%s\n", id);
	return 0;
}
