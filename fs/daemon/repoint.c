/* repoint.c - after a rollback's swap: the daemon's inodes and the kernel's caches follow the new tree */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <btrfsutil.h>

#include "iccfs.h"

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
 */

/* Btrfs's handle without parent (FILEID_BTRFS_WITHOUT_PARENT): objectid, root, generation. */
#define BTRFS_FH_TYPE 0x4d
#define BTRFS_FH_ROOT_OFF 8

struct move {
	struct ino *i;
	bool pinned_before;          /* by an open file or a running op */
	bool dir;
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
 * Every inode of the live tree the kernel knows, pinned (+ the root, first),
 * with its handle in the new tree (subvolume `root_id`), all read under
 * fs.lock: a lookup may replace an inode's handle meanwhile.
 */
static struct move *collect(uint64_t root_id, size_t *count)
{
	pthread_mutex_lock(&fs.lock);
	size_t n = 1;
	for (size_t b = 0; b < fs.hsize; b++)
		for (struct ino *i = fs.htab[b]; i; i = i->hnext)
			n += i->kind == INO_REAL && !i->ro && i->dev == fs.root.dev;
	struct move *v = calloc(n, sizeof(*v));
	size_t k = 0;
	if (v) {
		v[k].dir = true;
		v[k++].i = &fs.root;
		for (size_t b = 0; b < fs.hsize; b++)
			for (struct ino *i = fs.htab[b]; i; i = i->hnext)
				if (i->kind == INO_REAL && !i->ro && i->dev == fs.root.dev) {
					struct move *m = &v[k++];
					m->i = i;
					m->dir = i->type == S_IFDIR;
					m->pinned_before = i->pins > 0;
					/* a file open now keeps the old tree's */
					if (m->dir || !m->pinned_before)
						m->fh = handle_in(i->fh, root_id);
					ino_pin_locked(i);
				}
	}
	pthread_mutex_unlock(&fs.lock);
	*count = k;
	return v;
}

static void notify_kernel(struct move *v, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		if (k && !v[k].fh)
			continue;
		fuse_ino_t id = ino_nodeid(v[k].i);
		for (size_t j = 0; j < v[k].nnames; j++)
			fuse_lowlevel_notify_expire_entry(fs.se, id, v[k].names[j],
							  strlen(v[k].names[j]), FUSE_LL_EXPIRE_ONLY);
		/* attributes, data pages, a directory's cached listing */
		fuse_lowlevel_notify_inval_inode(fs.se, id, 0, 0);
	}
}

int repoint_tree(int new_root_fd, struct icc_err *err)
{
	struct stat nst;
	uint64_t root_id;
	if (fstat(new_root_fd, &nst) < 0)
		return icc_err_sys(err, errno, "the new tree");
	if (btrfs_util_subvolume_id_fd(new_root_fd, &root_id) != BTRFS_UTIL_OK)
		return icc_err_set(err, EIO, "the new tree: no btrfs subvolume id");
	size_t n;
	struct move *v = collect(root_id, &n);
	if (!v)
		return icc_err_set(err, ENOMEM, "out of memory");
	/* handles in the new tree: same inode number and generation, its subvolume id.
	 * A file gone or made again since the snapshot gets ESTALE (ENOENT) at its
	 * next use; directories are opened now, for their names. */
	for (size_t k = 0; k < n; k++) {
		struct move *m = &v[k];
		if (!m->dir)
			continue;
		int nfd = new_root_fd;
		if (k) {
			nfd = m->fh ? open_by_handle_at(new_root_fd, m->fh, O_PATH | O_CLOEXEC) : -1;
			if (nfd < 0) {
				free(m->fh);
				m->fh = NULL;
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
			ino_rekey_locked(v[k].i, nst.st_dev, v[k].fh, new_root_fd);
	/* the old root fd stays open: open files of the old tree reopen by it */
	fs.root.dev = nst.st_dev;
	fs.root.ino = nst.st_ino;
	fs.root.fd = fs.root_fd = fs.root.mount_fd = new_root_fd;
	pthread_mutex_unlock(&fs.lock);
	notify_kernel(v, n);
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
