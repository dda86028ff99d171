/* recvcheck.c - checks an untrusted btrfs send stream before `btrfs receive` runs it */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "icc/oci/recvcheck.h"
#include "icc/base/util.h"

/*
 * btrfs receive joins each path of the stream onto the subvolume's path and
 * calls open/creat/truncate/chmod/link/rename on the result, following
 * symlinks, with no check of its own.  So every path is checked here, and the
 * symlinks the stream makes are followed by name (a path through one, or a
 * write that would follow one, is refused).  Symlinks the parent already
 * holds are left to `--chroot`: they resolve inside the staging directory.
 */

/* ---- a set of paths (the stream's symlinks, and the directories above them) ---- */

struct node {
	struct node *next;
	uint64_t hash;
	size_t len;
	char path[];
};

struct set {
	struct node **b;
	size_t nb, n;
};

#define FNV0 0xcbf29ce484222325ull
static uint64_t fnv(uint64_t h, const char *p, size_t n)
{
	while (n--)
		h = (h ^ (unsigned char)*p++) * 0x100000001b3ull;
	return h;
}

static struct node **set_find(const struct set *s, const char *p, size_t n)
{
	if (!s->n)
		return NULL;
	uint64_t h = fnv(FNV0, p, n);
	for (struct node **q = &s->b[h & (s->nb - 1)]; *q; q = &(*q)->next)
		if ((*q)->hash == h && (*q)->len == n && !memcmp((*q)->path, p, n))
			return q;
	return NULL;
}

static bool set_has(const struct set *s, const char *p, size_t n)
{
	return set_find(s, p, n) != NULL;
}

static int set_add(struct set *s, const char *p, size_t n)
{
	if (set_has(s, p, n))
		return 0;
	if (s->n >= s->nb) {
		size_t nb = s->nb ? s->nb * 2 : 256;
		struct node **b = calloc(nb, sizeof(*b));
		if (!b)
			return -ENOMEM;
		for (size_t i = 0; i < s->nb; i++)
			for (struct node *x = s->b[i], *next; x; x = next) {
				next = x->next;
				x->next = b[x->hash & (nb - 1)];
				b[x->hash & (nb - 1)] = x;
			}
		free(s->b);
		s->b = b;
		s->nb = nb;
	}
	struct node *x = malloc(sizeof(*x) + n + 1);
	if (!x)
		return -ENOMEM;
	x->hash = fnv(FNV0, p, n);
	x->len = n;
	memcpy(x->path, p, n);
	x->path[n] = '\0';
	x->next = s->b[x->hash & (s->nb - 1)];
	s->b[x->hash & (s->nb - 1)] = x;
	s->n++;
	return 0;
}

static void set_del(struct set *s, const char *p, size_t n)
{
	struct node **q = set_find(s, p, n);
	if (q) {
		struct node *x = *q;
		*q = x->next;
		free(x);
		s->n--;
	}
}

static void set_free(struct set *s)
{
	for (size_t i = 0; i < s->nb; i++)
		for (struct node *x = s->b[i], *next; x; x = next) {
			next = x->next;
			free(x);
		}
	free(s->b);
	memset(s, 0, sizeof(*s));
}

/* ---- the check ---- */

struct attr {
	const unsigned char *data;
	uint32_t len;
	bool set;
};

struct check {
	const struct icc_recv_expect *ex;
	const char *name;
	struct icc_err *err;
	struct icc_ss ss;
	bool started;                /* the SUBVOL or SNAPSHOT was seen */
	uint8_t uuid[16];            /* the stream's subvolume */
	bool snapshot;
	uint8_t puuid[16];           /* and its parent, as the stream names it */
	uint64_t pctransid;
	struct set links, dirs;      /* the symlinks it made; directories above them */
	struct attr a[ICC_SA_MAX_V2 + 1];
};

static const char *const cmd_names[] = {
	"unspec", "subvol", "snapshot", "mkfile", "mkdir", "mknod", "mkfifo", "mksock",
	"symlink", "rename", "link", "unlink", "rmdir", "set_xattr", "remove_xattr", "write",
	"clone", "truncate", "chmod", "chown", "utimes", "end", "update_extent", "fallocate",
	"fileattr", "encoded_write",
};

/* A stream-supplied string made printable and short, for a message. */
static const char *show(const unsigned char *p, uint32_t n, char out[96])
{
	size_t o = 0;
	for (uint32_t i = 0; i < n && o < 80; i++)
		out[o++] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '?';
	if (n > 80)
		memcpy(out + o, "...", 3), o += 3;
	out[o] = '\0';
	return out;
}

/* The stream is refused: "cannot receive NAME: command N (mkfile): REASON". */
__attribute__((format(printf, 2, 3)))
static int refuse(struct check *c, const char *fmt, ...)
{
	char why[512], where[64] = "";
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (c->ss.count) {
		unsigned cmd = c->ss.cmd;
		if (cmd <= (c->ss.version >= 2 ? ICC_SS_CMD_MAX_V2 : ICC_SS_CMD_MAX_V1))
			snprintf(where, sizeof(where), "command %llu (%s): ",
				 (unsigned long long)c->ss.count, cmd_names[cmd]);
		else
			snprintf(where, sizeof(where), "command %llu: ", (unsigned long long)c->ss.count);
	}
	return icc_err_set(c->err, EINVAL, "cannot receive %s: %s%s", c->name, where, why);
}

static bool attr(struct check *c, int type, const unsigned char **p, uint32_t *n)
{
	if (!c->a[type].set)
		return false;
	*p = c->a[type].data;
	*n = c->a[type].len;
	return true;
}

static bool attr_u64(struct check *c, int type, uint64_t *v)
{
	const unsigned char *p;
	uint32_t n;
	if (!attr(c, type, &p, &n) || n != 8)
		return false;
	*v = 0;
	for (int i = 7; i >= 0; i--)
		*v = *v << 8 | p[i];
	return true;
}

static bool attr_uuid(struct check *c, int type, uint8_t u[16])
{
	const unsigned char *p;
	uint32_t n;
	if (!attr(c, type, &p, &n) || n != 16)
		return false;
	memcpy(u, p, 16);
	return true;
}

/* Why a path in the subvolume is not acceptable, or NULL. */
static const char *path_problem(const unsigned char *p, uint32_t n, bool root_ok)
{
	if (n == 0)
		return root_ok ? NULL : "is empty";
	if (n >= 4096)
		return "is too long";
	if (memchr(p, '\0', n))
		return "holds a NUL byte";
	if (p[0] == '/')
		return "is absolute";
	for (uint32_t i = 0; i <= n;) {
		uint32_t j = i;
		while (j < n && p[j] != '/')
			j++;
		if (j == i)
			return "has an empty component";
		if (j - i == 1 && p[i] == '.')
			return "has a '.' component";
		if (j - i == 2 && p[i] == '.' && p[i + 1] == '.')
			return "has a '..' component";
		i = j + 1;
	}
	return NULL;
}

/*
 * A path of the stream's own subvolume: well formed, through no symlink the
 * stream made and, when the command follows its last component (open,
 * creat, truncate, chmod), not one itself.
 */
static int check_path(struct check *c, const char *what, const unsigned char *p, uint32_t n,
		      bool root_ok, bool follows)
{
	char b1[96], b2[96];
	const char *why = path_problem(p, n, root_ok);
	if (why)
		return refuse(c, "%s '%s' %s", what, show(p, n, b1), why);
	if (!c->links.n)
		return 0;
	for (uint32_t i = 0; i < n; i++)
		if (p[i] == '/' && set_has(&c->links, (const char *)p, i))
			return refuse(c, "%s '%s' goes through the symlink '%s' the stream made",
				      what, show(p, n, b1), show(p, i, b2));
	if (follows && n && set_has(&c->links, (const char *)p, n))
		return refuse(c, "%s '%s' is a symlink the stream made; this command would follow it",
			      what, show(p, n, b1));
	return 0;
}

static int link_add(struct check *c, const unsigned char *p, uint32_t n)
{
	if (c->links.n >= ICC_RECV_LINKS_MAX)
		return refuse(c, "more than %d symlinks", ICC_RECV_LINKS_MAX);
	int r = set_add(&c->links, (const char *)p, n);
	for (uint32_t i = 0; r == 0 && i < n; i++)
		if (p[i] == '/')
			r = set_add(&c->dirs, (const char *)p, i);
	return r < 0 ? icc_err_set(c->err, -r, "cannot receive %s: out of memory", c->name) : 0;
}

/* The stream's symlinks at FROM or below it now live at TO (TO NULL: they are gone). */
static int links_move(struct check *c, const unsigned char *from, uint32_t fn,
		      const unsigned char *to, uint32_t tn)
{
	if (set_has(&c->links, (const char *)from, fn)) {
		set_del(&c->links, (const char *)from, fn);
		if (to)
			return link_add(c, to, tn);
		return 0;
	}
	if (!set_has(&c->dirs, (const char *)from, fn))
		return 0;
	/* a directory above some of them: collect, then re-add under the new name */
	struct node *moved = NULL;
	for (size_t i = 0; i < c->links.nb; i++)
		for (struct node **q = &c->links.b[i]; *q;) {
			struct node *x = *q;
			if (x->len > fn && x->path[fn] == '/' && !memcmp(x->path, from, fn)) {
				*q = x->next;
				c->links.n--;
				x->next = moved;
				moved = x;
			} else {
				q = &x->next;
			}
		}
	int r = 0;
	while (moved) {
		struct node *x = moved;
		moved = x->next;
		if (to && r == 0) {
			size_t rest = x->len - fn;
			if (tn + rest >= 4096) {
				r = refuse(c, "a renamed path grows too long");
			} else {
				unsigned char np[4096];
				memcpy(np, to, tn);
				memcpy(np + tn, x->path + fn, rest);
				r = link_add(c, np, (uint32_t)(tn + rest));
			}
		}
		free(x);
	}
	return r;
}

/* A clone source in the parent: a regular file reached without any symlink. */
static int check_parent_file(struct check *c, const unsigned char *p, uint32_t n)
{
	char b[96], path[4096];
	const char *why = path_problem(p, n, false);
	if (why)
		return refuse(c, "clone source '%s' %s", show(p, n, b), why);
	if (c->ex->parent_fd < 0)
		return refuse(c, "clones from the parent, which is not open for the check");
	memcpy(path, p, n);
	path[n] = '\0';
	int fd = icc_openat2(c->ex->parent_fd, path, O_PATH | O_NOFOLLOW,
				RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV);
	struct stat sb;
	bool ok = fd >= 0 && fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode);
	if (fd >= 0)
		close(fd);
	if (!ok)
		return refuse(c, "clone source '%s' is not a regular file of the parent (reached without symlinks)",
			      show(p, n, b));
	return 0;
}

static int check_clone(struct check *c)
{
	uint8_t cu[16];
	uint64_t ct;
	const unsigned char *p;
	uint32_t n;
	char u[37];
	if (!attr_uuid(c, ICC_SA_CLONE_UUID, cu) || !attr_u64(c, ICC_SA_CLONE_CTRANSID, &ct) ||
	    !attr(c, ICC_SA_CLONE_PATH, &p, &n))
		return refuse(c, "no clone uuid, transid or path");
	/* btrfs receive takes its own subvolume's uuid first, whatever the transid */
	if (!memcmp(cu, c->uuid, 16))
		return check_path(c, "clone source", p, n, false, true);
	if (c->snapshot && !memcmp(cu, c->puuid, 16) && ct == c->pctransid)
		return check_parent_file(c, p, n);
	icc_uuid_format(cu, u);
	return refuse(c, "clones from subvolume %s (transid %llu), which is neither this one nor its parent",
		      u, (unsigned long long)ct);
}

static bool zero16(const uint8_t *u)
{
	for (int i = 0; i < 16; i++)
		if (u[i])
			return false;
	return true;
}

/* SUBVOL or SNAPSHOT: the one subvolume, the expected name, uuid and parent. */
static int begin(struct check *c)
{
	const struct icc_recv_expect *ex = c->ex;
	const unsigned char *p;
	uint32_t n;
	uint64_t ctransid;
	char b[96], u[37];
	if (c->started)
		return refuse(c, "a second subvolume (a stream holds one image)");
	if (!attr(c, ICC_SA_PATH, &p, &n) || !attr_uuid(c, ICC_SA_UUID, c->uuid) ||
	    !attr_u64(c, ICC_SA_CTRANSID, &ctransid))
		return refuse(c, "no subvolume name, uuid or transid");
	if (n != strlen(ex->subvol) || memcmp(p, ex->subvol, n))
		return refuse(c, "makes subvolume '%s', not '%s'", show(p, n, b), ex->subvol);
	if (ex->check_uuid && memcmp(c->uuid, ex->uuid, 16))
		return refuse(c, "the subvolume's uuid %s is not the one the header names",
			      (icc_uuid_format(c->uuid, u), u));
	if (c->ss.cmd == ICC_SS_SUBVOL) {
		if (ex->parent)
			return refuse(c, "a full stream, but the header names a parent");
	} else {
		if (!ex->parent)
			return refuse(c, "a snapshot of another subvolume, but the header names no parent");
		if (!attr_uuid(c, ICC_SA_CLONE_UUID, c->puuid) ||
		    !attr_u64(c, ICC_SA_CLONE_CTRANSID, &c->pctransid))
			return refuse(c, "no parent uuid or transid");
		/*
		 * By the parent's own uuid (unique in the filesystem; its transid
		 * is the sender's copy's, so it differs), or by the uuid it was
		 * received as, with the transid it was received at (copies of one
		 * source share that uuid).
		 */
		bool own = !memcmp(c->puuid, ex->parent_uuid, 16);
		bool recv = !zero16(ex->parent_ruuid) && !memcmp(c->puuid, ex->parent_ruuid, 16) &&
			    c->pctransid == ex->parent_stransid;
		if (!own && !recv)
			return refuse(c, "snapshots subvolume %s (transid %llu), not the declared parent",
				      (icc_uuid_format(c->puuid, u), u), (unsigned long long)c->pctransid);
		c->snapshot = true;
	}
	c->started = true;
	return 0;
}

/* 1: the END command; 0: a good command; <0: refused. */
static int check_cmd(struct check *c)
{
	struct icc_ss *s = &c->ss;
	unsigned max_cmd = s->version >= 2 ? ICC_SS_CMD_MAX_V2 : ICC_SS_CMD_MAX_V1;
	unsigned max_attr = s->version >= 2 ? ICC_SA_MAX_V2 : ICC_SA_MAX_V1;
	if (s->cmd == 0 || s->cmd > max_cmd)
		return refuse(c, "unknown command %u", s->cmd);
	if (s->version == 1 && ICC_SS_CMD_HDR + (size_t)s->len > 65536)
		return refuse(c, "longer than 64 KiB, the most a version 1 stream holds");
	if (!icc_ss_crc_ok(s))
		return refuse(c, "bad crc32c");
	memset(c->a, 0, sizeof(c->a));
	struct icc_ss_tlv t;
	int k;
	for (uint32_t o = 0; (k = icc_ss_tlv_next(s, &o, &t)) > 0;) {
		if (t.type == 0 || t.type > max_attr)
			return refuse(c, "unknown attribute %u", t.type);
		if (c->a[t.type].set)
			return refuse(c, "attribute %u given twice", t.type);
		c->a[t.type] = (struct attr){t.data, t.len, true};
	}
	if (k < 0)
		return refuse(c, "an attribute runs past the end of the command");

	int cmd = s->cmd;
	if (cmd == ICC_SS_SUBVOL || cmd == ICC_SS_SNAPSHOT)
		return begin(c);
	if (!c->started)
		return refuse(c, "comes before the subvolume is made");
	if (cmd == ICC_SS_END)
		return 1;

	const unsigned char *p, *q;
	uint32_t n, m;
	if (!attr(c, ICC_SA_PATH, &p, &n))
		return refuse(c, "no path");
	/* commands that may name the subvolume's root (an empty path) */
	bool root_ok = cmd == ICC_SS_CHOWN || cmd == ICC_SS_CHMOD || cmd == ICC_SS_UTIMES ||
		       cmd == ICC_SS_SET_XATTR || cmd == ICC_SS_REMOVE_XATTR || cmd == ICC_SS_FILEATTR;
	/* commands btrfs receive carries out with calls that follow a final symlink */
	bool follows = cmd == ICC_SS_MKFILE || cmd == ICC_SS_WRITE || cmd == ICC_SS_CLONE ||
		       cmd == ICC_SS_TRUNCATE || cmd == ICC_SS_CHMOD || cmd == ICC_SS_FALLOCATE ||
		       cmd == ICC_SS_FILEATTR || cmd == ICC_SS_ENCODED_WRITE;
	int r = check_path(c, "path", p, n, root_ok, follows);
	if (r < 0)
		return r;
	switch (cmd) {
	case ICC_SS_SYMLINK:
		return link_add(c, p, n);
	case ICC_SS_RENAME:
		if (!attr(c, ICC_SA_PATH_TO, &q, &m))
			return refuse(c, "no destination");
		if ((r = check_path(c, "destination", q, m, false, false)) < 0)
			return r;
		links_move(c, q, m, NULL, 0); /* whatever was there is replaced */
		return links_move(c, p, n, q, m);
	case ICC_SS_LINK:
		if (!attr(c, ICC_SA_PATH_LINK, &q, &m))
			return refuse(c, "no link target");
		if ((r = check_path(c, "link target", q, m, false, false)) < 0)
			return r;
		return set_has(&c->links, (const char *)q, m) ? link_add(c, p, n) : 0;
	case ICC_SS_UNLINK:
	case ICC_SS_RMDIR:
		return links_move(c, p, n, NULL, 0);
	case ICC_SS_CLONE:
		return check_clone(c);
	}
	return 0;
}

int icc_recv_check(icc_ss_read_fn read, void *ctx, const char *name,
		   const struct icc_recv_expect *ex, struct icc_err *err)
{
	struct check c = {.ex = ex, .name = name, .err = err};
	int r = icc_ss_open(&c.ss, read, ctx);
	if (r == -EPROTO)
		r = refuse(&c, "not a btrfs send stream");
	else if (r < 0)
		r = icc_err_sys(err, -r, "cannot receive %s: cannot read the stream", name);
	else if (c.ss.version != 1 && c.ss.version != 2)
		r = refuse(&c, "btrfs send stream version %u (only 1 and 2 are known)", c.ss.version);
	while (r == 0) {
		int k = icc_ss_next(&c.ss);
		if (k == 1)
			r = check_cmd(&c);
		else if (k == 0)
			r = refuse(&c, "the stream ends without an end command (truncated)");
		else if (k == -ENODATA || k == -EPROTO)
			r = refuse(&c, "truncated");
		else if (k == -EFBIG)
			r = refuse(&c, "longer than %u bytes", ICC_SS_CMD_MAX);
		else
			r = icc_err_sys(err, -k, "cannot receive %s: cannot read the stream", name);
	}
	if (r == 1) {
		/* btrfs receive -e stops at END: anything after it would go unchecked and unused */
		unsigned char b;
		ssize_t n = read(ctx, &b, 1);
		if (n > 0)
			r = refuse(&c, "data after the end command");
		else if (n < 0)
			r = icc_err_sys(err, (int)-n, "cannot receive %s: cannot read the stream", name);
		else
			r = 0;
	}
	icc_ss_close(&c.ss);
	set_free(&c.links);
	set_free(&c.dirs);
	return r;
}
