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
#include "icc/exclude.h"
#include "icc/network.h"
#include "icc/runtime.h"
#include "icc/seccomp.h"
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

int run_opts_parse(int argc, char **argv, const char *cmd, struct run_opts *o)
{
	static const struct option opts[] = {
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
		{"exclude", required_argument, NULL, 'X'},
		{0, 0, 0, 0},
	};
	memset(o, 0, sizeof(*o));
	o->config = cJSON_CreateObject();
	cJSON *env = NULL, *mounts = NULL, *ports = NULL;
	bool publish_all = false;
	const char *network = NULL;
	optind = 1;
	opterr = 0;
	int c, rc = 0;
	while (rc == 0 && (c = getopt_long(argc, argv, "+itdn:e:w:u:h:v:p:P", opts, NULL)) != -1) {
		switch (c) {
		case 'i': o->interactive = true; break;
		case 't': o->tty = true; break;
		case 'd': o->detach = true; break;
		case 'R': o->autoremove = true; break;
		case 'n': o->name = optarg; break;
		case 'e': {
			if (!env)
				env = cJSON_AddArrayToObject(o->config, "Env");
			char kv[8192];
			if (!strchr(optarg, '=')) {
				/* -e NAME: take the value from our environment, as Docker does */
				const char *v = getenv(optarg);
				if (!v)
					break;
				snprintf(kv, sizeof(kv), "%s=%s", optarg, v);
			} else {
				snprintf(kv, sizeof(kv), "%s", optarg);
			}
			if (kv[0] == '=') {
				rc = bad(cmd, "invalid environment variable '%s'", optarg);
				break;
			}
			cJSON_AddItemToArray(env, cJSON_CreateString(kv));
			break;
		}
		case 'w':
			if (optarg[0] != '/')
				rc = bad(cmd, "the working directory '%s' is invalid, it needs to be an absolute path", optarg);
			else
				cJSON_AddStringToObject(o->config, "WorkingDir", optarg);
			break;
		case 'u': cJSON_AddStringToObject(o->config, "User", optarg); break;
		case 'h': cJSON_AddStringToObject(o->config, "Hostname", optarg); break;
		case 'v':
			if (!mounts)
				mounts = cJSON_AddArrayToObject(o->config, "Mounts");
			rc = add_volume(mounts, cmd, optarg);
			break;
		case 'N':
			/* a network name is checked when the container starts (it may be made meanwhile) */
			if (!icc_network_name_valid(optarg))
				rc = bad(cmd, "invalid network '%s': use bridge, none, host or a network name", optarg);
			network = optarg;
			break;
		case 'p': {
			struct icc_err err;
			if (!ports)
				ports = cJSON_AddArrayToObject(o->config, "PortBindings");
			if (icc_port_parse(optarg, ports, &err) < 0) {
				cli_errorf("%s: %s", cmd, err.msg);
				rc = 125;
			}
			break;
		}
		case 'P': publish_all = true; break;
		case 'L':
			if (strcmp(optarg, "missing") && strcmp(optarg, "always") && strcmp(optarg, "never"))
				rc = bad(cmd, "invalid --pull '%s': use missing, always or never", optarg);
			o->pull = optarg;
			break;
		case 'r': o->runtime = optarg; break;
		case 'S': rc = security_opt(o->config, cmd, optarg); break;
		case 'X': rc = exclude_opt(o->config, cmd, optarg); break;
		default:
			cli_errorf("%s: unknown option '%s'; usage: icc %s %s", cmd, argv[optind - 1], cmd,
				   RUN_SYNOPSIS);
			rc = 125;
		}
	}
	if (rc == 0 && optind >= argc) {
		cli_errorf("%s: requires an IMAGE; usage: icc %s %s", cmd, cmd, RUN_SYNOPSIS);
		rc = 125;
	}
	if (rc == 0 && o->runtime) {
		struct icc_err err;
		if (icc_runtime_check(o->runtime, &err) < 0) {
			cli_fail(&err);
			rc = 125;
		}
	}
	if (rc) {
		run_opts_free(o);
		return rc;
	}
	o->image = argv[optind];
	if (optind + 1 < argc) {
		cJSON *a = cJSON_AddArrayToObject(o->config, "Cmd");
		for (int i = optind + 1; i < argc; i++)
			cJSON_AddItemToArray(a, cJSON_CreateString(argv[i]));
	}
	cJSON_AddBoolToObject(o->config, "Tty", o->tty);
	cJSON_AddBoolToObject(o->config, "OpenStdin", o->interactive);
	cJSON_AddBoolToObject(o->config, "AutoRemove", o->autoremove);
	if (!network)
		network = ICC_DEFAULT_NETWORK;
	if ((ports || publish_all) && (!strcmp(network, "host") || !strcmp(network, "none"))) {
		cli_errorf("%s: published ports need a bridge network, not --network %s", cmd, network);
		run_opts_free(o);
		return 125;
	}
	cJSON_AddStringToObject(o->config, "Network", network);
	if (publish_all)
		cJSON_AddBoolToObject(o->config, "PublishAllPorts", true);
	/* always set, so that an image's config can never choose them */
	if (!cJSON_GetObjectItemCaseSensitive(o->config, "Seccomp"))
		cJSON_AddStringToObject(o->config, "Seccomp", "default");
	if (!cJSON_GetObjectItemCaseSensitive(o->config, "NoNewPrivileges"))
		cJSON_AddBoolToObject(o->config, "NoNewPrivileges", true);
	cJSON_AddStringToObject(o->config, "Runtime", o->runtime ? o->runtime : ICC_DEFAULT_RUNTIME);
	return 0;
}

void run_opts_free(struct run_opts *o)
{
	cJSON_Delete(o->config);
	o->config = NULL;
}
