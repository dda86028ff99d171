/* cmd_run.c - icc run / icc create: make a container from an image (and run it) */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "icc/console/attach.h"
#include "icc/container/container.h"
#include "icc/network/network.h"
#include "icc/store/object.h"
#include "icc/store/ref.h"
#include "icc/runtime/runtime.h"
#include "icc/snap/snapkeep.h"
#include "run_opts.h"

/* Remove a container that never ran (a failed run): nothing left behind. */
static void discard(struct icc_store *st, const char *id)
{
	struct icc_err e;
	icc_runtime_cleanup(st, id, NULL);
	if (icc_store_lock(st, &e) == 0) {
		icc_object_remove(st, ICC_CONTAINER, id, &e);
		icc_store_unlock(st);
	}
}

/* Docker treats registries on loopback as plain HTTP ("insecure"); so does this. */
static bool loopback_registry(const char *ref)
{
	const char *slash = strchr(ref, '/');
	if (!slash)
		return false;
	char host[256];
	snprintf(host, sizeof(host), "%.*s", (int)(slash - ref), ref);
	char *colon = strchr(host, ':');
	if (colon)
		*colon = '\0';
	return !strcmp(host, "localhost") || !strncmp(host, "127.", 4);
}

/* `icc pull REF` as a step of run/create/build: its messages go to stderr, stdout is the container's. */
int cli_pull_image(const char *ref)
{
	char *args[4];
	int n = 0;
	args[n++] = "pull";
	if (loopback_registry(ref))
		args[n++] = "--tls-verify=false";
	args[n++] = (char *)ref;
	args[n] = NULL;
	fflush(stdout);
	int saved = dup(1);
	dup2(2, 1);
	int rc = cmd_pull(n, args);
	fflush(stdout);
	if (saved >= 0) {
		dup2(saved, 1);
		close(saved);
	}
	return rc;
}

/* The image to run: from the store, pulled when missing (--pull missing) or always. */
static int find_image(struct icc_store *st, const char *ref, const char *policy,
		      char id[ICC_ID_LEN + 1], struct icc_err *err)
{
	if (!policy)
		policy = "missing";
	int r = strcmp(policy, "always") ? icc_image_resolve(st, ref, id, err) : -ENOENT;
	if (r != -ENOENT || !strcmp(policy, "never"))
		return r;
	char norm[ICC_REF_MAX + 1];
	struct icc_err e;
	if (icc_ref_normalize(ref, norm, sizeof(norm), &e) < 0)
		return r == 0 ? 0 : icc_err_set(err, ENOENT, "no such image '%s'", ref);
	if (strcmp(policy, "always"))
		fprintf(stderr, "Unable to find image '%s' locally\n", norm);
	/* pull said what went wrong, once */
	if (cli_pull_image(ref) != 0)
		return icc_err_set(err, ECANCELED, "%s", "");
	return icc_image_resolve(st, norm, id, err);
}

/* run and create; the dispatcher has parsed ctx by cli_run_opts (not CLI_STORE: a store
 * that cannot be opened exits 125 here, as Docker's daemon not answering) */
static int run_or_create(struct cli_ctx *ctx, bool run)
{
	struct run_opts o;
	int rc = run_opts_parse(ctx, &o);
	if (rc)
		return rc;
	struct icc_store st;
	if (cli_open_store(&st)) {
		run_opts_free(&o);
		return 125;
	}
	struct icc_err err;
	char image_id[ICC_ID_LEN + 1], id[ICC_ID_LEN + 1];
	/* an unknown network fails before anything is made */
	const char *net = icc_json_str(o.config, "Network");
	int r = 0;
	if (strcmp(net, "none") && strcmp(net, "host")) {
		cJSON *def = NULL;
		r = icc_network_get(&st, net, &def, &err);
		cJSON_Delete(def);
	}
	if (r == 0)
		r = find_image(&st, o.image, o.pull, image_id, &err);
	if (r == 0)
		r = icc_container_create(&st, image_id, o.image, o.name, o.config, id, &err);
	if (r < 0) {
		if (err.code != ECANCELED)
			cli_fail(&err);
		run_opts_free(&o);
		icc_store_close(&st);
		return 125;
	}
	if (!run) {
		puts(id);
		run_opts_free(&o);
		icc_store_close(&st);
		return 0;
	}
	struct icc_launch_opts lo = {
		.tty = o.tty,
		.stdin_open = o.interactive,
		.detach = o.detach,
		.autoremove = o.autoremove,
		.detach_keys = o.detach_keys,
		.record = !o.no_record,
	};
	if (o.tty && !o.detach && !isatty(0) && o.interactive) {
		cli_errorf("run: the input device is not a TTY");
		discard(&st, id);
		run_opts_free(&o);
		icc_store_close(&st);
		return 125;
	}
	char cname[256] = "";
	cJSON *cmeta;
	if (icc_object_meta(&st, ICC_CONTAINER, id, &cmeta, &err) == 0) {
		snprintf(cname, sizeof(cname), "%s", icc_json_str(cmeta, "name") ? icc_json_str(cmeta, "name") : id);
		cJSON_Delete(cmeta);
	}
	int code = 0;
	fflush(stdout);
	r = icc_container_run(&st, id, &lo, &code, &err);
	if (r < 0) {
		cli_fail(&err);
		discard(&st, id);
		code = code ? code : 125;
	} else if (o.detach) {
		puts(id);
	} else if (o.autoremove && !icc_object_exists(&st, ICC_CONTAINER, id)) {
		/* --rm removed the container; its saves stay */
		cli_say_kept(cname, icc_kept_count(&st, id));
	}
	run_opts_free(&o);
	icc_store_close(&st);
	return code;
}

int cmd_run(struct cli_ctx *ctx)
{
	return run_or_create(ctx, true);
}

int cmd_create(struct cli_ctx *ctx)
{
	return run_or_create(ctx, false);
}
