/* cmd_init.c - icc init and icc import: new images from a directory or a tar */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "icc/image/image.h"

struct build_args {
	const char *message;
	cJSON *changes;
	const char *src;
	const char *ref;
	bool quiet;
};

static int parse(int argc, char **argv, const char *synopsis, struct build_args *a)
{
	static const struct option opts[] = {
		{"message", required_argument, NULL, 'm'},
		{"change", required_argument, NULL, 'c'},
		{"quiet", no_argument, NULL, 'q'},
		{0, 0, 0, 0},
	};
	memset(a, 0, sizeof(*a));
	a->changes = cJSON_CreateArray();
	optind = 1;
	int c;
	while ((c = getopt_long(argc, argv, "+m:c:q", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			a->message = optarg;
			break;
		case 'c':
			cJSON_AddItemToArray(a->changes, cJSON_CreateString(optarg));
			break;
		case 'q':
			a->quiet = true;
			break;
		default:
			cJSON_Delete(a->changes);
			return cli_usage(argv[0], synopsis);
		}
	}
	if (argc - optind < 1 || argc - optind > 2) {
		cJSON_Delete(a->changes);
		return cli_usage(argv[0], synopsis);
	}
	a->src = argv[optind];
	a->ref = argc - optind == 2 ? argv[optind + 1] : NULL;
	return 0;
}

static int finish(struct icc_store *st, int r, struct icc_err *err, const char *id)
{
	icc_store_close(st);
	if (r < 0)
		return cli_fail(err);
	printf("sha256:%s\n", id);
	return 0;
}

int cmd_init(int argc, char **argv)
{
	struct build_args a;
	int r = parse(argc, argv, "[-q] [-m MSG] [-c CHANGE]... DIR [NAME[:TAG]]", &a);
	if (r)
		return r;
	struct icc_store st;
	if (cli_open_store(&st)) {
		cJSON_Delete(a.changes);
		return 1;
	}
	char created_by[4200];
	snprintf(created_by, sizeof(created_by), "icc init %s", a.src);
	struct icc_image_opts o = {
		.ref = a.ref, .comment = a.message ? a.message : "", .created_by = created_by,
		.changes = a.changes,
	};
	cJSON *source = cJSON_CreateObject();
	cJSON_AddStringToObject(source, "type", "init");
	cJSON_AddStringToObject(source, "directory", a.src);
	o.source = source;
	char id[ICC_ID_LEN + 1];
	struct icc_err err;
	r = icc_image_from_dir(&st, a.src, &o, id, &err);
	cJSON_Delete(source);
	cJSON_Delete(a.changes);
	return finish(&st, r, &err, id);
}

int cmd_import(int argc, char **argv)
{
	struct build_args a;
	int r = parse(argc, argv, "[-q] [-m MSG] [-c CHANGE]... FILE|- [NAME[:TAG]]", &a);
	if (r)
		return r;
	int fd = 0;
	if (strcmp(a.src, "-")) {
		fd = open(a.src, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			cli_errorf("cannot import '%s': %s", a.src, strerror(errno));
			cJSON_Delete(a.changes);
			return 1;
		}
	} else if (isatty(0)) {
		cli_errorf("cannot import '-': standard input is a terminal, pipe a tar archive in");
		cJSON_Delete(a.changes);
		return 1;
	}
	struct icc_store st;
	if (cli_open_store(&st)) {
		cJSON_Delete(a.changes);
		if (fd > 0)
			close(fd);
		return 1;
	}
	char comment[4200];
	snprintf(comment, sizeof(comment), "Imported from %s", a.src);
	struct icc_image_opts o = {
		.ref = a.ref, .comment = a.message ? a.message : comment, .created_by = "",
		.changes = a.changes,
	};
	cJSON *source = cJSON_CreateObject();
	cJSON_AddStringToObject(source, "type", "import");
	cJSON_AddStringToObject(source, "file", a.src);
	o.source = source;
	char id[ICC_ID_LEN + 1];
	struct icc_err err;
	icc_err_clear(&err);
	struct stat sb;
	uint64_t total = fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) ? (uint64_t)sb.st_size : 0;
	char what[300];
	snprintf(what, sizeof(what), "Importing %s", strcmp(a.src, "-") ? a.src : "stdin");
	struct cli_progress pg;
	cli_progress_begin(&pg, what, total, a.quiet);
	int in = cli_progress_wrap(&pg, fd, true, &err);
	r = in < 0 ? -1 : icc_image_from_tar(&st, in, a.src, &o, id, &err);
	r = cli_progress_end(&pg, r, &err);
	cJSON_Delete(source);
	cJSON_Delete(a.changes);
	if (fd > 0)
		close(fd);
	return finish(&st, r, &err, id);
}
