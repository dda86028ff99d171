/* cmd_build.c - icc build (a Dockerfile, step by step on snapshots) and icc builder prune */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cli.h"
#include "icc/build/build.h"
#include "icc/store/object.h"
#include "icc/store/ref.h"

struct build_ui {
	bool quiet;
	struct icc_store *st;
};

/* Docker's classic build output: "Step N/M : INSTR", " ---> ID". */
static void on_event(void *ctx, const struct icc_build_event *ev)
{
	struct build_ui *ui = ctx;
	char sid[13];
	if (ui->quiet)
		return;
	switch (ev->kind) {
	case ICC_BUILD_STEP:
		printf("Step %d/%d : %s\n", ev->step, ev->total, ev->text);
		break;
	case ICC_BUILD_CACHED:
		printf(" ---> Using cache\n");
		break;
	case ICC_BUILD_RUNNING:
		printf(" ---> Running in %s\n", cli_short_id(ev->id, sid));
		break;
	case ICC_BUILD_DONE:
		if (ev->id)
			printf(" ---> %s\n", cli_short_id(ev->id, sid));
		break;
	}
	fflush(stdout);
}

/* FROM an image the store lacks: pulled as `icc run` pulls it. */
static int pull(void *ctx, const char *ref, char id[ICC_ID_LEN + 1], struct icc_err *err)
{
	struct build_ui *ui = ctx;
	fprintf(stderr, "Unable to find image '%s' locally\n", ref);
	if (cli_pull_image(ref) != 0)
		return icc_err_set(err, ECANCELED, "%s", "");
	return icc_image_resolve(ui->st, ref, id, err);
}

/* --build-arg K=V, or K: the value from icc's environment (as docker build); false when K is empty */
static bool build_arg(const char *spec, cJSON *args)
{
	const char *eq = strchr(spec, '=');
	char key[256];
	snprintf(key, sizeof(key), "%.*s", eq ? (int)(eq - spec) : (int)strlen(spec), spec);
	if (!key[0])
		return false;
	const char *v = eq ? eq + 1 : getenv(key);
	cJSON_DeleteItemFromObjectCaseSensitive(args, key);
	if (v)
		cJSON_AddStringToObject(args, key, v);
	return true;
}

/* The options, checked in the order they were given, into o (tags normalized). */
static int build_opts(const struct cli_ctx *ctx, struct icc_build_opts *o, char ***tags, cJSON *args)
{
	struct icc_err err;
	for (size_t i = 0; i < ctx->ngiven; i++) {
		const struct cli_opt *opt = ctx->given[i].opt;
		const char *v = ctx->given[i].value;
		char norm[ICC_REF_MAX];
		if (opt->letter == 't' && icc_ref_normalize(v, norm, sizeof(norm), &err) < 0) {
			cli_errorf("build: %s", err.msg);
			return EXIT_USAGE;
		} else if (opt->letter == 't') {
			*tags = realloc(*tags, (o->ntags + 1) * sizeof(char *));
			(*tags)[o->ntags++] = strdup(norm);
		} else if (!strcmp(opt->name, "build-arg") && !build_arg(v, args)) {
			cli_errorf("build: --build-arg '%s': expected KEY=VALUE", v);
			return EXIT_USAGE;
		} else if (!strcmp(opt->name, "progress") && strcmp(v, "plain") && strcmp(v, "auto")) {
			cli_errorf("build: --progress '%s': use plain or auto", v);
			return EXIT_USAGE;
		}
	}
	o->dockerfile = cli_value(ctx, "file", NULL);
	o->no_cache = cli_has(ctx, "no-cache");
	o->target = cli_value(ctx, "target", NULL);
	o->network = cli_value(ctx, "network", NULL);
	o->context = ctx->argv[0];
	return 0;
}

/* -q: RUN's output is kept aside and shown only when the build fails. */
static void show_kept(int fd)
{
	char buf[65536];
	ssize_t n;
	lseek(fd, 0, SEEK_SET);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (fwrite(buf, 1, (size_t)n, stderr) != (size_t)n)
			break;
}

int cmd_build(struct cli_ctx *ctx)
{
	struct icc_build_opts o = {0};
	char **tags = NULL;
	cJSON *args = cJSON_CreateObject();
	bool quiet = cli_has(ctx, "quiet");
	int code = build_opts(ctx, &o, &tags, args);
	struct icc_store st;
	if (code == 0 && cli_open_store(&st))
		code = EXIT_RUN_FAILED;
	else if (code == 0) {
		code = EXIT_RUN_FAILED;
		struct build_ui ui = {.quiet = quiet, .st = &st};
		int kept = quiet ? memfd_create("icc-build-output", MFD_CLOEXEC) : -1;
		o.build_args = args;
		o.tags = (const char *const *)tags;
		o.out_fd = quiet ? kept : 1;
		o.pull = pull;
		o.event = on_event;
		o.ctx = &ui;
		struct icc_err err;
		char id[ICC_ID_LEN + 1], sid[13];
		fflush(stdout);
		if (icc_build(&st, &o, id, &code, &err) < 0) {
			if (kept >= 0)
				show_kept(kept);
			if (err.code != ECANCELED)
				cli_errorf("build: %s", err.msg);
		} else if (quiet) {
			printf("sha256:%s\n", id);
		} else {
			printf("Successfully built %s\n", cli_short_id(id, sid));
			for (size_t i = 0; i < o.ntags; i++)
				printf("Successfully tagged %s\n", tags[i]);
		}
		if (kept >= 0)
			close(kept);
		icc_store_close(&st);
	}
	for (size_t i = 0; i < o.ntags; i++)
		free(tags[i]);
	free(tags);
	cJSON_Delete(args);
	return code;
}

struct prune_ui {
	unsigned long long total;
	bool header;
};

static void pruned(void *ctx, const char *id, unsigned long long bytes)
{
	struct prune_ui *p = ctx;
	if (!p->header)
		puts("Deleted build cache objects:");
	p->header = true;
	printf("%s\n", id);
	p->total += bytes;
}

/* icc builder prune [-f]: the step images nothing needs any more. */
static int prune_check(struct cli_ctx *ctx)
{
	if (cli_has(ctx, "force"))
		return 0;
	fprintf(stderr, "WARNING! This will remove all build steps no image, tag or container uses.\n");
	if (!isatty(0)) {
		cli_errorf("builder prune: not confirmed: standard input is not a terminal (use -f to prune without asking)");
		return 1;
	}
	return cli_confirm("Are you sure you want to continue?") ? 0 : -1;
}

static int prune(struct cli_ctx *ctx)
{
	struct icc_err err;
	struct prune_ui p = {0};
	int r = icc_build_prune(&ctx->st, pruned, &p, &err);
	if (p.header)
		putchar('\n');
	char h[32];
	icc_human_size(p.total, h, sizeof(h));
	printf("Total reclaimed space: %s\n", h);
	return r < 0 ? cli_fail(&err) : 0;
}

const struct cli_command cli_builder_subs[] = {
	{.name = "builder prune", .run = prune, .synopsis = "[-f]",
	 .summary = "remove build steps no image, tag or container uses",
	 .opts = (const struct cli_opt[]){{'f', "force", NULL, "do not ask first"}, {0}},
	 .check = prune_check, .flags = CLI_STORE},
	{0},
};
