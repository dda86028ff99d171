/* filters.c - --filter KEY=VALUE of ps and images: the same key ORs, different keys AND (Docker) */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cli_filter_add(struct cli_filters *f, const char *cmd, const char *spec,
		   const char *const *keys)
{
	const char *eq = strchr(spec, '=');
	size_t kl = eq ? (size_t)(eq - spec) : 0;
	bool known = false;
	for (size_t i = 0; eq && keys[i]; i++)
		known |= strlen(keys[i]) == kl && !strncmp(keys[i], spec, kl);
	if (!known) {
		char list[256] = "";
		for (size_t i = 0, n = 0; keys[i]; i++)
			n += (size_t)snprintf(list + n, n < sizeof(list) ? sizeof(list) - n : 0, "%s%s=",
					      i ? ", " : "", keys[i]);
		cli_errorf("%s: --filter '%s': %s (use %s)", cmd, spec,
			   eq ? "unknown filter" : "not KEY=VALUE", list);
		return 1;
	}
	if (f->n == CLI_FILTERS_MAX) {
		cli_errorf("%s: --filter '%s': at most %d filters", cmd, spec, CLI_FILTERS_MAX);
		return 1;
	}
	f->key[f->n] = strndup(spec, kl);
	f->val[f->n] = strdup(eq + 1);
	f->n++;
	return 0;
}

bool cli_filter_has(const struct cli_filters *f, const char *key)
{
	for (size_t i = 0; i < f->n; i++)
		if (!strcmp(f->key[i], key))
			return true;
	return false;
}

bool cli_filter_match(const struct cli_filters *f, const char *key,
		      bool (*match)(const char *value, void *ctx), void *ctx)
{
	bool any = false;
	for (size_t i = 0; i < f->n; i++) {
		if (strcmp(f->key[i], key))
			continue;
		if (match(f->val[i], ctx))
			return true;
		any = true;
	}
	return !any;
}

void cli_filters_free(struct cli_filters *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->key[i]);
		free(f->val[i]);
	}
	f->n = 0;
}
