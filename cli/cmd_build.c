/* cmd_build.c - icc build (a Dockerfile, step by step on snapshots) and icc builder prune */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cli.h"
#include "icc/build/build.h"
#include "icc/store/object.h"
#include "icc/store/ref.h"

#define BUILD_SYNOPSIS "[-t NAME[:TAG]]... [-f DOCKERFILE] [--build-arg K=V]... [--no-cache] " \
	"[--target STAGE] [--network NET] [-q] [--progress plain|auto] CONTEXT"

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

struct build_args {
	struct icc_build_opts o;
	char **tags;
	cJSON *args;
	bool quiet;
};

static int parse(int argc, char **argv, struct build_args *a)
{
	static const struct option opts[] = {
		{"tag", required_argument, NULL, 't'},      {"file", required_argument, NULL, 'f'},
		{"build-arg", required_argument, NULL, 'A'}, {"no-cache", no_argument, NULL, 'N'},
		{"target", required_argument, NULL, 'T'},   {"network", required_argument, NULL, 'n'},
		{"quiet", no_argument, NULL, 'q'},          {"progress", required_argument, NULL, 'P'},
		{0, 0, 0, 0},
	};
	optind = 1;
	int c;
	struct icc_err err;
	while ((c = getopt_long(argc, argv, "t:f:q", opts, NULL)) != -1) {
		switch (c) {
		case 't': {
			char norm[ICC_REF_MAX];
			if (icc_ref_normalize(optarg, norm, sizeof(norm), &err) < 0) {
				cli_errorf("build: %s", err.msg);
				return EXIT_USAGE;
			}
			a->tags = realloc(a->tags, (a->o.ntags + 1) * sizeof(char *));
			a->tags[a->o.ntags++] = strdup(norm);
			break;
		}
		case 'f': a->o.dockerfile = optarg; break;
		case 'A': {
			/* K=V, or K: the value from icc's environment (as docker build) */
			char *eq = strchr(optarg, '=');
			char key[256];
			snprintf(key, sizeof(key), "%.*s", eq ? (int)(eq - optarg) : (int)strlen(optarg), optarg);
			const char *v = eq ? eq + 1 : getenv(key);
			if (!key[0]) {
				cli_errorf("build: --build-arg '%s': expected KEY=VALUE", optarg);
				return EXIT_USAGE;
			}
			cJSON_DeleteItemFromObjectCaseSensitive(a->args, key);
			if (v)
				cJSON_AddStringToObject(a->args, key, v);
			break;
		}
		case 'N': a->o.no_cache = true; break;
		case 'T': a->o.target = optarg; break;
		case 'n': a->o.network = optarg; break;
		case 'q': a->quiet = true; break;
		case 'P':
			if (strcmp(optarg, "plain") && strcmp(optarg, "auto")) {
				cli_errorf("build: --progress '%s': use plain or auto", optarg);
				return EXIT_USAGE;
			}
			break;
		default: return cli_usage("build", BUILD_SYNOPSIS);
		}
	}
	if (argc - optind != 1)
		return cli_usage("build", BUILD_SYNOPSIS);
	a->o.context = argv[optind];
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

int cmd_build(int argc, char **argv)
{
	struct build_args a = {.args = cJSON_CreateObject()};
	int rc = parse(argc, argv, &a);
	struct icc_store st;
	if (rc == 0 && cli_open_store(&st))
		rc = 125;
	int code = 125;
	if (rc == 0) {
		struct build_ui ui = {.quiet = a.quiet, .st = &st};
		int kept = a.quiet ? memfd_create("icc-build-output", MFD_CLOEXEC) : -1;
		a.o.build_args = a.args;
		a.o.tags = (const char *const *)a.tags;
		a.o.out_fd = a.quiet ? kept : 1;
		a.o.pull = pull;
		a.o.event = on_event;
		a.o.ctx = &ui;
		struct icc_err err;
		char id[ICC_ID_LEN + 1], sid[13];
		fflush(stdout);
		if (icc_build(&st, &a.o, id, &code, &err) < 0) {
			if (kept >= 0)
				show_kept(kept);
			if (err.code != ECANCELED)
				cli_errorf("build: %s", err.msg);
		} else if (a.quiet) {
			printf("sha256:%s\n", id);
		} else {
			printf("Successfully built %s\n", cli_short_id(id, sid));
			for (size_t i = 0; i < a.o.ntags; i++)
				printf("Successfully tagged %s\n", a.tags[i]);
		}
		if (kept >= 0)
			close(kept);
		icc_store_close(&st);
		rc = code;
	}
	for (size_t i = 0; i < a.o.ntags; i++)
		free(a.tags[i]);
	free(a.tags);
	cJSON_Delete(a.args);
	return rc;
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
int cmd_builder(int argc, char **argv)
{
	static const struct option opts[] = {{"force", no_argument, NULL, 'f'}, {0, 0, 0, 0}};
	if (argc < 2 || strcmp(argv[1], "prune"))
		return cli_usage("builder", "prune [-f]");
	bool force = false;
	optind = 1;
	int c;
	while ((c = getopt_long(argc - 1, argv + 1, "f", opts, NULL)) != -1) {
		if (c != 'f')
			return cli_usage("builder prune", "[-f]");
		force = true;
	}
	if (optind != argc - 1)
		return cli_usage("builder prune", "[-f]");
	if (!force) {
		fprintf(stderr, "WARNING! This will remove all build steps no image, tag or container uses.\n");
		if (!isatty(0)) {
			cli_errorf("builder prune: not confirmed: standard input is not a terminal (use -f to prune without asking)");
			return 1;
		}
		if (!cli_confirm("Are you sure you want to continue?"))
			return 0;
	}
	struct icc_store st;
	if (cli_open_store(&st))
		return 1;
	struct icc_err err;
	struct prune_ui p = {0};
	int r = icc_build_prune(&st, pruned, &p, &err);
	icc_store_close(&st);
	if (p.header)
		putchar('\n');
	char h[32];
	icc_human_size(p.total, h, sizeof(h));
	printf("Total reclaimed space: %s\n", h);
	return r < 0 ? cli_fail(&err) : 0;
}
