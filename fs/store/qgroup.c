/* qgroup.c - btrfs quota groups by ioctl: state, enable, rescan, read numbers
 *
 * The numbers live in the quota tree (BTRFS_QUOTA_TREE_OBJECTID): one status
 * item (0, QGROUP_STATUS, 0) and one info item (0, QGROUP_INFO, qgroupid) per
 * qgroup.  They are read with BTRFS_IOC_TREE_SEARCH, as `btrfs qgroup show`
 * does, without running btrfs-progs.
 */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <btrfsutil.h>
#include <linux/btrfs.h>
#include <linux/btrfs_tree.h>

#include "icc/base/util.h"
#include "icc/store/qgroup.h"
#include "icc/store/treesearch.h"

/* Newer than Debian 12's kernel headers (6.1); the running kernel has them. */
#ifndef BTRFS_QUOTA_CTL_ENABLE_SIMPLE_QUOTA
#define BTRFS_QUOTA_CTL_ENABLE_SIMPLE_QUOTA 4
#endif
#ifndef BTRFS_QGROUP_STATUS_FLAG_SIMPLE_MODE
#define BTRFS_QGROUP_STATUS_FLAG_SIMPLE_MODE (1ULL << 3)
#endif

static uint64_t le64_at(const char *p, size_t off)
{
	uint64_t v;
	memcpy(&v, p + off, sizeof(v));
	return le64toh(v);
}

struct quota_walk {
	uint32_t min_type, max_type;
	int (*fn)(void *, uint32_t, uint64_t, const char *, uint32_t);
	void *ctx;
};

static int quota_item(void *ctx, const struct icc_search_item *it)
{
	const struct quota_walk *w = ctx;
	if (it->objectid != 0 || it->type < w->min_type || it->type > w->max_type)
		return 0;
	return w->fn(w->ctx, it->type, it->offset, (const char *)it->data, it->len);
}

/* Call fn(ctx, type, offset, item, len) for each quota-tree item of type
 * [min_type, max_type].  -ENOENT: quotas are off (no quota tree). */
static int quota_tree_walk(int fd, uint32_t min_type, uint32_t max_type,
			   int (*fn)(void *, uint32_t, uint64_t, const char *, uint32_t), void *ctx)
{
	struct btrfs_ioctl_search_args args;
	memset(&args, 0, sizeof(args));
	struct btrfs_ioctl_search_key *k = &args.key;
	k->tree_id = BTRFS_QUOTA_TREE_OBJECTID;
	k->max_objectid = 0;
	k->min_type = min_type;
	k->max_type = max_type;
	k->max_offset = UINT64_MAX;
	k->max_transid = UINT64_MAX;
	struct quota_walk w = {min_type, max_type, fn, ctx};
	for (;;) {
		k->nr_items = 4096;
		if (ioctl(fd, BTRFS_IOC_TREE_SEARCH, &args) < 0)
			return -errno;
		if (k->nr_items == 0)
			return 0;
		struct icc_search_item last;
		int r = icc_search_each(args.buf, sizeof(args.buf), k->nr_items, quota_item, &w, &last);
		if (r < 0)
			return r;
		/* continue after the last key returned */
		if (last.type > max_type || (last.type == max_type && last.offset == UINT64_MAX) ||
		    !icc_search_key_after(k, &last) || k->min_objectid > 0)
			return 0;
	}
}

static int status_item(void *ctx, uint32_t type, uint64_t offset, const char *item, uint32_t len)
{
	(void)offset;
	if (type == BTRFS_QGROUP_STATUS_KEY && len >= 24)
		*(uint64_t *)ctx = le64_at(item, 16) | (1ULL << 63); /* flags; top bit: item seen */
	return 0;
}

int icc_qgroup_mode(int fs_fd, enum icc_qgroup_mode *mode, struct icc_err *err)
{
	uint64_t flags = 0;
	int r = quota_tree_walk(fs_fd, BTRFS_QGROUP_STATUS_KEY, BTRFS_QGROUP_STATUS_KEY, status_item, &flags);
	if (r == -ENOENT || (r == 0 && !(flags & (1ULL << 63)))) {
		*mode = ICC_QGROUP_OFF;
		return 0;
	}
	if (r < 0)
		return icc_err_sys(err, -r, "cannot read the store's quota tree");
	if (!(flags & BTRFS_QGROUP_STATUS_FLAG_ON))
		*mode = ICC_QGROUP_OFF;
	else if (flags & BTRFS_QGROUP_STATUS_FLAG_INCONSISTENT)
		*mode = ICC_QGROUP_INCONSISTENT;
	else if (flags & BTRFS_QGROUP_STATUS_FLAG_RESCAN)
		*mode = ICC_QGROUP_RESCANNING;
	else if (flags & BTRFS_QGROUP_STATUS_FLAG_SIMPLE_MODE)
		*mode = ICC_QGROUP_SIMPLE;
	else
		*mode = ICC_QGROUP_FULL;
	return 0;
}

const char *icc_qgroup_mode_name(enum icc_qgroup_mode mode)
{
	switch (mode) {
	case ICC_QGROUP_OFF: return "off";
	case ICC_QGROUP_FULL: return "on";
	case ICC_QGROUP_SIMPLE: return "simple";
	case ICC_QGROUP_RESCANNING: return "rescanning";
	case ICC_QGROUP_INCONSISTENT: return "inconsistent";
	}
	return "?";
}

static int rescan_wait(int fs_fd, struct icc_err *err)
{
	while (ioctl(fs_fd, BTRFS_IOC_QUOTA_RESCAN_WAIT) < 0) {
		if (errno == EINTR)
			continue;
		if (errno == EINVAL || errno == ENOTCONN)
			return 0; /* no rescan to wait for (simple quotas) */
		return icc_err_sys(err, errno, "cannot wait for the quota rescan");
	}
	return 0;
}

int icc_qgroup_enable(int fs_fd, bool simple, struct icc_err *err)
{
	struct btrfs_ioctl_quota_ctl_args a = {
		.cmd = simple ? BTRFS_QUOTA_CTL_ENABLE_SIMPLE_QUOTA : BTRFS_QUOTA_CTL_ENABLE,
	};
	if (ioctl(fs_fd, BTRFS_IOC_QUOTA_CTL, &a) < 0)
		return icc_err_sys(err, errno, "cannot enable %squotas on the store", simple ? "simple " : "");
	/* full quotas start with a rescan of what is already there */
	return rescan_wait(fs_fd, err);
}

int icc_qgroup_rescan(int fs_fd, struct icc_err *err)
{
	struct btrfs_ioctl_quota_rescan_args a;
	memset(&a, 0, sizeof(a));
	if (ioctl(fs_fd, BTRFS_IOC_QUOTA_RESCAN, &a) < 0 && errno != EINPROGRESS)
		return icc_err_sys(err, errno, "cannot start a quota rescan of the store");
	return rescan_wait(fs_fd, err);
}

int icc_qgroup_sync(int fs_fd, struct icc_err *err)
{
	/* BTRFS_IOC_SYNC, not syncfs: it also wakes the cleaner, which otherwise
	 * sleeps until the next periodic commit (30 s) before dropping what was
	 * deleted */
	if (ioctl(fs_fd, BTRFS_IOC_SYNC, NULL) < 0)
		return icc_err_sys(err, errno, "cannot sync the store");
	return 0;
}

#ifndef BTRFS_IOC_SUBVOL_SYNC_WAIT
struct btrfs_ioctl_subvol_wait {
	__u64 subvolid;
	__u32 mode;
	__u32 count;
};
#define BTRFS_SUBVOL_SYNC_WAIT_FOR_QUEUED 1
#define BTRFS_IOC_SUBVOL_SYNC_WAIT _IOW(BTRFS_IOCTL_MAGIC, 65, struct btrfs_ioctl_subvol_wait)
#endif

int icc_qgroup_wait_cleaner(int fs_fd, struct icc_err *err)
{
	/* commit first (a deletion is queued for the cleaner by its transaction), waking the cleaner */
	if (icc_qgroup_sync(fs_fd, err) < 0)
		return -err->code;
	struct btrfs_ioctl_subvol_wait w = {.mode = BTRFS_SUBVOL_SYNC_WAIT_FOR_QUEUED};
	while (ioctl(fs_fd, BTRFS_IOC_SUBVOL_SYNC_WAIT, &w) < 0 && errno == EINTR)
		;
	/* What the ioctl cannot see (older kernels, a queue not yet filled):
	 * poll the orphan items of deleted subvolumes, as `btrfs subvolume sync`. */
	for (int i = 0; i < 6000; i++) {
		uint64_t *ids = NULL;
		size_t n = 0;
		errno = 0;
		enum btrfs_util_error e = btrfs_util_deleted_subvolumes_fd(fs_fd, &ids, &n);
		free(ids);
		if (e)
			return icc_err_sys(err, errno ? errno : EIO, "cannot list the store's deleted subvolumes");
		if (n == 0)
			return icc_qgroup_sync(fs_fd, err);
		if (i % 4 == 3 && icc_qgroup_sync(fs_fd, err) < 0) /* wakes the cleaner */
			return -err->code;
		nanosleep(&(struct timespec){0, 50 * 1000 * 1000}, NULL);
	}
	return icc_err_set(err, ETIMEDOUT, "the btrfs cleaner has not dropped the deleted subvolumes after 5 minutes");
}

static int info_item(void *ctx, uint32_t type, uint64_t offset, const char *item, uint32_t len)
{
	struct icc_qgroup_table *t = ctx;
	if (type != BTRFS_QGROUP_INFO_KEY || len < 40)
		return 0;
	if (icc_grow(&t->q, &t->cap, t->count, sizeof(*t->q), 64) < 0)
		return -ENOMEM;
	t->q[t->count++] = (struct icc_qgroup_usage){
		.qgroupid = offset, .referenced = le64_at(item, 8), .exclusive = le64_at(item, 24)};
	return 0;
}

int icc_qgroup_table_load(int fs_fd, struct icc_qgroup_table *t, struct icc_err *err)
{
	t->q = NULL;
	t->count = t->cap = 0;
	int r = quota_tree_walk(fs_fd, BTRFS_QGROUP_INFO_KEY, BTRFS_QGROUP_INFO_KEY, info_item, t);
	if (r < 0) {
		icc_qgroup_table_free(t);
		return r == -ENOENT ? icc_err_set(err, ENOENT, "quotas are off on the store")
				    : icc_err_sys(err, -r, "cannot read the store's quota groups");
	}
	return 0; /* the tree search returns them sorted by qgroupid */
}

static int cmp_qgroupid(const void *key, const void *elem)
{
	uint64_t a = *(const uint64_t *)key;
	uint64_t b = ((const struct icc_qgroup_usage *)elem)->qgroupid;
	return a < b ? -1 : a > b;
}

const struct icc_qgroup_usage *icc_qgroup_find(const struct icc_qgroup_table *t, uint64_t subvolid)
{
	if (!t->count)
		return NULL;
	return bsearch(&subvolid, t->q, t->count, sizeof(*t->q), cmp_qgroupid);
}

void icc_qgroup_table_free(struct icc_qgroup_table *t)
{
	free(t->q);
	t->q = NULL;
	t->count = t->cap = 0;
}

int icc_qgroup_subvol_id(int fd, uint64_t *id, struct icc_err *err)
{
	errno = 0;
	enum btrfs_util_error e = btrfs_util_subvolume_id_fd(fd, id);
	if (e)
		return icc_err_sys(err, errno ? errno : EIO, "cannot read the subvolume id: %s", btrfs_util_strerror(e));
	return 0;
}
