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
	struct file_handle *fh;      /* the new tree's handle, NULL: stays */
	char **names;                /* directories: names in the old or new tree */
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

/* Is `fh` the same kind of file in the new tree (dev `dev`)? */
static bool resolves(int new_root_fd, struct file_handle *fh, dev_t dev, mode_t type)
{
	int fd = open_by_handle_at(new_root_fd, fh, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return false; /* ESTALE: gone or made again since the snapshot */
	struct stat st;
	bool ok = fstatat(fd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) == 0 &&
		  st.st_dev == dev && (st.st_mode & S_IFMT) == type;
	close(fd);
	return ok;
}

/* Append the entries of directory `fd` (borrowed) to m's names. */
static void add_names(struct move *m, int fd)
{
	int dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return;
	DIR *d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return;
	}
	struct dirent *de;
	size_t cap = m->nnames;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (m->i == &fs.root && !strcmp(de->d_name, ".icc"))
			continue;
		if (m->nnames == cap) {
			cap = cap ? cap * 2 : 16;
			char **n = realloc(m->names, cap * sizeof(*n));
			if (!n)
				break;
			m->names = n;
		}
		char *s = strdup(de->d_name);
		if (!s)
			break;
		m->names[m->nnames++] = s;
	}
	closedir(d);
}

static void names_of(struct move *m, int new_fd)
{
	int fd = ino_fd(m->i);
	if (fd >= 0) {
		add_names(m, fd);
		ino_unpin(m->i);
	}
	if (new_fd >= 0)
		add_names(m, new_fd);
}

/* Every inode of the live tree the kernel knows, pinned (+ the root, first). */
static struct move *collect(size_t *count)
{
	pthread_mutex_lock(&fs.lock);
	size_t n = 1;
	for (size_t b = 0; b < fs.hsize; b++)
		for (struct ino *i = fs.htab[b]; i; i = i->hnext)
			n += i->kind == INO_REAL && !i->ro && i->dev == fs.root.dev;
	struct move *v = calloc(n, sizeof(*v));
	size_t k = 0;
	if (v) {
		v[k++].i = &fs.root;
		for (size_t b = 0; b < fs.hsize; b++)
			for (struct ino *i = fs.htab[b]; i; i = i->hnext)
				if (i->kind == INO_REAL && !i->ro && i->dev == fs.root.dev) {
					v[k].i = i;
					v[k++].pinned_before = i->pins > 0;
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
	struct move *v = collect(&n);
	if (!v)
		return icc_err_set(err, ENOMEM, "out of memory");
	for (size_t k = 1; k < n; k++) {
		struct move *m = &v[k];
		if (m->i->type != S_IFDIR && m->pinned_before)
			continue; /* open: keeps the old tree's file */
		m->fh = handle_in(m->i->fh, root_id);
		if (m->fh && !resolves(new_root_fd, m->fh, nst.st_dev, m->i->type)) {
			free(m->fh);
			m->fh = NULL;
		}
	}
	/* names before the move: the old tree's through the old fds */
	for (size_t k = 0; k < n; k++) {
		if (v[k].i->type != S_IFDIR || (k && !v[k].fh))
			continue;
		int nfd = k ? open_by_handle_at(new_root_fd, v[k].fh, O_PATH | O_CLOEXEC) : -1;
		names_of(&v[k], k ? nfd : new_root_fd);
		if (nfd >= 0)
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
