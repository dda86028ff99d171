/* export.c - write trees as pax tar streams: owners, modes, times, xattrs, hard links */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "icc/oci/oci.h"
#include "icc/image/treewalk.h"
#include "icc/base/util.h"

struct icc_tarw {
	struct archive *a;
	struct archive_entry_linkresolver *lr;
	char *buf;
};

#define IOBUF (1 << 17)

int icc_tarw_open(struct icc_tarw **wp, int fd, const char *filter, struct icc_err *err)
{
	struct icc_tarw *w = calloc(1, sizeof(*w));
	if (!w)
		return icc_err_set(err, ENOMEM, "out of memory");
	w->a = archive_write_new();
	w->lr = archive_entry_linkresolver_new();
	w->buf = malloc(IOBUF);
	if (!w->a || !w->lr || !w->buf) {
		icc_tarw_free(w);
		return icc_err_set(err, ENOMEM, "out of memory");
	}
	archive_write_set_format_pax_restricted(w->a);
	/* xattrs as SCHILY.xattr only (what GNU tar, Docker and umoci read) */
	archive_write_set_format_option(w->a, "pax", "xattrheader", "SCHILY");
	archive_entry_linkresolver_set_strategy(w->lr, archive_format(w->a));
	int r = ARCHIVE_OK;
	if (!filter || !strcmp(filter, "none")) {
		r = archive_write_add_filter_none(w->a);
	} else if (!strcmp(filter, "gzip")) {
		r = archive_write_add_filter_gzip(w->a);
		/* no timestamp in the gzip header: the same tree gives the same digest */
		archive_write_set_filter_option(w->a, "gzip", "timestamp", NULL);
	} else if (!strcmp(filter, "zstd")) {
		r = archive_write_add_filter_zstd(w->a);
	} else {
		icc_tarw_free(w);
		return icc_err_set(err, EINVAL, "unknown compression '%s' (none, gzip, zstd)", filter);
	}
	if (r != ARCHIVE_OK) {
		int e = icc_err_set(err, EINVAL, "cannot use compression '%s': %s", filter,
				    archive_error_string(w->a));
		icc_tarw_free(w);
		return e;
	}
	archive_write_set_bytes_in_last_block(w->a, 1);
	if (archive_write_open_fd(w->a, fd) != ARCHIVE_OK) {
		int e = icc_err_set(err, EIO, "cannot write the archive: %s", archive_error_string(w->a));
		icc_tarw_free(w);
		return e;
	}
	*wp = w;
	return 0;
}

void icc_tarw_free(struct icc_tarw *w)
{
	if (!w)
		return;
	if (w->a)
		archive_write_free(w->a);
	if (w->lr)
		archive_entry_linkresolver_free(w->lr);
	free(w->buf);
	free(w);
}

int icc_tarw_close(struct icc_tarw *w, struct icc_err *err)
{
	int r = 0;
	if (archive_write_close(w->a) != ARCHIVE_OK)
		r = icc_err_set(err, archive_errno(w->a) > 0 ? archive_errno(w->a) : EIO,
				"cannot finish the archive: %s", archive_error_string(w->a));
	icc_tarw_free(w);
	return r;
}

static int ar_fail(struct icc_tarw *w, const char *name, struct icc_err *err)
{
	int e = archive_errno(w->a);
	return icc_err_set(err, e > 0 ? e : EIO, "cannot write '%s' to the archive: %s", name,
			   archive_error_string(w->a));
}

/* Copy the extended attributes of dirfd/name (not following a symlink). */
static int add_xattrs(struct archive_entry *e, int dirfd, const char *name, struct icc_err *err)
{
	char path[64 + 4096];
	snprintf(path, sizeof(path), "/proc/self/fd/%d/%s", dirfd, name);
	char list[65536];
	ssize_t n = llistxattr(path, list, sizeof(list));
	if (n < 0) {
		if (errno == ENOTSUP || errno == ENODATA)
			return 0;
		return icc_err_sys(err, errno, "cannot list the attributes of '%s'", name);
	}
	/* names sorted, for reproducible output */
	const char *names[1024];
	size_t k = icc_xattr_names_sorted(list, n, names, 1024);
	static __thread char val[65536];
	for (size_t i = 0; i < k; i++) {
		ssize_t v = lgetxattr(path, names[i], val, sizeof(val));
		if (v < 0) {
			if (errno == ENODATA)
				continue;
			return icc_err_sys(err, errno, "cannot read attribute %s of '%s'", names[i], name);
		}
		archive_entry_xattr_add_entry(e, names[i], val, (size_t)v);
	}
	return 0;
}

int icc_tarw_empty(struct icc_tarw *w, const char *tarname, struct icc_err *err)
{
	struct archive_entry *e = archive_entry_new();
	archive_entry_set_pathname(e, tarname);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, 0);
	archive_entry_set_mtime(e, 0, 0);
	int r = archive_write_header(w->a, e) < ARCHIVE_WARN ? ar_fail(w, tarname, err) : 0;
	archive_entry_free(e);
	return r;
}

/* One entry for dirfd/name, whose lstat is sb. */
static int write_entry(struct icc_tarw *w, int dirfd, const char *name, const char *tarname,
		       const struct stat *sb, struct icc_err *err)
{
	struct archive_entry *e = archive_entry_new();
	if (!e)
		return icc_err_set(err, ENOMEM, "out of memory");
	archive_entry_set_pathname(e, tarname);
	archive_entry_copy_stat(e, sb);
	/* access and change times vary with every read: leave them out */
	archive_entry_unset_atime(e);
	archive_entry_unset_ctime(e);
	archive_entry_unset_birthtime(e);
	int r = 0, fd = -1;
	if (S_ISLNK(sb->st_mode)) {
		char target[4097];
		ssize_t n = readlinkat(dirfd, name, target, sizeof(target) - 1);
		if (n < 0) {
			r = icc_err_sys(err, errno, "cannot read link '%s'", tarname);
			goto out;
		}
		target[n] = '\0';
		archive_entry_set_symlink(e, target);
		archive_entry_set_size(e, 0);
	} else if (!S_ISREG(sb->st_mode)) {
		archive_entry_set_size(e, 0);
	}
	if ((r = add_xattrs(e, dirfd, name, err)) < 0)
		goto out;
	if (S_ISDIR(sb->st_mode) || sb->st_nlink < 2) {
		archive_entry_set_nlink(e, 1);
		archive_entry_set_ino(e, 0);
	}
	struct archive_entry *sparse = NULL, *entry = e;
	if (!S_ISDIR(sb->st_mode) && sb->st_nlink > 1)
		archive_entry_linkify(w->lr, &entry, &sparse);
	if (!entry)
		goto out;
	if (S_ISREG(sb->st_mode) && archive_entry_size(entry) > 0 && !archive_entry_hardlink(entry)) {
		/* what is opened is the regular file lstat'ed, never a node swapped in since */
		fd = icc_file_open_checked(dirfd, name, sb);
		if (fd == -ESTALE) {
			r = icc_err_set(err, ESTALE, "cannot archive '%s': it was replaced while being read",
					tarname);
			goto out;
		}
		if (fd < 0) {
			r = icc_err_sys(err, -fd, "cannot open '%s'", tarname);
			goto out;
		}
	}
	if (archive_write_header(w->a, entry) < ARCHIVE_WARN) {
		r = ar_fail(w, tarname, err);
		goto out;
	}
	if (fd >= 0) {
		int64_t left = archive_entry_size(entry);
		while (left > 0) {
			ssize_t n = read(fd, w->buf, left < IOBUF ? (size_t)left : IOBUF);
			if (n < 0) {
				r = icc_err_sys(err, errno, "cannot read '%s'", tarname);
				goto out;
			}
			if (n == 0)
				break; /* shrank meanwhile: the writer pads with zeros */
			if (archive_write_data(w->a, w->buf, (size_t)n) < 0) {
				r = ar_fail(w, tarname, err);
				goto out;
			}
			left -= n;
		}
	}
out:
	if (fd >= 0)
		close(fd);
	archive_entry_free(e);
	return r;
}

int icc_tarw_path(struct icc_tarw *w, int dirfd, const char *name, const char *tarname,
		  struct icc_err *err)
{
	struct stat sb;
	if (fstatat(dirfd, name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
		return icc_err_sys(err, errno, "cannot stat '%s'", tarname);
	return write_entry(w, dirfd, name, tarname, &sb, err);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in a directory (without . and ..), sorted; *names malloc'd. */
int icc_dir_names(int fd, char ***names, size_t *count, struct icc_err *err)
{
	*names = NULL;
	*count = 0;
	int dfd = dup(fd);
	if (dfd < 0)
		return icc_err_sys(err, errno, "dup");
	DIR *d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return icc_err_sys(err, errno, "cannot read a directory");
	}
	rewinddir(d);
	size_t cap = 0, n = 0;
	char **v = NULL;
	struct dirent *de;
	int r = 0;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (icc_strv_push(&v, &n, &cap, de->d_name) < 0) {
			r = icc_err_set(err, ENOMEM, "out of memory");
			break;
		}
	}
	closedir(d);
	if (r < 0) {
		for (size_t i = 0; i < n; i++)
			free(v[i]);
		free(v);
		return r;
	}
	if (n)
		qsort(v, n, sizeof(*v), cmp_names);
	*names = v;
	*count = n;
	return 0;
}

void icc_dir_names_free(char **names, size_t count)
{
	for (size_t i = 0; i < count; i++)
		free(names[i]);
	free(names);
}

/* A walk writing a tree: the tar name of the entry at hand, and the depth. */
struct walk {
	struct icc_tarw *w;
	struct icc_relpath name;
	int depth;
	struct icc_err *err;
};

static int write_children(struct walk *k, int *fd);

/* The entry *dirfd/name (already in k->name) and, for a directory, all below it. */
static int write_subtree(struct walk *k, int *dirfd, const char *name)
{
	struct stat sb;
	if (fstatat(*dirfd, name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
		return icc_err_sys(k->err, errno, "cannot stat '%s'", k->name.buf);
	int r = write_entry(k->w, *dirfd, name, k->name.buf, &sb, k->err);
	if (r < 0 || !S_ISDIR(sb.st_mode))
		return r;
	int fd = icc_dir_open_checked(*dirfd, name, &sb);
	if (fd < 0)
		return icc_err_sys(k->err, -fd, "cannot open '%s'", k->name.buf);
	struct stat parent;
	bool park = k->depth >= ICC_WALK_OPEN_MAX && fstat(*dirfd, &parent) == 0;
	if (park) {
		close(*dirfd);
		*dirfd = -1;
	}
	k->depth++;
	r = write_children(k, &fd);
	k->depth--;
	if (park && fd >= 0 && (*dirfd = icc_dir_reopen_parent(fd, &parent)) < 0 && r == 0)
		r = icc_err_sys(k->err, -*dirfd, "cannot go back above '%s'", k->name.buf);
	if (fd >= 0)
		close(fd);
	return r;
}

/* Entries below the directory *fd (not the directory itself); *fd may be reopened. */
static int write_children(struct walk *k, int *fd)
{
	char **names;
	size_t n;
	int r = icc_dir_names(*fd, &names, &n, k->err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n && r == 0; i++) {
		size_t mark;
		if ((r = icc_relpath_push(&k->name, names[i], &mark, k->err)) < 0)
			break;
		r = write_subtree(k, fd, names[i]);
		icc_relpath_pop(&k->name, mark);
	}
	icc_dir_names_free(names, n);
	return r;
}

/* A walk on the heap: its path buffer is PATH_MAX long. */
static struct walk *walk_new(struct icc_tarw *w, const char *tarname, struct icc_err *err)
{
	struct walk *k = calloc(1, sizeof(*k));
	if (!k) {
		icc_err_set(err, ENOMEM, "out of memory");
		return NULL;
	}
	k->w = w;
	k->err = err;
	size_t mark;
	if (*tarname && icc_relpath_push(&k->name, tarname, &mark, err) < 0) {
		free(k);
		return NULL;
	}
	return k;
}

int icc_tarw_subtree(struct icc_tarw *w, int dirfd, const char *name, const char *tarname,
		     struct icc_err *err)
{
	struct walk *k = walk_new(w, tarname, err);
	if (!k)
		return -err->code;
	/* the caller's fd is never closed: depth 0 is below ICC_WALK_OPEN_MAX */
	int fd = dirfd;
	int r = write_subtree(k, &fd, name);
	free(k);
	return r;
}

int icc_tarw_tree(struct icc_tarw *w, int root_fd, struct icc_err *err)
{
	struct walk *k = walk_new(w, "", err);
	if (!k)
		return -err->code;
	int fd = root_fd;
	int r = write_children(k, &fd);
	free(k);
	return r;
}

int icc_export_tree(int root_fd, int out_fd, struct icc_err *err)
{
	struct icc_tarw *w;
	int r = icc_tarw_open(&w, out_fd, "none", err);
	if (r < 0)
		return r;
	r = icc_tarw_tree(w, root_fd, err);
	if (r < 0) {
		icc_tarw_free(w);
		return r;
	}
	return icc_tarw_close(w, err);
}
