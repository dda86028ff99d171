/* cmd_push.c - icc push / pull: registries through skopeo and an OCI directory */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "icc/oci/oci.h"
#include "icc/base/proc.h"
#include "icc/store/subvol.h"

void cli_print_loaded(const cJSON *loaded);

/* REF with a skopeo transport: docker:// unless it names one. */
static void with_transport(const char *ref, char *out, size_t size)
{
	static const char *const t[] = {"docker://", "oci:", "oci-archive:", "dir:", "docker-archive:",
					"containers-storage:", "docker-daemon:"};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (!strncmp(ref, t[i], strlen(t[i]))) {
			snprintf(out, size, "%s", ref);
			return;
		}
	snprintf(out, size, "docker://%s", ref);
}

/* A registry transfer's scratch: an OCI layout and the digest file skopeo writes. */
struct transfer {
	char dir[4200], layout[4300], dfile[4300];
};

static int transfer_open(struct transfer *t)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(t->dir, sizeof(t->dir), "%s/icc-reg-XXXXXX", tmp && *tmp ? tmp : "/var/tmp");
	if (!mkdtemp(t->dir)) {
		cli_errorf("cannot create a directory in '%s': %s", tmp && *tmp ? tmp : "/var/tmp", strerror(errno));
		return -1;
	}
	snprintf(t->layout, sizeof(t->layout), "%s/oci", t->dir);
	snprintf(t->dfile, sizeof(t->dfile), "%s/digest", t->dir);
	return 0;
}

static void transfer_close(struct transfer *t)
{
	struct icc_err e;
	icc_rmtree(AT_FDCWD, t->dir, &e);
}

/* skopeo copy SRC DST, its progress lines on our stderr; tls_opt "--dest-tls-verify" or "--src-..." */
static int skopeo_copy(const struct transfer *t, bool quiet, const char *tls_opt, const char *tls,
		       const char *src, const char *dst, struct icc_err *err)
{
	char tlsarg[64];
	const char *args[12];
	int k = 0;
	args[k++] = "skopeo";
	args[k++] = "copy";
	if (quiet)
		args[k++] = "--quiet";
	args[k++] = "--digestfile";
	args[k++] = t->dfile;
	if (tls) {
		snprintf(tlsarg, sizeof(tlsarg), "%s=%s", tls_opt, tls);
		args[k++] = tlsarg;
	}
	args[k++] = src;
	args[k++] = dst;
	args[k] = NULL;
	return icc_proc_check(args, &(struct icc_proc_opts){.in = ICC_PROC_NULL, .out = 2}, err);
}

static int read_digest(const char *path, char *out, size_t size)
{
	FILE *f = fopen(path, "r");
	out[0] = '\0';
	if (!f)
		return -1;
	if (!fgets(out, (int)size, f))
		out[0] = '\0';
	fclose(f);
	out[strcspn(out, "\r\n")] = '\0';
	return out[0] ? 0 : -1;
}

int cmd_push(struct cli_ctx *ctx)
{
	struct icc_store *st = &ctx->st;
	const char *tls = cli_value(ctx, "tls-verify", NULL), *compress = cli_value(ctx, "compress", "gzip");
	bool quiet = cli_has(ctx, "quiet");
	const char *image = ctx->argv[0];
	char dest[4200];
	with_transport(ctx->argv[1], dest, sizeof(dest));
	struct transfer t;
	if (transfer_open(&t) < 0)
		return 1;
	char src[4400];
	snprintf(src, sizeof(src), "oci:%s", t.layout);
	struct icc_save_opts o = {.format = ICC_OCI_DIR, .compress = compress, .out_path = t.layout};
	struct icc_save_result res;
	struct icc_err err;
	icc_err_clear(&err);
	if (!quiet)
		fprintf(stderr, "Preparing %s: writing its layers\n", image);
	const char *refs[] = {image};
	int r = icc_oci_save(st, refs, 1, &o, &res, &err);
	if (r == 0) {
		if (!quiet)
			fprintf(stderr, "Pushing %s (%u layer%s, manifest %s) to %s\n", image, res.layers,
				res.layers == 1 ? "" : "s", res.manifest_digest, dest);
		r = skopeo_copy(&t, quiet, "--dest-tls-verify", tls, src, dest, &err);
	}
	char digest[128];
	if (r == 0 && read_digest(t.dfile, digest, sizeof(digest)) < 0)
		snprintf(digest, sizeof(digest), "%s", res.manifest_digest);
	transfer_close(&t);
	if (r < 0)
		return cli_fail(&err);
	printf("%s: digest: %s\n", ctx->argv[1], digest);
	return 0;
}

int cli_pull(struct cli_ctx *ctx)
{
	struct icc_store *st = &ctx->st;
	const char *tls = cli_value(ctx, "tls-verify", NULL);
	bool quiet = cli_has(ctx, "quiet");
	const char *ref = ctx->argv[0];
	char srcref[4200];
	with_transport(ref, srcref, sizeof(srcref));
	/* the name to tag with: given, or the registry reference itself */
	const char *name = ctx->argv[1];
	char derived[4200];
	if (!name && !strncmp(srcref, "docker://", 9)) {
		snprintf(derived, sizeof(derived), "%s", srcref + 9);
		char *at = strchr(derived, '@');
		if (at)
			*at = '\0';
		name = derived;
	}
	struct transfer t;
	if (transfer_open(&t) < 0)
		return 1;
	char dst[4400];
	snprintf(dst, sizeof(dst), "oci:%s:pulled", t.layout);
	if (!quiet)
		fprintf(stderr, "Pulling %s\n", srcref);
	struct icc_err err;
	icc_err_clear(&err);
	int r = skopeo_copy(&t, quiet, "--src-tls-verify", tls, srcref, dst, &err);
	cJSON *loaded = cJSON_CreateArray();
	if (r == 0) {
		struct icc_load_opts o = {.tag = name};
		r = icc_oci_load(st, t.layout, -1, &o, loaded, &err);
	}
	char digest[128] = "";
	if (r == 0)
		read_digest(t.dfile, digest, sizeof(digest));
	transfer_close(&t);
	if (r < 0) {
		cJSON_Delete(loaded);
		return cli_fail(&err);
	}
	if (digest[0])
		printf("Digest: %s\n", digest);
	cli_print_loaded(loaded);
	cJSON_Delete(loaded);
	return 0;
}

/* icc pull as run, create and build call it (cli_pull_image) */
int cmd_pull(int argc, char **argv)
{
	return cli_call(cli_find_command("pull"), argc, argv);
}
