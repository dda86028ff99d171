/* ops.c - icc-fs passthrough operations on the subvolume (and snapshots, read-only) */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "iccfs.h"

#define IN(n) ino_get(n)
#define ICC_DIR_OFF_SENTINEL ((off_t)1 << 62)

static bool is_root_icc(struct ino *p, const char *name)
{
	return p == &fs.root && strcmp(name, ".icc") == 0;
}

static void proc_path(char *buf, size_t size, int fd)
{
	snprintf(buf, size, "/proc/self/fd/%d", fd);
}

static double entry_tmo(struct ino *i)
{
	return i->snaproot ? 0 : fs.entry_timeout;
}

/*
 * Credentials of the caller for creating things: the thread's fsuid/fsgid
 * become the caller's so new objects get the right owner and group
 * (set-group-ID directories included) atomically; the capabilities the
 * fsuid switch clears are raised again (the kernel already checked the
 * caller's permission, default_permissions).  Per thread: raw syscalls.
 */
static __thread bool thread_fs_private;
static __thread bool thread_switched;

static void become(const struct fuse_ctx *ctx, bool set_umask)
{
	if (!thread_fs_private) {
		if (unshare(CLONE_FS) == 0)
			thread_fs_private = true;
	}
	if (set_umask && thread_fs_private)
		umask(ctx->umask);
	thread_switched = ctx->uid != 0 || ctx->gid != 0;
	if (!thread_switched)
		return; /* root: nothing to switch */
	syscall(SYS_setfsgid, ctx->gid);
	syscall(SYS_setfsuid, ctx->uid);
	if (ctx->uid != 0) {
		struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
		struct __user_cap_data_struct data[2];
		if (syscall(SYS_capget, &hdr, data) == 0) {
			data[0].effective = data[0].permitted;
			data[1].effective = data[1].permitted;
			syscall(SYS_capset, &hdr, data);
		}
	}
}

static void unbecome(void)
{
	if (!thread_switched)
		return;
	thread_switched = false;
	syscall(SYS_setfsuid, 0);
	syscall(SYS_setfsgid, 0);
}

static int check_name(const char *name)
{
	size_t n = strlen(name);
	if (n > NAME_MAX)
		return ENAMETOOLONG;
	if (n == 0 || strchr(name, '/'))
		return EINVAL;
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return EINVAL;
	return 0;
}

static void reply_entry_for(fuse_req_t req, struct ino *i, struct stat *st)
{
	struct fuse_entry_param e;
	memset(&e, 0, sizeof(e));
	fill_attr(i, st);
	e.ino = ino_nodeid(i);
	e.attr = *st;
	e.attr_timeout = i->snaproot ? 0 : fs.attr_timeout;
	e.entry_timeout = entry_tmo(i);
	if (fuse_reply_entry(req, &e) != 0)
		ino_forget(i, 1);
}

static void ll_init(void *userdata, struct fuse_conn_info *conn)
{
	unsigned want = FUSE_CAP_SPLICE_WRITE | FUSE_CAP_SPLICE_MOVE | FUSE_CAP_SPLICE_READ |
			FUSE_CAP_PARALLEL_DIROPS |
			FUSE_CAP_POSIX_ACL | FUSE_CAP_DONT_MASK | FUSE_CAP_CACHE_SYMLINKS |
			FUSE_CAP_ASYNC_READ | FUSE_CAP_ASYNC_DIO | FUSE_CAP_READDIRPLUS |
			FUSE_CAP_READDIRPLUS_AUTO;
	conn->want |= want & conn->capable;
	/*
	 * The kernel drops set-user-ID and set-group-ID bits on a write or truncate
	 * by a caller without CAP_FSETID (only it knows the caller's capabilities):
	 * it sends us the mode change, we do not kill privileges ourselves
	 * (HANDLE_KILLPRIV).  No ATOMIC_O_TRUNC either: with it the kernel leaves
	 * an open(O_TRUNC) to us and skips that mode change, so a non-owner's
	 * O_TRUNC of a world-writable set-ID file would keep the bits.
	 */
	conn->want &= ~(FUSE_CAP_WRITEBACK_CACHE | FUSE_CAP_HANDLE_KILLPRIV |
			FUSE_CAP_ATOMIC_O_TRUNC | FUSE_CAP_EXPORT_SUPPORT);
	/* flock/fcntl locks: handled by the kernel, local to this mount */
	conn->want &= ~(FUSE_CAP_FLOCK_LOCKS | FUSE_CAP_POSIX_LOCKS);
	conn->max_write = 1 << 20; /* max_readahead: the kernel's choice */
}

static void ll_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct ino *p = IN(parent);
	if (p->kind != INO_REAL || is_root_icc(p, name))
		return ctl_lookup(req, p, name);
	if (strlen(name) > NAME_MAX) {
		iccfs_refuse(req, ENAMETOOLONG, "lookup: a name of %zu bytes (at most %d)", strlen(name), NAME_MAX);
		return;
	}
	int pfd = ino_fd(p);
	if (pfd < 0) {
		fuse_reply_err(req, -pfd);
		return;
	}
	struct stat st;
	int err = 0;
	struct ino *i = ino_lookup_at(p, pfd, name, &st, &err);
	ino_unpin(p);
	if (!i) {
		if (err == ENOENT && !p->ro) {
			struct fuse_entry_param e;
			memset(&e, 0, sizeof(e));
			e.entry_timeout = fs.entry_timeout; /* negative entry */
			fuse_reply_entry(req, &e);
			return;
		}
		fuse_reply_err(req, err);
		return;
	}
	reply_entry_for(req, i, &st);
}

static void ll_forget(fuse_req_t req, fuse_ino_t n, uint64_t nlookup)
{
	ino_forget(IN(n), nlookup);
	fuse_reply_none(req);
}

static void ll_forget_multi(fuse_req_t req, size_t count, struct fuse_forget_data *f)
{
	for (size_t k = 0; k < count; k++)
		ino_forget(IN(f[k].ino), f[k].nlookup);
	fuse_reply_none(req);
}

static bool has_fh(struct ino *i, struct fuse_file_info *fi)
{
	return fi && i->type == S_IFREG;
}

static void ll_getattr(fuse_req_t req, fuse_ino_t n, struct fuse_file_info *fi)
{
	struct ino *i = IN(n);
	if (i->kind != INO_REAL)
		return ctl_getattr(req, i);
	struct stat st;
	int r;
	if (has_fh(i, fi)) {
		r = fstat(ICCFS_FH_FD(fi), &st);
	} else {
		int fd = ino_fd(i);
		if (fd < 0) {
			fuse_reply_err(req, -fd);
			return;
		}
		r = fstatat(fd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW);
		ino_unpin(i);
	}
	if (r < 0) {
		fuse_reply_err(req, errno);
		return;
	}
	fill_attr(i, &st);
	fuse_reply_attr(req, &st, i->snaproot ? 0 : fs.attr_timeout);
}

static void ll_setattr(fuse_req_t req, fuse_ino_t n, struct stat *attr, int valid,
		       struct fuse_file_info *fi)
{
	struct ino *i = IN(n);
	if (i->kind != INO_REAL)
		return ctl_setattr(req, i, attr, valid);
	if (i->ro) {
		iccfs_refuse(req, EROFS, "setattr: inside a snapshot, which is read-only");
		return;
	}
	int fd = ino_fd(i);
	if (fd < 0) {
		fuse_reply_err(req, -fd);
		return;
	}
	char path[64];
	proc_path(path, sizeof(path), fd);
	int r = 0;
	bool fh = has_fh(i, fi);
	if (valid & FUSE_SET_ATTR_MODE) {
		r = fh ? fchmod(ICCFS_FH_FD(fi), attr->st_mode) : chmod(path, attr->st_mode);
		if (r < 0)
			goto out;
	}
	if (valid & (FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID)) {
		uid_t u = (valid & FUSE_SET_ATTR_UID) ? attr->st_uid : (uid_t)-1;
		gid_t g = (valid & FUSE_SET_ATTR_GID) ? attr->st_gid : (gid_t)-1;
		r = fchownat(fd, "", u, g, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW);
		if (r < 0)
			goto out;
	}
	if (valid & FUSE_SET_ATTR_SIZE) {
		r = fh ? ftruncate(ICCFS_FH_FD(fi), attr->st_size) : truncate(path, attr->st_size);
		if (r < 0)
			goto out;
	}
	if (valid & (FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME)) {
		struct timespec ts[2];
		ts[0].tv_sec = 0;
		ts[1].tv_sec = 0;
		ts[0].tv_nsec = UTIME_OMIT;
		ts[1].tv_nsec = UTIME_OMIT;
		if (valid & FUSE_SET_ATTR_ATIME_NOW)
			ts[0].tv_nsec = UTIME_NOW;
		else if (valid & FUSE_SET_ATTR_ATIME)
			ts[0] = attr->st_atim;
		if (valid & FUSE_SET_ATTR_MTIME_NOW)
			ts[1].tv_nsec = UTIME_NOW;
		else if (valid & FUSE_SET_ATTR_MTIME)
			ts[1] = attr->st_mtim;
		r = fh ? futimens(ICCFS_FH_FD(fi), ts)
		       : utimensat(fd, "", ts, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW);
		if (r < 0)
			goto out;
	}
out:
	if (r < 0) {
		int e = errno;
		ino_unpin(i);
		fuse_reply_err(req, e);
		return;
	}
	struct stat st;
	r = fstatat(fd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW);
	int e = errno;
	ino_unpin(i);
	if (r < 0) {
		fuse_reply_err(req, e);
		return;
	}
	fill_attr(i, &st);
	fuse_reply_attr(req, &st, fs.attr_timeout);
}

static void ll_readlink(fuse_req_t req, fuse_ino_t n)
{
	struct ino *i = IN(n);
	if (i->kind != INO_REAL) {
		fuse_reply_err(req, EINVAL);
		return;
	}
	int fd = ino_fd(i);
	if (fd < 0) {
		fuse_reply_err(req, -fd);
		return;
	}
	char buf[PATH_MAX + 1];
	ssize_t r = readlinkat(fd, "", buf, sizeof(buf));
	int e = errno;
	ino_unpin(i);
	if (r < 0) {
		fuse_reply_err(req, e);
		return;
	}
	if (r >= (ssize_t)sizeof(buf)) {
		fuse_reply_err(req, ENAMETOOLONG);
		return;
	}
	buf[r] = '\0';
	fuse_reply_readlink(req, buf);
}

/* Common checks for making `name` in `p`; returns 0 or errno. */
static int check_make(struct ino *p, const char *name)
{
	if (is_root_icc(p, name))
		return EPERM;
	if (p->kind != INO_REAL)
		return EPERM;
	if (p->ro)
		return EROFS;
	return check_name(name);
}

/* Making an entry in `p`: its checks passed and its fd pinned, or the error
 * replied (-1). */
static int make_start(fuse_req_t req, struct ino *p, const char *name)
{
	int e = check_make(p, name);
	if (e) {
		fuse_reply_err(req, e);
		return -1;
	}
	int pfd = ino_fd(p);
	if (pfd < 0)
		fuse_reply_err(req, -pfd);
	return pfd < 0 ? -1 : pfd;
}

enum mk { MK_NOD, MK_DIR, MK_SYMLINK };

static void make_node(fuse_req_t req, fuse_ino_t parent, const char *name,
		      mode_t mode, dev_t rdev, const char *link, enum mk what)
{
	struct ino *p = IN(parent);
	if (what == MK_DIR && p->kind == INO_V_SNAPS)
		return ctl_mkdir(req, p, name);
	int pfd = make_start(req, p, name);
	if (pfd < 0)
		return;
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	become(ctx, what != MK_SYMLINK);
	if (!thread_fs_private)
		mode &= ~ctx->umask; /* no private umask: apply it ourselves */
	int r;
	if (what == MK_DIR)
		r = mkdirat(pfd, name, mode);
	else if (what == MK_SYMLINK)
		r = symlinkat(link, pfd, name);
	else
		r = mknodat(pfd, name, mode, rdev);
	int e = errno;
	unbecome();
	if (r < 0) {
		ino_unpin(p);
		fuse_reply_err(req, e);
		return;
	}
	struct stat st;
	struct ino *i = ino_lookup_at(p, pfd, name, &st, &e);
	ino_unpin(p);
	if (!i) {
		fuse_reply_err(req, e);
		return;
	}
	reply_entry_for(req, i, &st);
}

static void ll_mknod(fuse_req_t req, fuse_ino_t parent, const char *name,
		     mode_t mode, dev_t rdev)
{
	make_node(req, parent, name, mode, rdev, NULL, MK_NOD);
}

static void ll_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode)
{
	make_node(req, parent, name, mode, 0, NULL, MK_DIR);
}

static void ll_symlink(fuse_req_t req, const char *link, fuse_ino_t parent,
		       const char *name)
{
	make_node(req, parent, name, 0, 0, link, MK_SYMLINK);
}

static void remove_entry(fuse_req_t req, fuse_ino_t parent, const char *name, int flags)
{
	struct ino *p = IN(parent);
	if (p->kind == INO_V_SNAPS && flags == AT_REMOVEDIR)
		return ctl_rmdir(req, p, name);
	int e = check_make(p, name);
	if (e) {
		fuse_reply_err(req, e == EINVAL ? ENOENT : e);
		return;
	}
	int pfd = ino_fd(p);
	if (pfd < 0) {
		fuse_reply_err(req, -pfd);
		return;
	}
	int r = unlinkat(pfd, name, flags);
	e = errno;
	ino_unpin(p);
	fuse_reply_err(req, r < 0 ? e : 0);
}

static void ll_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	remove_entry(req, parent, name, 0);
}

static void ll_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	remove_entry(req, parent, name, AT_REMOVEDIR);
}

/* rename and link act on two inodes: pin both fds, or reply the error (`e`
 * when a check already failed) and pin none; -1 when replied. */
static int pin_pair(fuse_req_t req, int e, struct ino *a, int *afd, struct ino *b, int *bfd)
{
	if (e) {
		fuse_reply_err(req, e);
		return -1;
	}
	*afd = ino_fd(a);
	if (*afd < 0) {
		fuse_reply_err(req, -*afd);
		return -1;
	}
	*bfd = ino_fd(b);
	if (*bfd < 0) {
		ino_unpin(a);
		fuse_reply_err(req, -*bfd);
		return -1;
	}
	return 0;
}

static void ll_rename(fuse_req_t req, fuse_ino_t parent, const char *name,
		      fuse_ino_t newparent, const char *newname, unsigned int flags)
{
	struct ino *p = IN(parent), *np = IN(newparent);
	if (p->kind == INO_V_SNAPS || np->kind == INO_V_SNAPS)
		return ctl_rename(req, p, name, np, newname, flags);
	int e = check_make(p, name);
	if (!e)
		e = check_make(np, newname);
	int pfd, npfd;
	if (pin_pair(req, e, p, &pfd, np, &npfd) < 0)
		return;
	int r = logsync_rename(fuse_req_ctx(req)->pid, pfd, name, npfd, newname, flags);
	ino_unpin(np);
	ino_unpin(p);
	fuse_reply_err(req, -r);
}

static void ll_link(fuse_req_t req, fuse_ino_t n, fuse_ino_t newparent, const char *newname)
{
	struct ino *i = IN(n), *np = IN(newparent);
	int e = check_make(np, newname);
	if (!e && i->kind != INO_REAL)
		e = EPERM;
	if (!e && i->ro)
		e = EXDEV;
	int fd, npfd;
	if (pin_pair(req, e, i, &fd, np, &npfd) < 0)
		return;
	int r = logsync_link(fuse_req_ctx(req)->pid, fd, npfd, newname);
	e = -r;
	struct stat st;
	if (r == 0) {
		r = fstatat(fd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW);
		e = errno;
	}
	ino_unpin(np);
	if (r < 0) {
		ino_unpin(i);
		fuse_reply_err(req, e);
		return;
	}
	pthread_mutex_lock(&fs.lock);
	i->nlookup++;
	pthread_mutex_unlock(&fs.lock);
	ino_unpin(i);
	reply_entry_for(req, i, &st);
}

/* Files open for writing: counted in total (a save flushes only when some
 * are) and per inode (a save writes back exactly those; ctl.c). */
static void count_writer(struct ino *i, int d)
{
	__atomic_add_fetch(&fs.nwrite_open, d, __ATOMIC_SEQ_CST);
	__atomic_add_fetch(&i->wopen, d, __ATOMIC_SEQ_CST);
}

static void ll_open(fuse_req_t req, fuse_ino_t n, struct fuse_file_info *fi)
{
	struct ino *i = IN(n);
	if (i->kind != INO_REAL)
		return ctl_open(req, i, fi);
	if (i->ro && ((fi->flags & O_ACCMODE) != O_RDONLY || (fi->flags & O_TRUNC))) {
		fuse_reply_err(req, EROFS);
		return;
	}
	int fd = ino_fd(i);
	if (fd < 0) {
		fuse_reply_err(req, -fd);
		return;
	}
	char path[64];
	proc_path(path, sizeof(path), fd);
	/* O_DIRECT stays in the kernel's FUSE layer: the backing file's page
	 * cache is coherent with snapshots and has no alignment rules */
	int flags = (fi->flags & ~(O_NOFOLLOW | O_CREAT | O_EXCL | O_NOCTTY | O_DIRECT)) |
		    O_CLOEXEC;
	int ofd = open(path, flags);
	if (ofd < 0) {
		int e = errno;
		ino_unpin(i);
		fuse_reply_err(req, e);
		return;
	}
	/* the pin stays until release: unlinked open files keep their fd */
	if ((fi->flags & O_ACCMODE) != O_RDONLY)
		count_writer(i, 1);
	fi->fh = (uint64_t)ofd;
	fi->keep_cache = 1;
	fi->noflush = 1;
	if (pt_reply_open(req, i, fi) != 0) {
		close(ofd);
		ino_unpin(i);
		if ((fi->flags & O_ACCMODE) != O_RDONLY)
			count_writer(i, -1);
	}
}

static void ll_create(fuse_req_t req, fuse_ino_t parent, const char *name,
		      mode_t mode, struct fuse_file_info *fi)
{
	struct ino *p = IN(parent);
	int pfd = make_start(req, p, name);
	if (pfd < 0)
		return;
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	become(ctx, true);
	if (!thread_fs_private)
		mode &= ~ctx->umask;
	/* O_EXCL first: a file made here has no security.capability, which
	 * the kernel asks before every write (killpriv): answered from memory.
	 * The kernel saw no such name, so EEXIST is rare (made behind its back). */
	int oflags = (fi->flags | O_CREAT | O_NOFOLLOW | O_CLOEXEC) & ~(O_NOCTTY | O_DIRECT);
	int fd = openat(pfd, name, oflags | O_EXCL, mode);
	bool made = fd >= 0;
	if (fd < 0 && errno == EEXIST && !(fi->flags & O_EXCL))
		fd = openat(pfd, name, oflags, mode);
	int e = errno;
	unbecome();
	ino_unpin(p);
	if (fd < 0) {
		fuse_reply_err(req, e);
		return;
	}
	char path[64];
	proc_path(path, sizeof(path), fd);
	int pathfd = open(path, O_PATH | O_CLOEXEC);
	if (pathfd < 0) {
		e = errno;
		close(fd);
		fuse_reply_err(req, e);
		return;
	}
	struct stat st;
	struct ino *i = ino_from_fd(pathfd, p->mount_fd, fs.mnt_id, false, &st, &e);
	if (!i) {
		close(fd);
		fuse_reply_err(req, e);
		return;
	}
	if (made)
		__atomic_store_n(&i->nocap_at, __atomic_load_n(&i->xgen, __ATOMIC_SEQ_CST) + 1,
				 __ATOMIC_SEQ_CST);
	int pin = ino_fd(i); /* pinned while open */
	if (pin < 0) {
		close(fd);
		ino_forget(i, 1);
		fuse_reply_err(req, -pin);
		return;
	}
	struct fuse_entry_param ep;
	memset(&ep, 0, sizeof(ep));
	fill_attr(i, &st);
	ep.ino = ino_nodeid(i);
	ep.attr = st;
	ep.attr_timeout = fs.attr_timeout;
	ep.entry_timeout = fs.entry_timeout;
	fi->fh = (uint64_t)fd;
	fi->keep_cache = 1;
	fi->noflush = 1;
	if ((fi->flags & O_ACCMODE) != O_RDONLY)
		count_writer(i, 1);
	if (pt_reply_create(req, i, &ep, fi) != 0) {
		close(fd);
		ino_unpin(i);
		ino_forget(i, 1);
		if ((fi->flags & O_ACCMODE) != O_RDONLY)
			count_writer(i, -1);
	}
}

static void ll_read(fuse_req_t req, fuse_ino_t n, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	struct ino *i = IN(n);
	if (i->kind != INO_REAL)
		return ctl_read(req, i, size, off, fi);
	struct fuse_bufvec buf = FUSE_BUFVEC_INIT(size);
	buf.buf[0].flags = FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK;
	buf.buf[0].fd = ICCFS_FH_FD(fi);
	buf.buf[0].pos = off;
	fuse_reply_data(req, &buf, FUSE_BUF_SPLICE_MOVE);
}

static void ll_write_buf(fuse_req_t req, fuse_ino_t n, struct fuse_bufvec *in_buf,
			 off_t off, struct fuse_file_info *fi)
{
	struct ino *i = IN(n);
	if (i->kind != INO_REAL) {
		size_t len = fuse_buf_size(in_buf);
		if (len > (1 << 20)) {
			fuse_reply_err(req, EINVAL);
			return;
		}
		char *mem = malloc(len + 1);
		if (!mem) {
			fuse_reply_err(req, ENOMEM);
			return;
		}
		struct fuse_bufvec dst = FUSE_BUFVEC_INIT(len);
		dst.buf[0].mem = mem;
		ssize_t got = fuse_buf_copy(&dst, in_buf, 0);
		if (got < 0) {
			free(mem);
			fuse_reply_err(req, (int)-got);
			return;
		}
		ctl_write(req, i, mem, (size_t)got, fi);
		free(mem);
		return;
	}
	struct fuse_bufvec out = FUSE_BUFVEC_INIT(fuse_buf_size(in_buf));
	out.buf[0].flags = FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK;
	out.buf[0].fd = ICCFS_FH_FD(fi);
	out.buf[0].pos = off;
	ssize_t r = fuse_buf_copy(&out, in_buf, 0);
	if (r < 0)
		fuse_reply_err(req, (int)-r);
	else
		fuse_reply_write(req, (size_t)r);
}

static void ll_flush(fuse_req_t req, fuse_ino_t n, struct fuse_file_info *fi)
{
	fuse_reply_err(req, 0);
}

static void ll_release(fuse_req_t req, fuse_ino_t n, struct fuse_file_info *fi)
{
	struct ino *i = IN(n);
	if (i->kind != INO_REAL)
		return ctl_release(req, i, fi);
	pt_release(i, fi);
	close(ICCFS_FH_FD(fi));
	ino_unpin(i);
	if ((fi->flags & O_ACCMODE) != O_RDONLY)
		count_writer(i, -1);
	fuse_reply_err(req, 0);
}

static void ll_fsync(fuse_req_t req, fuse_ino_t n, int datasync, struct fuse_file_info *fi)
{
	struct ino *i = IN(n);
	if (i->kind != INO_REAL) {
		fuse_reply_err(req, 0);
		return;
	}
	fuse_reply_err(req, -logsync_fsync(fuse_req_ctx(req)->pid, ICCFS_FH_FD(fi), datasync));
}

struct dirh {
	DIR *dp;
	off_t offset;
	struct dirent *entry;
};

static void ll_opendir(fuse_req_t req, fuse_ino_t n, struct fuse_file_info *fi)
{
	struct ino *i = IN(n);
	if (i->kind != INO_REAL)
		return ctl_opendir(req, i, fi);
	int fd = ino_fd(i);
	if (fd < 0) {
		fuse_reply_err(req, -fd);
		return;
	}
	int dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int e = errno;
	ino_unpin(i);
	if (dfd < 0) {
		fuse_reply_err(req, e);
		return;
	}
	struct dirh *d = calloc(1, sizeof(*d));
	if (!d) {
		close(dfd);
		fuse_reply_err(req, ENOMEM);
		return;
	}
	d->dp = fdopendir(dfd);
	if (!d->dp) {
		e = errno;
		close(dfd);
		free(d);
		fuse_reply_err(req, e);
		return;
	}
	fi->fh = (uint64_t)(uintptr_t)d;
	fi->keep_cache = 1;
	fi->cache_readdir = 1;
	if (fuse_reply_open(req, fi) != 0) {
		closedir(d->dp);
		free(d);
	}
}

/* Continue where the kernel asks: a listing may be read again or resumed at an offset. */
static void dir_seek(struct dirh *d, off_t off)
{
	if (off == d->offset)
		return;
	if (off == 0 || off == ICC_DIR_OFF_SENTINEL)
		rewinddir(d->dp);
	else
		seekdir(d->dp, off);
	d->entry = NULL;
	d->offset = off;
}

/* The root lists the virtual /.icc first (the real one, if any, is hidden). */
static void add_icc_entry(fuse_req_t req, char **p, size_t *rem, struct dirh *d, bool plus)
{
	struct fuse_entry_param e;
	struct stat st;
	memset(&e, 0, sizeof(e));
	ctl_virtual_attr(&fs.v_icc, &st);
	size_t sz;
	if (plus) {
		e.ino = ino_nodeid(&fs.v_icc);
		e.attr = st;
		sz = fuse_add_direntry_plus(req, *p, *rem, ".icc", &e, ICC_DIR_OFF_SENTINEL);
	} else {
		sz = fuse_add_direntry(req, *p, *rem, ".icc", &st, ICC_DIR_OFF_SENTINEL);
	}
	if (sz <= *rem) {
		*p += sz;
		*rem -= sz;
		d->offset = ICC_DIR_OFF_SENTINEL;
	}
}

static void do_readdir(fuse_req_t req, fuse_ino_t n, size_t size, off_t off,
		       struct fuse_file_info *fi, bool plus)
{
	struct ino *i = IN(n);
	if (i->kind != INO_REAL)
		return ctl_readdir(req, i, size, off, fi, plus);
	struct dirh *d = (struct dirh *)(uintptr_t)fi->fh;
	char *buf = malloc(size);
	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	char *p = buf;
	size_t rem = size;
	int err = 0;
	bool root = (i == &fs.root);
	int pfd = -1;

	dir_seek(d, off);
	if (root && off == 0)
		add_icc_entry(req, &p, &rem, d, plus);
	for (;;) {
		if (!d->entry) {
			errno = 0;
			d->entry = readdir(d->dp);
			if (!d->entry) {
				if (errno)
					err = errno;
				break;
			}
		}
		const char *name = d->entry->d_name;
		off_t nextoff = d->entry->d_off;
		if (root && strcmp(name, ".icc") == 0) {
			d->entry = NULL;
			d->offset = nextoff;
			continue;
		}
		size_t sz;
		bool dot = !strcmp(name, ".") || !strcmp(name, "..");
		if (plus) {
			struct fuse_entry_param e;
			memset(&e, 0, sizeof(e));
			struct ino *ci = NULL;
			if (dot) {
				e.attr.st_ino = d->entry->d_ino;
				e.attr.st_mode = (mode_t)d->entry->d_type << 12;
			} else {
				if (pfd < 0) {
					pfd = ino_fd(i);
					if (pfd < 0) {
						err = -pfd;
						break;
					}
				}
				struct stat st;
				int lerr = 0;
				ci = ino_lookup_at(i, pfd, name, &st, &lerr);
				if (!ci) {
					if (lerr == ENOENT) { /* raced with unlink */
						d->entry = NULL;
						d->offset = nextoff;
						continue;
					}
					/* e.g. a host mount point: list without attributes */
					e.attr.st_ino = ino_map(i->dev, d->entry->d_ino);
					e.attr.st_mode = (mode_t)d->entry->d_type << 12;
				} else {
					fill_attr(ci, &st);
					e.ino = ino_nodeid(ci);
					e.attr = st;
					e.attr_timeout = fs.attr_timeout;
					e.entry_timeout = fs.entry_timeout;
				}
			}
			sz = fuse_add_direntry_plus(req, p, rem, name, &e, nextoff);
			if (sz > rem) {
				if (ci)
					ino_forget(ci, 1);
				break;
			}
		} else {
			struct stat st;
			memset(&st, 0, sizeof(st));
			st.st_ino = dot ? d->entry->d_ino : ino_map(i->dev, d->entry->d_ino);
			st.st_mode = (mode_t)d->entry->d_type << 12;
			sz = fuse_add_direntry(req, p, rem, name, &st, nextoff);
			if (sz > rem)
				break;
		}
		p += sz;
		rem -= sz;
		d->entry = NULL;
		d->offset = nextoff;
	}
	if (pfd >= 0)
		ino_unpin(i);
	if (err && rem == size)
		fuse_reply_err(req, err);
	else
		fuse_reply_buf(req, buf, size - rem);
	free(buf);
}

static void ll_readdir(fuse_req_t req, fuse_ino_t n, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	do_readdir(req, n, size, off, fi, false);
}

static void ll_readdirplus(fuse_req_t req, fuse_ino_t n, size_t size, off_t off,
			   struct fuse_file_info *fi)
{
	do_readdir(req, n, size, off, fi, true);
}

static void ll_releasedir(fuse_req_t req, fuse_ino_t n, struct fuse_file_info *fi)
{
	struct ino *i = IN(n);
	if (i->kind != INO_REAL)
		return ctl_releasedir(req, i, fi);
	struct dirh *d = (struct dirh *)(uintptr_t)fi->fh;
	closedir(d->dp);
	free(d);
	fuse_reply_err(req, 0);
}

static void ll_fsyncdir(fuse_req_t req, fuse_ino_t n, int datasync, struct fuse_file_info *fi)
{
	struct ino *i = IN(n);
	if (i->kind != INO_REAL) {
		fuse_reply_err(req, 0);
		return;
	}
	struct dirh *d = (struct dirh *)(uintptr_t)fi->fh;
	fuse_reply_err(req, -logsync_fsync(fuse_req_ctx(req)->pid, dirfd(d->dp), datasync));
}

static void ll_statfs(fuse_req_t req, fuse_ino_t n)
{
	struct statvfs sv;
	if (fstatvfs(fs.root_fd, &sv) < 0) {
		fuse_reply_err(req, errno);
		return;
	}
	fuse_reply_statfs(req, &sv);
}

/*
 * xattrs on an O_PATH fd: the *xattrat syscalls (Linux 6.13) with
 * AT_EMPTY_PATH act on the inode itself (symlinks included) without a path
 * walk; older kernels: the /proc/self/fd/N path (our own fd).
 */
#define NR_setxattrat 463
#define NR_getxattrat 464
#define NR_listxattrat 465
#define NR_removexattrat 466
struct xattr_args_k {
	uint64_t value;
	uint32_t size;
	uint32_t flags;
};
static bool no_xattrat;

static ssize_t x_get(int fd, const char *name, void *buf, size_t size)
{
	if (!no_xattrat) {
		struct xattr_args_k a = {(uint64_t)(uintptr_t)buf, (uint32_t)size, 0};
		long r = syscall(NR_getxattrat, fd, "", AT_EMPTY_PATH, name, &a, sizeof(a));
		if (r >= 0 || (errno != ENOSYS && errno != EBADF))
			return r;
		no_xattrat = true;
	}
	char path[64];
	proc_path(path, sizeof(path), fd);
	return getxattr(path, name, buf, size);
}

static ssize_t x_list(int fd, char *buf, size_t size)
{
	if (!no_xattrat) {
		long r = syscall(NR_listxattrat, fd, "", AT_EMPTY_PATH, buf, size);
		if (r >= 0 || (errno != ENOSYS && errno != EBADF))
			return r;
		no_xattrat = true;
	}
	char path[64];
	proc_path(path, sizeof(path), fd);
	return listxattr(path, buf, size);
}

static int x_set(int fd, const char *name, const void *value, size_t size, int flags)
{
	if (!no_xattrat) {
		struct xattr_args_k a = {(uint64_t)(uintptr_t)value, (uint32_t)size, (uint32_t)flags};
		long r = syscall(NR_setxattrat, fd, "", AT_EMPTY_PATH, name, &a, sizeof(a));
		if (r >= 0 || (errno != ENOSYS && errno != EBADF))
			return (int)r;
		no_xattrat = true;
	}
	char path[64];
	proc_path(path, sizeof(path), fd);
	return setxattr(path, name, value, size, flags);
}

static int x_remove(int fd, const char *name)
{
	if (!no_xattrat) {
		long r = syscall(NR_removexattrat, fd, "", AT_EMPTY_PATH, name);
		if (r >= 0 || (errno != ENOSYS && errno != EBADF))
			return (int)r;
		no_xattrat = true;
	}
	char path[64];
	proc_path(path, sizeof(path), fd);
	return removexattr(path, name);
}

/* setxattr (value != NULL) or removexattr: the same checks, and xgen
 * bumped around the change so cached "no such xattr" answers are dropped. */
static void xattr_change(fuse_req_t req, fuse_ino_t n, const char *name,
			 const char *value, size_t size, int flags)
{
	struct ino *i = IN(n);
	if (i->kind != INO_REAL) {
		iccfs_refuse(req, EPERM, "xattr '%s': /.icc has no extended attributes", name);
		return;
	}
	if (i->ro) {
		iccfs_refuse(req, EROFS, "xattr '%s': inside a snapshot, which is read-only", name);
		return;
	}
	int fd = ino_fd(i);
	if (fd < 0) {
		fuse_reply_err(req, -fd);
		return;
	}
	__atomic_add_fetch(&i->xgen, 1, __ATOMIC_SEQ_CST);
	int r = value ? x_set(fd, name, value, size, flags) : x_remove(fd, name);
	int e = errno;
	__atomic_add_fetch(&i->xgen, 1, __ATOMIC_SEQ_CST);
	ino_unpin(i);
	fuse_reply_err(req, r < 0 ? e : 0);
}

static void ll_setxattr(fuse_req_t req, fuse_ino_t n, const char *name,
			const char *value, size_t size, int flags)
{
	/* an empty value is still a set: never pass NULL for it */
	xattr_change(req, n, name, value ? value : "", size, flags);
}

/*
 * The host has no SELinux when security.selinux reaches us (an active LSM
 * answers it itself).  A file without the label then says "not supported"
 * rather than "no data": GNU ls, cp and friends remember that per device
 * and stop asking, instead of one round trip per file (ls -l).
 */
static int no_data(const char *name)
{
	return strcmp(name, "security.selinux") == 0 ? EOPNOTSUPP : ENODATA;
}

/* getxattr and listxattr: the inode's fd pinned and a reply buffer of
 * `size` (NULL for a size probe), or the error replied; -1 when replied. */
static int xattr_start(fuse_req_t req, struct ino *i, size_t size, int *fd, char **buf)
{
	*fd = ino_fd(i);
	if (*fd < 0) {
		fuse_reply_err(req, -*fd);
		return -1;
	}
	*buf = NULL;
	if (size) {
		*buf = malloc(size);
		if (!*buf) {
			ino_unpin(i);
			fuse_reply_err(req, ENOMEM);
			return -1;
		}
	}
	return 0;
}

static void ll_getxattr(fuse_req_t req, fuse_ino_t n, const char *name, size_t size)
{
	struct ino *i = IN(n);
	uint32_t g0 = i->kind == INO_REAL ? __atomic_load_n(&i->xgen, __ATOMIC_SEQ_CST) : 0;
	if (i->kind != INO_REAL || __atomic_load_n(&i->noxattr_at, __ATOMIC_SEQ_CST) == g0 + 1 ||
	    (__atomic_load_n(&i->nocap_at, __ATOMIC_SEQ_CST) == g0 + 1 && !strcmp(name, "security.capability"))) {
		/* answered from memory for inodes known to have no xattrs */
		fuse_reply_err(req, no_data(name));
		return;
	}
	int fd;
	char *buf;
	if (xattr_start(req, i, size, &fd, &buf) < 0)
		return;
	ssize_t r = x_get(fd, name, buf, size);
	int e = errno;
	if (r < 0 && e == ENODATA && x_list(fd, NULL, 0) == 0 &&
	    __atomic_load_n(&i->xgen, __ATOMIC_SEQ_CST) == g0)
		__atomic_store_n(&i->noxattr_at, g0 + 1, __ATOMIC_SEQ_CST);
	ino_unpin(i);
	if (r < 0)
		fuse_reply_err(req, e == ENODATA ? no_data(name) : e);
	else if (size)
		fuse_reply_buf(req, buf, (size_t)r);
	else
		fuse_reply_xattr(req, (size_t)r);
	free(buf);
}

static void ll_listxattr(fuse_req_t req, fuse_ino_t n, size_t size)
{
	struct ino *i = IN(n);
	if (i->kind != INO_REAL) {
		if (size)
			fuse_reply_buf(req, NULL, 0);
		else
			fuse_reply_xattr(req, 0);
		return;
	}
	int fd;
	char *buf;
	if (xattr_start(req, i, size, &fd, &buf) < 0)
		return;
	ssize_t r = x_list(fd, buf, size);
	int e = errno;
	ino_unpin(i);
	if (r < 0)
		fuse_reply_err(req, e);
	else if (size)
		fuse_reply_buf(req, buf, (size_t)r);
	else
		fuse_reply_xattr(req, (size_t)r);
	free(buf);
}

static void ll_removexattr(fuse_req_t req, fuse_ino_t n, const char *name)
{
	xattr_change(req, n, name, NULL, 0, 0);
}

static void ll_fallocate(fuse_req_t req, fuse_ino_t n, int mode, off_t off,
			 off_t len, struct fuse_file_info *fi)
{
	struct ino *i = IN(n);
	if (i->kind != INO_REAL) {
		fuse_reply_err(req, EOPNOTSUPP);
		return;
	}
	if (i->ro) {
		fuse_reply_err(req, EROFS);
		return;
	}
	int r = fallocate(ICCFS_FH_FD(fi), mode, off, len);
	fuse_reply_err(req, r < 0 ? errno : 0);
}

static void ll_lseek(fuse_req_t req, fuse_ino_t n, off_t off, int whence,
		     struct fuse_file_info *fi)
{
	struct ino *i = IN(n);
	if (i->kind != INO_REAL) {
		fuse_reply_err(req, ESPIPE);
		return;
	}
	off_t r = lseek(ICCFS_FH_FD(fi), off, whence);
	if (r < 0)
		fuse_reply_err(req, errno);
	else
		fuse_reply_lseek(req, r);
}

static void ll_copy_file_range(fuse_req_t req, fuse_ino_t ino_in, off_t off_in,
			       struct fuse_file_info *fi_in, fuse_ino_t ino_out,
			       off_t off_out, struct fuse_file_info *fi_out,
			       size_t len, int flags)
{
	struct ino *a = IN(ino_in), *b = IN(ino_out);
	if (a->kind != INO_REAL || b->kind != INO_REAL) {
		iccfs_refuse(req, EXDEV, "copy_file_range: to or from a file of /.icc");
		return;
	}
	if (b->ro) {
		iccfs_refuse(req, EROFS, "copy_file_range: into a snapshot, which is read-only");
		return;
	}
	loff_t oi = off_in, oo = off_out;
	ssize_t r = copy_file_range(ICCFS_FH_FD(fi_in), &oi, ICCFS_FH_FD(fi_out), &oo, len,
				    (unsigned)flags);
	if (r < 0)
		fuse_reply_err(req, errno);
	else
		fuse_reply_write(req, (size_t)r);
}

const struct fuse_lowlevel_ops iccfs_ops = {
	.init = ll_init,
	.lookup = ll_lookup,
	.forget = ll_forget,
	.forget_multi = ll_forget_multi,
	.getattr = ll_getattr,
	.setattr = ll_setattr,
	.readlink = ll_readlink,
	.mknod = ll_mknod,
	.mkdir = ll_mkdir,
	.symlink = ll_symlink,
	.unlink = ll_unlink,
	.rmdir = ll_rmdir,
	.rename = ll_rename,
	.link = ll_link,
	.open = ll_open,
	.create = ll_create,
	.read = ll_read,
	.write_buf = ll_write_buf,
	.flush = ll_flush,
	.release = ll_release,
	.fsync = ll_fsync,
	.opendir = ll_opendir,
	.readdir = ll_readdir,
	.readdirplus = ll_readdirplus,
	.releasedir = ll_releasedir,
	.fsyncdir = ll_fsyncdir,
	.statfs = ll_statfs,
	.setxattr = ll_setxattr,
	.getxattr = ll_getxattr,
	.listxattr = ll_listxattr,
	.removexattr = ll_removexattr,
	.fallocate = ll_fallocate,
	.lseek = ll_lseek,
	.copy_file_range = ll_copy_file_range,
};
