/* ref.c - image reference grammar and the tag table repositories.json */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "icc/store/ref.h"

static bool is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* path-component := [a-z0-9]+ ((\.|_|__|-+) [a-z0-9]+)* */
static bool path_component_valid(const char *s, size_t n)
{
	if (n == 0 || !is_lower_alnum(s[0]) || !is_lower_alnum(s[n - 1]))
		return false;
	for (size_t i = 0; i < n; i++) {
		if (is_lower_alnum(s[i]))
			continue;
		size_t j = i;
		while (j < n && !is_lower_alnum(s[j]))
			j++;
		size_t sep = j - i;
		const char *p = s + i;
		bool dashes = true;
		for (size_t k = 0; k < sep; k++)
			if (p[k] != '-')
				dashes = false;
		if (!(dashes || (sep == 1 && (*p == '.' || *p == '_')) ||
		      (sep == 2 && p[0] == '_' && p[1] == '_')))
			return false;
		i = j - 1;
	}
	return true;
}

/* domain := label(.label)*(:port)? with labels [A-Za-z0-9-], not starting/ending in '-' */
static bool domain_valid(const char *s, size_t n)
{
	const char *colon = memchr(s, ':', n);
	size_t host_n = colon ? (size_t)(colon - s) : n;
	if (host_n == 0)
		return false;
	size_t label = 0;
	for (size_t i = 0; i < host_n; i++) {
		char c = s[i];
		if (c == '.') {
			if (label == 0 || s[i - 1] == '-')
				return false;
			label = 0;
			continue;
		}
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '-';
		if (!ok || (label == 0 && c == '-'))
			return false;
		label++;
	}
	if (label == 0 || s[host_n - 1] == '-')
		return false;
	if (colon) {
		size_t pn = n - host_n - 1;
		if (pn == 0 || pn > 5)
			return false;
		for (size_t i = host_n + 1; i < n; i++)
			if (s[i] < '0' || s[i] > '9')
				return false;
	}
	return true;
}

static bool tag_valid(const char *t)
{
	size_t n = strlen(t);
	if (n == 0 || n > 128)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = t[i];
		bool word = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    (c >= '0' && c <= '9') || c == '_';
		if (!word && (i == 0 || (c != '.' && c != '-')))
			return false;
	}
	return true;
}

int icc_ref_normalize(const char *ref, char *out, size_t size, struct icc_err *err)
{
	if (!ref || !*ref)
		return icc_err_set(err, EINVAL, "invalid reference format: empty name");
	size_t len = strlen(ref);
	if (len > 255 + 1 + 128)
		return icc_err_set(err, EINVAL, "invalid reference format: '%.40s...' is too long", ref);
	if (strchr(ref, '@'))
		return icc_err_set(err, EINVAL, "invalid reference format: '%s': digests are not supported here", ref);

	const char *slash = strrchr(ref, '/');
	const char *colon = strrchr(slash ? slash : ref, ':');
	size_t name_n = colon ? (size_t)(colon - ref) : len;
	const char *tag = colon ? colon + 1 : "latest";

	if (name_n == 0)
		return icc_err_set(err, EINVAL, "invalid reference format: '%s' has no name", ref);
	if (name_n > 255)
		return icc_err_set(err, EINVAL, "invalid reference format: repository name in '%.40s...' must not be longer than 255 characters", ref);
	if (!tag_valid(tag))
		return icc_err_set(err, EINVAL, "invalid tag '%s' in '%s': tags are [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}", tag, ref);

	/* Split the name into components; the first may be a registry domain. */
	const char *p = ref, *end = ref + name_n;
	bool first = true;
	while (p <= end) {
		const char *q = memchr(p, '/', (size_t)(end - p));
		if (!q)
			q = end;
		size_t n = (size_t)(q - p);
		bool more = q < end;
		bool is_domain = first && more &&
			(memchr(p, '.', n) || memchr(p, ':', n) || (n == 9 && !memcmp(p, "localhost", 9)));
		if (is_domain ? !domain_valid(p, n) : !path_component_valid(p, n))
			return icc_err_set(err, EINVAL,
					   "invalid reference format: '%s': repository names must be lowercase letters, digits and separators (. _ __ -)", ref);
		first = false;
		p = q + 1;
		if (!more)
			break;
	}
	if (snprintf(out, size, "%.*s:%s", (int)name_n, ref, tag) >= (int)size)
		return icc_err_set(err, ENAMETOOLONG, "reference '%s' is too long", ref);
	return 0;
}

bool icc_container_name_valid(const char *name)
{
	size_t n = strlen(name);
	if (n < 2 || n > 128)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
		if (!alnum && (i == 0 || (c != '_' && c != '.' && c != '-')))
			return false;
	}
	return true;
}

void icc_ref_split(const char *ref, char *name, size_t nsize, char *tag, size_t tsize)
{
	const char *slash = strrchr(ref, '/');
	const char *colon = strrchr(slash ? slash : ref, ':');
	if (!colon) {
		snprintf(name, nsize, "%s", ref);
		snprintf(tag, tsize, "latest");
		return;
	}
	snprintf(name, nsize, "%.*s", (int)(colon - ref), ref);
	snprintf(tag, tsize, "%s", colon + 1);
}

int icc_refs_load(struct icc_store *st, cJSON **refs, struct icc_err *err)
{
	cJSON *doc = NULL;
	struct icc_err e2;
	int r = icc_json_read(st->root_fd, "repositories.json", &doc, &e2);
	if (r == -ENOENT) {
		*refs = cJSON_CreateObject();
		return *refs ? 0 : icc_err_set(err, ENOMEM, "out of memory");
	}
	if (r < 0)
		return icc_err_set(err, -r, "tag table %s/repositories.json: %s", st->root, e2.msg);
	*refs = doc;
	return 0;
}

int icc_refs_save(struct icc_store *st, const cJSON *refs, struct icc_err *err)
{
	return icc_json_write(st->root_fd, "repositories.json", refs, err);
}

int icc_refs_set(struct icc_store *st, const char *ref, const char *id, struct icc_err *err)
{
	cJSON *refs;
	int r = icc_refs_load(st, &refs, err);
	if (r < 0)
		return r;
	cJSON_DeleteItemFromObjectCaseSensitive(refs, ref);
	cJSON_AddStringToObject(refs, ref, id);
	r = icc_refs_save(st, refs, err);
	cJSON_Delete(refs);
	return r;
}

int icc_refs_drop_image(struct icc_store *st, const char *id, struct icc_err *err)
{
	cJSON *refs;
	int r = icc_refs_load(st, &refs, err);
	if (r < 0)
		return r;
	int removed = 0;
	cJSON *it = refs->child;
	while (it) {
		cJSON *next = it->next;
		if (cJSON_IsString(it) && !strcmp(it->valuestring, id)) {
			cJSON_Delete(cJSON_DetachItemViaPointer(refs, it));
			removed++;
		}
		it = next;
	}
	if (removed)
		r = icc_refs_save(st, refs, err);
	cJSON_Delete(refs);
	return r < 0 ? r : removed;
}
