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
#include <sys/wait.h>
#include <unistd.h>

#include <btrfsutil.h>
#include <linux/openat2.h>

#include "icc/diff.h"
#include "icc/sendstream.h"
#include "icc/placeholders.h"
#include "icc/subvol.h"
#include "icc/util.h"

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
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;
		void *v = realloc(c->v, cap * sizeof(*c->v));
		if (!v)
			return -ENOMEM;
		c->v = v;
		c->cap = cap;
	}
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
	 * decided from the trees afterwards (fs/diff_classify.c) */
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
	if (!f)
		return icc_err_sys(err, errno, "cannot read the send stream");
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
		char path[4200] = "/", to[4200] = "/";
		struct icc_ss_tlv t;
		for (uint32_t o = 0; icc_ss_tlv_next(&ss, &o, &t) > 0;) {
			if (t.type == ICC_SA_PATH || t.type == ICC_SA_PATH_TO ||
			    (t.type == ICC_SA_PATH_LINK && cmd != ICC_SS_LINK && cmd != ICC_SS_SYMLINK)) {
				char *dst = t.type == ICC_SA_PATH ? path : to;
				snprintf(dst, 4200, "/%.*s", (int)t.len, (const char *)t.data);
			}
		}
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
	int ep[2];
	if (pipe2(ep, O_CLOEXEC) < 0) {
		close(p[0]);
		close(p[1]);
		return icc_err_sys(err, errno, "cannot create a pipe");
	}
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(p[0]); close(p[1]); close(ep[0]); close(ep[1]);
		return icc_err_sys(err, e, "cannot run btrfs send");
	}
	if (pid == 0) {
		dup2(p[1], 1);
		dup2(ep[1], 2);
		execlp("btrfs", "btrfs", "-q", "send", "--no-data", "-p", a, b, (char *)NULL);
		dprintf(2, "cannot run btrfs: %s\n", strerror(errno));
		_exit(127);
	}
	close(p[1]);
	close(ep[1]);
	int r = parse_stream(p[0], c, err);
	char msg[512];
	ssize_t n = read(ep[0], msg, sizeof(msg) - 1);
	msg[n > 0 ? n : 0] = '\0';
	close(ep[0]);
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (r == 0 && (!WIFEXITED(status) || WEXITSTATUS(status)))
		r = icc_err_set(err, EIO, "btrfs send failed (status %d): %s", status,
				msg[0] ? strtok(msg, "\n") : "no message");
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

static int walk_added(int fd, const char *prefix, struct icc_changes *c)
{
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return 0;
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		char p[4200];
		snprintf(p, sizeof(p), "%s/%s", prefix, de->d_name);
		add(c, 'A', p);
		if (de->d_type == DT_DIR) {
			int sub = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub >= 0)
				walk_added(sub, p, c);
		}
	}
	closedir(d);
	return 0;
}

static int walk(int afd, int bfd, const char *prefix, struct icc_changes *c)
{
	int bdup = dup(bfd), adup = dup(afd);
	DIR *bd = fdopendir(bdup), *ad = fdopendir(adup);
	if (!bd || !ad) {
		if (bd) closedir(bd); else close(bdup);
		if (ad) closedir(ad); else close(adup);
		return -errno;
	}
	struct dirent *de;
	while ((de = readdir(bd))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		char p[4200];
		snprintf(p, sizeof(p), "%s/%s", prefix, de->d_name);
		struct stat x, y;
		if (fstatat(bfd, de->d_name, &y, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (fstatat(afd, de->d_name, &x, AT_SYMLINK_NOFOLLOW) < 0) {
			add(c, 'A', p);
			if (S_ISDIR(y.st_mode)) {
				int sub = openat(bfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
				if (sub >= 0)
					walk_added(sub, p, c);
			}
			continue;
		}
		if (!same(afd, bfd, de->d_name, &x, &y))
			add(c, 'C', p);
		if (S_ISDIR(x.st_mode) && S_ISDIR(y.st_mode)) {
			int sa = openat(afd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			int sb = openat(bfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sa >= 0 && sb >= 0)
				walk(sa, sb, p, c);
			if (sa >= 0) close(sa);
			if (sb >= 0) close(sb);
		}
	}
	while ((de = readdir(ad))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		struct stat y;
		if (fstatat(bfd, de->d_name, &y, AT_SYMLINK_NOFOLLOW) == 0)
			continue;
		char p[4200];
		snprintf(p, sizeof(p), "%s/%s", prefix, de->d_name);
		add(c, 'D', p);
	}
	closedir(bd);
	closedir(ad);
	return 0;
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
	char dir[4200];
	snprintf(dir, sizeof(dir), "%.*s", (int)(slash - rel), rel);
	struct open_how how = {.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
			       .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS};
	int dfd = (int)syscall(SYS_openat2, tree_fd, dir, &how, sizeof(how));
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
static void expand_moved(struct icc_changes *c, int b_fd)
{
	size_t n0 = c->n;
	for (size_t i = 0; i < n0; i++) {
		if (c->v[i].kind != 'A' || !c->v[i].moved)
			continue;
		struct open_how how = {.flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC,
				       .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS};
		int fd = (int)syscall(SYS_openat2, b_fd, c->v[i].path + 1, &how, sizeof(how));
		if (fd < 0)
			continue; /* not a directory */
		char prefix[4200];
		snprintf(prefix, sizeof(prefix), "%s", c->v[i].path);
		walk_added(fd, prefix, c);
	}
	icc_changes_sort(c);
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
		char p[4200];
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
	if (!related(st->root_fd, a_fd, b_fd)) {
		int r = walk(a_fd, b_fd, "", out);
		if (r < 0) {
			icc_changes_free(out);
			return icc_err_sys(err, -r, "cannot compare the trees");
		}
		finish_walk(out);
		runtime_rules(out, a_fd, b_fd);
		return 0;
	}
	out->by_send = true;
	/* btrfs send wants read-only subvolumes: snapshot writable ones into tmp/ */
	char id[ICC_ID_LEN + 1], rel[128], dir[4400];
	icc_random_id(id);
	snprintf(rel, sizeof(rel), "tmp/diff-%.16s", id);
	snprintf(dir, sizeof(dir), "%s/%s", st->root, rel);
	if (mkdirat(st->root_fd, rel, 0700) < 0)
		return icc_err_sys(err, errno, "cannot create '%s'", dir);
	int dfd = openat(st->root_fd, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int r = dfd < 0 ? icc_err_sys(err, errno, "cannot open '%s'", dir) : 0;
	char pa[4500], pb[4500];
	const int fds[2] = {a_fd, b_fd};
	char *paths[2] = {pa, pb};
	/* the trees that were sent: the classification asks them, not the
	 * live (maybe still changing) container */
	int sent[2] = {-1, -1};
	for (int k = 0; k < 2 && r == 0; k++) {
		bool ro = false;
		btrfs_util_get_subvolume_read_only_fd(fds[k], &ro);
		if (ro) {
			char link[64];
			snprintf(link, sizeof(link), "/proc/self/fd/%d", fds[k]);
			ssize_t n = readlink(link, paths[k], 4400);
			paths[k][n > 0 ? n : 0] = '\0';
			sent[k] = dup(fds[k]);
		} else {
			r = icc_subvol_snapshot(fds[k], dfd, k ? "b" : "a", true, err);
			snprintf(paths[k], 4500, "%s/%s", dir, k ? "b" : "a");
			if (r == 0)
				sent[k] = openat(dfd, k ? "b" : "a", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		}
		if (r == 0 && sent[k] < 0)
			r = icc_err_sys(err, errno, "cannot open the tree to compare");
	}
	if (r == 0)
		r = send_diff(pa, pb, out, err);
	if (r == 0) {
		struct trees t = {sent[0], sent[1]};
		struct icc_diff_trees dt = {in_a, in_b, same_times, &t};
		r = icc_diff_classify(out, &dt);
		if (r < 0)
			r = icc_err_set(err, -r, "out of memory comparing the trees");
	}
	if (r == 0) {
		expand_moved(out, sent[1]);
		runtime_rules(out, sent[0], sent[1]);
	} else {
		icc_changes_free(out);
	}
	for (int k = 0; k < 2; k++)
		if (sent[k] >= 0)
			close(sent[k]);
	if (dfd >= 0)
		close(dfd);
	struct icc_err e;
	icc_rmtree(st->root_fd, rel, &e);
	return r;
}
