/* run_opts.c - parse the options `icc run` and `icc create` share into a container config */
#include <errno.h>
#include <getopt.h>
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

static const struct option long_opts[] = {
	{"interactive", no_argument, NULL, 'i'},
	{"tty", no_argument, NULL, 't'},
	{"detach", no_argument, NULL, 'd'},
	{"rm", no_argument, NULL, 'R'},
	{"name", required_argument, NULL, 'n'},
	{"env", required_argument, NULL, 'e'},
	{"workdir", required_argument, NULL, 'w'},
	{"user", required_argument, NULL, 'u'},
	{"hostname", required_argument, NULL, 'h'},
	{"volume", required_argument, NULL, 'v'},
	{"network", required_argument, NULL, 'N'},
	{"net", required_argument, NULL, 'N'},
	{"runtime", required_argument, NULL, 'r'},
	{"publish", required_argument, NULL, 'p'},
	{"publish-all", no_argument, NULL, 'P'},
	{"pull", required_argument, NULL, 'L'},
	{"security-opt", required_argument, NULL, 'S'},
	{"entrypoint", required_argument, NULL, RUN_OPT_ENTRYPOINT},
	{"env-file", required_argument, NULL, RUN_OPT_ENV_FILE},
	{"memory", required_argument, NULL, RUN_OPT_MEMORY},
	{"cpus", required_argument, NULL, RUN_OPT_CPUS},
	{"pids-limit", required_argument, NULL, RUN_OPT_PIDS_LIMIT},
	{"ulimit", required_argument, NULL, RUN_OPT_ULIMIT},
	{"init", no_argument, NULL, RUN_OPT_INIT},
	{"read-only", no_argument, NULL, RUN_OPT_READ_ONLY},
	{"tmpfs", required_argument, NULL, RUN_OPT_TMPFS},
	{"cap-add", required_argument, NULL, RUN_OPT_CAP_ADD},
	{"cap-drop", required_argument, NULL, RUN_OPT_CAP_DROP},
	{"privileged", no_argument, NULL, RUN_OPT_PRIVILEGED},
	{"add-host", required_argument, NULL, RUN_OPT_ADD_HOST},
	{"label", required_argument, NULL, RUN_OPT_LABEL},
	{"shm-size", required_argument, NULL, RUN_OPT_SHM_SIZE},
	{"restart", required_argument, NULL, RUN_OPT_RESTART},
	{"detach-keys", required_argument, NULL, RUN_OPT_DETACH_KEYS},
	{"no-record", no_argument, NULL, 'X'},
	{"exclude", required_argument, NULL, RUN_OPT_EXCLUDE},
	{0, 0, 0, 0},
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
	case 'i': o->interactive = true; return 0;
	case 't': o->tty = true; return 0;
	case 'd': o->detach = true; return 0;
	case 'R': o->autoremove = true; return 0;
	case 'n': o->name = arg; return 0;
	case 'e': return add_env(o->config, cmd, arg);
	case 'w':
		if (arg[0] != '/')
			return bad(cmd, "the working directory '%s' is invalid, it needs to be an absolute path", arg);
		cJSON_AddStringToObject(o->config, "WorkingDir", arg);
		return 0;
	case 'u': cJSON_AddStringToObject(o->config, "User", arg); return 0;
	case 'h': cJSON_AddStringToObject(o->config, "Hostname", arg); return 0;
	case 'v': return add_volume(array_in(o->config, "Mounts"), cmd, arg);
	case 'N':
		/* a network name is checked when the container starts (it may be made meanwhile) */
		ps->network = arg;
		if (!icc_network_name_valid(arg))
			return bad(cmd, "invalid network '%s': use bridge, none, host or a network name", arg);
		return 0;
	case 'p':
		ps->ports = true;
		if (icc_port_parse(arg, array_in(o->config, "PortBindings"), &err) < 0)
			return bad(cmd, "%s", err.msg);
		return 0;
	case 'P': ps->publish_all = true; return 0;
	case 'L':
		o->pull = arg;
		if (strcmp(arg, "missing") && strcmp(arg, "always") && strcmp(arg, "never"))
			return bad(cmd, "invalid --pull '%s': use missing, always or never", arg);
		return 0;
	case 'r': o->runtime = arg; return 0;
	case 'S': return security_opt(o->config, cmd, arg);
	case 'X': o->no_record = true; return 0;
	case RUN_OPT_EXCLUDE: return exclude_opt(o->config, cmd, arg);
	case RUN_OPT_DETACH_KEYS: {
		char keys[16];
		size_t n;
		if (icc_detach_keys_parse(arg, keys, &n, &err) < 0)
			return bad(cmd, "--detach-keys: %s", err.msg);
		o->detach_keys = arg;
		return 0;
	}
	case 'm': return run_flag(o->config, cmd, RUN_OPT_MEMORY, arg);
	case 'l': return run_flag(o->config, cmd, RUN_OPT_LABEL, arg);
	}
	return c >= RUN_OPT_ENTRYPOINT ? run_flag(o->config, cmd, c, arg) : -1;
}

/* The members every container config has, once the options are read; 0 or 125. */
static int finish_config(int argc, char **argv, const char *cmd, struct run_opts *o,
			 const struct parse_state *ps)
{
	o->image = argv[optind];
	if (optind + 1 < argc) {
		cJSON *a = cJSON_AddArrayToObject(o->config, "Cmd");
		for (int i = optind + 1; i < argc; i++)
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
	cJSON_AddStringToObject(o->config, "Runtime", o->runtime ? o->runtime : ICC_DEFAULT_RUNTIME);
	return 0;
}

int run_opts_parse(int argc, char **argv, const char *cmd, struct run_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->config = cJSON_CreateObject();
	struct parse_state ps = {0};
	optind = 1;
	opterr = 0;
	int c, rc = 0;
	while (rc == 0 && (c = getopt_long(argc, argv, "+itdn:e:w:u:h:v:p:Pm:l:", long_opts, NULL)) != -1) {
		rc = one_option(c, optarg, cmd, o, &ps);
		if (rc < 0)
			rc = bad(cmd, "unknown option '%s'; usage: icc %s %s", argv[optind - 1], cmd, RUN_SYNOPSIS);
	}
	if (rc == 0 && optind >= argc)
		rc = bad(cmd, "requires an IMAGE; usage: icc %s %s", cmd, RUN_SYNOPSIS);
	if (rc == 0)
		rc = run_flags_finish(o->config, cmd, o->autoremove, optind + 1 < argc);
	if (rc == 0 && o->runtime) {
		struct icc_err err;
		if (icc_runtime_check(o->runtime, &err) < 0) {
			cli_fail(&err);
			rc = 125;
		}
	}
	if (rc == 0)
		rc = finish_config(argc, argv, cmd, o, &ps);
	if (rc)
		run_opts_free(o);
	return rc;
}

void run_opts_free(struct run_opts *o)
{
	cJSON_Delete(o->config);
	o->config = NULL;
}
