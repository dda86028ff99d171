/* objsize.c - exclusive and total bytes of a tree: quota groups, or apparent sizes */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "icc/store/objsize.h"
#include "icc/store/object.h"

static int load(struct icc_sizes *s, struct icc_err *err)
{
	icc_qgroup_table_free(&s->table);
	int r = icc_qgroup_sync(s->fs_fd, err);
	if (r == 0)
		r = icc_qgroup_table_load(s->fs_fd, &s->table, err);
	s->stale = false;
	return r;
}

int icc_sizes_open(struct icc_sizes *s, struct icc_store *st, struct icc_err *err)
{
	memset(s, 0, sizeof(*s));
	s->st = st;
	s->fs_fd = st->root_fd;
	int r = icc_qgroup_mode(s->fs_fd, &s->mode, err);
	if (r < 0)
		return r;
	/* Simple quotas charge a block to the tree that wrote it, for life:
	 * not what removing a tree frees, so they are not used as such. */
	if (s->mode != ICC_QGROUP_FULL)
		return 0;
	r = load(s, err);
	if (r < 0)
		return r;
	s->exact = true;
	return 0;
}

void icc_sizes_close(struct icc_sizes *s)
{
	if (s->st && s->st->rm_observer == &s->observer)
		s->st->rm_observer = NULL;
	icc_qgroup_table_free(&s->table);
}

static int apparent(int fd, struct icc_size *out, struct icc_err *err)
{
	unsigned long long b = 0;
	int r = icc_tree_size(fd, &b, err);
	out->exclusive = out->total = b;
	return r;
}

int icc_sizes_of(struct icc_sizes *s, int fd, struct icc_size *out, struct icc_err *err)
{
	out->exclusive = out->total = 0;
	if (!s->exact)
		return apparent(fd, out, err);
	uint64_t id;
	int r = icc_qgroup_subvol_id(fd, &id, err);
	if (r < 0)
		return r;
	if (s->stale && (r = icc_qgroup_wait_cleaner(s->fs_fd, err)) == 0)
		r = load(s, err);
	if (r < 0)
		return r;
	const struct icc_qgroup_usage *q = icc_qgroup_find(&s->table, id);
	if (!q) { /* made after the table was read */
		if ((r = load(s, err)) < 0)
			return r;
		q = icc_qgroup_find(&s->table, id);
	}
	if (!q)
		return icc_err_set(err, ENOENT, "subvolume %llu has no quota group", (unsigned long long)id);
	out->exclusive = q->exclusive;
	out->total = q->referenced;
	return 0;
}

static void before_subvol(void *ctx, int parent_fd, const char *name)
{
	struct icc_sizes *s = ctx;
	int fd = openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return;
	struct icc_size z;
	struct icc_err e;
	if (icc_sizes_of(s, fd, &z, &e) == 0)
		s->freed += z.exclusive;
	close(fd);
	s->deleted++;
	s->stale = true; /* the next reading waits for this deletion */
}

void icc_sizes_observe(struct icc_sizes *s, struct icc_store *st)
{
	s->observer.before_subvol = before_subvol;
	s->observer.ctx = s;
	st->rm_observer = &s->observer;
}

const char *icc_sizes_note(const struct icc_sizes *s)
{
	switch (s->mode) {
	case ICC_QGROUP_FULL:
		return NULL;
	case ICC_QGROUP_OFF:
		return "Sizes are apparent sizes (quotas are off on this store; 'icc system check --quotas' turns them on).";
	case ICC_QGROUP_SIMPLE:
		return "Sizes are apparent sizes (the store has simple quotas, which do not tell what removing a tree frees).";
	case ICC_QGROUP_RESCANNING:
		return "Sizes are apparent sizes (btrfs is rescanning the store's quotas; try again later).";
	case ICC_QGROUP_INCONSISTENT:
		return "Sizes are apparent sizes (the store's quota numbers are inconsistent; 'icc system check --repair' rescans them).";
	}
	return NULL;
}
