/* cmd_container.c - icc start / stop / kill / rm: containers' lifecycle (fs/container/container_ctl.c does the work) */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "icc/console/attach.h"
#include "icc/container/container_ctl.h"
#include "icc/store/object.h"
#include "icc/runtime/runtime.h"
#include "icc/snap/snapkeep.h"

/* Resolve and read a container; prints the error. */
static int load(struct icc_store *st, const char *ref, char id[ICC_ID_LEN + 1], cJSON **meta)
{
	struct icc_err err;
	if (icc_container_resolve(st, ref, id, &err) < 0 ||
	    icc_object_meta(st, ICC_CONTAINER, id, meta, &err) < 0)
		return cli_fail(&err);
	return 0;
}

int cmd_start(int argc, char **argv)
{
	static const struct option opts[] = {
		{"attach", no_argument, NULL, 'a'},
		{"interactive", no_argument, NULL, 'i'},
		{"detach-keys", required_argument, NULL, 'k'},
		{"no-record", no_argument, NULL, 'X'},
		{0, 0, 0, 0},
	};
	bool attach = false, interactive = false, record = true;
	const char *keys = NULL;
	optind = 1;
	int c;
	while ((c = getopt_long(argc, argv, "ai", opts, NULL)) != -1) {
		if (c == 'a')
			attach = true;
		else if (c == 'i')
			interactive = true;
		else if (c == 'k')
			keys = optarg;
		else if (c == 'X')
			record = false;
		else
			return cli_usage("start", "");
	}
	char kb[16];
	size_t kn;
	struct icc_err kerr;
	if (keys && icc_detach_keys_parse(keys, kb, &kn, &kerr) < 0) {
		cli_errorf("start: %s", kerr.msg);
		return EXIT_USAGE;
	}
	if (optind >= argc || ((attach || interactive) && argc - optind != 1))
		return cli_usage("start", "[-a] [-i] CONTAINER... (one container with -a/-i)");
	struct icc_store st;
	if (cli_open_store(&st))
		return 1;
	int status = 0;
	for (int i = optind; i < argc; i++) {
		char id[ICC_ID_LEN + 1];
		cJSON *meta;
		if (load(&st, argv[i], id, &meta)) {
			status = 1;
			continue;
		}
		const cJSON *cfg = cJSON_GetObjectItemCaseSensitive(meta, "config");
		struct icc_launch_opts lo = {
			.tty = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(cfg, "Tty")),
			.stdin_open = interactive && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(cfg, "OpenStdin")),
			.detach = !(attach || interactive),
			.autoremove = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(cfg, "AutoRemove")),
			.detach_keys = keys,
			.record = record,
		};
		if (interactive && !lo.stdin_open)
			lo.stdin_open = true;
		cJSON_Delete(meta);
		struct icc_cstate cs;
		(void)cs;
		int code = 0;
		struct icc_err err;
		fflush(stdout);
		if (icc_container_run(&st, id, &lo, &code, &err) < 0) {
			cli_fail(&err);
			status = code ? code : 1;
			continue;
		}
		if (lo.detach)
			puts(argv[i]);
		else
			status = code;
	}
	icc_store_close(&st);
	return status;
}

/* stop (sig < 0) or signal each container named after the options */
static int signal_containers(int argc, char **argv, int sig, int secs)
{
	struct icc_store st;
	if (cli_open_store(&st))
		return 1;
	int status = 0;
	for (int i = optind; i < argc; i++) {
		struct icc_err err;
		int r = sig < 0 ? icc_ctl_stop(&st, argv[i], secs, &err)
				: icc_ctl_kill(&st, argv[i], sig, &err);
		if (r < 0) {
			cli_fail(&err);
			status = 1;
			continue;
		}
		puts(argv[i]);
	}
	icc_store_close(&st);
	return status;
}

int cmd_stop(int argc, char **argv)
{
	static const struct option opts[] = {
		{"time", required_argument, NULL, 't'},
		{0, 0, 0, 0},
	};
	int secs = 10;
	optind = 1;
	int c;
	while ((c = getopt_long(argc, argv, "t:", opts, NULL)) != -1) {
		if (c != 't')
			return cli_usage("stop", "");
		if (cli_parse_secs("stop", optarg, &secs))
			return EXIT_USAGE;
	}
	if (optind >= argc)
		return cli_usage("stop", "");
	return signal_containers(argc, argv, -1, secs);
}

int cmd_kill(int argc, char **argv)
{
	static const struct option opts[] = {
		{"signal", required_argument, NULL, 's'},
		{0, 0, 0, 0},
	};
	int sig = SIGKILL;
	optind = 1;
	int c;
	while ((c = getopt_long(argc, argv, "s:", opts, NULL)) != -1) {
		if (c != 's')
			return cli_usage("kill", "");
		sig = icc_signal_parse(optarg);
		if (sig < 0) {
			cli_errorf("kill: %s: invalid signal (a name like TERM or SIGUSR1, or a number 1-%d)",
				   optarg, SIGRTMAX);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc)
		return cli_usage("kill", "");
	return signal_containers(argc, argv, sig, 0);
}

int cmd_rm(int argc, char **argv)
{
	static const struct option opts[] = {
		{"force", no_argument, NULL, 'f'},
		{"snapshots", no_argument, NULL, 'S'},
		{0, 0, 0, 0},
	};
	bool force = false, drop_snaps = false;
	optind = 1;
	int c;
	while ((c = getopt_long(argc, argv, "fv", opts, NULL)) != -1) {
		if (c == 'f')
			force = true;
		else if (c == 'S')
			drop_snaps = true;
		else if (c != 'v')
			return cli_usage("rm", "");
	}
	if (optind >= argc)
		return cli_usage("rm", "");
	unsigned flags = (force ? ICC_RM_FORCE : 0) | (drop_snaps ? ICC_RM_SNAPSHOTS : 0);
	struct icc_store st;
	if (cli_open_store(&st))
		return 1;
	int status = 0;
	for (int i = optind; i < argc; i++) {
		char cname[256];
		int kept;
		struct icc_err err;
		if (icc_ctl_remove(&st, argv[i], flags, cname, sizeof(cname), &kept, &err) < 0) {
			status = cli_fail(&err);
			continue;
		}
		cli_say_kept(cname, kept);
		puts(argv[i]);
	}
	icc_store_close(&st);
	return status;
}
