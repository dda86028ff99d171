/* cmd_run.c - icc run / icc create: make a container from an image (and run it) */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "icc/container.h"
#include "icc/object.h"
#include "icc/runtime.h"
#include "icc/snapkeep.h"
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

int cli_run_or_create(int argc, char **argv, bool run)
{
	const char *cmd = run ? "run" : "create";
	struct run_opts o;
	int rc = run_opts_parse(argc, argv, cmd, &o);
	if (rc)
		return rc;
	struct icc_store st;
	if (cli_open_store(&st)) {
		run_opts_free(&o);
		return 125;
	}
	struct icc_err err;
	char image_id[ICC_ID_LEN + 1], id[ICC_ID_LEN + 1];
	int r = icc_image_resolve(&st, o.image, image_id, &err);
	if (r == 0)
		r = icc_container_create(&st, image_id, o.image, o.name, o.config, id, &err);
	if (r < 0) {
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
	r = icc_container_start(&st, id, &lo, &code, &err);
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

int cmd_run(int argc, char **argv)
{
	return cli_run_or_create(argc, argv, true);
}
