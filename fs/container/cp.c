/* cp.c - icc cp: copy trees between a container's root (openat2 RESOLVE_IN_ROOT) and the host, by fd */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "icc/container/cp.h"
#include "icc/base/util.h"
#include "icc/image/image.h"
#include "icc/store/object.h"
#include "icc/runtime/runtime.h"
#include "icc/store/subvol.h"

#define FUSE_MAGIC 0x65735546
#define MAX_DEPTH 256 /* directory levels; each holds two fds while copying */

/* ------------------------------------------------------------ paths */

/*
 * A container path split into its components ("" and "." dropped).
 * contents: it ended in "/." (copy what the directory holds); slash: it
 * ended in "/" (it must be a directory).
 */
struct cpath {
	char rel[PATH_MAX];    /* the components joined: "a/b/c", "" for the root */
	char parent[PATH_MAX]; /* all but the last */
	char last[NAME_MAX + 1];
	int n;
	bool contents, slash;
};

static int split_path(const char *path, struct cpath *p, const char *cname, struct icc_err *err)
{
	memset(p, 0, sizeof(*p));
	size_t len = strlen(path);
	if (len >= PATH_MAX)
		return icc_err_set(err, ENAMETOOLONG, "path '%.64s...' in container '%s' is too long", path, cname);
	p->slash = len > 0 && path[len - 1] == '/';
	p->contents = (len >= 2 && !strcmp(path + len - 2, "/.")) || !strcmp(path, ".");
	char buf[PATH_MAX];
	snprintf(buf, sizeof(buf), "%s", path);
	size_t rl = 0;
	for (char *save = NULL, *c = strtok_r(buf, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (!strcmp(c, "."))
			continue;
		if (strlen(c) > NAME_MAX)
			return icc_err_set(err, ENAMETOOLONG, "a name in '%s' in container '%s' is too long", path, cname);
		if (p->n > 0) {
			memcpy(p->parent, p->rel, rl + 1);
			p->rel[rl++] = '/';
		}
		size_t cl = strlen(c);
		memcpy(p->rel + rl, c, cl + 1);
		rl += cl;
		snprintf(p->last, sizeof(p->last), "%s", c);
		p->n++;
	}
	if (p->n == 1)
		p->parent[0] = '\0';
	if (!strcmp(p->last, ".."))
		return icc_err_set(err, EINVAL, "path '%s' in container '%s' ends in '..'", path, cname);
	return 0;
}

/* openat2 from the container's root: nothing it names can lead outside. */
static int open_in_root(int root, const char *rel, int flags)
{
	return icc_openat2(root, rel[0] ? rel : ".", flags,
			   RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV);
}

/* Is directory fd icc-fs's virtual /.icc (refused as a destination)? */
static bool is_ctl_dir(int root, int fd)
{
	struct stat a, b;
	return fstatat(root, ".icc", &a, AT_SYMLINK_NOFOLLOW) == 0 && fstat(fd, &b) == 0 &&
	       a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

int icc_cp_root(struct icc_store *st, const char *id, const char *cname, struct icc_err *err)
{
	cJSON *meta;
	int r = icc_object_meta(st, ICC_CONTAINER, id, &meta, err);
	if (r < 0)
		return r;
	struct icc_cstate cs;
	icc_container_state(meta, &cs);
	cJSON_Delete(meta);
	if (cs.status == ICC_CS_RUNNING) {
		int dir = icc_object_dirfd(st, ICC_CONTAINER, id, err);
		if (dir < 0)
			return dir;
		int fd = openat(dir, "merged", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(dir);
		struct statfs sf;
		if (fd >= 0 && fstatfs(fd, &sf) == 0 && sf.f_type == FUSE_MAGIC)
			return fd;
		if (fd >= 0)
			close(fd); /* it ended meanwhile: its subvolume is all there is */
	}
	r = icc_object_rootfs_fd(st, ICC_CONTAINER, id, err);
	if (r < 0)
		icc_err_set(err, -r, "cannot open the files of container '%s'", cname);
	return r;
}

/* ------------------------------------------------------------ copying */

struct copy {
	bool archive;
	uid_t uid;  /* owner when not archive */
	gid_t gid;
	bool to_host;
	const struct icc_cp_opts *o;
	struct icc_err *err;
	char path[PATH_MAX]; /* where we are, for messages */
};

static int fail(struct copy *c, int e, const char *what)
{
	return icc_err_set(c->err, e, "cannot copy '%s': %s: %s", c->path[0] ? c->path : "/", what, strerror(e));
}

/* Make room for dname in dfd: a non-directory there is removed (never opened). */
static int clear_way(struct copy *c, int dfd, const char *dname, bool for_dir, bool *existing_dir)
{
	struct stat st;
	*existing_dir = false;
	if (fstatat(dfd, dname, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : fail(c, errno, "cannot look at the destination");
	if (S_ISDIR(st.st_mode)) {
		if (!for_dir)
			return icc_err_set(c->err, EISDIR, "cannot copy '%s': cannot overwrite directory '%s' with a non-directory",
					   c->path, dname);
		*existing_dir = true;
		return 0;
	}
	if (for_dir)
		return icc_err_set(c->err, ENOTDIR, "cannot copy '%s': cannot overwrite non-directory '%s' with a directory",
				   c->path, dname);
	if (unlinkat(dfd, dname, 0) < 0)
		return fail(c, errno, "cannot replace the destination");
	return 0;
}

static void owner(struct copy *c, const struct stat *st, uid_t *u, gid_t *g)
{
	*u = c->archive ? st->st_uid : c->uid;
	*g = c->archive ? st->st_gid : c->gid;
}

/* Owner, mode, times of an opened destination (mode after owner: chown clears set-id bits). */
static int finish_fd(struct copy *c, int fd, const struct stat *st)
{
	uid_t u;
	gid_t g;
	owner(c, st, &u, &g);
	struct timespec ts[2] = {st->st_atim, st->st_mtim};
	if (fchown(fd, u, g) < 0 || fchmod(fd, st->st_mode & 07777) < 0 || futimens(fd, ts) < 0)
		return fail(c, errno, "cannot set owner, mode or times");
	return 0;
}

static int copy_data(struct copy *c, int in, int out)
{
	const char *failed;
	int r = icc_copy_data(in, out, &failed);
	return r < 0 ? fail(c, -r, failed) : 0;
}

static int copy_node(struct copy *c, int sfd, const char *sname, const struct stat *st, int dfd,
		     const char *dname, int depth);

static int copy_dir(struct copy *c, int sfd, const char *sname, const struct stat *st, int dfd,
		    const char *dname, int depth)
{
	if (depth > MAX_DEPTH)
		return icc_err_set(c->err, ELOOP, "cannot copy '%s': more than %d directory levels", c->path, MAX_DEPTH);
	int sd = openat(sfd, sname, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	struct stat now;
	if (sd < 0)
		return fail(c, errno, "cannot open the directory");
	if (fstat(sd, &now) < 0 || now.st_ino != st->st_ino || now.st_dev != st->st_dev) {
		close(sd);
		return icc_err_set(c->err, EAGAIN, "cannot copy '%s': it changed while being copied", c->path);
	}
	bool existed;
	int r = clear_way(c, dfd, dname, true, &existed);
	if (r == 0 && !existed && mkdirat(dfd, dname, 0700) < 0)
		r = fail(c, errno, "cannot make the directory");
	int dd = r == 0 ? openat(dfd, dname, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) : -1;
	if (r == 0 && dd < 0)
		r = fail(c, errno, "cannot open the new directory");
	DIR *d = r == 0 ? fdopendir(dup(sd)) : NULL;
	if (r == 0 && !d)
		r = fail(c, errno, "cannot read the directory");
	size_t plen = strlen(c->path);
	struct dirent *de;
	while (r == 0 && (errno = 0, de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(c->path + plen, sizeof(c->path) - plen, "/%s", de->d_name);
		struct stat est;
		if (fstatat(sd, de->d_name, &est, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno == ENOENT)
				continue; /* removed meanwhile (a running container) */
			r = fail(c, errno, "cannot look at it");
			break;
		}
		r = copy_node(c, sd, de->d_name, &est, dd, de->d_name, depth + 1);
		c->path[plen] = '\0';
	}
	if (r == 0 && errno && !de)
		r = fail(c, errno, "cannot read the directory");
	/* a directory that was there already keeps its own owner and mode at the top */
	if (r == 0 && !(existed && depth == 0))
		r = finish_fd(c, dd, st);
	if (d)
		closedir(d);
	if (dd >= 0)
		close(dd);
	close(sd);
	return r;
}

static int copy_node(struct copy *c, int sfd, const char *sname, const struct stat *st, int dfd,
		     const char *dname, int depth)
{
	bool existed;
	int r;
	uid_t u;
	gid_t g;
	owner(c, st, &u, &g);
	struct timespec ts[2] = {st->st_atim, st->st_mtim};
	switch (st->st_mode & S_IFMT) {
	case S_IFDIR:
		return copy_dir(c, sfd, sname, st, dfd, dname, depth);
	case S_IFREG: {
		int in = openat(sfd, sname, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		struct stat now;
		if (in < 0)
			return fail(c, errno, "cannot open it");
		if (fstat(in, &now) < 0 || !S_ISREG(now.st_mode) || now.st_ino != st->st_ino) {
			close(in);
			return icc_err_set(c->err, EAGAIN, "cannot copy '%s': it changed while being copied", c->path);
		}
		r = clear_way(c, dfd, dname, false, &existed);
		int out = r == 0 ? openat(dfd, dname, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600) : -1;
		if (r == 0 && out < 0)
			r = fail(c, errno, "cannot create the copy");
		if (r == 0)
			r = copy_data(c, in, out);
		if (r == 0)
			r = finish_fd(c, out, &now);
		if (out >= 0)
			close(out);
		close(in);
		return r;
	}
	case S_IFLNK: {
		char target[PATH_MAX];
		ssize_t n = readlinkat(sfd, sname, target, sizeof(target) - 1);
		if (n < 0)
			return fail(c, errno, "cannot read the symlink");
		target[n] = '\0';
		r = clear_way(c, dfd, dname, false, &existed);
		if (r == 0 && symlinkat(target, dfd, dname) < 0)
			r = fail(c, errno, "cannot make the symlink");
		if (r == 0 && (fchownat(dfd, dname, u, g, AT_SYMLINK_NOFOLLOW) < 0 ||
			       utimensat(dfd, dname, ts, AT_SYMLINK_NOFOLLOW) < 0))
			r = fail(c, errno, "cannot set the symlink's owner or times");
		return r;
	}
	case S_IFIFO:
	case S_IFCHR:
	case S_IFBLK:
		if (!S_ISFIFO(st->st_mode) && c->to_host) {
			/* a device node a container made is not recreated on the host */
			if (c->o && c->o->skipped)
				c->o->skipped(c->o->ctx, c->path, "a device node");
			return 0;
		}
		r = clear_way(c, dfd, dname, false, &existed);
		if (r == 0 && mknodat(dfd, dname, (st->st_mode & S_IFMT) | 0600, st->st_rdev) < 0)
			r = fail(c, errno, "cannot make the node");
		if (r == 0 && (fchownat(dfd, dname, u, g, AT_SYMLINK_NOFOLLOW) < 0 ||
			       fchmodat(dfd, dname, st->st_mode & 07777, 0) < 0 ||
			       utimensat(dfd, dname, ts, AT_SYMLINK_NOFOLLOW) < 0))
			r = fail(c, errno, "cannot set the node's owner, mode or times");
		return r;
	default:
		if (c->o && c->o->skipped)
			c->o->skipped(c->o->ctx, c->path, "a socket");
		return 0;
	}
}

/* ------------------------------------------------------------ the four directions */

/* The source in the container: its directory (O_PATH), name and status. */
static int open_source(int root, const char *cname, const char *cpath, struct cpath *p, int *sfd,
		       const char **sname, struct stat *st, struct icc_err *err)
{
	int r = split_path(cpath, p, cname, err);
	if (r < 0)
		return r;
	*sfd = open_in_root(root, p->n ? p->parent : "", O_PATH | O_DIRECTORY);
	*sname = p->n ? p->last : ".";
	if (*sfd < 0 || fstatat(*sfd, *sname, st, AT_SYMLINK_NOFOLLOW) < 0) {
		r = *sfd < 0 ? *sfd : -errno;
		if (*sfd >= 0)
			close(*sfd);
		*sfd = -1;
		if (r == -ENOENT || r == -ENOTDIR)
			return icc_err_set(err, ENOENT, "no such file or directory in container '%s': '%s'", cname, cpath);
		return icc_err_sys(err, -r, "cannot open '%s' in container '%s'", cpath, cname);
	}
	if ((p->contents || p->slash) && !S_ISDIR(st->st_mode)) {
		close(*sfd);
		*sfd = -1;
		return icc_err_set(err, ENOTDIR, "'%s' in container '%s' is not a directory", cpath, cname);
	}
	if (p->n == 0)
		p->contents = true;
	return 0;
}

static const char *base_name(const char *path, char *buf, size_t size)
{
	snprintf(buf, size, "%s", path);
	size_t l = strlen(buf);
	while (l > 1 && buf[l - 1] == '/')
		buf[--l] = '\0';
	const char *s = strrchr(buf, '/');
	return s && s[1] ? s + 1 : buf;
}

static const char *dir_name(const char *path, char *buf, size_t size)
{
	snprintf(buf, size, "%s", path);
	size_t l = strlen(buf);
	while (l > 1 && buf[l - 1] == '/')
		buf[--l] = '\0';
	char *s = strrchr(buf, '/');
	if (!s)
		return ".";
	if (s == buf)
		return "/";
	*s = '\0';
	return buf;
}

int icc_cp_out(int root, const char *cname, const char *cpath, const char *host, const struct icc_cp_opts *o,
	       struct icc_err *err)
{
	struct cpath p;
	int sfd;
	const char *sname;
	struct stat st, hst;
	int r = open_source(root, cname, cpath, &p, &sfd, &sname, &st, err);
	if (r < 0)
		return r;
	struct copy c = {.archive = o->archive, .uid = getuid(), .gid = getgid(), .to_host = true, .o = o, .err = err};
	snprintf(c.path, sizeof(c.path), "%s:%s", cname, cpath);
	char b1[PATH_MAX], b2[PATH_MAX];
	const char *dname;
	int dfd;
	size_t hl = strlen(host);
	bool dir = S_ISDIR(st.st_mode);
	/* docker cp's rules: into an existing directory, over an existing file, or as a new name */
	int hs = stat(host, &hst), herr = errno;
	if (hs == 0 && S_ISDIR(hst.st_mode)) {
		dfd = open(host, O_PATH | O_DIRECTORY | O_CLOEXEC);
		dname = p.contents ? "." : p.last;
	} else if (hs == 0 && dir) {
		close(sfd);
		return icc_err_set(err, ENOTDIR, "cannot copy a directory to a file: '%s'", host);
	} else if (hs < 0 && herr != ENOENT) {
		close(sfd);
		return icc_err_sys(err, herr, "cannot copy to '%s'", host);
	} else if (hs < 0 && hl && host[hl - 1] == '/') {
		close(sfd);
		return icc_err_set(err, ENOENT, "no such directory: '%s'", host);
	} else {
		dfd = open(dir_name(host, b1, sizeof(b1)), O_PATH | O_DIRECTORY | O_CLOEXEC);
		dname = base_name(host, b2, sizeof(b2));
	}
	if (dfd < 0) {
		close(sfd);
		return icc_err_sys(err, errno, "no such directory: '%s'", hs == 0 && S_ISDIR(hst.st_mode) ? host :
				   dir_name(host, b1, sizeof(b1)));
	}
	r = copy_node(&c, sfd, sname, &st, dfd, dname, 0);
	close(dfd);
	close(sfd);
	return r;
}

int icc_cp_in(int root, const char *cname, const char *host, const char *cpath, const struct icc_cp_opts *o,
	      struct icc_err *err)
{
	struct stat st, dst;
	char b1[PATH_MAX], b2[PATH_MAX];
	size_t hl = strlen(host);
	bool contents = (hl >= 2 && !strcmp(host + hl - 2, "/.")) || !strcmp(host, ".");
	if (lstat(host, &st) < 0)
		return icc_err_sys(err, errno, "cannot copy '%s'", host);
	if ((contents || (hl && host[hl - 1] == '/')) && !S_ISDIR(st.st_mode))
		return icc_err_set(err, ENOTDIR, "'%s' is not a directory", host);
	bool dir = S_ISDIR(st.st_mode);
	int sfd;
	const char *sname;
	if (dir && (contents || !strcmp(base_name(host, b2, sizeof(b2)), "/"))) {
		contents = true;
		sfd = open(host, O_PATH | O_DIRECTORY | O_CLOEXEC);
		sname = ".";
	} else {
		sfd = open(dir_name(host, b1, sizeof(b1)), O_PATH | O_DIRECTORY | O_CLOEXEC);
		sname = base_name(host, b2, sizeof(b2));
	}
	if (sfd < 0)
		return icc_err_sys(err, errno, "cannot copy '%s'", host);
	/* the destination, resolved in the container's root */
	struct cpath p;
	int r = split_path(cpath, &p, cname, err);
	if (r == 0 && (!strcmp(p.rel, ".icc") || !strncmp(p.rel, ".icc/", 5)))
		r = icc_err_set(err, EPERM, "cannot copy into '%s' in container '%s': it is icc's control directory",
				cpath, cname);
	int dfd = -1;
	const char *dname = NULL;
	if (r == 0) {
		int t = open_in_root(root, p.rel, O_PATH);
		if (t >= 0 && fstat(t, &dst) == 0 && S_ISDIR(dst.st_mode)) {
			dfd = t;
			dname = contents ? "." : sname;
		} else {
			if (t >= 0)
				close(t);
			if (t >= 0 && dir)
				r = icc_err_set(err, ENOTDIR, "cannot copy a directory to a file: '%s' in container '%s'",
						cpath, cname);
			else if (t == -ENOENT && p.slash)
				r = icc_err_set(err, ENOENT, "no such directory in container '%s': '%s'", cname, cpath);
			else if (t < 0 && t != -ENOENT)
				r = icc_err_sys(err, -t, "cannot open '%s' in container '%s'", cpath, cname);
			if (r == 0) {
				dfd = open_in_root(root, p.parent, O_PATH | O_DIRECTORY);
				dname = p.last;
				if (dfd < 0)
					r = icc_err_set(err, ENOENT, "no such directory in container '%s': '/%s'", cname,
							p.parent);
			}
		}
	}
	if (r == 0 && is_ctl_dir(root, dfd))
		r = icc_err_set(err, EPERM, "cannot copy into '%s' in container '%s': it is icc's control directory",
				cpath, cname);
	if (r == 0) {
		struct copy c = {.archive = o->archive, .uid = 0, .gid = 0, .o = o, .err = err};
		snprintf(c.path, sizeof(c.path), "%s", host);
		r = copy_node(&c, sfd, sname, &st, dfd, dname, 0);
	}
	if (dfd >= 0)
		close(dfd);
	close(sfd);
	return r;
}

/* ---- tar streams ---- */

struct tarw {
	struct archive *a;
	struct icc_err *err;
	char path[PATH_MAX];
	const char *cname;
};

static int tar_fail(struct tarw *t, int e, const char *what)
{
	return icc_err_set(t->err, e ? e : EIO, "cannot copy '%s:/%s': %s: %s", t->cname, t->path, what,
			   e ? strerror(e) : archive_error_string(t->a));
}

static int tar_node(struct tarw *t, int sfd, const char *sname, const struct stat *st, int depth)
{
	if (depth > MAX_DEPTH)
		return icc_err_set(t->err, ELOOP, "cannot copy '%s:/%s': more than %d directory levels", t->cname,
				   t->path, MAX_DEPTH);
	struct archive_entry *e = archive_entry_new();
	if (!e)
		return icc_err_set(t->err, ENOMEM, "out of memory");
	archive_entry_copy_stat(e, st);
	archive_entry_set_pathname(e, t->path);
	int fd = -1, r = 0;
	if (S_ISLNK(st->st_mode)) {
		char target[PATH_MAX];
		ssize_t n = readlinkat(sfd, sname, target, sizeof(target) - 1);
		if (n < 0)
			r = tar_fail(t, errno, "cannot read the symlink");
		else {
			target[n] = '\0';
			archive_entry_set_symlink(e, target);
		}
	} else if (S_ISREG(st->st_mode) || S_ISDIR(st->st_mode)) {
		fd = openat(sfd, sname, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		struct stat now;
		if (fd < 0)
			r = tar_fail(t, errno, "cannot open it");
		else if (fstat(fd, &now) < 0 || now.st_ino != st->st_ino || (now.st_mode & S_IFMT) != (st->st_mode & S_IFMT))
			r = icc_err_set(t->err, EAGAIN, "cannot copy '%s:/%s': it changed while being copied", t->cname, t->path);
	} else if (S_ISSOCK(st->st_mode)) {
		archive_entry_free(e);
		return 0;
	}
	if (r == 0 && archive_write_header(t->a, e) < ARCHIVE_WARN)
		r = tar_fail(t, archive_errno(t->a), "cannot write the archive");
	archive_entry_free(e);
	if (r == 0 && S_ISREG(st->st_mode)) {
		char buf[1 << 16];
		long long left = st->st_size;
		while (r == 0 && left > 0) {
			ssize_t n = read(fd, buf, (size_t)(left < (long long)sizeof(buf) ? left : (long long)sizeof(buf)));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				/* it shrank meanwhile: the header promised st_size bytes */
				r = n < 0 ? tar_fail(t, errno, "cannot read") : icc_err_set(t->err, EAGAIN,
					"cannot copy '%s:/%s': it changed while being copied", t->cname, t->path);
				break;
			}
			if (archive_write_data(t->a, buf, (size_t)n) < 0)
				r = tar_fail(t, archive_errno(t->a), "cannot write the archive");
			left -= n;
		}
	}
	if (r == 0 && S_ISDIR(st->st_mode)) {
		DIR *d = fdopendir(dup(fd));
		if (!d)
			r = tar_fail(t, errno, "cannot read the directory");
		size_t plen = strlen(t->path);
		struct dirent *de;
		while (r == 0 && (de = readdir(d))) {
			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			struct stat est;
			if (fstatat(fd, de->d_name, &est, AT_SYMLINK_NOFOLLOW) < 0)
				continue;
			snprintf(t->path + plen, sizeof(t->path) - plen, "%s%s", plen ? "/" : "", de->d_name);
			r = tar_node(t, fd, de->d_name, &est, depth + 1);
			t->path[plen] = '\0';
		}
		if (d)
			closedir(d);
	}
	if (fd >= 0)
		close(fd);
	return r;
}

int icc_cp_out_tar(int root, const char *cname, const char *cpath, int out_fd, struct icc_err *err)
{
	struct cpath p;
	int sfd;
	const char *sname;
	struct stat st;
	int r = open_source(root, cname, cpath, &p, &sfd, &sname, &st, err);
	if (r < 0)
		return r;
	struct tarw t = {.a = archive_write_new(), .err = err, .cname = cname};
	if (!t.a) {
		close(sfd);
		return icc_err_set(err, ENOMEM, "out of memory");
	}
	archive_write_set_format_pax_restricted(t.a);
	archive_write_set_bytes_in_last_block(t.a, 1);
	if (archive_write_open_fd(t.a, out_fd) != ARCHIVE_OK) {
		r = tar_fail(&t, archive_errno(t.a), "cannot write the archive");
	} else {
		/* entries named as docker cp names them: BASENAME/..., or ./... for DIR/. */
		snprintf(t.path, sizeof(t.path), "%s", p.contents ? "." : p.last);
		r = tar_node(&t, sfd, sname, &st, 0);
		if (archive_write_close(t.a) != ARCHIVE_OK && r == 0)
			r = tar_fail(&t, archive_errno(t.a), "cannot write the archive");
	}
	archive_write_free(t.a);
	close(sfd);
	return r;
}

int icc_cp_in_tar(struct icc_store *st, int root, const char *cname, int in_fd, const char *cpath,
		  const struct icc_cp_opts *o, struct icc_err *err)
{
	struct cpath p;
	int r = split_path(cpath, &p, cname, err);
	if (r < 0)
		return r;
	int dfd = open_in_root(root, p.rel, O_PATH | O_DIRECTORY);
	if (dfd < 0)
		return icc_err_set(err, -dfd == ENOTDIR ? ENOTDIR : ENOENT,
				   "the destination '%s' in container '%s' must be an existing directory", cpath, cname);
	if (is_ctl_dir(root, dfd) || (p.n && !strcmp(p.rel, ".icc"))) {
		close(dfd);
		return icc_err_set(err, EPERM, "cannot copy into '%s' in container '%s': it is icc's control directory",
				   cpath, cname);
	}
	/* stage in the store's tmp/ (icc system check removes what a crash leaves) */
	char stage[32] = "cp-";
	char rid[ICC_ID_LEN + 1];
	icc_random_id(rid);
	snprintf(stage + 3, sizeof(stage) - 3, "%.16s", rid);
	int tmp = openat(st->root_fd, "tmp", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (tmp < 0 || mkdirat(tmp, stage, 0700) < 0) {
		r = icc_err_sys(err, errno, "cannot make a staging directory in the store");
		if (tmp >= 0)
			close(tmp);
		close(dfd);
		return r;
	}
	int sfd = openat(tmp, stage, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	unsigned long long bytes;
	char what[300];
	snprintf(what, sizeof(what), "- into %s:%s", cname, cpath);
	r = sfd < 0 ? icc_err_sys(err, errno, "cannot open the staging directory")
		    : icc_tar_extract_as(in_fd, "copy", what, sfd, &bytes, err);
	if (r == 0) {
		struct stat sst;
		struct copy c = {.archive = o->archive, .o = o, .err = err};
		snprintf(c.path, sizeof(c.path), "-");
		if (fstat(sfd, &sst) < 0)
			r = icc_err_sys(err, errno, "cannot read the staging directory");
		else
			r = copy_node(&c, sfd, ".", &sst, dfd, ".", 0);
	}
	if (sfd >= 0)
		close(sfd);
	struct icc_err e2;
	icc_rmtree(tmp, stage, &e2);
	if (r < 0) /* a refused copy (an archive too big for the store) gives its space back */
		icc_store_reclaim(st);
	close(tmp);
	close(dfd);
	return r;
}
