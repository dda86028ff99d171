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

int cmd_load(struct cli_ctx *ctx)
{
	const char *in = cli_value(ctx, "input", "-");
	bool quiet = cli_has(ctx, "quiet");
	struct icc_err err;
	icc_err_clear(&err);
	struct cli_progress pg;
	char what[300];
	snprintf(what, sizeof(what), "Loading %s", strcmp(in, "-") ? in : "stdin");
	/* a file is read as a stream, so its bytes can be counted */
	struct stat sb;
	int fd = 0;
	bool file = strcmp(in, "-") && stat(in, &sb) == 0 && S_ISREG(sb.st_mode);
	cli_progress_begin(&pg, what, file ? (uint64_t)sb.st_size : 0, quiet);
	if (pg.on && file && (fd = open(in, O_RDONLY | O_CLOEXEC)) < 0)
		fd = 0;
	else if (pg.on && file)
		in = "-";
	struct icc_load_opts o = {.tag = ctx->argv[0],
				  .progress = quiet ? NULL : say, .ctx = &pg};
	cJSON *loaded = cJSON_CreateArray();
	int rfd = 0;
	int r = 0;
	if (!strcmp(in, "-"))
		r = rfd = cli_progress_wrap(&pg, fd, true, &err);
	if (r >= 0)
		r = icc_oci_load(&ctx->st, in, rfd, &o, loaded, &err);
	r = cli_progress_end(&pg, r, &err);
	if (fd > 0)
		close(fd);
	if (r < 0) {
		cJSON_Delete(loaded);
		return cli_fail(&err);
	}
	cli_print_loaded(loaded);
	cJSON_Delete(loaded);
	return 0;
}
