/* diff.c - changes between two subvolumes: btrfs send stream (no data) or a full walk */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <btrfsutil.h>
#include <linux/openat2.h>

#include "icc/image/diff.h"
#include "icc/oci/oci.h"
#include "icc/container/exclude.h"
#include "icc/container/placeholders.h"
#include "icc/base/proc.h"
#include "icc/oci/sendstream.h"
#include "icc/store/subvol.h"
#include "icc/snap/tmpsnap.h"
#include "icc/image/treewalk.h"
#include "icc/base/util.h"

void icc_changes_free(struct icc_changes *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->v[i].path);
	free(c->v);
	c->v = NULL;
	c->n = c->cap = 0;
}

static ssize_t find(struct icc_changes *c, const char *path)
{
	for (size_t i = c->n; i-- > 0;)
		if (!strcmp(c->v[i].path, path))
			return (ssize_t)i;
	return -1;
}

static int add(struct icc_changes *c, char kind, const char *path)
{
	if (icc_grow(&c->v, &c->cap, c->n, sizeof(*c->v), 64) < 0)
		return -ENOMEM;
	char *p = strdup(path);
	if (!p)
		return -ENOMEM;
	c->v[c->n] = (struct icc_change){.kind = kind, .path = p};
	c->n++;
	return 0;
}

static void drop(struct icc_changes *c, size_t i)
{
	free(c->v[i].path);
	c->v[i] = c->v[--c->n];
}

static bool under(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	return !strncmp(path, dir, n) && path[n] == '/';
}

/* ---- lineage ---- */

struct subinfo {
	uint8_t uuid[16], parent[16];
};

static int lineage_map(int fd, struct subinfo **out, size_t *n)
{
	struct btrfs_util_subvolume_iterator *it;
	*out = NULL;
	*n = 0;
	if (btrfs_util_create_subvolume_iterator_fd(fd, 5, 0, &it))
		return -1;
	size_t cap = 0;
	for (;;) {
		char *path;
		struct btrfs_util_subvolume_info info;
		if (btrfs_util_subvolume_iterator_next_info(it, &path, &info))
			break;
		free(path);
		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			void *v = realloc(*out, cap * sizeof(**out));
			if (!v)
				break;
			*out = v;
		}
		memcpy((*out)[*n].uuid, info.uuid, 16);
		memcpy((*out)[*n].parent, info.parent_uuid, 16);
		(*n)++;
	}
	btrfs_util_destroy_subvolume_iterator(it);
	return 0;
}

static bool zero_uuid(const uint8_t *u)
{
	for (int i = 0; i < 16; i++)
		if (u[i])
			return false;
	return true;
}

/* Do the parent_uuid chains of a and b meet? */
static bool related(int root_fd, int a_fd, int b_fd)
{
	struct btrfs_util_subvolume_info a, b;
	if (btrfs_util_subvolume_info_fd(a_fd, 0, &a) || btrfs_util_subvolume_info_fd(b_fd, 0, &b))
		return false;
	struct subinfo *map;
	size_t n;
	lineage_map(root_fd, &map, &n);
	uint8_t chain[64][16];
	int na = 0;
	memcpy(chain[na++], a.uuid, 16);
	const uint8_t *p = a.parent_uuid;
	while (!zero_uuid(p) && na < 64) {
		memcpy(chain[na++], p, 16);
		const uint8_t *next = NULL;
		for (size_t i = 0; i < n; i++)
			if (!memcmp(map[i].uuid, p, 16))
				next = map[i].parent;
		if (!next)
			break;
		p = next;
	}
	bool found = false;
	const uint8_t *q = b.uuid;
	for (int depth = 0; depth < 64 && !found && q && !zero_uuid(q); depth++) {
		for (int i = 0; i < na; i++)
			if (!memcmp(chain[i], q, 16))
				found = true;
		const uint8_t *next = NULL;
		if (depth == 0) {
			next = b.parent_uuid;
		} else {
			for (size_t i = 0; i < n; i++)
				if (!memcmp(map[i].uuid, q, 16))
					next = map[i].parent;
		}
		q = next;
	}
	free(map);
	return found;
}

/* ---- send stream ---- */


static void apply(struct icc_changes *c, int cmd, const char *path, const char *to)
{
	/* only what was touched is noted here; what it means (A, C or D) is
	 * decided from the trees afterwards (fs/image/diff_classify.c) */
	switch (cmd) {
	case ICC_SS_MKFILE: case ICC_SS_MKDIR: case ICC_SS_MKNOD: case ICC_SS_MKFIFO: case ICC_SS_MKSOCK: case ICC_SS_SYMLINK:
	case ICC_SS_LINK:
		icc_diff_note(c, ICC_DOP_CREATE, path, NULL);
		break;
	case ICC_SS_RENAME:
		icc_diff_note(c, ICC_DOP_RENAME, path, to);
		break;
	case ICC_SS_UNLINK: case ICC_SS_RMDIR:
		icc_diff_note(c, ICC_DOP_REMOVE, path, NULL);
		break;
	case ICC_SS_UTIMES:
		icc_diff_note(c, ICC_DOP_TIMES, path, NULL);
		break;
	case ICC_SS_SET_XATTR: case ICC_SS_REMOVE_XATTR: case ICC_SS_WRITE: case ICC_SS_CLONE: case ICC_SS_TRUNCATE:
	case ICC_SS_CHMOD: case ICC_SS_CHOWN: case ICC_SS_UPDATE_EXTENT:
		icc_diff_note(c, ICC_DOP_MODIFY, path, NULL);
		break;
	}
}

static ssize_t file_read(void *f, void *buf, size_t len)
{
	return (ssize_t)fread(buf, 1, len, f);
}

static int parse_stream(int fd, struct icc_changes *c, struct icc_err *err)
{
	FILE *f = fdopen(fd, "rb");
	if (!f) {
		int e = errno;
		close(fd);
		return icc_err_sys(err, e, "cannot read the send stream");
	}
	struct icc_ss ss;
	if (icc_ss_open(&ss, file_read, f) < 0) {
		fclose(f);
		return icc_err_set(err, EPROTO, "not a btrfs send stream");
	}
	int r = 0;
	for (;;) {
		int k = icc_ss_next(&ss);
		if (k == -ENOMEM)
			r = icc_err_set(err, ENOMEM, "out of memory");
		else if (k == -EPROTO)
			r = icc_err_set(err, EPROTO, "truncated send stream");
		else if (k == -EFBIG)
			r = icc_err_set(err, EPROTO, "send stream command too long");
		if (k <= 0 || ss.cmd == ICC_SS_END)
			break; /* also a stream that stops inside a command header, as before */
		int cmd = ss.cmd;
		char path[ICC_TREE_PATH_MAX + 2] = "/", to[ICC_TREE_PATH_MAX + 2] = "/";
		struct icc_ss_tlv t;
		for (uint32_t o = 0; icc_ss_tlv_next(&ss, &o, &t) > 0;) {
			if (t.type == ICC_SA_PATH || t.type == ICC_SA_PATH_TO ||
			    (t.type == ICC_SA_PATH_LINK && cmd != ICC_SS_LINK && cmd != ICC_SS_SYMLINK)) {
				char *dst = t.type == ICC_SA_PATH ? path : to;
				if (t.len > ICC_TREE_PATH_MAX) {
					r = icc_err_set(err, ENAMETOOLONG,
							"'%.160s...' is too deep: paths longer than %d bytes are not supported",
							(const char *)t.data, ICC_TREE_PATH_MAX);
					break;
				}
				snprintf(dst, sizeof(path), "/%.*s", (int)t.len, (const char *)t.data);
			}
		}
		if (r < 0)
			break;
		if (cmd == ICC_SS_SUBVOL || cmd == ICC_SS_SNAPSHOT)
			continue;
		if (!strcmp(path, "/") && cmd != ICC_SS_RENAME)
			continue; /* the root itself (utimes, chown): not listed */
		apply(c, cmd, path, to);
	}
	/* read to the end so the sender never dies of SIGPIPE */
	char junk[65536];
	while (fread(junk, 1, sizeof(junk), f) > 0)
		;
	icc_ss_close(&ss);
	fclose(f);
	return r;
}

static int send_diff(const char *a, const char *b, struct icc_changes *c, struct icc_err *err)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return icc_err_sys(err, errno, "cannot create a pipe");
	const char *argv[] = {"btrfs", "-q", "send", "--no-data", "-p", a, b, NULL};
	char msg[512];
	struct icc_proc_opts o = {.in = ICC_PROC_NULL, .out = p[1], .err = ICC_PROC_CAPTURE,
				  .msg = msg, .msg_size = sizeof(msg)};
	struct icc_proc proc;
	int r = icc_proc_start(argv, &o, &proc, err);
	close(p[1]);
	if (r < 0) {
		close(p[0]);
		return r;
	}
	r = parse_stream(p[0], c, err); /* closes p[0] */
	struct icc_err werr;
	int status = icc_proc_wait(&proc, &werr);
	if (r == 0 && status < 0)
		r = icc_err_set(err, -status, "%s", werr.msg);
	else if (r == 0 && status != 0) {
		const char *line = icc_proc_line(msg, false);
		r = icc_err_set(err, EIO, "btrfs send failed (status %d): %s", status,
				*line ? line : "no message");
	}
	return r;
}

/* ---- full walk ---- */

static bool same(int afd, int bfd, const char *name, const struct stat *x, const struct stat *y)
{
	if ((x->st_mode & S_IFMT) != (y->st_mode & S_IFMT) || x->st_mode != y->st_mode ||
	    x->st_uid != y->st_uid || x->st_gid != y->st_gid)
		return false;
	if (S_ISDIR(x->st_mode))
		return true; /* a directory is changed when something in it is */
	if (x->st_size != y->st_size || x->st_mtim.tv_sec != y->st_mtim.tv_sec ||
	    x->st_mtim.tv_nsec != y->st_mtim.tv_nsec || x->st_rdev != y->st_rdev)
		return false;
	if (S_ISLNK(x->st_mode)) {
		char l1[4097], l2[4097];
		ssize_t n1 = readlinkat(afd, name, l1, sizeof(l1) - 1);
		ssize_t n2 = readlinkat(bfd, name, l2, sizeof(l2) - 1);
		return n1 == n2 && n1 >= 0 && !memcmp(l1, l2, (size_t)n1);
	}
	return true;
}

/* A walk of two trees: the path at hand (relative), the depth, the changes. */
struct walk {
	struct icc_changes *c;
	struct icc_relpath path;
	int depth;
	struct icc_err *err;
};

/* Record the entry at w->path as "/" + path. */
static int add_here(struct walk *w, char kind)
{
	char p[ICC_TREE_PATH_MAX + 2];
	snprintf(p, sizeof(p), "/%s", w->path.buf);
	return add(w->c, kind, p) < 0 ? icc_err_set(w->err, ENOMEM, "out of memory") : 0;
}

static int walk_dir(struct walk *w, int *afd, int *bfd);

/*
 * Go into dirfd/name (lstat'ed as sb; afd/bfd the other tree's, or NULL) with
 * fn; past ICC_WALK_OPEN_MAX levels the parents are closed meanwhile and
 * reopened through "..".
 */
static int descend(struct walk *w, int *afd, const char *name, const struct stat *asb, int *bfd,
		   const struct stat *bsb)
{
	int sa = -1, sb = icc_dir_open_checked(*bfd, name, bsb);
	if (sb < 0)
		return icc_err_sys(w->err, -sb, "cannot open '%s'", w->path.buf);
	if (afd && (sa = icc_dir_open_checked(*afd, name, asb)) < 0) {
		close(sb);
		return icc_err_sys(w->err, -sa, "cannot open '%s'", w->path.buf);
	}
	struct icc_dir_park park;
	icc_dir_park(&park, w->depth, afd, bfd);
	w->depth++;
	int r = walk_dir(w, afd ? &sa : NULL, &sb);
	w->depth--;
	if (icc_dir_unpark(&park, afd, bfd, sa, sb) < 0 && r == 0)
		r = icc_err_set(w->err, ESTALE, "cannot go back above '%s'", w->path.buf);
	return r;
}

/* Compare directory *afd with *bfd (afd NULL: everything below *bfd is new). */
static int walk_dir(struct walk *w, int *afd, int *bfd)
{
	char **an = NULL, **bn;
	size_t na = 0, nb;
	int r = icc_dir_names(*bfd, &bn, &nb, w->err);
	if (r < 0)
		return r;
	if (afd && (r = icc_dir_names(*afd, &an, &na, w->err)) < 0) {
		icc_dir_names_free(bn, nb);
		return r;
	}
	/* both sorted: one merge finds additions, deletions and common names */
	size_t i = 0, j = 0;
	while (r == 0 && (i < na || j < nb)) {
		int c = i >= na ? 1 : j >= nb ? -1 : strcmp(an[i], bn[j]);
		const char *name = c < 0 ? an[i] : bn[j];
		size_t mark;
		if ((r = icc_relpath_push(&w->path, name, &mark, w->err)) < 0)
			break;
		struct stat x, y;
		if (c < 0) {
			r = add_here(w, 'D');
		} else if (fstatat(*bfd, name, &y, AT_SYMLINK_NOFOLLOW) < 0) {
			/* gone meanwhile: nothing to report */
		} else if (c > 0 || fstatat(*afd, name, &x, AT_SYMLINK_NOFOLLOW) < 0) {
			r = add_here(w, 'A');
			if (r == 0 && S_ISDIR(y.st_mode))
				r = descend(w, NULL, name, NULL, bfd, &y);
		} else {
			if (!same(*afd, *bfd, name, &x, &y))
				r = add_here(w, 'C');
			if (r == 0 && S_ISDIR(x.st_mode) && S_ISDIR(y.st_mode))
				r = descend(w, afd, name, &x, bfd, &y);
		}
		icc_relpath_pop(&w->path, mark);
		if (c <= 0)
			i++;
		if (c >= 0)
			j++;
	}
	icc_dir_names_free(an, na);
	icc_dir_names_free(bn, nb);
	return r;
}

/* Everything below the directory fd (named "/prefix...") is new: for a
 * directory renamed into place. */
static int walk_new(int fd, const char *prefix, struct icc_changes *c, struct icc_err *err)
{
	struct walk *w = calloc(1, sizeof(*w));
	if (!w)
		return icc_err_set(err, ENOMEM, "out of memory");
	w->c = c;
	w->err = err;
	size_t mark;
	int r = icc_relpath_push(&w->path, prefix[0] == '/' ? prefix + 1 : prefix, &mark, err);
	if (r == 0)
		r = walk_dir(w, NULL, &fd);
	free(w);
	return r;
}

static int walk(int a_fd, int b_fd, struct icc_changes *c, struct icc_err *err)
{
	/* on the heap: the path buffer is PATH_MAX long */
	struct walk *w = calloc(1, sizeof(*w));
	if (!w)
		return icc_err_set(err, ENOMEM, "out of memory");
	w->c = c;
	w->err = err;
	int afd = a_fd, bfd = b_fd; /* depth 0 is never closed */
	int r = walk_dir(w, &afd, &bfd);
	free(w);
	return r;
}

/* ---- result shaping ---- */

/*
 * Stat `path` ("/a/b") inside the tree `tree_fd` without following any
 * symlink on the way: the trees are the container's, their links point
 * anywhere on the host.
 */
static int tree_stat(int tree_fd, const char *path, struct stat *sb)
{
	const char *rel = path[0] == '/' ? path + 1 : path;
	const char *slash = strrchr(rel, '/');
	if (!slash)
		return fstatat(tree_fd, rel, sb, AT_SYMLINK_NOFOLLOW);
	char dir[ICC_TREE_PATH_MAX + 1];
	snprintf(dir, sizeof(dir), "%.*s", (int)(slash - rel), rel);
	int dfd = icc_openat2(tree_fd, dir, O_PATH | O_DIRECTORY,
				RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
	if (dfd < 0)
		return -1;
	int r = fstatat(dfd, slash + 1, sb, AT_SYMLINK_NOFOLLOW);
	close(dfd);
	return r;
}

struct trees {
	int a, b;
};

static bool in_a(const char *path, void *ctx)
{
	struct stat sb;
	return tree_stat(((struct trees *)ctx)->a, path, &sb) == 0;
}

static bool in_b(const char *path, void *ctx)
{
	struct stat sb;
	return tree_stat(((struct trees *)ctx)->b, path, &sb) == 0;
}

/* utimes alone: reading a file updates its atime; only mtime (and what else
 * stat shows of a change) counts */
static bool same_times(const char *path, void *ctx)
{
	const struct trees *t = ctx;
	struct stat x, y;
	return tree_stat(t->a, path, &x) == 0 && tree_stat(t->b, path, &y) == 0 &&
	       x.st_mtim.tv_sec == y.st_mtim.tv_sec && x.st_mtim.tv_nsec == y.st_mtim.tv_nsec &&
	       x.st_mode == y.st_mode && x.st_size == y.st_size;
}

/* A directory renamed into place is new with all it holds (docker lists its contents). */
static int expand_moved(struct icc_changes *c, int b_fd, struct icc_err *err)
{
	int r = 0;
	size_t n0 = c->n;
	for (size_t i = 0; i < n0; i++) {
		if (c->v[i].kind != 'A' || !c->v[i].moved)
			continue;
		int fd = icc_openat2(b_fd, c->v[i].path + 1, O_RDONLY | O_DIRECTORY | O_NOFOLLOW,
					RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
		if (fd < 0)
			continue; /* not a directory */
		char *prefix = strdup(c->v[i].path); /* c->v moves as the walk adds */
		r = prefix ? walk_new(fd, prefix, c, err) : icc_err_set(err, ENOMEM, "out of memory");
		free(prefix);
		close(fd);
		if (r < 0)
			break;
	}
	icc_changes_sort(c);
	return r;
}

/* The full walk's result: deleted directories stand for their contents,
 * parents of changes are changed. */
static void finish_walk(struct icc_changes *c)
{
	bool *gone = calloc(c->n ? c->n : 1, sizeof(bool));
	for (size_t k = 0; gone && k < c->n; k++)
		for (size_t i = 0; i < c->n && !gone[k]; i++)
			if (i != k && c->v[i].kind == 'D' && under(c->v[k].path, c->v[i].path))
				gone[k] = true;
	for (size_t k = c->n; gone && k-- > 0;)
		if (gone[k]) {
			free(c->v[k].path);
			memmove(&c->v[k], &c->v[k + 1], (c->n - k - 1) * sizeof(*c->v));
			c->n--;
		}
	free(gone);
	size_t n0 = c->n;
	for (size_t i = 0; i < n0; i++) {
		char p[ICC_TREE_PATH_MAX + 2];
		snprintf(p, sizeof(p), "%s", c->v[i].path);
		char *s;
		while ((s = strrchr(p, '/')) && s != p) {
			*s = '\0';
			if (find(c, p) < 0)
				add(c, 'C', p);
			else
				break;
		}
	}
	icc_changes_sort(c);
}

/* What the runtime made, not the container: both ways of diffing end here. */
static void runtime_rules(struct icc_changes *c, int a_fd, int b_fd)
{
	/* the runtime's mount points (/etc/hostname etc.) and /etc/mtab (placeholders.h) */
	for (size_t k = 0; icc_placeholder_paths[k]; k++) {
		char p[64];
		snprintf(p, sizeof(p), "/%s", icc_placeholder_paths[k]);
		ssize_t i = find(c, p);
		int tfd = i >= 0 && c->v[i].kind == 'D' ? a_fd : b_fd;
		if (i >= 0 && c->v[i].kind != 'C' && icc_placeholder_at(tfd, icc_placeholder_paths[k]))
			drop(c, (size_t)i);
	}
	icc_changes_sort(c);
	/* /etc stays "C" only if something else in it changed */
	ssize_t e = find(c, "/etc");
	if (e >= 0 && c->v[e].kind == 'C') {
		bool other = false;
		for (size_t i = 0; i < c->n; i++)
			if (under(c->v[i].path, "/etc"))
				other = true;
		if (!other) {
			drop(c, (size_t)e);
			icc_changes_sort(c);
		}
	}
}

int icc_diff(struct icc_store *st, int a_fd, int b_fd, struct icc_changes *out,
	     struct icc_err *err)
{
	memset(out, 0, sizeof(*out));
	/*
	 * A writable side (a container) is read from a read-only snapshot: what
	 * its processes do meanwhile cannot reach the walk or the
	 * classification, and btrfs send wants read-only subvolumes anyway.
	 */
	struct icc_tmpsnap snap[2] = {{.fd = -1, .dirfd = -1}, {.fd = -1, .dirfd = -1}};
	int fds[2] = {a_fd, b_fd}, r = 0;
	char paths[2][4500];
	for (int k = 0; k < 2 && r == 0; k++) {
		bool ro = false;
		btrfs_util_get_subvolume_read_only_fd(fds[k], &ro);
		if (ro) {
			char link[64];
			snprintf(link, sizeof(link), "/proc/self/fd/%d", fds[k]);
			ssize_t n = readlink(link, paths[k], sizeof(paths[k]) - 1);
			paths[k][n > 0 ? n : 0] = '\0';
		} else if ((r = icc_tmpsnap_take(st, fds[k], &snap[k], err)) == 0) {
			fds[k] = snap[k].fd;
			snprintf(paths[k], sizeof(paths[k]), "%s/%s/tree", st->root, snap[k].rel);
		}
	}
	if (r == 0 && !(out->by_send = related(st->root_fd, fds[0], fds[1]))) {
		r = walk(fds[0], fds[1], out, err);
		if (r == 0)
			finish_walk(out);
	} else if (r == 0) {
		r = send_diff(paths[0], paths[1], out, err);
		if (r == 0) {
			struct trees t = {fds[0], fds[1]};
			struct icc_diff_trees dt = {in_a, in_b, same_times, &t};
			r = icc_diff_classify(out, &dt);
			if (r < 0)
				r = icc_err_set(err, -r, "out of memory comparing the trees");
		}
		if (r == 0)
			r = expand_moved(out, fds[1], err);
	}
	if (r == 0)
		runtime_rules(out, fds[0], fds[1]);
	/* the same limit whichever way the changes were found */
	for (size_t i = 0; r == 0 && i < out->n; i++)
		if (strlen(out->v[i].path) > ICC_TREE_PATH_MAX + 1)
			r = icc_err_set(err, ENAMETOOLONG,
					"'%.160s...' is too deep: paths longer than %d bytes are not supported",
					out->v[i].path + 1, ICC_TREE_PATH_MAX);
	if (r < 0)
		icc_changes_free(out);
	icc_tmpsnap_drop(st, &snap[0]);
	icc_tmpsnap_drop(st, &snap[1]);
	return r;
}

/*
 * A container's excluded paths (exclude.h) are its own subvolumes: what is
 * under them is no change of its tree.  Their lines go, and so do "C"
 * lines of their parents that nothing else changed under.
 */
void icc_changes_drop_excluded(struct icc_changes *c, const cJSON *exclude)
{
	for (size_t i = c->n; i-- > 0;)
		if (icc_excluded(exclude, c->v[i].path))
			drop(c, i);
	const cJSON *it;
	cJSON_ArrayForEach(it, exclude) {
		if (!cJSON_IsString(it))
			continue;
		char p[4096];
		snprintf(p, sizeof(p), "%s", it->valuestring);
		char *s;
		while ((s = strrchr(p, '/')) && s != p) {
			*s = '\0';
			ssize_t e = find(c, p);
			if (e < 0 || c->v[e].kind != 'C')
				break;
			bool other = false;
			for (size_t i = 0; i < c->n && !other; i++)
				other = under(c->v[i].path, p);
			if (other)
				break;
			drop(c, (size_t)e);
		}
	}
	icc_changes_sort(c);
}
