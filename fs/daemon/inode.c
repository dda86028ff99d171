/* inode.c - icc-fs inode table keyed by (st_dev, st_ino), handles, fd cache */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "iccfs.h"

static size_t hash(dev_t dev, ino_t ino, size_t size)
{
	uint64_t h = (uint64_t)ino * 0x9E3779B97F4A7C15ULL ^ (uint64_t)dev * 0xC2B2AE3D27D4EB4FULL;
	return (size_t)(h >> 17) & (size - 1);
}

int ino_table_init(void)
{
	fs.hsize = 1 << 14;
	fs.htab = calloc(fs.hsize, sizeof(*fs.htab));
	if (!fs.htab)
		return -ENOMEM;
	fs.lru.lru_next = fs.lru.lru_prev = &fs.lru;
	return 0;
}

/* What getattr shows of an inode: its own number; a snapshot's root the snapshot's time. */
void fill_attr(struct ino *i, struct stat *st)
{
	st->st_ino = i->st_ino;
	if (i->snaproot && i->snap_created_ns) {
		st->st_mtim.tv_sec = i->snap_created_ns / 1000000000LL;
		st->st_mtim.tv_nsec = i->snap_created_ns % 1000000000LL;
	}
}

struct ino *ino_get(fuse_ino_t n)
{
	return n == FUSE_ROOT_ID ? &fs.root : (struct ino *)(uintptr_t)n;
}

fuse_ino_t ino_nodeid(struct ino *i)
{
	return i == &fs.root ? FUSE_ROOT_ID : (fuse_ino_t)(uintptr_t)i;
}

/* Caller holds fs.lock. */
static uint64_t map_locked(dev_t dev, ino_t ino)
{
	if (dev == fs.root.dev)
		return ino;
	unsigned idx = 0;
	for (unsigned k = 0; k < fs.ndevs; k++)
		if (fs.devs[k] == dev) {
			idx = k + 1;
			break;
		}
	if (!idx) {
		if (fs.ndevs < sizeof(fs.devs) / sizeof(fs.devs[0])) {
			fs.devs[fs.ndevs++] = dev;
			idx = fs.ndevs;
		} else {
			idx = 256 + (unsigned)(dev % 32000);
		}
	}
	return ((uint64_t)idx << 48) ^ (uint64_t)ino;
}

uint64_t ino_map(dev_t dev, ino_t ino)
{
	if (dev == fs.root.dev)
		return ino;
	pthread_mutex_lock(&fs.lock);
	uint64_t r = map_locked(dev, ino);
	pthread_mutex_unlock(&fs.lock);
	return r;
}

static void lru_del(struct ino *i)
{
	i->lru_prev->lru_next = i->lru_next;
	i->lru_next->lru_prev = i->lru_prev;
	i->lru_next = i->lru_prev = NULL;
}

static void lru_add(struct ino *i)
{
	i->lru_next = fs.lru.lru_next;
	i->lru_prev = &fs.lru;
	fs.lru.lru_next->lru_prev = i;
	fs.lru.lru_next = i;
}

/* Close least recently used unpinned fds beyond the budget.  Holds lock. */
static void evict_locked(void)
{
	while (fs.nfds > fs.fdcache_max && fs.lru.lru_prev != &fs.lru) {
		struct ino *v = fs.lru.lru_prev;
		lru_del(v);
		close(v->fd);
		v->fd = -1;
		fs.nfds--;
	}
}

static bool same_handle(const struct file_handle *a, const struct file_handle *b)
{
	return a->handle_type == b->handle_type && a->handle_bytes == b->handle_bytes &&
	       memcmp(a->f_handle, b->f_handle, a->handle_bytes) == 0;
}

static void grow_locked(void)
{
	size_t nsize = fs.hsize * 2;
	struct ino **n = calloc(nsize, sizeof(*n));
	if (!n)
		return; /* longer chains, still correct */
	for (size_t b = 0; b < fs.hsize; b++) {
		struct ino *i = fs.htab[b];
		while (i) {
			struct ino *next = i->hnext;
			size_t h = hash(i->dev, i->ino, nsize);
			i->hnext = n[h];
			n[h] = i;
			i = next;
		}
	}
	free(fs.htab);
	fs.htab = n;
	fs.hsize = nsize;
}

struct ino *ino_insert(const struct stat *st, struct file_handle *fh, int fd,
		       int mount_fd, bool ro, int *err)
{
	int close_fd = -1;
	struct ino *i;
	pthread_mutex_lock(&fs.lock);
	size_t h = hash(st->st_dev, st->st_ino, fs.hsize);
	for (i = fs.htab[h]; i; i = i->hnext)
		if (i->dev == st->st_dev && i->ino == st->st_ino)
			break;
	if (i) {
		i->nlookup++;
		if (!same_handle(i->fh, fh)) {
			/* inode number reused by a new file: the old one is gone */
			free(i->fh);
			i->fh = fh;
			fh = NULL;
			i->type = st->st_mode & S_IFMT;
			/* anonymous st_dev numbers of deleted snapshots are reused */
			i->ro = ro;
			i->mount_fd = mount_fd;
			i->snaproot = false;
			__atomic_add_fetch(&i->xgen, 1, __ATOMIC_SEQ_CST);
			if (i->fd >= 0 && i->pins == 0) {
				lru_del(i);
				close(i->fd);
				i->fd = -1;
				fs.nfds--;
			}
		}
		if (fd >= 0 && i->fd < 0) {
			i->fd = fd;
			fs.nfds++;
			if (i->pins == 0)
				lru_add(i);
			evict_locked();
		} else {
			close_fd = fd;
		}
		pthread_mutex_unlock(&fs.lock);
		free(fh);
		if (close_fd >= 0)
			close(close_fd);
		return i;
	}
	i = calloc(1, sizeof(*i));
	if (!i) {
		pthread_mutex_unlock(&fs.lock);
		free(fh);
		if (fd >= 0)
			close(fd);
		*err = ENOMEM;
		return NULL;
	}
	i->dev = st->st_dev;
	i->ino = st->st_ino;
	i->nlookup = 1;
	i->fd = fd;
	i->stale_fd = -1;
	i->kind = INO_REAL;
	i->ro = ro;
	i->type = st->st_mode & S_IFMT;
	i->mount_fd = mount_fd;
	i->fh = fh;
	i->st_ino = map_locked(st->st_dev, st->st_ino);
	i->hashed = true;
	i->hnext = fs.htab[h];
	fs.htab[h] = i;
	if (++fs.hcount > fs.hsize * 2)
		grow_locked();
	if (fd >= 0) {
		fs.nfds++;
		lru_add(i);
		evict_locked();
	}
	pthread_mutex_unlock(&fs.lock);
	return i;
}

static void free_ino_locked(struct ino *i)
{
	if (i->fd >= 0) {
		close(i->fd);
		fs.nfds--;
	}
	if (i->stale_fd >= 0)
		close(i->stale_fd);
	free(i->fh);
	free(i);
}

void ino_forget(struct ino *i, uint64_t n)
{
	if (i == &fs.root || i->kind != INO_REAL)
		return;
	pthread_mutex_lock(&fs.lock);
	i->nlookup = n >= i->nlookup ? 0 : i->nlookup - n;
	if (i->nlookup == 0 && i->hashed) {
		size_t h = hash(i->dev, i->ino, fs.hsize);
		struct ino **pp = &fs.htab[h];
		while (*pp && *pp != i)
			pp = &(*pp)->hnext;
		if (*pp)
			*pp = i->hnext;
		i->hashed = false;
		fs.hcount--;
		if (i->pins == 0) {
			if (i->fd >= 0)
				lru_del(i);
			free_ino_locked(i);
		}
	}
	pthread_mutex_unlock(&fs.lock);
}

int ino_fd(struct ino *i)
{
	if (i == &fs.root)
		return fs.root_fd;
	if (!i->fh)
		return -EINVAL;
	pthread_mutex_lock(&fs.lock);
	if (i->fd >= 0) {
		if (i->pins++ == 0)
			lru_del(i);
		int fd = i->fd;
		pthread_mutex_unlock(&fs.lock);
		return fd;
	}
	pthread_mutex_unlock(&fs.lock);

	int fd = open_by_handle_at(i->mount_fd, i->fh, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return errno == ESTALE ? -ENOENT : -errno;

	pthread_mutex_lock(&fs.lock);
	if (i->fd >= 0) {
		if (i->pins++ == 0)
			lru_del(i);
		int keep = i->fd;
		pthread_mutex_unlock(&fs.lock);
		close(fd);
		return keep;
	}
	i->fd = fd;
	i->pins++;
	fs.nfds++;
	evict_locked();
	pthread_mutex_unlock(&fs.lock);
	return fd;
}

void ino_unpin(struct ino *i)
{
	if (i == &fs.root || i->kind != INO_REAL)
		return;
	pthread_mutex_lock(&fs.lock);
	if (--i->pins == 0) {
		if (i->stale_fd >= 0) {
			close(i->stale_fd);
			i->stale_fd = -1;
		}
		if (!i->hashed)
			free_ino_locked(i);
		else if (i->fd >= 0) {
			lru_add(i);
			evict_locked();
		}
	}
	pthread_mutex_unlock(&fs.lock);
}

struct ino *ino_from_fd(int fd, int mount_fd, int mnt_expect, bool ro,
			struct stat *st, int *err)
{
	if (fstatat(fd, "", st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0) {
		*err = errno;
		close(fd);
		return NULL;
	}
	struct file_handle *fh = malloc(sizeof(*fh) + MAX_HANDLE_SZ);
	if (!fh) {
		*err = ENOMEM;
		close(fd);
		return NULL;
	}
	fh->handle_bytes = MAX_HANDLE_SZ;
	int mnt;
	if (name_to_handle_at(fd, "", fh, &mnt, AT_EMPTY_PATH) < 0) {
		*err = errno == EOPNOTSUPP ? EXDEV : errno;
		free(fh);
		close(fd);
		return NULL;
	}
	if (mnt != mnt_expect) {
		/* something is mounted here on the host: do not cross it */
		*err = EXDEV;
		free(fh);
		close(fd);
		return NULL;
	}
	struct file_handle *small = realloc(fh, sizeof(*fh) + fh->handle_bytes);
	if (small)
		fh = small;
	return ino_insert(st, fh, fd, mount_fd, ro, err);
}

struct ino *ino_lookup_at(struct ino *parent, int pfd, const char *name,
			  struct stat *st, int *err)
{
	int fd = openat(pfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		*err = errno;
		return NULL;
	}
	return ino_from_fd(fd, parent->mount_fd,
			   parent->ro ? fs.snap_mnt_id : fs.mnt_id, parent->ro, st, err);
}

fuse_ino_t *ino_writers(size_t *count)
{
	*count = 0;
	pthread_mutex_lock(&fs.lock);
	size_t cap = 16, n = 0;
	fuse_ino_t *v = malloc(cap * sizeof(*v));
	for (size_t b = 0; v && b < fs.hsize; b++)
		for (struct ino *i = fs.htab[b]; v && i; i = i->hnext) {
			if (__atomic_load_n(&i->wopen, __ATOMIC_SEQ_CST) <= 0)
				continue;
			if (n == cap) {
				fuse_ino_t *nv = realloc(v, (cap *= 2) * sizeof(*v));
				if (!nv) {
					free(v);
					v = NULL;
					break;
				}
				v = nv;
			}
			v[n++] = ino_nodeid(i);
		}
	pthread_mutex_unlock(&fs.lock);
	*count = v ? n : 0;
	return v;
}

/* One more user of i's fd (taken off the LRU list), under fs.lock; release with ino_unpin. */
void ino_pin_locked(struct ino *i)
{
	if (i->pins++ == 0 && i->fd >= 0)
		lru_del(i);
}

/*
 * A rollback moves an inode the kernel knows to the same file in the new
 * tree: new st_dev and handle (`fh` may be i->fh, changed in place), same
 * node id (so the kernel's dentries, and the mounts on them, stay valid).
 * The caller holds fs.lock.  Returns the old tree's fd for the caller to
 * close (outside the lock, later: closing thousands costs), or -1; while
 * another operation still uses it, it is kept as stale_fd instead (closed
 * at its unpin).
 */
int ino_rekey_locked(struct ino *i, dev_t dev, struct file_handle *fh, int mount_fd)
{
	int old = -1;
	if (i->hashed) {
		struct ino **pp = &fs.htab[hash(i->dev, i->ino, fs.hsize)];
		while (*pp && *pp != i)
			pp = &(*pp)->hnext;
		if (*pp)
			*pp = i->hnext;
	}
	if (i->fd >= 0) {
		if (i->pins > 0 && i->stale_fd < 0)
			i->stale_fd = i->fd;
		else if (i->pins == 0) {
			lru_del(i);
			old = i->fd;
		}
		/* else: a second rollback while an operation of the first still
		 * runs; that fd stays open (closing it under the op is worse) */
		i->fd = -1;
		fs.nfds--;
	}
	i->dev = dev;
	if (i->fh != fh)
		free(i->fh);
	i->fh = fh;
	i->mount_fd = mount_fd;
	i->noxattr_at = 0;
	i->nocap_at = 0;
	__atomic_add_fetch(&i->xgen, 1, __ATOMIC_SEQ_CST);
	if (i->hashed) {
		size_t h = hash(i->dev, i->ino, fs.hsize);
		i->hnext = fs.htab[h];
		fs.htab[h] = i;
	}
	return old;
}
