/* run_flags.c - run/create's resource, privilege and restart flags into the container config */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "icc/runtime/hostconfig.h"
#include "run_opts.h"

/* "icc: CMD: --FLAG 'VALUE': REASON" (err's message starts with the quoted value). */
static int bad_value(const char *cmd, const char *flag, const struct icc_err *e)
{
	cli_errorf("%s: %s %s", cmd, flag, e->msg);
	return 125;
}

static cJSON *array_member(cJSON *config, const char *key)
{
	cJSON *a = cJSON_GetObjectItemCaseSensitive(config, key);
	return cJSON_IsArray(a) ? a : cJSON_AddArrayToObject(config, key);
}

static cJSON *object_member(cJSON *config, const char *key)
{
	cJSON *o = cJSON_GetObjectItemCaseSensitive(config, key);
	return cJSON_IsObject(o) ? o : cJSON_AddObjectToObject(config, key);
}

static void set_number(cJSON *config, const char *key, double v)
{
	cJSON_DeleteItemFromObjectCaseSensitive(config, key);
	cJSON_AddNumberToObject(config, key, v);
}

static void set_true(cJSON *config, const char *key)
{
	cJSON_DeleteItemFromObjectCaseSensitive(config, key);
	cJSON_AddBoolToObject(config, key, true);
}

/* --env-file FILE: Docker's format: KEY=VALUE lines, # comments, KEY alone from our environment. */
static int env_file(cJSON *config, const char *cmd, const char *path)
{
	char *data;
	size_t len;
	struct icc_err e;
	if (icc_read_file(AT_FDCWD, path, 1 << 20, &data, &len, &e) < 0) {
		cli_errorf("%s: --env-file '%s': %s", cmd, path, strerror(e.code));
		return 125;
	}
	cJSON *env = array_member(config, "Env");
	int rc = 0, lineno = 0;
	for (char *save = NULL, *line = strtok_r(data, "\n", &save); line && !rc;
	     line = strtok_r(NULL, "\n", &save)) {
		lineno++;
		while (*line == ' ' || *line == '\t')
			line++;
		size_t n = strlen(line);
		if (n && line[n - 1] == '\r')
			line[--n] = '\0';
		if (!n || line[0] == '#')
			continue;
		size_t klen = strcspn(line, "=");
		if (klen == 0 || strcspn(line, " \t") < klen) {
			cli_errorf("%s: --env-file '%s': line %d: invalid variable name '%.*s'", cmd, path, lineno,
				   (int)klen, line);
			rc = 125;
		} else if (line[klen] == '=') {
			cJSON_AddItemToArray(env, cJSON_CreateString(line));
		} else if (getenv(line)) {
			char kv[8192];
			snprintf(kv, sizeof(kv), "%s=%s", line, getenv(line));
			cJSON_AddItemToArray(env, cJSON_CreateString(kv));
		}
	}
	free(data);
	return rc;
}

static int memory(cJSON *config, const char *cmd, const char *flag, const char *key, const char *arg)
{
	struct icc_err e;
	int64_t v;
	if (icc_parse_bytes(arg, &v, &e) < 0)
		return bad_value(cmd, flag, &e);
	if (!strcmp(key, "Memory") && v < (6 << 20)) {
		cli_errorf("%s: %s '%s': the minimum memory limit is 6MB", cmd, flag, arg);
		return 125;
	}
	if (v <= 0) {
		cli_errorf("%s: %s '%s': the size must be greater than 0", cmd, flag, arg);
		return 125;
	}
	set_number(config, key, (double)v);
	return 0;
}

static int ulimit(cJSON *config, const char *cmd, const char *arg)
{
	struct icc_err e;
	struct icc_ulimit u;
	if (icc_parse_ulimit(arg, &u, &e) < 0)
		return bad_value(cmd, "--ulimit", &e);
	cJSON *arr = array_member(config, "Ulimits");
	for (cJSON *it = arr->child; it; it = it->next)
		if (!strcmp(icc_json_str(it, "Name") ? icc_json_str(it, "Name") : "", u.name)) {
			cJSON_Delete(cJSON_DetachItemViaPointer(arr, it));
			break;
		}
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "Name", u.name);
	cJSON_AddNumberToObject(o, "Hard", (double)u.hard);
	cJSON_AddNumberToObject(o, "Soft", (double)u.soft);
	cJSON_AddItemToArray(arr, o);
	return 0;
}

static int tmpfs(cJSON *config, const char *cmd, const char *arg)
{
	char path[4096];
	const char *colon = strchr(arg, ':');
	snprintf(path, sizeof(path), "%.*s", colon ? (int)(colon - arg) : (int)strlen(arg), arg);
	if (path[0] != '/' || !strcmp(path, "/")) {
		cli_errorf("%s: --tmpfs '%s': the mount point must be an absolute path other than /", cmd, arg);
		return 125;
	}
	struct icc_err e;
	if (colon && icc_check_tmpfs_options(colon + 1, &e) < 0) {
		cli_errorf("%s: --tmpfs %s", cmd, e.msg);
		return 125;
	}
	cJSON *t = object_member(config, "Tmpfs");
	cJSON_DeleteItemFromObjectCaseSensitive(t, path);
	cJSON_AddStringToObject(t, path, colon ? colon + 1 : "");
	return 0;
}

static int capability(cJSON *config, const char *cmd, const char *flag, const char *key, const char *arg)
{
	char name[32];
	struct icc_err e;
	if (icc_parse_cap(arg, name, sizeof(name), &e) < 0)
		return bad_value(cmd, flag, &e);
	cJSON_AddItemToArray(array_member(config, key), cJSON_CreateString(name));
	return 0;
}

static int restart(cJSON *config, const char *cmd, const char *arg)
{
	struct icc_restart_policy p;
	struct icc_err e;
	if (icc_parse_restart(arg, &p, &e) < 0)
		return bad_value(cmd, "--restart", &e);
	cJSON_DeleteItemFromObjectCaseSensitive(config, "RestartPolicy");
	cJSON *o = cJSON_AddObjectToObject(config, "RestartPolicy");
	cJSON_AddStringToObject(o, "Name", icc_restart_name_str(p.name));
	cJSON_AddNumberToObject(o, "MaximumRetryCount", p.max_retries);
	return 0;
}

static int label(cJSON *config, const char *cmd, const char *arg)
{
	const char *eq = strchr(arg, '=');
	if (eq == arg || !*arg) {
		cli_errorf("%s: --label '%s': a label needs a key (KEY=VALUE)", cmd, arg);
		return 125;
	}
	char key[1024];
	snprintf(key, sizeof(key), "%.*s", eq ? (int)(eq - arg) : (int)strlen(arg), arg);
	cJSON *l = object_member(config, "Labels");
	cJSON_DeleteItemFromObjectCaseSensitive(l, key);
	cJSON_AddStringToObject(l, key, eq ? eq + 1 : "");
	return 0;
}

int run_flag(cJSON *config, const char *cmd, int c, const char *arg)
{
	struct icc_err e;
	switch (c) {
	case RUN_OPT_ENTRYPOINT: {
		cJSON_DeleteItemFromObjectCaseSensitive(config, "Entrypoint");
		cJSON *a = cJSON_AddArrayToObject(config, "Entrypoint");
		if (*arg)
			cJSON_AddItemToArray(a, cJSON_CreateString(arg));
		return 0;
	}
	case RUN_OPT_ENV_FILE: return env_file(config, cmd, arg);
	case RUN_OPT_MEMORY: return memory(config, cmd, "--memory", "Memory", arg);
	case RUN_OPT_SHM_SIZE: return memory(config, cmd, "--shm-size", "ShmSize", arg);
	case RUN_OPT_CPUS: {
		int64_t nano;
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		if (icc_parse_cpus(arg, n > 0 ? (int)n : 1, &nano, &e) < 0)
			return bad_value(cmd, "--cpus", &e);
		set_number(config, "NanoCpus", (double)nano);
		return 0;
	}
	case RUN_OPT_PIDS_LIMIT: {
		int64_t v;
		if (icc_parse_pids_limit(arg, &v, &e) < 0)
			return bad_value(cmd, "--pids-limit", &e);
		set_number(config, "PidsLimit", (double)v);
		return 0;
	}
	case RUN_OPT_ULIMIT: return ulimit(config, cmd, arg);
	case RUN_OPT_INIT: set_true(config, "Init"); return 0;
	case RUN_OPT_READ_ONLY: set_true(config, "ReadonlyRootfs"); return 0;
	case RUN_OPT_PRIVILEGED: set_true(config, "Privileged"); return 0;
	case RUN_OPT_TMPFS: return tmpfs(config, cmd, arg);
	case RUN_OPT_CAP_ADD: return capability(config, cmd, "--cap-add", "CapAdd", arg);
	case RUN_OPT_CAP_DROP: return capability(config, cmd, "--cap-drop", "CapDrop", arg);
	case RUN_OPT_ADD_HOST: {
		char name[256], ip[64], kv[400];
		if (icc_parse_add_host(arg, name, sizeof(name), ip, sizeof(ip), &e) < 0)
			return bad_value(cmd, "--add-host", &e);
		snprintf(kv, sizeof(kv), "%s:%s", name, ip);
		cJSON_AddItemToArray(array_member(config, "ExtraHosts"), cJSON_CreateString(kv));
		return 0;
	}
	case RUN_OPT_LABEL: return label(config, cmd, arg);
	case RUN_OPT_RESTART: return restart(config, cmd, arg);
	}
	return -1;
}

int run_flags_finish(cJSON *config, const char *cmd, bool autoremove, bool has_cmd)
{
	const char *policy = icc_json_str(cJSON_GetObjectItemCaseSensitive(config, "RestartPolicy"), "Name");
	if (autoremove && policy && strcmp(policy, "no")) {
		cli_errorf("%s: conflicting options: --restart and --rm", cmd);
		return 125;
	}
	/* Docker's default swap: as much again as the memory (MemorySwap = twice Memory) */
	long long mem = icc_json_int(config, "Memory", 0);
	if (mem > 0 && !cJSON_GetObjectItemCaseSensitive(config, "MemorySwap"))
		cJSON_AddNumberToObject(config, "MemorySwap", (double)(2 * mem));
	/* as Docker: --entrypoint discards the image's Cmd (the command line's stays) */
	if (cJSON_GetObjectItemCaseSensitive(config, "Entrypoint") && !has_cmd)
		cJSON_AddArrayToObject(config, "Cmd");
	/* --privileged lifts no-new-privileges unless --security-opt asked for it */
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(config, "Privileged")) &&
	    !cJSON_GetObjectItemCaseSensitive(config, "NoNewPrivileges"))
		cJSON_AddBoolToObject(config, "NoNewPrivileges", false);
	return 0;
}
