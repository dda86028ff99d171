/* image_config.c - image config (Env, Cmd, ...): Dockerfile-like change lines and the whitelist */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "icc/container/exclude.h"
#include "icc/image/image.h"

/* "CMD [\"a\",\"b\"]" (exec form) or "CMD a b" (shell form: sh -c). */
static cJSON *command_value(const char *arg, struct icc_err *err, const char *line)
{
	while (isspace((unsigned char)*arg))
		arg++;
	if (*arg == '[') {
		cJSON *a = cJSON_Parse(arg);
		bool ok = cJSON_IsArray(a);
		for (cJSON *it = a ? a->child : NULL; ok && it; it = it->next)
			ok = cJSON_IsString(it);
		if (!ok) {
			cJSON_Delete(a);
			icc_err_set(err, EINVAL, "invalid change '%s': expected a JSON array of strings", line);
			return NULL;
		}
		return a;
	}
	if (!*arg) {
		icc_err_set(err, EINVAL, "invalid change '%s': missing command", line);
		return NULL;
	}
	cJSON *a = cJSON_CreateArray();
	cJSON_AddItemToArray(a, cJSON_CreateString("/bin/sh"));
	cJSON_AddItemToArray(a, cJSON_CreateString("-c"));
	cJSON_AddItemToArray(a, cJSON_CreateString(arg));
	return a;
}

static void set_member(cJSON *obj, const char *key, cJSON *value)
{
	cJSON_DeleteItemFromObjectCaseSensitive(obj, key);
	cJSON_AddItemToObject(obj, key, value);
}

static cJSON *get_or_add(cJSON *obj, const char *key, bool array)
{
	cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (array ? cJSON_IsArray(v) : cJSON_IsObject(v))
		return v;
	v = array ? cJSON_CreateArray() : cJSON_CreateObject();
	set_member(obj, key, v);
	return v;
}

/* "K=V" or "K V" → key, value. */
static int split_kv(const char *arg, char *key, size_t ksize, const char **value)
{
	size_t n = strcspn(arg, "= \t");
	if (n == 0 || n >= ksize)
		return -1;
	memcpy(key, arg, n);
	key[n] = '\0';
	const char *v = arg + n;
	if (*v)
		v++;
	*value = v;
	return 0;
}

static int apply_env(cJSON *config, const char *arg, const char *line, struct icc_err *err)
{
	char key[256];
	const char *value;
	if (split_kv(arg, key, sizeof(key), &value) < 0)
		return icc_err_set(err, EINVAL, "invalid change '%s': expected ENV KEY=VALUE", line);
	cJSON *env = get_or_add(config, "Env", true);
	char entry[4096];
	snprintf(entry, sizeof(entry), "%s=%s", key, value);
	size_t klen = strlen(key);
	cJSON *it = env->child;
	while (it) {
		cJSON *next = it->next;
		if (cJSON_IsString(it) && !strncmp(it->valuestring, key, klen) && it->valuestring[klen] == '=')
			cJSON_Delete(cJSON_DetachItemViaPointer(env, it));
		it = next;
	}
	cJSON_AddItemToArray(env, cJSON_CreateString(entry));
	return 0;
}

static int apply_line(cJSON *config, const char *line, struct icc_err *err)
{
	while (isspace((unsigned char)*line))
		line++;
	size_t n = strcspn(line, " \t");
	char instr[16];
	if (n == 0 || n >= sizeof(instr))
		return icc_err_set(err, EINVAL, "invalid change '%s': expected INSTRUCTION ARGS", line);
	memcpy(instr, line, n);
	instr[n] = '\0';
	const char *arg = line + n;
	while (isspace((unsigned char)*arg))
		arg++;

	if (!strcasecmp(instr, "ENV"))
		return apply_env(config, arg, line, err);
	if (!strcasecmp(instr, "CMD") || !strcasecmp(instr, "ENTRYPOINT")) {
		cJSON *v = command_value(arg, err, line);
		if (!v)
			return -EINVAL;
		set_member(config, !strcasecmp(instr, "CMD") ? "Cmd" : "Entrypoint", v);
		return 0;
	}
	if (!strcasecmp(instr, "WORKDIR") || !strcasecmp(instr, "USER")) {
		if (!*arg)
			return icc_err_set(err, EINVAL, "invalid change '%s': missing value", line);
		if (!strcasecmp(instr, "WORKDIR") && arg[0] != '/')
			return icc_err_set(err, EINVAL, "invalid change '%s': WORKDIR must be an absolute path", line);
		set_member(config, !strcasecmp(instr, "USER") ? "User" : "WorkingDir", cJSON_CreateString(arg));
		return 0;
	}
	if (!strcasecmp(instr, "LABEL")) {
		char key[256];
		const char *value;
		if (split_kv(arg, key, sizeof(key), &value) < 0)
			return icc_err_set(err, EINVAL, "invalid change '%s': expected LABEL KEY=VALUE", line);
		cJSON *labels = get_or_add(config, "Labels", false);
		set_member(labels, key, cJSON_CreateString(value));
		return 0;
	}
	if (!strcasecmp(instr, "EXPOSE")) {
		if (!*arg)
			return icc_err_set(err, EINVAL, "invalid change '%s': missing port", line);
		char port[64];
		snprintf(port, sizeof(port), "%s%s", arg, strchr(arg, '/') ? "" : "/tcp");
		set_member(get_or_add(config, "ExposedPorts", false), port, cJSON_CreateObject());
		return 0;
	}
	if (!strcasecmp(instr, "EXCLUDE")) {
		/* paths kept out of saves (exclude.h), added to the image's list */
		cJSON *list = get_or_add(config, "Exclude", true);
		return icc_exclude_add(list, arg, err);
	}
	if (!strcasecmp(instr, "STOPSIGNAL")) {
		set_member(config, "StopSignal", cJSON_CreateString(arg));
		return 0;
	}
	return icc_err_set(err, EINVAL,
			   "invalid change '%s': unknown instruction %s (CMD, ENTRYPOINT, ENV, EXCLUDE, EXPOSE, LABEL, STOPSIGNAL, USER, WORKDIR)",
			   line, instr);
}

int icc_config_apply(cJSON *config, const cJSON *changes, struct icc_err *err)
{
	const cJSON *it;
	cJSON_ArrayForEach(it, changes) {
		if (!cJSON_IsString(it))
			continue;
		int r = apply_line(config, it->valuestring, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/*
 * The one whitelist of what an image config may hold.  Images, archives,
 * send streams and registries are not trusted: a key that would touch the
 * host (Mounts, Network, Runtime, Hostname, devices, privileges, anything
 * unknown) is dropped here and comes only from the operator's command line.
 * Each kept member must have its OCI type; Volumes and ExposedPorts keep only
 * their keys (declarations: a Volumes entry never becomes a bind mount).
 */
enum member_kind { STRING, STRINGS, STRING_MAP, KEY_SET };

static const struct {
	const char *key;
	enum member_kind kind;
} image_members[] = {
	{"Env", STRINGS},          {"Cmd", STRINGS},       {"Entrypoint", STRINGS},
	{"WorkingDir", STRING},    {"User", STRING},       {"Labels", STRING_MAP},
	{"ExposedPorts", KEY_SET}, {"StopSignal", STRING}, {"Volumes", KEY_SET},
	{"Exclude", STRINGS},
};

static cJSON *sanitize_member(const cJSON *v, enum member_kind kind)
{
	const cJSON *it;
	cJSON *out;
	switch (kind) {
	case STRING:
		return cJSON_IsString(v) ? cJSON_CreateString(v->valuestring) : NULL;
	case STRINGS:
		if (!cJSON_IsArray(v))
			return NULL;
		out = cJSON_CreateArray();
		cJSON_ArrayForEach(it, v)
			if (cJSON_IsString(it))
				cJSON_AddItemToArray(out, cJSON_CreateString(it->valuestring));
		return out;
	case STRING_MAP:
	case KEY_SET:
		if (!cJSON_IsObject(v))
			return NULL;
		out = cJSON_CreateObject();
		cJSON_ArrayForEach(it, v) {
			if (!it->string || cJSON_GetObjectItemCaseSensitive(out, it->string))
				continue; /* a repeated key: the first one, as every reader takes */
			if (kind == KEY_SET)
				cJSON_AddItemToObject(out, it->string, cJSON_CreateObject());
			else if (cJSON_IsString(it))
				cJSON_AddItemToObject(out, it->string, cJSON_CreateString(it->valuestring));
		}
		return out;
	}
	return NULL;
}

cJSON *icc_config_sanitize(const cJSON *config)
{
	cJSON *out = cJSON_CreateObject();
	for (size_t i = 0; out && i < sizeof(image_members) / sizeof(image_members[0]); i++) {
		const cJSON *v = cJSON_IsObject(config)
			? cJSON_GetObjectItemCaseSensitive(config, image_members[i].key) : NULL;
		cJSON *s = v ? sanitize_member(v, image_members[i].kind) : NULL;
		if (s)
			cJSON_AddItemToObject(out, image_members[i].key, s);
	}
	return out;
}
