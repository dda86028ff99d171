/* cmd_load.c - icc load: images from OCI archives/directories and docker-archives */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "cli.h"
#include "icc/oci/oci.h"

static void say(void *ctx, const char *msg)
{
	struct cli_progress *pg = ctx;
	if (pg->drawn) /* above the progress line */
		fputs("\r\033[K", stderr);
	fprintf(stderr, "%s\n", msg);
}

/* Print what was loaded as docker load does. */
void cli_print_loaded(const cJSON *loaded);
void cli_print_loaded(const cJSON *loaded)
{
	const cJSON *o;
	cJSON_ArrayForEach(o, loaded) {
		const cJSON *tags = cJSON_GetObjectItemCaseSensitive(o, "tags"), *t, *mv;
		cJSON_ArrayForEach(mv, cJSON_GetObjectItemCaseSensitive(o, "moved"))
			printf("The image %s already exists, renaming the old one with ID sha256:%s to empty string\n",
			       icc_json_str(mv, "tag"), icc_json_str(mv, "old_id"));
		if (cJSON_GetArraySize(tags) == 0)
			printf("Loaded image ID: sha256:%s\n", icc_json_str(o, "id"));
		cJSON_ArrayForEach(t, tags)
			printf("Loaded image: %s\n", t->valuestring);
	}
}

int cmd_load_check(struct cli_ctx *ctx)
{
	if (!strcmp(cli_value(ctx, "input", "-"), "-") && isatty(0)) {
		cli_errorf("cannot load from a terminal: use -i FILE or pipe an archive in");
		return 1;
	}
	return 0;
}

struct load {
	struct cli_ctx *ctx;
	const char *in; /* a path, or "-": the fd */
	cJSON *loaded;
};

static int load_images(int fd, struct cli_progress *pg, void *arg, struct icc_err *err)
{
	struct load *l = arg;
	bool quiet = cli_has(l->ctx, "quiet");
	struct icc_load_opts o = {.tag = l->ctx->argv[0], .progress = quiet ? NULL : say, .ctx = pg};
	return icc_oci_load(&l->ctx->st, l->in, fd, &o, l->loaded, err);
}

int cmd_load(struct cli_ctx *ctx)
{
	struct load l = {.ctx = ctx, .in = cli_value(ctx, "input", "-"), .loaded = cJSON_CreateArray()};
	bool quiet = cli_has(ctx, "quiet");
	struct icc_err err;
	icc_err_clear(&err);
	char what[300];
	snprintf(what, sizeof(what), "Loading %s", strcmp(l.in, "-") ? l.in : "stdin");
	/* with a progress line a file is read as a stream, so its bytes can be counted */
	struct stat sb;
	int fd = 0, r;
	if (strcmp(l.in, "-") && cli_progress_wanted(quiet) && stat(l.in, &sb) == 0 && S_ISREG(sb.st_mode) &&
	    (fd = open(l.in, O_RDONLY | O_CLOEXEC)) > 0)
		l.in = "-";
	if (!strcmp(l.in, "-")) {
		r = cli_read_input(fd, what, quiet, load_images, &l, &err);
	} else {
		struct cli_progress none = {.on = false};
		r = load_images(0, &none, &l, &err);
	}
	if (fd > 0)
		close(fd);
	if (r == 0)
		cli_print_loaded(l.loaded);
	cJSON_Delete(l.loaded);
	return r < 0 ? cli_fail(&err) : 0;
}
