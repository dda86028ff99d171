/* changes.c - what may differ in a subvolume since a transaction: one btree search */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include <linux/btrfs.h>

#include "icc/store/changes.h"
#include "icc/store/treesearch.h"

#define SEARCH_BUF (256 * 1024)

struct collect {
	struct icc_ids *ids;
	size_t cap;
};

/* The search runs in key order: an id is new or the last one again. */
static int add_id(void *ctx, const struct icc_search_item *it)
{
	struct collect *c = ctx;
	struct icc_ids *s = c->ids;
	if (s->n && s->ids[s->n - 1] == it->objectid)
		return 0;
	if (s->n && s->ids[s->n - 1] > it->objectid)
		return -EIO; /* not in key order: not a reply we understand */
	if (s->n == c->cap) {
		size_t nc = c->cap ? c->cap * 2 : 1024;
		if (nc > ICC_CHANGES_MAX)
			return -E2BIG;
		uint64_t *v = realloc(s->ids, nc * sizeof(*v));
		if (!v)
			return -ENOMEM;
		s->ids = v;
		c->cap = nc;
	}
	s->ids[s->n++] = it->objectid;
	return 0;
}

static int search_error(struct icc_err *err, int r)
{
	switch (-r) {
	case EIO: return icc_err_set(err, EIO, "the btree search's reply does not parse");
	case E2BIG: return icc_err_set(err, E2BIG, "more than %u changed inodes", ICC_CHANGES_MAX);
	case ENOMEM: return icc_err_set(err, ENOMEM, "out of memory");
	default: return icc_err_sys(err, -r, "btree search (BTRFS_IOC_TREE_SEARCH_V2)");
	}
}

int icc_subvol_changed_since(int fd, uint64_t since, struct icc_ids *out, struct icc_err *err)
{
	*out = (struct icc_ids){0};
	struct btrfs_ioctl_search_args_v2 *a = malloc(sizeof(*a) + SEARCH_BUF);
	if (!a)
		return icc_err_set(err, ENOMEM, "out of memory");
	memset(&a->key, 0, sizeof(a->key)); /* tree_id 0: fd's subvolume */
	a->key.max_objectid = a->key.max_offset = a->key.max_transid = UINT64_MAX;
	a->key.max_type = 255;
	a->key.min_transid = since;
	struct collect c = {out, 0};
	int r = 0;
	for (;;) {
		a->key.nr_items = UINT32_MAX;
		a->buf_size = SEARCH_BUF;
		if (ioctl(fd, BTRFS_IOC_TREE_SEARCH_V2, a) < 0) {
			r = -errno;
			break;
		}
		if (a->key.nr_items == 0)
			break;
		struct icc_search_item last;
		/* the buffer's address, never an index into it (treesearch.h) */
		r = icc_search_each((const void *)a->buf, SEARCH_BUF, a->key.nr_items, add_id, &c, &last);
		if (r < 0 || !icc_search_key_after(&a->key, &last))
			break;
	}
	free(a);
	if (r < 0) {
		icc_ids_free(out);
		return search_error(err, r);
	}
	return 0;
}

static int cmp_id(const void *key, const void *elem)
{
	uint64_t a = *(const uint64_t *)key, b = *(const uint64_t *)elem;
	return a < b ? -1 : a > b;
}

bool icc_ids_has(const struct icc_ids *s, uint64_t id)
{
	return s->n && bsearch(&id, s->ids, s->n, sizeof(*s->ids), cmp_id);
}

void icc_ids_free(struct icc_ids *s)
{
	free(s->ids);
	*s = (struct icc_ids){0};
}
