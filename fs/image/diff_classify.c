/* diff_classify.c - a send stream's operations to docker diff's A/C/D lines (pure, diff.h) */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "icc/base/util.h"
#include "icc/image/diff.h"

/* The last entry for `path` among v[from..n), or -1. */
static ssize_t find_from(const struct icc_changes *c, size_t from, const char *path)
{
	for (size_t i = c->n; i-- > from;)
		if (!strcmp(c->v[i].path, path))
			return (ssize_t)i;
	return -1;
}

static ssize_t find(const struct icc_changes *c, const char *path)
{
	return find_from(c, 0, path);
}

static bool under(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	return !strncmp(path, dir, n) && path[n] == '/';
}

/* The entry for `path`, made ('?', times-only as given) if new; NULL when out of memory. */
static struct icc_change *touch(struct icc_changes *c, const char *path, bool times_only)
{
	ssize_t i = find(c, path);
	if (i >= 0) {
		if (!times_only)
			c->v[i].times = false;
		return &c->v[i];
	}
	if (icc_grow(&c->v, &c->cap, c->n, sizeof(*c->v), 64) < 0)
		return NULL;
	char *p = strdup(path);
	if (!p)
		return NULL;
	c->v[c->n] = (struct icc_change){.kind = '?', .path = p, .times = times_only};
	return &c->v[c->n++];
}

static void drop(struct icc_changes *c, size_t i)
{
	free(c->v[i].path);
	c->v[i] = c->v[--c->n];
}

int icc_diff_note(struct icc_changes *c, enum icc_diff_op op, const char *path, const char *to)
{
	if (op == ICC_DOP_RENAME) {
		/* what was noted below `path` now lives below `to` (a new
		 * directory made under an orphan name, then named) */
		size_t n = strlen(path);
		for (size_t k = c->n; k-- > 0;) {
			if (!under(c->v[k].path, path))
				continue;
			size_t len = strlen(to) + strlen(c->v[k].path) - n + 1;
			char *np = malloc(len);
			if (!np)
				return -ENOMEM;
			snprintf(np, len, "%s%s", to, c->v[k].path + n);
			ssize_t dup = find(c, np);
			if (dup >= 0) {
				/* already noted under its new name: one entry */
				c->v[dup].times &= c->v[k].times;
				free(np);
				drop(c, k);
				continue;
			}
			free(c->v[k].path);
			c->v[k].path = np;
		}
		/* both names are touched: the old one may have been in A, the
		 * new one replaced whatever was there */
		if (!touch(c, path, false))
			return -ENOMEM;
		struct icc_change *t = touch(c, to, false);
		if (!t)
			return -ENOMEM;
		t->moved = true;
		return 0;
	}
	return touch(c, path, op == ICC_DOP_TIMES) ? 0 : -ENOMEM;
}

static int by_path(const void *x, const void *y)
{
	const struct icc_change *a = x, *b = y;
	return strcmp(a->path, b->path);
}

void icc_changes_sort(struct icc_changes *c)
{
	if (c->n > 1)
		qsort(c->v, c->n, sizeof(*c->v), by_path);
	size_t w = 0;
	for (size_t r = 0; r < c->n; r++) {
		if (w > 0 && !strcmp(c->v[w - 1].path, c->v[r].path)) {
			free(c->v[r].path);
			continue;
		}
		c->v[w++] = c->v[r];
	}
	c->n = w;
}

int icc_diff_classify(struct icc_changes *c, const struct icc_diff_trees *t)
{
	/* by existence: what the path was and is, not how it got there */
	for (size_t k = c->n; k-- > 0;) {
		const char *p = c->v[k].path;
		bool a = t->in_a(p, t->ctx), b = t->in_b(p, t->ctx);
		if (a && b && c->v[k].times && t->same_times && t->same_times(p, t->ctx))
			drop(c, k); /* reading a file updates its atime; that is no change */
		else if (a && b)
			c->v[k].kind = 'C';
		else if (b)
			c->v[k].kind = 'A';
		else if (a)
			c->v[k].kind = 'D';
		else
			drop(c, k); /* a temporary (orphan) name, or made and removed */
	}
	icc_changes_sort(c);
	/* a deleted directory stands for its contents: sorted, they follow it */
	size_t w = 0;
	const char *gone = NULL;
	for (size_t r = 0; r < c->n; r++) {
		if (gone && under(c->v[r].path, gone)) {
			free(c->v[r].path);
			continue;
		}
		c->v[w++] = c->v[r];
		gone = c->v[r].kind == 'D' ? c->v[w - 1].path : NULL;
	}
	c->n = w;
	/* the parents of changes are changed (v[0..n0) is sorted: bsearch it) */
	size_t n0 = c->n;
	for (size_t i = 0; i < n0; i++) {
		char *p = strdup(c->v[i].path);
		if (!p)
			return -ENOMEM;
		char *s;
		while ((s = strrchr(p, '/')) && s != p) {
			*s = '\0';
			struct icc_change key = {.path = p};
			if (bsearch(&key, c->v, n0, sizeof(*c->v), by_path) || find_from(c, n0, p) >= 0)
				break;
			struct icc_change *e = touch(c, p, false);
			if (!e) {
				free(p);
				return -ENOMEM;
			}
			e->kind = 'C';
		}
		free(p);
	}
	icc_changes_sort(c);
	return 0;
}
