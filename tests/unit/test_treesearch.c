/* test_treesearch.c - btrfs tree search replies read by bytes with bounds; what changed since */
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <sys/ioctl.h>
#include "unit.h"

#include "icc/store/changes.h"
#include "icc/store/treesearch.h"

/* Append one item (header, then len bytes of `fill`) at *off: packed, as the kernel does. */
static void put(unsigned char *buf, size_t *off, uint64_t objectid, uint32_t type, uint64_t offset,
		uint32_t len, unsigned char fill)
{
	struct btrfs_ioctl_search_header h = {.transid = 7, .objectid = objectid, .offset = offset,
					       .type = type, .len = len};
	memcpy(buf + *off, &h, sizeof(h));
	*off += sizeof(h);
	memset(buf + *off, fill, len);
	*off += len;
}

struct seen {
	struct icc_search_item it[8];
	int n;
};

static int remember(void *ctx, const struct icc_search_item *it)
{
	struct seen *s = ctx;
	s->it[s->n++] = *it;
	return 0;
}

static void items_unaligned_and_bounded(void **state)
{
	unsigned char buf[3 * sizeof(struct btrfs_ioctl_search_header) + 8];
	size_t off = 0;
	put(buf, &off, 256, 1, 0, 3, 'a'); /* the next header starts at an odd byte */
	put(buf, &off, 256, 12, 9, 0, 0);
	put(buf, &off, 300, 108, UINT64_MAX, 5, 'c');
	assert_int_equal(off, sizeof(buf));
	struct seen s = {.n = 0};
	struct icc_search_item last;
	assert_int_equal(icc_search_each(buf, off, 3, remember, &s, &last), 0);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.it[0].objectid, 256);
	assert_int_equal(s.it[0].len, 3);
	assert_memory_equal(s.it[0].data, "aaa", 3);
	assert_int_equal(s.it[1].type, 12);
	assert_int_equal(s.it[1].offset, 9);
	assert_int_equal(s.it[2].objectid, 300);
	assert_int_equal(s.it[2].transid, 7);
	assert_memory_equal(s.it[2].data, "ccccc", 5);
	assert_int_equal(last.objectid, 300);
	/* more items than the buffer holds, an item longer than what is left: refused */
	s.n = 0;
	assert_int_equal(icc_search_each(buf, off, 4, remember, &s, &last), -EIO);
	assert_int_equal(s.n, 3);
	assert_int_equal(icc_search_each(buf, off - 1, 3, NULL, NULL, &last), -EIO);
	assert_int_equal(icc_search_each(buf, 10, 1, NULL, NULL, &last), -EIO);
	assert_int_equal(icc_search_each(buf, 0, 0, NULL, NULL, &last), 0);
}

static void key_after_each_edge(void **state)
{
	static const struct {
		uint64_t obj, off;
		uint32_t type;
		bool more;
		uint64_t nobj, noff;
		uint32_t ntype;
	} rows[] = {
		{256, 5, 1, true, 256, 6, 1},
		{256, UINT64_MAX, 1, true, 256, 0, 2},
		{256, UINT64_MAX, 255, true, 257, 0, 0},
		{UINT64_MAX, UINT64_MAX, 255, false, 0, 0, 0},
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct btrfs_ioctl_search_key k = {0};
		struct icc_search_item last = {.objectid = rows[i].obj, .type = rows[i].type,
					       .offset = rows[i].off};
		bool more = icc_search_key_after(&k, &last);
		if (more != rows[i].more)
			fail_msg("row %zu: more %d", i, more);
		if (more && (k.min_objectid != rows[i].nobj || k.min_type != rows[i].ntype ||
			     k.min_offset != rows[i].noff))
			fail_msg("row %zu: next key (%llu %u %llu)", i, (unsigned long long)k.min_objectid,
				 k.min_type, (unsigned long long)k.min_offset);
	}
}

/* A fake kernel: the keys of a subvolume's changed leaves, served a few per call. */
static const struct {
	uint64_t obj;
	uint32_t type;
	uint64_t off;
} fake_keys[] = {
	{256, 1, 0}, {256, 12, 256}, {256, 84, 77}, {256, 96, 2}, {257, 1, 0},
	{257, 108, 0}, {300, 1, 0}, {300, 255, UINT64_MAX}, {301, 0, 0},
};
static int fake_per_call = 2, fake_errno, fake_calls;
static enum { FAKE_OK, FAKE_OVERCOUNT, FAKE_UNORDERED } fake_mode;

static bool key_before(size_t i, const struct btrfs_ioctl_search_key *k)
{
	if (fake_keys[i].obj != k->min_objectid)
		return fake_keys[i].obj < k->min_objectid;
	if (fake_keys[i].type != k->min_type)
		return fake_keys[i].type < k->min_type;
	return fake_keys[i].off < k->min_offset;
}

int __wrap_ioctl(int fd, unsigned long req, ...);
int __wrap_ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	va_start(ap, req);
	struct btrfs_ioctl_search_args_v2 *a = va_arg(ap, struct btrfs_ioctl_search_args_v2 *);
	va_end(ap);
	fake_calls++;
	if (req != BTRFS_IOC_TREE_SEARCH_V2 || fake_errno) {
		errno = fake_errno ? fake_errno : ENOTTY;
		return -1;
	}
	assert_int_equal(a->key.min_transid, 42);
	unsigned char *buf = (unsigned char *)a->buf;
	size_t off = 0, i = 0, n = 0, nkeys = sizeof(fake_keys) / sizeof(fake_keys[0]);
	while (i < nkeys && key_before(i, &a->key))
		i++;
	for (; i < nkeys && n < (size_t)fake_per_call; i++, n++)
		put(buf, &off, fake_keys[i].obj, fake_keys[i].type, fake_keys[i].off, 1 + (uint32_t)i, 'x');
	if (fake_mode == FAKE_UNORDERED && n) { /* a key before the ones just given */
		put(buf, &off, 1, 1, 0, 0, 0);
		n++;
	}
	a->key.nr_items = (uint32_t)n + (fake_mode == FAKE_OVERCOUNT && n ? 5000 : 0);
	return 0;
}

static void changed_since_over_several_replies(void **state)
{
	static const uint64_t want[] = {256, 257, 300, 301};
	for (fake_per_call = 1; fake_per_call <= 10; fake_per_call++) {
		struct icc_ids ids;
		struct icc_err err;
		fake_mode = FAKE_OK;
		fake_errno = fake_calls = 0;
		assert_int_equal(icc_subvol_changed_since(3, 42, &ids, &err), 0);
		assert_int_equal(ids.n, 4);
		assert_memory_equal(ids.ids, want, sizeof(want));
		assert_true(icc_ids_has(&ids, 300));
		assert_false(icc_ids_has(&ids, 299));
		assert_false(icc_ids_has(&ids, 302));
		icc_ids_free(&ids);
		assert_int_equal(ids.n, 0);
		assert_false(icc_ids_has(&ids, 256));
	}
}

static void changed_since_says_why_it_cannot(void **state)
{
	struct icc_ids ids;
	struct icc_err err;
	fake_per_call = 3;
	fake_mode = FAKE_OK;
	fake_errno = EPERM;
	assert_int_equal(icc_subvol_changed_since(3, 42, &ids, &err), -EPERM);
	assert_non_null(strstr(err.msg, "BTRFS_IOC_TREE_SEARCH_V2"));
	assert_null(ids.ids);
	fake_errno = 0;
	fake_mode = FAKE_OVERCOUNT;
	assert_int_equal(icc_subvol_changed_since(3, 42, &ids, &err), -EIO);
	assert_non_null(strstr(err.msg, "does not parse"));
	assert_int_equal(ids.n, 0);
	fake_mode = FAKE_UNORDERED;
	assert_int_equal(icc_subvol_changed_since(3, 42, &ids, &err), -EIO);
	assert_null(ids.ids);
	fake_mode = FAKE_OK;
}

UNIT_TESTS(cmocka_unit_test(items_unaligned_and_bounded), cmocka_unit_test(key_after_each_edge),
	   cmocka_unit_test(changed_since_over_several_replies),
	   cmocka_unit_test(changed_since_says_why_it_cannot))
