/* build_context.c - COPY/ADD: .dockerignore, sources resolved beneath the context, hashing, copying by fd */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "icc/base/util.h"
#include "icc/build/build.h"
#include "icc/image/image.h"
#include "icc/oci/oci.h"

#define MAX_DEPTH 256

/* ---- .dockerignore ---- */

struct ignore_pat {
	char **seg; /* the pattern's path components */
	int nseg;
	bool except;
};
struct icc_ignore {
	struct ignore_pat *v;
	size_t n;
	bool exceptions;
};

/* PATH's components, "." dropped and ".." applied; *climbed (when not NULL)
 * says whether a ".." went above the start. */
static int split_segs_at(const char *path, char ***out, bool *climbed)
{
	char *dup = strdup(path), *save = NULL;
	char **v = NULL;
	int n = 0;
	for (char *c = strtok_r(dup, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (!strcmp(c, "."))
			continue;
		if (!strcmp(c, "..")) {
			if (n)
				free(v[--n]);
			else if (climbed)
				*climbed = true;
			continue;
		}
		v = realloc(v, (size_t)(n + 1) * sizeof(char *));
		v[n++] = strdup(c);
	}
	free(dup);
	*out = v;
	return n;
}

static int split_segs(const char *path, char ***out)
{
	return split_segs_at(path, out, NULL);
}

static void free_segs(char **v, int n)
{
	for (int i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

struct icc_ignore *icc_ignore_parse(const char *text, size_t len)
{
	struct icc_ignore *ig = calloc(1, sizeof(*ig));
	size_t pos = 0;
	while (text && pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t l = nl ? (size_t)(nl - text - pos) : len - pos;
		char *line = strndup(text + pos, l);
		pos += l + 1;
		char *s = line;
		while (*s == ' ' || *s == '\t')
			s++;
		size_t sl = strlen(s);
		while (sl && strchr(" \t\r", s[sl - 1]))
			s[--sl] = '\0';
		if (!*s || *s == '#') {
			free(line);
			continue;
		}
		bool except = *s == '!';
		if (except)
			s++;
		ig->v = realloc(ig->v, (ig->n + 1) * sizeof(*ig->v));
		struct ignore_pat *p = &ig->v[ig->n++];
		p->except = except;
		p->nseg = split_segs(s, &p->seg);
		ig->exceptions |= except;
		free(line);
	}
	return ig;
}

void icc_ignore_free(struct icc_ignore *ig)
{
	if (!ig)
		return;
	for (size_t i = 0; i < ig->n; i++)
		free_segs(ig->v[i].seg, ig->v[i].nseg);
	free(ig->v);
	free(ig);
}

/* Pattern segments against path segments; "**" spans any number; matching a prefix counts (a directory). */
static bool match_segs(char **pat, int np, char **path, int nq)
{
	if (np == 0)
		return true; /* the pattern named a parent of path */
	if (!strcmp(pat[0], "**")) {
		for (int k = 0; k <= nq; k++)
			if (match_segs(pat + 1, np - 1, path + k, nq - k))
				return true;
		return false;
	}
	if (nq == 0)
		return false;
	return fnmatch(pat[0], path[0], 0) == 0 && match_segs(pat + 1, np - 1, path + 1, nq - 1);
}

bool icc_ignore_match(const struct icc_ignore *ig, const char *rel)
{
	if (!ig || !ig->n)
		return false;
	char **segs;
	int n = split_segs(rel, &segs);
	bool ignored = false;
	for (size_t i = 0; i < ig->n; i++)
		if (ig->v[i].nseg && match_segs(ig->v[i].seg, ig->v[i].nseg, segs, n))
			ignored = !ig->v[i].except;
	free_segs(segs, n);
	return ignored;
}

bool icc_ignore_has_exceptions(const struct icc_ignore *ig)
{
	return ig && ig->exceptions;
}

/* ---- resolving sources ---- */

/* openat2 from the source root: beneath the context, or inside another stage's tree. */
static int src_open(const struct icc_copy_src *s, const char *rel, int flags)
{
	return icc_openat2(s->root, rel[0] ? rel : ".", flags,
			   RESOLVE_NO_MAGICLINKS | (s->context ? RESOLVE_BENEATH : RESOLVE_IN_ROOT));
}

static int in_root_open(int root, const char *rel, int flags)
{
	while (*rel == '/')
		rel++;
	return icc_openat2(root, rel[0] ? rel : ".", flags,
			   RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV);
}

struct plist {
	char **v;
	size_t n;
};

static void plist_add(struct plist *l, char *p)
{
	l->v = realloc(l->v, (l->n + 2) * sizeof(char *));
	l->v[l->n++] = p;
	l->v[l->n] = NULL;
}

/* Glob components matched against directory entries, one level at a time. */
static int glob_walk(const struct icc_copy_src *s, char **seg, int nseg, int i, const char *prefix,
		     struct plist *out, struct icc_err *err)
{
	if (i == nseg) {
		if (s->context && icc_ignore_match(s->ig, prefix))
			return 0;
		int fd = src_open(s, prefix, O_PATH);
		if (fd == -EXDEV || fd == -ELOOP)
			return icc_err_set(err, EPERM, "'%s': a symlink that leads outside the build context", prefix);
		if (fd == -ENOENT || fd == -ENOTDIR)
			return 0;
		if (fd < 0)
			return icc_err_sys(err, -fd, "cannot open '%s'", prefix);
		close(fd);
		plist_add(out, strdup(prefix));
		return 0;
	}
	char next[PATH_MAX];
	if (!strpbrk(seg[i], "*?[")) {
		snprintf(next, sizeof(next), "%s%s%s", prefix, *prefix ? "/" : "", seg[i]);
		return glob_walk(s, seg, nseg, i + 1, next, out, err);
	}
	int dfd = src_open(s, prefix, O_RDONLY | O_DIRECTORY);
	if (dfd == -EXDEV || dfd == -ELOOP)
		return icc_err_set(err, EPERM, "'%s': a symlink that leads outside the build context", prefix);
	if (dfd < 0)
		return 0;
	char **names;
	size_t count;
	int r = icc_dir_names(dfd, &names, &count, err);
	close(dfd);
	if (r < 0)
		return r;
	for (size_t k = 0; r == 0 && k < count; k++) {
		if (fnmatch(seg[i], names[k], FNM_PERIOD) != 0)
			continue;
		snprintf(next, sizeof(next), "%s%s%s", prefix, *prefix ? "/" : "", names[k]);
		r = glob_walk(s, seg, nseg, i + 1, next, out, err);
	}
	icc_dir_names_free(names, count);
	return r;
}

/* A source as components; a context path that climbs out of it is refused. */
static int src_segs(const struct icc_copy_src *s, const char *pat, char ***segs, struct icc_err *err)
{
	char **v;
	bool out = false;
	int n = split_segs_at(pat, &v, &out);
	if (out && s->context) {
		free_segs(v, n);
		return icc_err_set(err, EPERM, "'%s': outside the build context", pat);
	}
	*segs = v;
	return n;
}

int icc_copy_expand(const struct icc_copy_src *s, char *const *pats, size_t npats, char ***paths,
		    size_t *count, struct icc_err *err)
{
	struct plist out = {0};
	int r = 0;
	for (size_t i = 0; r == 0 && i < npats; i++) {
		char **segs = NULL;
		int n = src_segs(s, pats[i], &segs, err);
		if (n < 0) {
			r = n;
			break;
		}
		size_t before = out.n;
		r = glob_walk(s, segs, n, 0, "", &out, err);
		free_segs(segs, n);
		if (r < 0)
			break;
		if (out.n == before)
			r = icc_err_set(err, ENOENT, "'%s': no such file or directory%s", pats[i],
					s->context ? " in the build context (or excluded by .dockerignore)" : "");
	}
	if (r < 0) {
		icc_copy_paths_free(out.v, out.n);
		return r;
	}
	if (!out.v)
		out.v = calloc(1, sizeof(char *));
	*paths = out.v;
	*count = out.n;
	return 0;
}

void icc_copy_paths_free(char **paths, size_t count)
{
	for (size_t i = 0; paths && i < count; i++)
		free(paths[i]);
	free(paths);
}

/* The top of a source, opened for reading, symlinks followed where they stay in bounds. */
static int open_top(const struct icc_copy_src *s, const char *rel, struct stat *st, struct icc_err *err)
{
	int fd = src_open(s, rel, O_PATH);
	if (fd == -EXDEV || fd == -ELOOP)
		return icc_err_set(err, EPERM, "'%s': a symlink that leads outside the build context", rel);
	if (fd < 0)
		return icc_err_sys(err, -fd, "cannot open '%s'", rel);
	int r = fstat(fd, st) < 0 ? -errno : 0;
	close(fd);
	if (r == 0 && !S_ISREG(st->st_mode) && !S_ISDIR(st->st_mode))
		return icc_err_set(err, EINVAL, "'%s': not a file or directory", rel);
	if (r == 0) {
		fd = src_open(s, rel, O_RDONLY | O_NONBLOCK | (S_ISDIR(st->st_mode) ? O_DIRECTORY : 0));
		r = fd < 0 ? fd : 0;
	}
	if (r < 0)
		return icc_err_sys(err, -r, "cannot open '%s'", rel);
	return fd;
}

/* ---- hashing ---- */

struct walk {
	const struct icc_copy_src *s;
	struct icc_sha256 *h;
	struct icc_err *err;
};

static int hash_file(struct walk *w, int fd)
{
	char buf[1 << 16];
	ssize_t n;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		icc_sha256_update(w->h, buf, (size_t)n);
	return n < 0 ? -errno : 0;
}

/* Ignored entries below a directory of the context. */
static bool skipped(struct walk *w, const char *rel, bool dir)
{
	if (!w->s->context || !icc_ignore_match(w->s->ig, rel))
		return false;
	return !(dir && icc_ignore_has_exceptions(w->s->ig));
}

static int hash_open(struct walk *w, int fd, const char *rel, const struct stat *st, int depth);

/* One entry below a directory (fd): never followed. */
static int hash_child(struct walk *w, int dirfd, const char *name, const char *rel, const struct stat *st,
		      int depth)
{
	if (S_ISLNK(st->st_mode) || S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode) || S_ISFIFO(st->st_mode) ||
	    S_ISSOCK(st->st_mode)) {
		char head[PATH_MAX + 64];
		int hl = snprintf(head, sizeof(head), "%s%c%o%c%llu", rel, 0, (unsigned)st->st_mode, 0,
				  (unsigned long long)st->st_rdev);
		icc_sha256_update(w->h, head, (size_t)hl + 1);
		if (S_ISLNK(st->st_mode)) {
			char t[PATH_MAX];
			ssize_t n = readlinkat(dirfd, name, t, sizeof(t));
			if (n < 0)
				return icc_err_sys(w->err, errno, "cannot read '%s'", rel);
			icc_sha256_update(w->h, t, (size_t)n);
		}
		return 0;
	}
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC |
			(S_ISDIR(st->st_mode) ? O_DIRECTORY : 0));
	if (fd < 0)
		return icc_err_sys(w->err, errno, "cannot open '%s'", rel);
	int r = hash_open(w, fd, rel, st, depth);
	close(fd);
	return r;
}

static int hash_open(struct walk *w, int fd, const char *rel, const struct stat *st, int depth)
{
	char head[PATH_MAX + 64];
	int hl = snprintf(head, sizeof(head), "%s%c%o", rel, 0, (unsigned)st->st_mode);
	icc_sha256_update(w->h, head, (size_t)hl + 1);
	if (S_ISREG(st->st_mode)) {
		int r = hash_file(w, fd);
		return r < 0 ? icc_err_sys(w->err, -r, "cannot read '%s'", rel) : 0;
	}
	if (depth > MAX_DEPTH)
		return icc_err_set(w->err, ELOOP, "'%s': more than %d directory levels", rel, MAX_DEPTH);
	char **names;
	size_t count;
	int r = icc_dir_names(fd, &names, &count, w->err);
	if (r < 0)
		return r;
	for (size_t i = 0; r == 0 && i < count; i++) {
		char sub[PATH_MAX];
		struct stat cst;
		snprintf(sub, sizeof(sub), "%s%s%s", rel, *rel ? "/" : "", names[i]);
		if (fstatat(fd, names[i], &cst, AT_SYMLINK_NOFOLLOW) < 0)
			r = icc_err_sys(w->err, errno, "cannot look at '%s'", sub);
		else if (!skipped(w, sub, S_ISDIR(cst.st_mode)))
			r = hash_child(w, fd, names[i], sub, &cst, depth + 1);
	}
	icc_dir_names_free(names, count);
	return r;
}

int icc_copy_hash(const struct icc_copy_src *s, char *const *paths, size_t count,
		  const struct icc_copy_opts *o, char out[65], struct icc_err *err)
{
	struct walk w = {.s = s, .h = icc_sha256_new(), .err = err};
	int r = 0;
	for (size_t i = 0; r == 0 && i < count; i++) {
		struct stat st;
		int fd = open_top(s, paths[i], &st, err);
		if (fd < 0) {
			r = fd;
			break;
		}
		r = hash_open(&w, fd, paths[i], &st, 0);
		close(fd);
	}
	char digest[ICC_DIGEST_LEN + 1];
	icc_sha256_final(w.h, digest);
	if (r == 0)
		snprintf(out, 65, "%s", strncmp(digest, "sha256:", 7) ? digest : digest + 7);
	return r;
}

/* ---- copying into the new step's tree ---- */

int icc_tree_mkdirs(int dest_root, const char *path, struct icc_err *err)
{
	char **segs;
	int n = split_segs(path, &segs);
	char sofar[PATH_MAX] = "";
	int r = 0;
	for (int i = 0; r == 0 && i < n; i++) {
		size_t l = strlen(sofar);
		snprintf(sofar + l, sizeof(sofar) - l, "/%s", segs[i]);
		int fd = in_root_open(dest_root, sofar, O_PATH | O_DIRECTORY);
		if (fd >= 0) {
			close(fd);
			continue;
		}
		if (fd != -ENOENT) {
			r = icc_err_sys(err, -fd, "cannot make directory '%s'", sofar);
			break;
		}
		sofar[l] = '\0';
		int pfd = in_root_open(dest_root, sofar, O_PATH | O_DIRECTORY);
		snprintf(sofar + l, sizeof(sofar) - l, "/%s", segs[i]);
		if (pfd < 0 || mkdirat(pfd, segs[i], 0755) < 0)
			r = icc_err_sys(err, pfd < 0 ? -pfd : errno, "cannot make directory '%s'", sofar);
		if (pfd >= 0)
			close(pfd);
	}
	free_segs(segs, n);
	return r;
}

struct copier {
	const struct icc_copy_src *s;
	const struct icc_copy_opts *o;
	struct icc_err *err;
};

/* Owner, mode and times of a copied entry. */
static int set_attrs(struct copier *c, int dfd, const char *name, const struct stat *st, const char *rel)
{
	uid_t u = c->o->uid >= 0 ? (uid_t)c->o->uid : 0;
	gid_t g = c->o->gid >= 0 ? (gid_t)c->o->gid : 0;
	struct timespec ts[2] = {st->st_mtim, st->st_mtim};
	if (fchownat(dfd, name, u, g, AT_SYMLINK_NOFOLLOW) < 0)
		return icc_err_sys(c->err, errno, "cannot set the owner of '%s'", rel);
	if (!S_ISLNK(st->st_mode)) {
		mode_t m = c->o->mode >= 0 ? (mode_t)c->o->mode : st->st_mode & 07777;
		if (fchmodat(dfd, name, m, 0) < 0)
			return icc_err_sys(c->err, errno, "cannot set the mode of '%s'", rel);
	}
	if (utimensat(dfd, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return icc_err_sys(c->err, errno, "cannot set the times of '%s'", rel);
	return 0;
}

/* A non-directory in the way of dname is removed (never opened); a directory stays for dirs. */
static int clear_way(struct copier *c, int dfd, const char *dname, bool for_dir, bool *is_dir, const char *rel)
{
	struct stat st;
	*is_dir = false;
	if (fstatat(dfd, dname, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : icc_err_sys(c->err, errno, "cannot look at '%s'", rel);
	if (S_ISDIR(st.st_mode)) {
		if (for_dir) {
			*is_dir = true;
			return 0;
		}
		return icc_err_set(c->err, EISDIR, "cannot copy '%s': a directory is in the way", rel);
	}
	if (unlinkat(dfd, dname, 0) < 0)
		return icc_err_sys(c->err, errno, "cannot replace '%s'", rel);
	return 0;
}

static int copy_open(struct copier *c, int sfd, const struct stat *st, int dfd, const char *dname,
		     const char *rel, int depth);

/* An entry below a source directory: opened with O_NOFOLLOW, symlinks copied as symlinks. */
static int copy_child(struct copier *c, int sdir, const char *name, const struct stat *st, int dfd,
		      const char *rel, int depth)
{
	bool isdir;
	int r;
	if (S_ISREG(st->st_mode) || S_ISDIR(st->st_mode)) {
		int fd = openat(sdir, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC |
				(S_ISDIR(st->st_mode) ? O_DIRECTORY : 0));
		if (fd < 0)
			return icc_err_sys(c->err, errno, "cannot open '%s'", rel);
		r = copy_open(c, fd, st, dfd, name, rel, depth);
		close(fd);
		return r;
	}
	if (S_ISSOCK(st->st_mode))
		return 0; /* a socket is no file to copy */
	r = clear_way(c, dfd, name, false, &isdir, rel);
	if (r < 0)
		return r;
	if (S_ISLNK(st->st_mode)) {
		char t[PATH_MAX];
		ssize_t n = readlinkat(sdir, name, t, sizeof(t) - 1);
		if (n < 0)
			return icc_err_sys(c->err, errno, "cannot read '%s'", rel);
		t[n] = '\0';
		if (symlinkat(t, dfd, name) < 0)
			return icc_err_sys(c->err, errno, "cannot make the symlink '%s'", rel);
	} else if (mknodat(dfd, name, (st->st_mode & S_IFMT) | 0600, st->st_rdev) < 0) {
		return icc_err_sys(c->err, errno, "cannot make the node '%s'", rel);
	}
	return set_attrs(c, dfd, name, st, rel);
}

/* An open source (file or directory) copied to dname in dfd. */
static int copy_open(struct copier *c, int sfd, const struct stat *st, int dfd, const char *dname,
		     const char *rel, int depth)
{
	bool isdir;
	int r = clear_way(c, dfd, dname, S_ISDIR(st->st_mode), &isdir, rel);
	if (r < 0)
		return r;
	if (S_ISREG(st->st_mode)) {
		int out = openat(dfd, dname, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (out < 0)
			return icc_err_sys(c->err, errno, "cannot create '%s'", rel);
		const char *failed;
		r = icc_copy_data(sfd, out, &failed);
		close(out);
		if (r < 0)
			return icc_err_sys(c->err, -r, "cannot copy '%s'", rel);
		return set_attrs(c, dfd, dname, st, rel);
	}
	if (depth > MAX_DEPTH)
		return icc_err_set(c->err, ELOOP, "'%s': more than %d directory levels", rel, MAX_DEPTH);
	if (!isdir && dname[0] && strcmp(dname, ".") && mkdirat(dfd, dname, 0700) < 0)
		return icc_err_sys(c->err, errno, "cannot make directory '%s'", rel);
	int dd = openat(dfd, dname[0] ? dname : ".", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dd < 0)
		return icc_err_sys(c->err, errno, "cannot open directory '%s'", rel);
	char **names;
	size_t count;
	r = icc_dir_names(sfd, &names, &count, c->err);
	for (size_t i = 0; r == 0 && i < count; i++) {
		char sub[PATH_MAX];
		struct stat cst;
		snprintf(sub, sizeof(sub), "%s%s%s", rel, *rel ? "/" : "", names[i]);
		if (fstatat(sfd, names[i], &cst, AT_SYMLINK_NOFOLLOW) < 0) {
			r = icc_err_sys(c->err, errno, "cannot look at '%s'", sub);
			break;
		}
		if (c->s->context && icc_ignore_match(c->s->ig, sub) &&
		    !(S_ISDIR(cst.st_mode) && icc_ignore_has_exceptions(c->s->ig)))
			continue;
		r = copy_child(c, sfd, names[i], &cst, dd, sub, depth + 1);
	}
	icc_dir_names_free(names, count);
	/* a directory that was there keeps its owner and mode, as Docker leaves it */
	if (r == 0 && !isdir && dname[0] && strcmp(dname, "."))
		r = set_attrs(c, dfd, dname, st, rel);
	close(dd);
	return r;
}

/* Is the open file a tar archive (any compression libarchive reads)? */
static bool is_archive(int fd)
{
	struct archive *a = archive_read_new();
	archive_read_support_format_tar(a);
	archive_read_support_format_gnutar(a);
	archive_read_support_filter_all(a);
	struct archive_entry *e;
	int dup_fd = dup(fd);
	bool yes = dup_fd >= 0 && archive_read_open_fd(a, dup_fd, 1 << 16) == ARCHIVE_OK &&
		   archive_read_next_header(a, &e) == ARCHIVE_OK;
	archive_read_free(a);
	if (dup_fd >= 0)
		close(dup_fd);
	lseek(fd, 0, SEEK_SET);
	return yes;
}

static const char *base_of(const char *rel)
{
	const char *s = strrchr(rel, '/');
	return s ? s + 1 : rel;
}

/* One source to DEST; into_dir: DEST is a directory (it ends in '/', several sources, or it is one). */
static int copy_one(struct copier *c, const char *src, int dest_root, const char *dest, bool into_dir)
{
	struct stat st;
	int sfd = open_top(c->s, src, &st, c->err);
	if (sfd < 0)
		return sfd;
	int r = 0;
	char parent[PATH_MAX], name[NAME_MAX + 1];
	if (S_ISDIR(st.st_mode) || (S_ISREG(st.st_mode) && c->o->extract && is_archive(sfd))) {
		/* a directory's contents (or an archive's) go into DEST */
		snprintf(parent, sizeof(parent), "%s", dest);
		snprintf(name, sizeof(name), ".");
	} else if (into_dir) {
		snprintf(parent, sizeof(parent), "%s", dest);
		snprintf(name, sizeof(name), "%s", base_of(src));
	} else {
		snprintf(parent, sizeof(parent), "%s", dest);
		char *sl = strrchr(parent, '/');
		snprintf(name, sizeof(name), "%s", sl ? sl + 1 : parent);
		if (sl)
			*(sl == parent ? sl + 1 : sl) = '\0';
	}
	r = icc_tree_mkdirs(dest_root, parent, c->err);
	int dfd = r == 0 ? in_root_open(dest_root, parent, O_RDONLY | O_DIRECTORY) : -1;
	if (r == 0 && dfd < 0)
		r = icc_err_sys(c->err, -dfd, "cannot open '%s'", parent);
	if (r == 0 && S_ISREG(st.st_mode) && !strcmp(name, ".")) {
		unsigned long long bytes;
		r = icc_tar_extract_as(sfd, "add", src, dfd, &bytes, c->err);
	} else if (r == 0) {
		r = copy_open(c, sfd, &st, dfd, name, src, 0);
	}
	if (dfd >= 0)
		close(dfd);
	close(sfd);
	return r;
}

int icc_copy_into(const struct icc_copy_src *s, char *const *paths, size_t count, int dest_root,
		  const char *dest, const struct icc_copy_opts *o, struct icc_err *err)
{
	struct copier c = {.s = s, .o = o, .err = err};
	size_t dl = strlen(dest);
	bool into_dir = count > 1 || (dl && dest[dl - 1] == '/');
	if (!into_dir) {
		int fd = in_root_open(dest_root, dest, O_PATH | O_DIRECTORY);
		if (fd >= 0) {
			into_dir = true;
			close(fd);
		}
	}
	int r = 0;
	for (size_t i = 0; r == 0 && i < count; i++)
		r = copy_one(&c, paths[i], dest_root, dest, into_dir);
	return r;
}
