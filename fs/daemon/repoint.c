/* repoint.c - after a rollback's swap: the daemon's inodes and the kernel's caches follow the new tree */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <btrfsutil.h>

#include "iccfs.h"
#include "icc/store/changes.h"

/*
 * Why not FUSE_NOTIFY_INC_EPOCH: a new epoch makes the kernel drop every
 * cached dentry without asking us (d_invalidate), and dropping a dentry
 * detaches every mount on it: a container's /proc, /dev, /sys and its
 * bind-mounted /etc/hosts would vanish under it.  Instead each inode the
 * kernel knows is moved to the same file of the new tree (same inode
 * number and generation: a btrfs snapshot keeps both), keeping its node
 * id, and the cached names of the directories it knows are only expired
 * (FUSE_EXPIRE_ONLY): the next use asks us again, gets the same node id
 * where the file is the same (the dentry and its mounts stay), another
 * one or ENOENT where it is not (the kernel drops that dentry).  Files
 * open at the swap keep their inode of the old tree, as after a rename
 * over them; their path shows the new tree's file (another node id).
 *
 * Only what changed since both trees were the same is compared and told
 * to the kernel (changed_since: a btree search that skips older blocks);
 * every other inode just takes its handle in the new tree, in place.  So
 * a rollback costs the changes, plus one pass over the inodes the kernel
 * holds, not a walk of the tree.
 */

/* Btrfs's handle without parent (FILEID_BTRFS_WITHOUT_PARENT): objectid, root, generation. */
#define BTRFS_FH_TYPE 0x4d
#define BTRFS_FH_ROOT_OFF 8

struct move {
	struct ino *i;
	bool pinned_before;          /* by an open file or a running op */
	bool dir;
	bool gone;                   /* a directory the new tree does not have */
	struct file_handle *fh;      /* the new tree's handle, NULL: stays */
	char **names;                /* directories: names whose target differs in the two trees */
	size_t nnames;
};

static struct file_handle *handle_in(const struct file_handle *old, uint64_t root_id)
{
	if (!old || old->handle_type != BTRFS_FH_TYPE || old->handle_bytes < BTRFS_FH_ROOT_OFF + 8)
		return NULL;
	struct file_handle *fh = malloc(sizeof(*fh) + old->handle_bytes);
	if (!fh)
		return NULL;
	memcpy(fh, old, sizeof(*fh) + old->handle_bytes);
	memcpy(fh->f_handle + BTRFS_FH_ROOT_OFF, &root_id, sizeof(root_id));
	return fh;
}

/* The same handle in subvolume `root_id`, changed in place; false: not a btrfs handle. */
static bool patch_handle(struct file_handle *fh, uint64_t root_id)
{
	if (!fh || fh->handle_type != BTRFS_FH_TYPE || fh->handle_bytes < BTRFS_FH_ROOT_OFF + 8)
		return false;
	memcpy(fh->f_handle + BTRFS_FH_ROOT_OFF, &root_id, sizeof(root_id));
	return true;
}

struct ent {
	char *name;
	ino_t ino;
};

static int ent_cmp(const void *a, const void *b)
{
	return strcmp(((const struct ent *)a)->name, ((const struct ent *)b)->name);
}

/* The entries of directory `fd` (borrowed), sorted by name; NULL (n 0) if unreadable. */
static struct ent *entries(int fd, bool is_root, size_t *n)
{
	*n = 0;
	int dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
	if (!d) {
		if (dfd >= 0)
			close(dfd);
		return NULL;
	}
	struct ent *v = NULL;
	size_t cap = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    (is_root && !strcmp(de->d_name, ".icc")))
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			struct ent *nv = realloc(v, cap * sizeof(*v));
			if (!nv)
				break;
			v = nv;
		}
		if (!(v[*n].name = strdup(de->d_name)))
			break;
		v[(*n)++].ino = de->d_ino;
	}
	closedir(d);
	if (*n)
		qsort(v, *n, sizeof(*v), ent_cmp);
	return v;
}

static void add_name(struct move *m, char *name, size_t *cap)
{
	if (m->nnames == *cap) {
		size_t nc = *cap ? *cap * 2 : 16;
		char **n = realloc(m->names, nc * sizeof(*n));
		if (!n) {
			free(name);
			return;
		}
		m->names = n;
		*cap = nc;
	}
	m->names[m->nnames++] = name;
}

/*
 * The names of a directory whose target differs between the trees: in one
 * only, or another inode.  A name leading to the same inode in both needs
 * nothing: that inode moves to the new tree with its node id, so the
 * kernel's dentry stays right.
 */
static void names_of(struct move *m, int new_fd)
{
	int fd = ino_fd(m->i);
	if (fd < 0)
		return;
	bool root = m->i == &fs.root;
	size_t no, nn, i = 0, j = 0, cap = 0;
	struct ent *o = entries(fd, root, &no), *n = entries(new_fd, root, &nn);
	ino_unpin(m->i);
	while (i < no || j < nn) {
		int c = i == no ? 1 : j == nn ? -1 : strcmp(o[i].name, n[j].name);
		if (c < 0) {
			add_name(m, o[i++].name, &cap);
		} else if (c > 0) {
			add_name(m, n[j++].name, &cap);
		} else {
			if (o[i].ino != n[j].ino)
				add_name(m, o[i].name, &cap);
			else
				free(o[i].name);
			free(n[j].name);
			i++;
			j++;
		}
	}
	free(o);
	free(n);
}

/*
 * What may differ between the two trees: the inodes of the old tree
 * changed since transaction `since`, the last one at which both trees were
 * the same (icc_subvol_changed_since).  all: not known (`since` 0, or the
 * search failed), every inode may differ: the full comparison, slower but
 * as right.  The log says why a search failed.
 */
struct changed {
	struct icc_ids ids;
	bool all;
};

static void changed_since(int fd, uint64_t since, struct changed *c)
{
	*c = (struct changed){.all = true};
	if (!since) {
		fuse_log(FUSE_LOG_DEBUG, "icc-fs: rollback: the trees were never the same: "
					 "every cached inode is compared\n");
		return;
	}
	struct icc_err err;
	if (icc_subvol_changed_since(fd, since, &c->ids, &err) < 0) {
		iccfs_log("rollback: every cached inode is compared (what changed since "
			  "transaction %llu is not known: %s)", (unsigned long long)since, err.msg);
		return;
	}
	c->all = false;
}

static bool may_differ(const struct changed *c, uint64_t id)
{
	return c->all || icc_ids_has(&c->ids, id);
}

static bool of_live_tree(const struct ino *i, dev_t old_dev)
{
	return i->kind == INO_REAL && !i->ro && i->dev == old_dev;
}

/* fds of the old tree, closed after the reply (repoint_finish) */
static int *old_fds;
static size_t n_old_fds, cap_old_fds;

static void close_later(int fd)
{
	if (fd < 0)
		return;
	if (n_old_fds == cap_old_fds) {
		size_t nc = cap_old_fds ? cap_old_fds * 2 : 256;
		int *v = realloc(old_fds, nc * sizeof(*v));
		if (!v) {
			close(fd);
			return;
		}
		old_fds = v;
		cap_old_fds = nc;
	}
	old_fds[n_old_fds++] = fd;
}

void repoint_finish(void)
{
	for (size_t k = 0; k < n_old_fds; k++)
		close(old_fds[k]);
	n_old_fds = 0;
}

/*
 * One pass over the inodes of the live tree the kernel knows, under
 * fs.lock (a lookup may replace an inode's handle meanwhile).  Those that
 * may differ in the new tree (+ the root, first) are returned, pinned,
 * with their handle in the new tree (subvolume `root_id`), for the caller
 * to compare and tell the kernel.  Every other one is the same file in the
 * new tree: its node id, the kernel's dentries and attributes stay right;
 * it only takes its handle there, in place (thousands of them), now.
 * Files open now keep the old tree's.
 */
static struct move *collect(const struct changed *c, uint64_t root_id, dev_t new_dev,
			    int new_root_fd, size_t *count)
{
	dev_t old_dev = fs.root.dev;
	size_t k = 1, cap = 64;
	bool nomem = false; /* then the rest only move: their caches may stay stale */
	struct move *v = calloc(cap, sizeof(*v));
	*count = 0;
	if (!v)
		return NULL;
	v[0].dir = true;
	v[0].i = &fs.root;
	pthread_mutex_lock(&fs.lock);
	for (size_t b = 0; b < fs.hsize; b++) {
		struct ino *next;
		for (struct ino *i = fs.htab[b]; i; i = next) {
			next = i->hnext; /* a rekey moves i to another chain */
			if (!of_live_tree(i, old_dev))
				continue;
			bool dir = i->type == S_IFDIR;
			if (k == cap && !nomem) {
				struct move *nv = realloc(v, 2 * cap * sizeof(*v));
				if (nv) {
					memset(nv + cap, 0, cap * sizeof(*nv));
					v = nv;
					cap *= 2;
				}
				nomem = !nv;
			}
			if (!may_differ(c, i->ino) || k == cap) {
				if ((dir || i->pins == 0) && patch_handle(i->fh, root_id))
					close_later(ino_rekey_locked(i, new_dev, i->fh, new_root_fd));
				continue;
			}
			struct move *m = &v[k++];
			m->i = i;
			m->dir = dir;
			m->pinned_before = i->pins > 0;
			if (dir || !m->pinned_before)
				m->fh = handle_in(i->fh, root_id);
			ino_pin_locked(i);
		}
	}
	pthread_mutex_unlock(&fs.lock);
	*count = k;
	return v;
}

static void notify_kernel(struct move *v, size_t n, bool root_differs)
{
	for (size_t k = 0; k < n; k++) {
		if (k ? !v[k].fh && !v[k].gone : !root_differs)
			continue;
		fuse_ino_t id = ino_nodeid(v[k].i);
		for (size_t j = 0; j < v[k].nnames; j++)
			fuse_lowlevel_notify_expire_entry(fs.se, id, v[k].names[j],
							  strlen(v[k].names[j]), FUSE_LL_EXPIRE_ONLY);
		/* attributes, data pages, a directory's cached listing */
		fuse_lowlevel_notify_inval_inode(fs.se, id, 0, 0);
	}
}

int repoint_tree(int new_root_fd, uint64_t since, struct icc_err *err)
{
	struct stat nst;
	uint64_t root_id;
	if (fstat(new_root_fd, &nst) < 0)
		return icc_err_sys(err, errno, "the new tree");
	if (btrfs_util_subvolume_id_fd(new_root_fd, &root_id) != BTRFS_UTIL_OK)
		return icc_err_set(err, EIO, "the new tree: no btrfs subvolume id");
	size_t n;
	struct changed c;
	changed_since(fs.root_fd, since, &c);
	struct move *v = collect(&c, root_id, nst.st_dev, new_root_fd, &n);
	bool root_differs = may_differ(&c, fs.root.ino);
	icc_ids_free(&c.ids);
	if (!v)
		return icc_err_set(err, ENOMEM, "out of memory");
	/* handles in the new tree: same inode number and generation, its subvolume id.
	 * A file gone or made again since the snapshot gets ESTALE (ENOENT) at its
	 * next use; directories are opened now, for their names. */
	for (size_t k = 0; k < n; k++) {
		struct move *m = &v[k];
		if (!m->dir || (!k && !root_differs))
			continue;
		int nfd = new_root_fd;
		if (k) {
			nfd = m->fh ? open_by_handle_at(new_root_fd, m->fh, O_PATH | O_CLOEXEC) : -1;
			if (nfd < 0) {
				/* every name the kernel may hold under it goes: if
				 * its node id comes back (a later tree has it
				 * again), no entry of this tree's lingers */
				m->gone = m->fh != NULL;
				free(m->fh);
				m->fh = NULL;
				if (m->gone)
					names_of(m, -1);
				continue;
			}
		}
		names_of(m, nfd);
		if (k)
			close(nfd);
	}
	pthread_mutex_lock(&fs.lock);
	for (size_t k = 1; k < n; k++)
		if (v[k].fh)
			close_later(ino_rekey_locked(v[k].i, nst.st_dev, v[k].fh, new_root_fd));
	/* the old root fd stays open: open files of the old tree reopen by it */
	fs.root.dev = nst.st_dev;
	fs.root.ino = nst.st_ino;
	fs.root.fd = fs.root_fd = fs.root.mount_fd = new_root_fd;
	pthread_mutex_unlock(&fs.lock);
	notify_kernel(v, n, root_differs);
	for (size_t k = 0; k < n; k++) {
		for (size_t j = 0; j < v[k].nnames; j++)
			free(v[k].names[j]);
		free(v[k].names);
		if (k)
			ino_unpin(v[k].i);
	}
	free(v);
	return 0;
}
