/* cmd_push.c - icc push / pull: registries through skopeo and an OCI directory */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "icc/oci/oci.h"
#include "icc/base/proc.h"
#include "icc/store/subvol.h"

#define PUSH_SYNOPSIS "[--tls-verify=false] [--compress gzip|zstd|none] IMAGE REF"
#define PULL_SYNOPSIS "[--tls-verify=false] REF [NAME[:TAG]]"

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

static int tmp_dir(char *buf, size_t size)
{
	const char *t = getenv("TMPDIR");
	snprintf(buf, size, "%s/icc-reg-XXXXXX", t && *t ? t : "/var/tmp");
	if (!mkdtemp(buf)) {
		cli_errorf("cannot create a directory in '%s': %s", t && *t ? t : "/var/tmp", strerror(errno));
		return -1;
	}
	return 0;
}

static void rm_dir(const char *dir)
{
	struct icc_err e;
	icc_rmtree(AT_FDCWD, dir, &e);
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

int cmd_push(int argc, char **argv)
{
	static const struct option opts[] = {
		{"tls-verify", required_argument, NULL, 't'},
		{"compress", required_argument, NULL, 'c'},
		{"quiet", no_argument, NULL, 'q'},
		{0, 0, 0, 0},
	};
	const char *tls = NULL, *compress = "gzip";
	bool quiet = false;
	optind = 1;
	int c;
	while ((c = getopt_long(argc, argv, "q", opts, NULL)) != -1) {
		if (c == 't')
			tls = optarg;
		else if (c == 'c')
			compress = optarg;
		else if (c == 'q')
			quiet = true;
		else
			return cli_usage("push", PUSH_SYNOPSIS);
	}
	if (argc - optind != 2)
		return cli_usage("push", PUSH_SYNOPSIS);
	const char *image = argv[optind];
	char dest[4200];
	with_transport(argv[optind + 1], dest, sizeof(dest));
	struct icc_store st;
	if (cli_open_store(&st))
		return 1;
	char dir[4200], layout[4300], src[4400], dfile[4300], tlsopt[64];
	if (tmp_dir(dir, sizeof(dir)) < 0) {
		icc_store_close(&st);
		return 1;
	}
	snprintf(layout, sizeof(layout), "%s/oci", dir);
	snprintf(src, sizeof(src), "oci:%s", layout);
	snprintf(dfile, sizeof(dfile), "%s/digest", dir);
	struct icc_save_opts o = {.format = ICC_OCI_DIR, .compress = compress, .out_path = layout};
	struct icc_save_result res;
	struct icc_err err;
	icc_err_clear(&err);
	if (!quiet)
		fprintf(stderr, "Preparing %s: writing its layers\n", image);
	const char *refs[] = {image};
	int r = icc_oci_save(&st, refs, 1, &o, &res, &err);
	icc_store_close(&st);
	if (r == 0) {
		if (!quiet)
			fprintf(stderr, "Pushing %s (%u layer%s, manifest %s) to %s\n", image, res.layers,
				res.layers == 1 ? "" : "s", res.manifest_digest, dest);
		const char *args[12];
		int k = 0;
		args[k++] = "skopeo";
		args[k++] = "copy";
		if (quiet)
			args[k++] = "--quiet";
		args[k++] = "--digestfile";
		args[k++] = dfile;
		if (tls) {
			snprintf(tlsopt, sizeof(tlsopt), "--dest-tls-verify=%s", tls);
			args[k++] = tlsopt;
		}
		args[k++] = src;
		args[k++] = dest;
		args[k] = NULL;
		/* skopeo's progress lines go to our stderr */
		r = icc_proc_check(args, &(struct icc_proc_opts){.in = ICC_PROC_NULL, .out = 2}, &err);
	}
	char digest[128];
	if (r == 0 && read_digest(dfile, digest, sizeof(digest)) < 0)
		snprintf(digest, sizeof(digest), "%s", res.manifest_digest);
	rm_dir(dir);
	if (r < 0)
		return cli_fail(&err);
	printf("%s: digest: %s\n", argv[optind + 1], digest);
	return 0;
}

int cmd_pull(int argc, char **argv)
{
	static const struct option opts[] = {
		{"tls-verify", required_argument, NULL, 't'},
		{"quiet", no_argument, NULL, 'q'},
		{0, 0, 0, 0},
	};
	const char *tls = NULL;
	bool quiet = false;
	optind = 1;
	int c;
	while ((c = getopt_long(argc, argv, "q", opts, NULL)) != -1) {
		if (c == 't')
			tls = optarg;
		else if (c == 'q')
			quiet = true;
		else
			return cli_usage("pull", PULL_SYNOPSIS);
	}
	if (argc - optind < 1 || argc - optind > 2)
		return cli_usage("pull", PULL_SYNOPSIS);
	const char *ref = argv[optind];
	char srcref[4200];
	with_transport(ref, srcref, sizeof(srcref));
	/* the name to tag with: given, or the registry reference itself */
	const char *name = argc - optind == 2 ? argv[optind + 1] : NULL;
	char derived[4200];
	if (!name && !strncmp(srcref, "docker://", 9)) {
		snprintf(derived, sizeof(derived), "%s", srcref + 9);
		char *at = strchr(derived, '@');
		if (at)
			*at = '\0';
		name = derived;
	}
	struct icc_store st;
	if (cli_open_store(&st))
		return 1;
	char dir[4200], layout[4300], dst[4400], dfile[4300], tlsopt[64];
	if (tmp_dir(dir, sizeof(dir)) < 0) {
		icc_store_close(&st);
		return 1;
	}
	snprintf(layout, sizeof(layout), "%s/oci", dir);
	snprintf(dst, sizeof(dst), "oci:%s:pulled", layout);
	snprintf(dfile, sizeof(dfile), "%s/digest", dir);
	if (!quiet)
		fprintf(stderr, "Pulling %s\n", srcref);
	const char *args[12];
	int k = 0;
	args[k++] = "skopeo";
	args[k++] = "copy";
	if (quiet)
		args[k++] = "--quiet";
	args[k++] = "--digestfile";
	args[k++] = dfile;
	if (tls) {
		snprintf(tlsopt, sizeof(tlsopt), "--src-tls-verify=%s", tls);
		args[k++] = tlsopt;
	}
	args[k++] = srcref;
	args[k++] = dst;
	args[k] = NULL;
	struct icc_err err;
	icc_err_clear(&err);
	int r = icc_proc_check(args, &(struct icc_proc_opts){.in = ICC_PROC_NULL, .out = 2}, &err);
	cJSON *loaded = cJSON_CreateArray();
	if (r == 0) {
		struct icc_load_opts o = {.tag = name};
		r = icc_oci_load(&st, layout, -1, &o, loaded, &err);
	}
	char digest[128] = "";
	if (r == 0)
		read_digest(dfile, digest, sizeof(digest));
	rm_dir(dir);
	icc_store_close(&st);
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
