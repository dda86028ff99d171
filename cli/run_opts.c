/* run_opts.c - parse the options `icc run` and `icc create` share into a container config */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "icc/console/attach.h"
#include "icc/container/exclude.h"
#include "icc/network/network.h"
#include "icc/runtime/runtime.h"
#include "icc/runtime/seccomp.h"
#include "run_opts.h"

static int bad(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Print "icc: CMD: message" once; returns the exit code of a bad option. */
static int bad(const char *cmd, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cli_errorf("%s: %s", cmd, msg);
	return 125;
}

static int add_volume(cJSON *mounts, const char *cmd, const char *spec)
{
	char buf[PATH_MAX * 2];
	snprintf(buf, sizeof(buf), "%s", spec);
	char *host = buf, *cdir = strchr(buf, ':');
	if (!cdir || host[0] != '/')
		return bad(cmd, "invalid volume '%s': expected /HOSTDIR:/CDIR[:ro|rw]", spec);
	*cdir++ = '\0';
	char *mode = strchr(cdir, ':');
	if (mode)
		*mode++ = '\0';
	if (cdir[0] != '/')
		return bad(cmd, "invalid volume '%s': the container path must be absolute", spec);
	if (mode && strcmp(mode, "ro") && strcmp(mode, "rw"))
		return bad(cmd, "invalid volume '%s': mode must be ro or rw", spec);
	char real[PATH_MAX];
	if (!realpath(host, real))
		return bad(cmd, "invalid volume '%s': host path '%s' %s", spec, host,
			   errno == ENOENT ? "does not exist" : strerror(errno));
	cJSON *m = cJSON_CreateObject();
	cJSON_AddStringToObject(m, "Source", real);
	cJSON_AddStringToObject(m, "Destination", cdir);
	cJSON_AddBoolToObject(m, "RW", !(mode && !strcmp(mode, "ro")));
	cJSON_AddItemToArray(mounts, m);
	return 0;
}

/*
 * --security-opt: seccomp=unconfined, seccomp=FILE (a Docker-format profile,
 * read and checked now, kept in the config), no-new-privileges[=true|false]
 * (Docker also spells it with ':').
 */
static int security_opt(cJSON *config, const char *cmd, const char *opt)
{
	if (!strncmp(opt, "seccomp=", 8) || !strncmp(opt, "seccomp:", 8)) {
		const char *v = opt + 8;
		cJSON_DeleteItemFromObjectCaseSensitive(config, "Seccomp");
		if (!strcmp(v, "unconfined")) {
			cJSON_AddStringToObject(config, "Seccomp", "unconfined");
			return 0;
		}
		if (!*v)
			return bad(cmd, "invalid security option '%s': seccomp needs unconfined or a FILE", opt);
		struct icc_err err;
		struct icc_seccomp_host host;
		cJSON *profile, *oci = NULL;
		if (icc_seccomp_host_get(&host, &err) < 0 || icc_seccomp_load(v, &profile, &err) < 0)
			return bad(cmd, "%s", err.msg);
		/* the container's capabilities are known only at start: check the profile's form now */
		if (icc_seccomp_translate(profile, NULL, NULL, &host, v, &oci, &err) < 0) {
			cJSON_Delete(profile);
			return bad(cmd, "%s", err.msg);
		}
		cJSON_Delete(oci);
		cJSON_AddItemToObject(config, "Seccomp", profile);
		return 0;
	}
	const char *nnp = "no-new-privileges";
	size_t n = strlen(nnp);
	if (!strncmp(opt, nnp, n) && (!opt[n] || opt[n] == '=' || opt[n] == ':')) {
		const char *v = opt[n] ? opt + n + 1 : "true";
		if (strcmp(v, "true") && strcmp(v, "false"))
			return bad(cmd, "invalid security option '%s': no-new-privileges is true or false", opt);
		cJSON_DeleteItemFromObjectCaseSensitive(config, "NoNewPrivileges");
		cJSON_AddBoolToObject(config, "NoNewPrivileges", !strcmp(v, "true"));
		return 0;
	}
	return bad(cmd, "unsupported security option '%s' (use seccomp=unconfined|FILE or no-new-privileges[=false])", opt);
}

/* --exclude PATH (repeatable): kept out of saves, commits and exports (exclude.h) */
static int exclude_opt(cJSON *config, const char *cmd, const char *path)
{
	cJSON *list = cJSON_GetObjectItemCaseSensitive(config, "Exclude");
	if (!list)
		list = cJSON_AddArrayToObject(config, "Exclude");
	struct icc_err err;
	if (icc_exclude_add(list, path, &err) < 0)
		return bad(cmd, "invalid --exclude: %s", err.msg);
	return 0;
}

/* Docker's order of run's help; the index of each is its RUN_OPT_ code */
const struct cli_opt cli_run_opts[] = {
	[RUN_OPT_INTERACTIVE] = {'i', "interactive", NULL, "keep stdin open"},
	[RUN_OPT_TTY] = {'t', "tty", NULL, "allocate a terminal (type #save at a shell prompt to snapshot)"},
	[RUN_OPT_DETACH] = {'d', "detach", NULL, "run in the background, print the id"},
	[RUN_OPT_RM] = {0, "rm", NULL, "remove the container when it ends"},
	[RUN_OPT_NAME] = {0, "name", "NAME", "container name (default: adjective_surname)"},
	[RUN_OPT_ENV] = {'e', "env", "K=V", "environment variable (-e K takes K from icc's environment)"},
	[RUN_OPT_WORKDIR] = {'w', "workdir", "DIR", "working directory inside the container"},
	[RUN_OPT_USER] = {'u', "user", "USER", "user[:group] or uid[:gid]"},
	[RUN_OPT_HOSTNAME] = {'h', "hostname", "HOST", "container host name"},
	[RUN_OPT_VOLUME] = {'v', "volume", "H:C[:ro]", "bind mount host directory H at C"},
	[RUN_OPT_NETWORK] = {0, "network", "NET", "bridge (default: own namespace, NAT, DNS), none, host, or a network\n"
						 "made with 'icc network create' (containers find each other by name)"},
	[RUN_OPT_NET] = {0, "net", "NET", NULL}, /* Docker's other name of --network */
	[RUN_OPT_PUBLISH] = {'p', "publish", "SPEC", "[IP:][HOSTPORT:]PORT[/tcp|/udp]: publish a container port on the host"},
	[RUN_OPT_PUBLISH_ALL] = {'P', "publish-all", NULL, "publish every EXPOSE'd port on a free host port"},
	[RUN_OPT_PULL] = {0, "pull", "POLICY", "missing (default: pull an image not in the store), always, never"},
	[RUN_OPT_RUNTIME] = {0, "runtime", "NAME", "runc (default) or crun"},
	[RUN_OPT_SECURITY_OPT] = {0, "security-opt", "OPT", "seccomp=unconfined, seccomp=FILE (a Docker-format profile),\n"
							    "no-new-privileges=false (default: the default profile and\n"
							    "no-new-privileges)"},
	[RUN_OPT_ENTRYPOINT] = {0, "entrypoint", "CMD", "run CMD instead of the image's entrypoint (\"\": none); drops its Cmd"},
	[RUN_OPT_ENV_FILE] = {0, "env-file", "FILE", "KEY=VALUE lines (# comments; KEY alone: from icc's environment)"},
	[RUN_OPT_LABEL] = {'l', "label", "K=V", "a label (Config.Labels), added to the image's"},
	[RUN_OPT_MEMORY] = {'m', "memory", "SIZE", "memory limit (b, k, m, g; at least 6m); the OOM killer ends the hog"},
	[RUN_OPT_CPUS] = {0, "cpus", "N", "CPU quota, N CPUs' worth (0.5: 50 ms per 100 ms)"},
	[RUN_OPT_PIDS_LIMIT] = {0, "pids-limit", "N", "at most N processes (0 or -1: no limit)"},
	[RUN_OPT_ULIMIT] = {0, "ulimit", "L=S[:H]", "resource limit L (nofile, nproc, core, ...) soft S, hard H"},
	[RUN_OPT_SHM_SIZE] = {0, "shm-size", "SIZE", "size of /dev/shm (default 64m)"},
	[RUN_OPT_TMPFS] = {0, "tmpfs", "DIR[:OPT]", "a tmpfs at DIR (noexec,nosuid,nodev; OPT e.g. size=64m,mode=1777)"},
	[RUN_OPT_READ_ONLY] = {0, "read-only", NULL, "the root filesystem is read-only (/.icc/save still saves)"},
	[RUN_OPT_INIT] = {0, "init", NULL, "run tini as PID 1: it reaps zombies and passes signals on"},
	[RUN_OPT_CAP_ADD] = {0, "cap-add", "CAP", "add a capability (NET_ADMIN or CAP_NET_ADMIN; ALL)"},
	[RUN_OPT_CAP_DROP] = {0, "cap-drop", "CAP", "drop a capability (ALL: every one)"},
	[RUN_OPT_PRIVILEGED] = {0, "privileged", NULL, "every capability, the host's devices, no seccomp, writable /sys"},
	[RUN_OPT_ADD_HOST] = {0, "add-host", "H:IP", "a line \"IP H\" in the container's /etc/hosts"},
	[RUN_OPT_RESTART] = {0, "restart", "POLICY", "no (default), on-failure[:N], always, unless-stopped: the container's\n"
						     "monitor starts it again (not after a host reboot, see icc-run(1))"},
	[RUN_OPT_DETACH_KEYS] = {0, "detach-keys", "KEYS", "with -it: keys that detach, leaving it running (ctrl-p,ctrl-q)"},
	[RUN_OPT_NO_RECORD] = {0, "no-record", NULL, "do not record the commands typed at an -it shell (icc dockerfile)"},
	[RUN_OPT_EXCLUDE] = {0, "exclude", "PATH", "keep PATH out of every save, commit and export (its own\n"
						   "subvolume, empty in snapshots; adds to the image's Exclude)"},
	[RUN_OPT_COUNT] = {0},
};

/* What the options say beyond the config itself. */
struct parse_state {
	bool ports, publish_all;
	const char *network;
};

static cJSON *array_in(cJSON *config, const char *key)
{
	cJSON *a = cJSON_GetObjectItemCaseSensitive(config, key);
	return cJSON_IsArray(a) ? a : cJSON_AddArrayToObject(config, key);
}

/* -e K=V, or -e K: the value from our environment (nothing when unset), as Docker does. */
static int add_env(cJSON *config, const char *cmd, const char *arg)
{
	char kv[8192];
	if (!strchr(arg, '=')) {
		const char *v = getenv(arg);
		if (!v)
			return 0;
		snprintf(kv, sizeof(kv), "%s=%s", arg, v);
	} else {
		snprintf(kv, sizeof(kv), "%s", arg);
	}
	if (kv[0] == '=')
		return bad(cmd, "invalid environment variable '%s'", arg);
	cJSON_AddItemToArray(array_in(config, "Env"), cJSON_CreateString(kv));
	return 0;
}

/* One option; 0, or the exit code after printing the error. */
static int one_option(int c, const char *arg, const char *cmd, struct run_opts *o, struct parse_state *ps)
{
	struct icc_err err;
	switch (c) {
	case RUN_OPT_INTERACTIVE: o->interactive = true; return 0;
	case RUN_OPT_TTY: o->tty = true; return 0;
	case RUN_OPT_DETACH: o->detach = true; return 0;
	case RUN_OPT_RM: o->autoremove = true; return 0;
	case RUN_OPT_NAME: o->name = arg; return 0;
	case RUN_OPT_ENV: return add_env(o->config, cmd, arg);
	case RUN_OPT_WORKDIR:
		if (arg[0] != '/')
			return bad(cmd, "the working directory '%s' is invalid, it needs to be an absolute path", arg);
		cJSON_AddStringToObject(o->config, "WorkingDir", arg);
		return 0;
	case RUN_OPT_USER: cJSON_AddStringToObject(o->config, "User", arg); return 0;
	case RUN_OPT_HOSTNAME: cJSON_AddStringToObject(o->config, "Hostname", arg); return 0;
	case RUN_OPT_VOLUME: return add_volume(array_in(o->config, "Mounts"), cmd, arg);
	case RUN_OPT_NETWORK:
	case RUN_OPT_NET:
		/* a network name is checked when the container starts (it may be made meanwhile) */
		ps->network = arg;
		if (!icc_network_name_valid(arg))
			return bad(cmd, "invalid network '%s': use bridge, none, host or a network name", arg);
		return 0;
	case RUN_OPT_PUBLISH:
		ps->ports = true;
		if (icc_port_parse(arg, array_in(o->config, "PortBindings"), &err) < 0)
			return bad(cmd, "%s", err.msg);
		return 0;
	case RUN_OPT_PUBLISH_ALL: ps->publish_all = true; return 0;
	case RUN_OPT_PULL:
		o->pull = arg;
		if (strcmp(arg, "missing") && strcmp(arg, "always") && strcmp(arg, "never"))
			return bad(cmd, "invalid --pull '%s': use missing, always or never", arg);
		return 0;
	case RUN_OPT_RUNTIME: o->runtime = arg; return 0;
	case RUN_OPT_SECURITY_OPT: return security_opt(o->config, cmd, arg);
	case RUN_OPT_NO_RECORD: o->no_record = true; return 0;
	case RUN_OPT_EXCLUDE: return exclude_opt(o->config, cmd, arg);
	case RUN_OPT_DETACH_KEYS: {
		char keys[16];
		size_t n;
		if (icc_detach_keys_parse(arg, keys, &n, &err) < 0)
			return bad(cmd, "--detach-keys: %s", err.msg);
		o->detach_keys = arg;
		return 0;
	}
	}
	return run_flag(o->config, cmd, c, arg);
}

/* The members every container config has, once the options are read; 0 or 125. */
static int finish_config(int argc, char **argv, const char *cmd, struct run_opts *o,
			 const struct parse_state *ps)
{
	o->image = argv[0];
	if (argc > 1) {
		cJSON *a = cJSON_AddArrayToObject(o->config, "Cmd");
		for (int i = 1; i < argc; i++)
			cJSON_AddItemToArray(a, cJSON_CreateString(argv[i]));
	}
	cJSON_AddBoolToObject(o->config, "Tty", o->tty);
	cJSON_AddBoolToObject(o->config, "OpenStdin", o->interactive);
	cJSON_AddBoolToObject(o->config, "AutoRemove", o->autoremove);
	const char *network = ps->network ? ps->network : ICC_DEFAULT_NETWORK;
	if ((ps->ports || ps->publish_all) && (!strcmp(network, "host") || !strcmp(network, "none")))
		return bad(cmd, "published ports need a bridge network, not --network %s", network);
	cJSON_AddStringToObject(o->config, "Network", network);
	if (ps->publish_all)
		cJSON_AddBoolToObject(o->config, "PublishAllPorts", true);
	/* always set, so that an image's config can never choose them */
	if (!cJSON_GetObjectItemCaseSensitive(o->config, "Seccomp"))
		cJSON_AddStringToObject(o->config, "Seccomp", "default");
	if (!cJSON_GetObjectItemCaseSensitive(o->config, "NoNewPrivileges"))
		cJSON_AddBoolToObject(o->config, "NoNewPrivileges", true);
	cJSON_AddStringToObject(o->config, "Runtime", o->runtime ? o->runtime : icc_runtime_default());
	return 0;
}

int run_opts_parse(const struct cli_ctx *ctx, struct run_opts *o)
{
	const char *cmd = ctx->cmd->name;
	memset(o, 0, sizeof(*o));
	o->config = cJSON_CreateObject();
	struct parse_state ps = {0};
	int rc = 0;
	/* in the order given: the last --name wins, -e and -v add up */
	for (size_t i = 0; rc == 0 && i < ctx->ngiven; i++)
		rc = one_option((int)(ctx->given[i].opt - cli_run_opts), ctx->given[i].value, cmd, o, &ps);
	if (rc == 0 && ctx->argc < 1)
		rc = cli_usage_why(ctx->cmd, "requires an IMAGE");
	if (rc == 0)
		rc = run_flags_finish(o->config, cmd, o->autoremove, ctx->argc > 1);
	if (rc == 0 && o->runtime) {
		struct icc_err err;
		if (icc_runtime_check(o->runtime, &err) < 0) {
			cli_fail(&err);
			rc = 125;
		}
	}
	if (rc == 0)
		rc = finish_config(ctx->argc, ctx->argv, cmd, o, &ps);
	if (rc)
		run_opts_free(o);
	return rc;
}

void run_opts_free(struct run_opts *o)
{
	cJSON_Delete(o->config);
	o->config = NULL;
}
