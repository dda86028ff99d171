/* cmd_container.c - icc start / stop / kill / rm: containers' lifecycle */
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
#include "icc/object.h"
#include "icc/runtime.h"
#include "icc/snapkeep.h"

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* Resolve and read a container; prints the error. */
static int load(struct icc_store *st, const char *ref, char id[ICC_ID_LEN + 1], cJSON **meta)
{
	struct icc_err err;
	if (icc_container_resolve(st, ref, id, &err) < 0 ||
	    icc_object_meta(st, ICC_CONTAINER, id, meta, &err) < 0)
		return cli_fail(&err);
	return 0;
}

static const char *runtime_of(const cJSON *meta)
{
	const char *r = icc_json_str(cJSON_GetObjectItemCaseSensitive(meta, "state"), "runtime");
	if (!r)
		r = icc_json_str(cJSON_GetObjectItemCaseSensitive(meta, "config"), "Runtime");
	return r ? r : ICC_DEFAULT_RUNTIME;
}

/*
 * After the container's process got a fatal signal: wait until it is gone and
 * its monitor recorded the end; if the monitor is gone too, clean up here.
 */
static void wait_ended(struct icc_store *st, const char *id, int timeout_ms, int code_if_lost)
{
	for (int waited = 0;; waited += 50) {
		cJSON *meta;
		struct icc_err e;
		if (icc_object_meta(st, ICC_CONTAINER, id, &meta, &e) < 0)
			return;
		const cJSON *s = cJSON_GetObjectItemCaseSensitive(meta, "state");
		const char *status = icc_json_str(s, "status");
		struct icc_cstate cs;
		icc_container_state(meta, &cs);
		pid_t mon = (pid_t)icc_json_int(s, "monitor_pid", 0);
		bool monitor_alive = mon > 0 && kill(mon, 0) == 0;
		bool recorded = !status || strcmp(status, "running");
		if (recorded || (cs.status != ICC_CS_RUNNING && (!monitor_alive || waited >= timeout_ms))) {
			if (!recorded) {
				icc_runtime_cleanup(st, id, runtime_of(meta));
				cJSON *patch = cJSON_CreateObject();
				char now[64];
				icc_time_format(icc_now_ns(), now, sizeof(now));
				cJSON_AddStringToObject(patch, "status", "exited");
				cJSON_AddNumberToObject(patch, "exit_code", code_if_lost);
				cJSON_AddStringToObject(patch, "finished", now);
				cJSON_AddNullToObject(patch, "pid");
				cJSON_AddNullToObject(patch, "network");
				icc_state_update(st, id, patch, &e);
				cJSON_Delete(patch);
			}
			cJSON_Delete(meta);
			return;
		}
		cJSON_Delete(meta);
		if (waited >= timeout_ms + 5000)
			return;
		sleep_ms(50);
	}
}

static int parse_signal(const char *s)
{
	static const struct { const char *name; int sig; } sigs[] = {
		{"HUP", SIGHUP}, {"INT", SIGINT}, {"QUIT", SIGQUIT}, {"KILL", SIGKILL},
		{"USR1", SIGUSR1}, {"USR2", SIGUSR2}, {"TERM", SIGTERM}, {"STOP", SIGSTOP},
		{"CONT", SIGCONT}, {"ALRM", SIGALRM}, {"WINCH", SIGWINCH},
	};
	char *end;
	long n = strtol(s, &end, 10);
	if (*s && !*end)
		return n > 0 && n < 65 ? (int)n : -1;
	if (!strncasecmp(s, "SIG", 3))
		s += 3;
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (!strcasecmp(s, sigs[i].name))
			return sigs[i].sig;
	return -1;
}

int cmd_start(int argc, char **argv)
{
	static const struct option opts[] = {
		{"attach", no_argument, NULL, 'a'},
		{"interactive", no_argument, NULL, 'i'},
		{"no-record", no_argument, NULL, 'X'},
		{0, 0, 0, 0},
	};
	bool attach = false, interactive = false, record = true;
	optind = 1;
	int c;
	while ((c = getopt_long(argc, argv, "ai", opts, NULL)) != -1) {
		if (c == 'a')
			attach = true;
		else if (c == 'i')
			interactive = true;
		else if (c == 'X')
			record = false;
		else
			return cli_usage("start", "[-a] [-i] CONTAINER...");
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
		if (icc_container_start(&st, id, &lo, &code, &err) < 0) {
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

static int signal_containers(int argc, char **argv, bool stop, int sig, int secs)
{
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
		struct icc_cstate cs;
		icc_container_state(meta, &cs);
		const char *name = icc_json_str(meta, "name");
		char cname[256];
		snprintf(cname, sizeof(cname), "%s", name ? name : id);
		const char *stopsig = icc_json_str(cJSON_GetObjectItemCaseSensitive(meta, "config"), "StopSignal");
		cJSON_Delete(meta);
		if (cs.status != ICC_CS_RUNNING && cs.status != ICC_CS_DEAD) {
			if (stop) {
				if (cs.stale)
					wait_ended(&st, id, 0, 255);
				puts(argv[i]);
			} else {
				cli_errorf("cannot kill container '%s': it is not running", cname);
				status = 1;
			}
			continue;
		}
		if (stop) {
			int s = stopsig && parse_signal(stopsig) > 0 ? parse_signal(stopsig) : SIGTERM;
			unsigned long long start = icc_proc_starttime(cs.pid);
			kill(cs.pid, s);
			int waited = 0;
			while (icc_proc_starttime(cs.pid) == start && start && waited < secs * 1000) {
				sleep_ms(50);
				waited += 50;
			}
			if (icc_proc_starttime(cs.pid) == start && start)
				kill(cs.pid, SIGKILL);
			wait_ended(&st, id, 2000, 137);
		} else {
			if (kill(cs.pid, sig) < 0) {
				cli_errorf("cannot kill container '%s': %s", cname, strerror(errno));
				status = 1;
				continue;
			}
			if (sig == SIGKILL)
				wait_ended(&st, id, 2000, 137);
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
			return cli_usage("stop", "[-t SECS] CONTAINER...");
		secs = atoi(optarg);
	}
	if (optind >= argc)
		return cli_usage("stop", "[-t SECS] CONTAINER...");
	return signal_containers(argc, argv, true, SIGTERM, secs);
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
			return cli_usage("kill", "[-s SIGNAL] CONTAINER...");
		sig = parse_signal(optarg);
		if (sig < 0) {
			cli_errorf("invalid signal '%s'", optarg);
			return 1;
		}
	}
	if (optind >= argc)
		return cli_usage("kill", "[-s SIGNAL] CONTAINER...");
	return signal_containers(argc, argv, false, sig, 0);
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
		struct icc_cstate cs;
		icc_container_state(meta, &cs);
		const char *name = icc_json_str(meta, "name");
		char cname[256], runtime[16];
		snprintf(cname, sizeof(cname), "%s", name ? name : id);
		snprintf(runtime, sizeof(runtime), "%s", runtime_of(meta));
		cJSON_Delete(meta);
		if (cs.status == ICC_CS_RUNNING || cs.status == ICC_CS_DEAD) {
			if (!force) {
				cli_errorf("cannot remove container '%s': it is running (stop it first, or use -f)", cname);
				status = 1;
				continue;
			}
			kill(cs.pid, SIGKILL);
			wait_ended(&st, id, 2000, 137);
			if (!icc_object_exists(&st, ICC_CONTAINER, id)) {
				/* --rm: its monitor removed it and kept its snapshots */
				struct icc_err err;
				if (drop_snaps && icc_store_lock(&st, &err) == 0) {
					if (icc_kept_remove(&st, id, &err) < 0) {
						cli_fail(&err);
						status = 1;
					}
					icc_store_unlock(&st);
				} else {
					cli_say_kept(cname, icc_kept_count(&st, id));
				}
				puts(argv[i]);
				continue;
			}
		}
		icc_runtime_cleanup(&st, id, runtime);
		struct icc_err err;
		int kept = 0;
		int r = icc_store_lock(&st, &err);
		if (r == 0) {
			if (icc_object_exists(&st, ICC_CONTAINER, id))
				r = icc_container_remove(&st, id, !drop_snaps, &kept, &err);
			else if (drop_snaps) /* removed by its --rm monitor, which kept them */
				r = icc_kept_remove(&st, id, &err);
			else
				kept = icc_kept_count(&st, id);
			icc_store_unlock(&st);
		}
		if (r < 0) {
			cli_fail(&err);
			status = 1;
			continue;
		}
		cli_say_kept(cname, kept);
		puts(argv[i]);
	}
	icc_store_close(&st);
	return status;
}
