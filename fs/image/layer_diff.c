/* layer_diff.c - the changes between two trees as an OCI layer (whiteouts, opaque dirs) */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <fcntl.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "icc/oci/oci.h"
#include "icc/image/treewalk.h"
#include "icc/base/util.h"

struct diff {
	struct icc_tarw *w;
	struct icc_layer_stats *st;
	struct icc_err *err;
	struct icc_relpath path; /* the entry at hand, as named in the layer */
	int depth;
};

/* All xattrs of dirfd/name as "name\0value-length:value" concatenated, sorted by name. */
static int xattr_blob(int dirfd, const char *name, char **out, size_t *len)
{
	char path[64 + 4096];
	snprintf(path, sizeof(path), "/proc/self/fd/%d/%s", dirfd, name);
	*out = NULL;
	*len = 0;
	char list[65536];
	ssize_t n = llistxattr(path, list, sizeof(list));
	if (n <= 0)
		return n < 0 && errno != ENOTSUP ? -errno : 0;
	/* list order is stable for one inode; sort anyway for safety */
	const char *names[1024];
	size_t k = icc_xattr_names_sorted(list, n, names, 1024);
	size_t cap = 0, used = 0;
	char *b = NULL;
	static __thread char val[65536];
	for (size_t i = 0; i < k; i++) {
		ssize_t v = lgetxattr(path, names[i], val, sizeof(val));
		if (v < 0)
			continue;
		size_t need = strlen(names[i]) + 1 + 16 + (size_t)v;
		if (used + need > cap) {
			cap = (used + need) * 2;
			char *nb = realloc(b, cap);
			if (!nb) {
				free(b);
				return -ENOMEM;
			}
			b = nb;
		}
		used += (size_t)sprintf(b + used, "%s", names[i]) + 1;
		used += (size_t)sprintf(b + used, "%zd:", v);
		memcpy(b + used, val, (size_t)v);
		used += (size_t)v;
	}
	*out = b;
	*len = used;
	return 0;
}

/* Same type, mode, owner, size, mtime, device, link target and xattrs? */
static int same_meta(int lfd, int ufd, const char *name, const struct stat *a, const struct stat *b)
{
	if (a->st_mode != b->st_mode || a->st_uid != b->st_uid || a->st_gid != b->st_gid ||
	    a->st_mtim.tv_sec != b->st_mtim.tv_sec || a->st_mtim.tv_nsec != b->st_mtim.tv_nsec)
		return 0;
	if (!S_ISDIR(a->st_mode) && (a->st_size != b->st_size || a->st_nlink != b->st_nlink))
		return 0;
	if ((S_ISCHR(a->st_mode) || S_ISBLK(a->st_mode)) && a->st_rdev != b->st_rdev)
		return 0;
	if (S_ISLNK(a->st_mode)) {
		char t1[4097], t2[4097];
		ssize_t n1 = readlinkat(lfd, name, t1, sizeof(t1));
		ssize_t n2 = readlinkat(ufd, name, t2, sizeof(t2));
		if (n1 < 0 || n2 < 0)
			return -errno;
		if (n1 != n2 || memcmp(t1, t2, (size_t)n1))
			return 0;
	}
	char *x1, *x2;
	size_t l1, l2;
	int r = xattr_blob(lfd, name, &x1, &l1);
	if (r < 0)
		return r;
	r = xattr_blob(ufd, name, &x2, &l2);
	if (r < 0) {
		free(x1);
		return r;
	}
	int same = l1 == l2 && (l1 == 0 || !memcmp(x1, x2, l1));
	free(x1);
	free(x2);
	return same;
}

/*
 * 1 if btrfs says both files are made of the same extents (a snapshot's
 * unchanged file), 0 if not or unknown (inline data, delalloc, ...).
 */
static int same_extents(int fa, int fb)
{
	enum { N = 128 };
	size_t sz = sizeof(struct fiemap) + N * sizeof(struct fiemap_extent);
	struct fiemap *ma = calloc(1, sz), *mb = calloc(1, sz);
	int same = 0;
	if (!ma || !mb)
		goto out;
	uint64_t start = 0;
	for (;;) {
		memset(ma, 0, sz);
		memset(mb, 0, sz);
		ma->fm_start = mb->fm_start = start;
		ma->fm_length = mb->fm_length = FIEMAP_MAX_OFFSET - start;
		ma->fm_extent_count = mb->fm_extent_count = N;
		if (ioctl(fa, FS_IOC_FIEMAP, ma) < 0 || ioctl(fb, FS_IOC_FIEMAP, mb) < 0)
			goto out;
		if (ma->fm_mapped_extents != mb->fm_mapped_extents)
			goto out;
		if (ma->fm_mapped_extents == 0) {
			same = 1;
			goto out;
		}
		const uint32_t bad = FIEMAP_EXTENT_UNKNOWN | FIEMAP_EXTENT_DELALLOC |
				     FIEMAP_EXTENT_DATA_INLINE | FIEMAP_EXTENT_DATA_TAIL |
				     FIEMAP_EXTENT_NOT_ALIGNED;
		for (uint32_t i = 0; i < ma->fm_mapped_extents; i++) {
			struct fiemap_extent *x = &ma->fm_extents[i], *y = &mb->fm_extents[i];
			if ((x->fe_flags & bad) || (y->fe_flags & bad) ||
			    x->fe_logical != y->fe_logical || x->fe_physical != y->fe_physical ||
			    x->fe_length != y->fe_length || x->fe_flags != y->fe_flags)
				goto out;
		}
		struct fiemap_extent *last = &ma->fm_extents[ma->fm_mapped_extents - 1];
		if (last->fe_flags & FIEMAP_EXTENT_LAST) {
			same = 1;
			goto out;
		}
		start = last->fe_logical + last->fe_length;
	}
out:
	free(ma);
	free(mb);
	return same;
}

/* Do the two regular files (lstat'ed as a and b) hold the same bytes?  1, 0 or -errno. */
static int same_content(struct diff *d, int lfd, int ufd, const char *name, const struct stat *a,
			const struct stat *b)
{
	int fa = icc_file_open_checked(lfd, name, a);
	if (fa < 0)
		return fa;
	int fb = icc_file_open_checked(ufd, name, b);
	if (fb < 0) {
		close(fa);
		return fb;
	}
	int same = same_extents(fa, fb);
	if (!same) {
		static __thread char ba[1 << 16], bb[1 << 16];
		same = 1;
		for (;;) {
			ssize_t na = read(fa, ba, sizeof(ba));
			ssize_t nb = na > 0 ? read(fb, bb, (size_t)na) : read(fb, bb, 1);
			if (na < 0 || nb < 0) {
				same = -errno;
				break;
			}
			d->st->compared_bytes += (unsigned long long)na;
			if (na != nb || memcmp(ba, bb, (size_t)na)) {
				same = 0;
				break;
			}
			if (na == 0)
				break;
		}
	}
	close(fa);
	close(fb);
	return same;
}

/* Write the children of the directory dirfd/name (lstat'ed as sb) whole, after its entry. */
static int add_children(struct diff *d, int dirfd, const char *name, const struct stat *sb)
{
	int fd = icc_dir_open_checked(dirfd, name, sb);
	if (fd < 0)
		return icc_err_sys(d->err, -fd, "cannot open '%s'", d->path.buf);
	char **names;
	size_t n;
	int r = icc_dir_names(fd, &names, &n, d->err);
	for (size_t i = 0; r == 0 && i < n; i++) {
		size_t mark;
		if ((r = icc_relpath_push(&d->path, names[i], &mark, d->err)) == 0)
			r = icc_tarw_subtree(d->w, fd, names[i], d->path.buf, d->err);
		icc_relpath_pop(&d->path, mark);
	}
	if (r == 0)
		icc_dir_names_free(names, n);
	close(fd);
	return r;
}

/* A whiteout hiding `name` in the directory d->path. */
static int whiteout(struct diff *d, const char *name)
{
	char wh[NAME_MAX + 8];
	snprintf(wh, sizeof(wh), ".wh.%s", name);
	size_t mark;
	int r = icc_relpath_push(&d->path, wh, &mark, d->err);
	if (r == 0)
		r = icc_tarw_empty(d->w, d->path.buf, d->err);
	icc_relpath_pop(&d->path, mark);
	d->st->deleted++;
	return r;
}

static int diff_dir(struct diff *d, int *lfd, int *ufd);

/* Compare two directories lstat'ed as a and b, entered from *lfd and *ufd (maybe reopened). */
static int diff_subdirs(struct diff *d, int *lfd, int *ufd, const char *name, const struct stat *a,
			const struct stat *b)
{
	int l2 = icc_dir_open_checked(*lfd, name, a);
	if (l2 < 0)
		return icc_err_sys(d->err, -l2, "cannot open '%s'", d->path.buf);
	int u2 = icc_dir_open_checked(*ufd, name, b);
	if (u2 < 0) {
		close(l2);
		return icc_err_sys(d->err, -u2, "cannot open '%s'", d->path.buf);
	}
	struct icc_dir_park park;
	icc_dir_park(&park, d->depth, lfd, ufd);
	d->depth++;
	int r = diff_dir(d, &l2, &u2);
	d->depth--;
	if (icc_dir_unpark(&park, lfd, ufd, l2, u2) < 0 && r == 0)
		r = icc_err_set(d->err, ESTALE, "cannot go back above '%s'", d->path.buf);
	return r;
}

/* `name`, in both trees, is d->path; `parent` is the length of its directory's path. */
static int diff_both(struct diff *d, int *lfd, int *ufd, const char *name, size_t parent)
{
	struct stat a, b;
	int r;
	if (fstatat(*lfd, name, &a, AT_SYMLINK_NOFOLLOW) < 0 ||
	    fstatat(*ufd, name, &b, AT_SYMLINK_NOFOLLOW) < 0)
		return icc_err_sys(d->err, errno, "cannot stat '%s'", d->path.buf);
	if ((a.st_mode & S_IFMT) != (b.st_mode & S_IFMT)) {
		if (S_ISDIR(a.st_mode)) {
			/* a directory must be removed before something else takes its name */
			size_t mark;
			icc_relpath_pop(&d->path, parent);
			r = whiteout(d, name);
			icc_relpath_push(&d->path, name, &mark, d->err);
			if (r < 0)
				return r;
		}
		d->st->changed++;
		return icc_tarw_subtree(d->w, *ufd, name, d->path.buf, d->err);
	}
	int same = same_meta(*lfd, *ufd, name, &a, &b);
	if (same < 0)
		return icc_err_sys(d->err, -same, "cannot compare '%s'", d->path.buf);
	if (S_ISDIR(b.st_mode)) {
		if (a.st_ino != b.st_ino) {
			/* removed and made again: replaces everything below (opaque) */
			d->st->opaque++;
			if ((r = icc_tarw_path(d->w, *ufd, name, d->path.buf, d->err)) < 0)
				return r;
			size_t mark;
			if ((r = icc_relpath_push(&d->path, ".wh..wh..opq", &mark, d->err)) == 0)
				r = icc_tarw_empty(d->w, d->path.buf, d->err);
			icc_relpath_pop(&d->path, mark);
			return r < 0 ? r : add_children(d, *ufd, name, &b);
		}
		if (!same) {
			d->st->changed++;
			if ((r = icc_tarw_path(d->w, *ufd, name, d->path.buf, d->err)) < 0)
				return r;
		}
		return diff_subdirs(d, lfd, ufd, name, &a, &b);
	}
	if (same && S_ISREG(b.st_mode)) {
		same = same_content(d, *lfd, *ufd, name, &a, &b);
		if (same == -ESTALE)
			return icc_err_set(d->err, ESTALE, "cannot compare '%s': it was replaced while being read",
					   d->path.buf);
		if (same < 0)
			return icc_err_sys(d->err, -same, "cannot compare '%s'", d->path.buf);
	}
	if (same)
		return 0;
	d->st->changed++;
	return icc_tarw_path(d->w, *ufd, name, d->path.buf, d->err);
}

/* The changes below the directories *lfd and *ufd (d->path); either fd may be reopened. */
static int diff_dir(struct diff *d, int *lfd, int *ufd)
{
	char **ln, **un;
	size_t nl, nu;
	int r = icc_dir_names(*lfd, &ln, &nl, d->err);
	if (r < 0)
		return r;
	r = icc_dir_names(*ufd, &un, &nu, d->err);
	if (r < 0) {
		icc_dir_names_free(ln, nl);
		return r;
	}
	size_t i = 0, j = 0;
	while (r == 0 && (i < nl || j < nu)) {
		int c = i >= nl ? 1 : j >= nu ? -1 : strcmp(ln[i], un[j]);
		if (c < 0) {
			r = whiteout(d, ln[i++]);
			continue;
		}
		size_t mark;
		if ((r = icc_relpath_push(&d->path, un[j], &mark, d->err)) < 0)
			break;
		if (c > 0) {
			r = icc_tarw_subtree(d->w, *ufd, un[j], d->path.buf, d->err);
			d->st->added++;
		} else {
			r = diff_both(d, lfd, ufd, un[j], mark);
			i++;
		}
		icc_relpath_pop(&d->path, mark);
		j++;
	}
	icc_dir_names_free(ln, nl);
	icc_dir_names_free(un, nu);
	return r;
}

int icc_layer_diff(struct icc_tarw *w, int lower_fd, int upper_fd,
		   struct icc_layer_stats *stats, struct icc_err *err)
{
	struct icc_layer_stats dummy;
	memset(stats ? stats : &dummy, 0, sizeof(dummy));
	if (lower_fd < 0)
		return icc_tarw_tree(w, upper_fd, err);
	/* on the heap: the path buffer is PATH_MAX long */
	struct diff *d = calloc(1, sizeof(*d));
	if (!d)
		return icc_err_set(err, ENOMEM, "out of memory");
	d->w = w;
	d->st = stats ? stats : &dummy;
	d->err = err;
	/* the callers' fds: depth 0 is never closed (below ICC_WALK_OPEN_MAX) */
	int lfd = lower_fd, ufd = upper_fd;
	int r = diff_dir(d, &lfd, &ufd);
	free(d);
	return r;
}
