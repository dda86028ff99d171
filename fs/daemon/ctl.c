/* ctl.c - the virtual /.icc control directory: save, info, snapshots/ */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "iccfs.h"
#include "icc/base/fault.h"
#include "icc/snap/saveparse.h"

#define VINO_BASE (1ULL << 63)

static struct timespec mount_time;

static void init_virtual(struct ino *v, enum ino_kind kind, mode_t type)
{
	memset(v, 0, sizeof(*v));
	v->kind = kind;
	v->type = type;
	v->fd = -1;
	v->stale_fd = -1;
	v->nlookup = 1;
	v->st_ino = VINO_BASE | kind;
}

void ctl_init(void)
{
	clock_gettime(CLOCK_REALTIME, &mount_time);
	init_virtual(&fs.v_icc, INO_V_ICC, S_IFDIR);
	init_virtual(&fs.v_save, INO_V_SAVE, S_IFREG);
	init_virtual(&fs.v_info, INO_V_INFO, S_IFREG);
	init_virtual(&fs.v_snaps, INO_V_SNAPS, S_IFDIR);
	init_virtual(&fs.v_rollback, INO_V_ROLLBACK, S_IFREG);
}

static char *info_json(void);

void ctl_virtual_attr(struct ino *i, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = i->st_ino;
	st->st_uid = 0;
	st->st_gid = 0;
	st->st_atim = st->st_mtim = st->st_ctim = mount_time;
	st->st_blksize = 4096;
	switch (i->kind) {
	case INO_V_ICC:
		st->st_mode = S_IFDIR | 0555;
		st->st_nlink = 3;
		break;
	case INO_V_SNAPS:
		/* writable by all: mkdir/rmdir/rename are checked by save=/delete= */
		st->st_mode = S_IFDIR | 0777;
		st->st_nlink = 2;
		clock_gettime(CLOCK_REALTIME, &st->st_mtim);
		st->st_ctim = st->st_mtim;
		break;
	case INO_V_SAVE:
		st->st_mode = S_IFREG | 0666;
		st->st_nlink = 1;
		/* the true length of what a read returns: sendfile(2) readers
		 * such as busybox cat stop at st_size */
		pthread_mutex_lock(&fs.save_lock);
		if (fs.last_name[0])
			st->st_size = (off_t)(strlen(fs.last_name) + 1 + strlen(fs.last_id) + 1);
		pthread_mutex_unlock(&fs.save_lock);
		break;
	case INO_V_ROLLBACK:
		/* writable by all: a rollback is checked by delete= */
		st->st_mode = S_IFREG | 0666;
		st->st_nlink = 1;
		pthread_mutex_lock(&fs.save_lock);
		st->st_size = (off_t)strlen(fs.last_rollback);
		pthread_mutex_unlock(&fs.save_lock);
		break;
	case INO_V_INFO: {
		st->st_mode = S_IFREG | 0444;
		st->st_nlink = 1;
		char *text = info_json();
		st->st_size = text ? (off_t)strlen(text) : 0;
		free(text);
		break;
	}
	default:
		break;
	}
}

/*
 * Cache lifetimes of the virtual inodes.  /.icc and snapshots/ never change
 * name, and /.icc's attributes never change: cached like the tree's.  save
 * and info are looked up afresh on every open (entry timeout 0): the
 * kernel reads them only up to the i_size it knows, so each open must
 * bring their current length.  save's attributes are cached between those
 * lookups (its size changes only when this daemon saves: a write to it
 * drops the kernel's copy, a mkdir in snapshots/ tells the kernel, see
 * notify_save_changed), so opening it for writing needs no GETATTR for the
 * permission check.  info's and snapshots/' attributes change behind the
 * kernel's back (disk usage, host-made snapshots): never cached.  This
 * takes `echo > /.icc/save` from 9 round trips to 5.
 */
static double virtual_attr_timeout(const struct ino *v)
{
	return v->kind == INO_V_ICC || v->kind == INO_V_SAVE ? fs.attr_timeout : 0;
}

static double virtual_entry_timeout(const struct ino *v)
{
	return v->kind == INO_V_ICC || v->kind == INO_V_SNAPS ? fs.entry_timeout : 0;
}

static void reply_virtual_entry(fuse_req_t req, struct ino *v)
{
	struct fuse_entry_param e;
	memset(&e, 0, sizeof(e));
	e.ino = ino_nodeid(v);
	ctl_virtual_attr(v, &e.attr);
	e.entry_timeout = virtual_entry_timeout(v);
	e.attr_timeout = virtual_attr_timeout(v);
	fuse_reply_entry(req, &e);
}

/* save's st_size (the length of "NAME ID\n") changed: drop the kernel's copy. */
static void notify_save_changed(void)
{
	if (fs.se)
		fuse_lowlevel_notify_inval_inode(fs.se, ino_nodeid(&fs.v_save), -1, 0);
}

/* Caller's write permission on the subvolume's root directory. */
bool caller_may_write_root(fuse_req_t req)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	if (ctx->uid == 0)
		return true;
	struct stat st;
	if (fstat(fs.root_fd, &st) < 0)
		return false;
	if (ctx->uid == st.st_uid)
		return (st.st_mode & (S_IWUSR | S_IXUSR)) == (S_IWUSR | S_IXUSR);
	bool in_group = ctx->gid == st.st_gid;
	if (!in_group) {
		gid_t groups[64];
		int n = fuse_req_getgroups(req, 64, groups);
		for (int k = 0; k < n && k < 64; k++)
			if (groups[k] == st.st_gid)
				in_group = true;
	}
	if (in_group)
		return (st.st_mode & (S_IWGRP | S_IXGRP)) == (S_IWGRP | S_IXGRP);
	return (st.st_mode & (S_IWOTH | S_IXOTH)) == (S_IWOTH | S_IXOTH);
}

static bool may_save(fuse_req_t req)
{
	return fs.save_all || caller_may_write_root(req);
}

static bool may_delete(fuse_req_t req)
{
	if (fs.delete_writers)
		return caller_may_write_root(req);
	return fuse_req_ctx(req)->uid == 0;
}

/* Look up snapshot `name` and reply with its (read-only) root inode. */
static void lookup_snapshot(fuse_req_t req, const char *name)
{
	struct icc_err err;
	struct icc_snap_info info;
	if (icc_snapdir_get(&fs.sd, name, &info, &err) < 0) {
		fuse_reply_err(req, err.code == ENOENT ? ENOENT : err.code);
		return;
	}
	int rfd = icc_snapdir_open_root(&fs.sd, name, &err);
	if (rfd < 0) {
		fuse_reply_err(req, -rfd == ENOTDIR ? ENOENT : -rfd);
		return;
	}
	struct stat st;
	int e = 0;
	struct ino *i = ino_from_fd(rfd, fs.sd.dirfd, fs.snap_mnt_id, true, &st, &e);
	if (!i) {
		fuse_reply_err(req, e);
		return;
	}
	i->snaproot = true;
	i->snap_created_ns = info.created_ns;
	struct fuse_entry_param ep;
	memset(&ep, 0, sizeof(ep));
	fill_attr(i, &st);
	ep.ino = ino_nodeid(i);
	ep.attr = st;
	if (fuse_reply_entry(req, &ep) != 0)
		ino_forget(i, 1);
}

void ctl_lookup(fuse_req_t req, struct ino *parent, const char *name)
{
	switch (parent->kind) {
	case INO_REAL: /* the root's ".icc" */
		reply_virtual_entry(req, &fs.v_icc);
		return;
	case INO_V_ICC:
		if (!strcmp(name, "save"))
			reply_virtual_entry(req, &fs.v_save);
		else if (!strcmp(name, "info"))
			reply_virtual_entry(req, &fs.v_info);
		else if (!strcmp(name, "snapshots"))
			reply_virtual_entry(req, &fs.v_snaps);
		else if (!strcmp(name, "rollback"))
			reply_virtual_entry(req, &fs.v_rollback);
		else
			fuse_reply_err(req, strlen(name) > 255 ? ENAMETOOLONG : ENOENT);
		return;
	case INO_V_SNAPS:
		if (strlen(name) > 255) {
			fuse_reply_err(req, ENAMETOOLONG);
			return;
		}
		if (!icc_snap_name_valid(name)) {
			fuse_reply_err(req, ENOENT);
			return;
		}
		lookup_snapshot(req, name);
		return;
	default:
		fuse_reply_err(req, ENOTDIR);
	}
}

void ctl_getattr(fuse_req_t req, struct ino *i)
{
	struct stat st;
	ctl_virtual_attr(i, &st);
	fuse_reply_attr(req, &st, virtual_attr_timeout(i));
}

void ctl_setattr(fuse_req_t req, struct ino *i, struct stat *attr, int valid)
{
	/* `echo > .icc/save` truncates first: allow size 0 (and times) */
	int allowed = FUSE_SET_ATTR_SIZE | FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME |
		      FUSE_SET_ATTR_ATIME_NOW | FUSE_SET_ATTR_MTIME_NOW | FUSE_SET_ATTR_CTIME;
	if ((i->kind != INO_V_SAVE && i->kind != INO_V_ROLLBACK) || (valid & ~allowed) ||
	    ((valid & FUSE_SET_ATTR_SIZE) && attr->st_size != 0)) {
		fuse_reply_err(req, EPERM);
		return;
	}
	ctl_getattr(req, i);
}

/* ---- files: an open file holds its text, generated at open ---- */

struct vfile {
	char *data;
	size_t len;
	/* save: the snapshot this open file took; later writes on the same
	 * file extend its message (shells may write "name\n" and "msg\n" apart) */
	char saved[ICC_SNAP_NAME_MAX + 1];
	unsigned appends; /* further writes taken, at most ICC_SAVE_APPENDS_MAX */
};

static char *rollback_record(void)
{
	pthread_mutex_lock(&fs.save_lock);
	char *s = strdup(fs.last_rollback);
	pthread_mutex_unlock(&fs.save_lock);
	return s;
}

static char *info_json(void)
{
	cJSON *j = cJSON_CreateObject();
	if (!j)
		return NULL;
	cJSON_AddStringToObject(j, "id", fs.id ? fs.id : "");
	cJSON_AddStringToObject(j, "name", fs.name ? fs.name : "");
	cJSON_AddStringToObject(j, "image", fs.image ? fs.image : "");
	char uuid[sizeof(fs.subvol_uuid)];
	pthread_mutex_lock(&fs.save_lock);
	memcpy(uuid, fs.subvol_uuid, sizeof(uuid));
	pthread_mutex_unlock(&fs.save_lock);
	cJSON_AddStringToObject(j, "subvolume", uuid);
	struct icc_snap_info *v = NULL;
	size_t n = 0;
	struct icc_err err;
	if (icc_snapdir_list(&fs.sd, &v, &n, &err) < 0)
		n = 0;
	cJSON_AddNumberToObject(j, "snapshots", (double)n);
	if (n > 0) {
		struct icc_snap_info *last = &v[n - 1];
		cJSON *ls = cJSON_AddObjectToObject(j, "last_save");
		if (ls) {
			char t[64];
			icc_time_format(last->created_ns, t, sizeof(t));
			cJSON_AddStringToObject(ls, "name", last->name);
			cJSON_AddStringToObject(ls, "id", last->id);
			cJSON_AddStringToObject(ls, "created", t);
		}
	} else {
		cJSON_AddNullToObject(j, "last_save");
	}
	free(v);
	struct statvfs sv;
	cJSON *f = cJSON_AddObjectToObject(j, "fs");
	if (f && fstatvfs(fs.root_fd, &sv) == 0) {
		cJSON_AddNumberToObject(f, "size", (double)sv.f_blocks * sv.f_frsize);
		cJSON_AddNumberToObject(f, "used", (double)(sv.f_blocks - sv.f_bfree) * sv.f_frsize);
		cJSON_AddNumberToObject(f, "free", (double)sv.f_bavail * sv.f_frsize);
	}
	char *text = icc_json_text(j, true, NULL);
	cJSON_Delete(j);
	return text;
}

void ctl_open(fuse_req_t req, struct ino *i, struct fuse_file_info *fi)
{
	if (i->kind == INO_V_ICC || i->kind == INO_V_SNAPS) {
		fuse_reply_err(req, EISDIR);
		return;
	}
	bool wr = (fi->flags & O_ACCMODE) != O_RDONLY;
	if (i->kind == INO_V_INFO && wr) {
		fuse_reply_err(req, EACCES);
		return;
	}
	if (i->kind == INO_V_SAVE && wr && !may_save(req)) {
		fuse_reply_err(req, EACCES);
		return;
	}
	if (i->kind == INO_V_ROLLBACK && wr && !may_delete(req)) {
		fuse_reply_err(req, EACCES);
		return;
	}
	struct vfile *vf = calloc(1, sizeof(*vf));
	if (!vf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	if (i->kind == INO_V_INFO || i->kind == INO_V_ROLLBACK) {
		vf->data = i->kind == INO_V_INFO ? info_json() : rollback_record();
		if (!vf->data) {
			free(vf);
			fuse_reply_err(req, ENOMEM);
			return;
		}
	} else {
		bool any;
		pthread_mutex_lock(&fs.save_lock);
		any = fs.last_name[0] != '\0';
		if (any) {
			size_t need = strlen(fs.last_name) + strlen(fs.last_id) + 3;
			vf->data = malloc(need);
			if (vf->data)
				snprintf(vf->data, need, "%s %s\n", fs.last_name, fs.last_id);
		}
		pthread_mutex_unlock(&fs.save_lock);
		if (any && !vf->data) {
			free(vf);
			fuse_reply_err(req, ENOMEM);
			return;
		}
	}
	vf->len = vf->data ? strlen(vf->data) : 0;
	fi->fh = (uint64_t)(uintptr_t)vf;
	fi->direct_io = 1;
	fi->nonseekable = 0;
	fi->noflush = 1; /* nothing buffered: close needs no FLUSH round trip */
	if (fuse_reply_open(req, fi) != 0) {
		free(vf->data);
		free(vf);
	}
}

void ctl_read(fuse_req_t req, struct ino *i, size_t size, off_t off,
	      struct fuse_file_info *fi)
{
	struct vfile *vf = (struct vfile *)(uintptr_t)fi->fh;
	if (off < 0 || (size_t)off >= vf->len) {
		fuse_reply_buf(req, NULL, 0);
		return;
	}
	size_t n = vf->len - (size_t)off;
	if (n > size)
		n = size;
	/*
	 * Reply from a copy of our own: the reader can close the file as soon as
	 * the kernel has taken the reply, so RELEASE (another thread) may free vf
	 * before writev returns here, and whatever still looks at the iovec after
	 * the call (ASan's writev check does) would read freed memory.
	 */
	char *copy = malloc(n);
	if (!copy) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	memcpy(copy, vf->data + off, n);
	fuse_reply_buf(req, copy, n);
	free(copy);
}

void ctl_release(fuse_req_t req, struct ino *i, struct fuse_file_info *fi)
{
	struct vfile *vf = (struct vfile *)(uintptr_t)fi->fh;
	if (vf) {
		free(vf->data);
		free(vf);
	}
	fuse_reply_err(req, 0);
}

/*
 * Pages dirtied through a shared mmap of a file on this mount live in the
 * FUSE inode's page cache until writeback sends them to us; a snapshot must
 * include them.  syncfs starts that writeback for the whole mount, but on
 * this kernel (6.x) it does not wait for the FUSE server to have the data:
 * measured, 256-2,934 of 16,384 dirty pages were still on their way when the
 * snapshot was taken.  So, after it, every inode open for writing is
 * invalidated with offset 0, len 0: the kernel writes each dirty page back
 * (launder) and waits for our reply before it returns, while the other
 * worker threads serve those WRITEs.  Only files open for writing can have
 * dirty pages (a shared writable mapping keeps its file open).  The mount
 * root is opened for just this call: an fd kept open would make `umount`
 * fail with EBUSY.
 */
void ctl_flush_mount(void)
{
	int fd = open(fs.mountpoint, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return;
	struct statfs sf;
	struct stat st;
	if (fstatfs(fd, &sf) == 0 && sf.f_type == 0x65735546 /* FUSE */ &&
	    fstat(fd, &st) == 0 && st.st_ino == fs.root.st_ino)
		syncfs(fd);
	close(fd);
	size_t n;
	fuse_ino_t *w = ino_writers(&n);
	for (size_t k = 0; k < n; k++)
		fuse_lowlevel_notify_inval_inode(fs.se, w[k], 0, 0);
	free(w);
}

int ctl_take_snapshot(const char *name, const char *message, const char *by,
			 struct icc_snap_info *out)
{
	struct icc_err err;
	icc_err_clear(&err);
	cJSON *src = cJSON_CreateObject();
	if (src) {
		/* like the CLI's: {"container", "by"} */
		cJSON_AddStringToObject(src, "container", fs.id ? fs.id : "");
		cJSON_AddStringToObject(src, "by", by);
	}
	icc_fault_point("save-before-snapshot");
	/* the store lock is taken inside, only to publish: writing out this
	 * container's dirty data must not hold up the rest of the store */
	struct icc_snap_opts o = {
		.name = name,
		.message = message,
		.source = src,
		.origin = ICC_SNAP_CONTAINER,
		.lock_path = fs.lock_path,
	};
	int r = icc_snapdir_take(&fs.sd, fs.root_fd, &o, out, &err);
	cJSON_Delete(src);
	if (r < 0)
		iccfs_save_failed(-r, err.msg);
	if (r == 0)
		icc_fault_point("save-before-reply");
	if (r == 0) {
		pthread_mutex_lock(&fs.save_lock);
		snprintf(fs.last_name, sizeof(fs.last_name), "%s", out->name);
		snprintf(fs.last_id, sizeof(fs.last_id), "%s", out->id);
		pthread_mutex_unlock(&fs.save_lock);
	}
	return r; /* errors go back through errno; refusals are also logged */
}

/*
 * Saves run on one saver thread, not on the FUSE workers: a save first
 * flushes the mount, and that needs free workers (opendir of the root,
 * writeback WRITEs).  64 saves blocking 64 workers could otherwise leave
 * none.  Workers queue the request and return; the saver replies.  One
 * flush covers every save queued before it started.
 */
struct save_job {
	struct save_job *next;
	fuse_req_t req;
	struct vfile *vf;        /* the open save file, NULL for mkdir */
	bool mkdir;              /* reply with an entry (mkdir) or a write count */
	bool rollback;           /* a rollback to `name` (keep: save first) */
	bool keep;
	size_t size;
	char *name;              /* NULL: automatic */
	char *msg;
};

static pthread_mutex_t q_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t q_cond = PTHREAD_COND_INITIALIZER;
static struct save_job *q_head, **q_tail = &q_head;
static pthread_once_t saver_once = PTHREAD_ONCE_INIT;
static bool saver_ok;

static void *saver_main(void *arg)
{
	for (;;) {
		pthread_mutex_lock(&q_lock);
		while (!q_head)
			pthread_cond_wait(&q_cond, &q_lock);
		struct save_job *batch = q_head;
		q_head = NULL;
		q_tail = &q_head;
		pthread_mutex_unlock(&q_lock);

		if (__atomic_load_n(&fs.nwrite_open, __ATOMIC_SEQ_CST) > 0)
			ctl_flush_mount();
		while (batch) {
			struct save_job *j = batch;
			batch = j->next;
			if (j->rollback) {
				int rr = rollback_run(j->name, j->keep);
				if (rr < 0)
					fuse_reply_err(j->req, -rr);
				else
					fuse_reply_write(j->req, j->size);
				rollback_finish();
				free(j->name);
				free(j);
				continue;
			}
			struct icc_snap_info out;
			int r = ctl_take_snapshot(j->name, j->msg ? j->msg : "",
					      j->mkdir ? "mkdir /.icc/snapshots" : "/.icc/save", &out);
			if (r == 0 && j->vf) {
				pthread_mutex_lock(&fs.save_lock);
				snprintf(j->vf->saved, sizeof(j->vf->saved), "%s", out.name);
				pthread_mutex_unlock(&fs.save_lock);
			}
			/* a write to save: the kernel drops save's cached size
			 * itself when the write returns; a mkdir does not */
			if (r == 0 && j->mkdir)
				notify_save_changed();
			if (r < 0)
				fuse_reply_err(j->req, -r);
			else if (j->mkdir)
				lookup_snapshot(j->req, out.name);
			else
				fuse_reply_write(j->req, j->size);
			free(j->name);
			free(j->msg);
			free(j);
		}
	}
	return NULL;
}

static void saver_start(void)
{
	pthread_t t;
	pthread_attr_t a;
	pthread_attr_init(&a);
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	saver_ok = pthread_create(&t, &a, saver_main, NULL) == 0;
	pthread_attr_destroy(&a);
}

/* Queue a save; takes ownership of name and msg.  Replies on failure. */
static void queue_save(fuse_req_t req, struct vfile *vf, bool mkdir, size_t size,
		       char *name, char *msg)
{
	pthread_once(&saver_once, saver_start);
	struct save_job *j = saver_ok ? calloc(1, sizeof(*j)) : NULL;
	if (!j) {
		free(name);
		free(msg);
		fuse_reply_err(req, saver_ok ? ENOMEM : EAGAIN);
		return;
	}
	j->req = req;
	j->vf = vf;
	j->mkdir = mkdir;
	j->size = size;
	j->name = name;
	j->msg = msg;
	pthread_mutex_lock(&q_lock);
	*q_tail = j;
	q_tail = &j->next;
	pthread_cond_signal(&q_cond);
	pthread_mutex_unlock(&q_lock);
}

void ctl_queue_rollback(fuse_req_t req, size_t size, char *name, bool keep)
{
	pthread_once(&saver_once, saver_start);
	struct save_job *j = saver_ok ? calloc(1, sizeof(*j)) : NULL;
	if (!j) {
		free(name);
		fuse_reply_err(req, saver_ok ? ENOMEM : EAGAIN);
		return;
	}
	j->req = req;
	j->rollback = true;
	j->keep = keep;
	j->size = size;
	j->name = name;
	pthread_mutex_lock(&q_lock);
	*q_tail = j;
	q_tail = &j->next;
	pthread_cond_signal(&q_cond);
	pthread_mutex_unlock(&q_lock);
}

static void write_rollback(fuse_req_t req, const char *buf, size_t size)
{
	struct icc_err err;
	char name[ICC_SNAP_NAME_MAX + 1];
	bool keep;
	if (icc_rollback_request_parse(buf, size, name, sizeof(name), &keep, &err) < 0) {
		fuse_reply_err(req, EINVAL);
		return;
	}
	char *n = strdup(name);
	if (!n) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	ctl_queue_rollback(req, size, n, keep);
}

void ctl_write(fuse_req_t req, struct ino *i, const char *buf, size_t size,
	       struct fuse_file_info *fi)
{
	if (i->kind == INO_V_ROLLBACK) {
		write_rollback(req, buf, size);
		return;
	}
	if (i->kind != INO_V_SAVE) {
		fuse_reply_err(req, EACCES);
		return;
	}
	struct vfile *vf = (struct vfile *)(uintptr_t)fi->fh;
	char saved[ICC_SNAP_NAME_MAX + 1] = "";
	if (vf) {
		pthread_mutex_lock(&fs.save_lock);
		snprintf(saved, sizeof(saved), "%s", vf->saved);
		pthread_mutex_unlock(&fs.save_lock);
	}
	struct icc_err err;
	if (saved[0]) {
		/* a further write on the file that saved: more message lines.
		 * Each rewrites meta.json under the store lock: their number
		 * and the message's size are capped (ICC_SAVE_APPENDS_MAX,
		 * ICC_SNAP_MESSAGE_MAX), EFBIG past either */
		char *text;
		int r = icc_save_more_parse(buf, size, &text, &err);
		if (r == 0 && text[0]) {
			pthread_mutex_lock(&fs.save_lock);
			bool room = vf->appends < ICC_SAVE_APPENDS_MAX;
			if (room)
				vf->appends++;
			pthread_mutex_unlock(&fs.save_lock);
			if (!room) {
				r = icc_err_set(&err, EFBIG, "snapshot '%s': more than %d writes of message lines",
						saved, ICC_SAVE_APPENDS_MAX);
			} else {
				int lfd = icc_flock(fs.lock_path, &err);
				r = lfd < 0 ? lfd : icc_snapdir_append_message(&fs.sd, saved, text, &err);
				if (lfd >= 0)
					icc_funlock(lfd);
			}
			if (r < 0)
				iccfs_save_failed(-r, err.msg);
		}
		free(text);
		if (r < 0)
			fuse_reply_err(req, -r);
		else
			fuse_reply_write(req, size);
		return;
	}
	char name[ICC_SNAP_NAME_MAX + 1];
	char *m;
	int r = icc_save_request_parse(buf, size, name, sizeof(name), &m, &err);
	if (r < 0) {
		iccfs_save_failed(-r, err.msg);
		iccfs_refuse(req, -r, "save: %s", err.msg);
		return;
	}
	char *n = name[0] ? strdup(name) : NULL;
	if (name[0] && !n) {
		free(m);
		fuse_reply_err(req, ENOMEM);
		return;
	}
	queue_save(req, vf, false, size, n, m);
}

/* ---- directories: a listing captured at opendir ---- */

struct vdir {
	size_t n;
	struct icc_snap_info *snaps; /* INO_V_SNAPS */
};

void ctl_opendir(fuse_req_t req, struct ino *i, struct fuse_file_info *fi)
{
	if (i->kind != INO_V_ICC && i->kind != INO_V_SNAPS) {
		fuse_reply_err(req, ENOTDIR);
		return;
	}
	struct vdir *d = calloc(1, sizeof(*d));
	if (!d) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	if (i->kind == INO_V_SNAPS) {
		struct icc_err err;
		int r = icc_snapdir_list(&fs.sd, &d->snaps, &d->n, &err);
		if (r < 0) {
			free(d);
			fuse_reply_err(req, -r);
			return;
		}
	}
	fi->fh = (uint64_t)(uintptr_t)d;
	fi->cache_readdir = 0;
	fi->keep_cache = 0;
	if (fuse_reply_open(req, fi) != 0) {
		free(d->snaps);
		free(d);
	}
}

void ctl_readdir(fuse_req_t req, struct ino *i, size_t size, off_t off,
		 struct fuse_file_info *fi, bool plus)
{
	struct vdir *d = (struct vdir *)(uintptr_t)fi->fh;
	static const char *icc_names[] = {"save", "info", "snapshots", "rollback"};
	static const enum ino_kind icc_kinds[] = {INO_V_SAVE, INO_V_INFO, INO_V_SNAPS, INO_V_ROLLBACK};
	size_t total = 2 + (i->kind == INO_V_ICC ? 4 : d->n);
	char *buf = malloc(size);
	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	size_t used = 0;
	for (size_t k = (size_t)off; k < total; k++) {
		const char *name;
		struct stat st;
		memset(&st, 0, sizeof(st));
		if (k == 0) {
			name = ".";
			st.st_mode = S_IFDIR;
			st.st_ino = i->st_ino;
		} else if (k == 1) {
			name = "..";
			st.st_mode = S_IFDIR;
			st.st_ino = i->kind == INO_V_ICC ? fs.root.st_ino : fs.v_icc.st_ino;
		} else if (i->kind == INO_V_ICC) {
			struct ino *v = icc_kinds[k - 2] == INO_V_SAVE ? &fs.v_save
					: icc_kinds[k - 2] == INO_V_INFO ? &fs.v_info
					: icc_kinds[k - 2] == INO_V_SNAPS ? &fs.v_snaps
									  : &fs.v_rollback;
			name = icc_names[k - 2];
			ctl_virtual_attr(v, &st);
		} else {
			name = d->snaps[k - 2].name;
			st.st_mode = S_IFDIR;
			st.st_ino = 256;
		}
		size_t sz;
		if (plus) {
			struct fuse_entry_param e;
			memset(&e, 0, sizeof(e));
			e.attr.st_ino = st.st_ino;
			e.attr.st_mode = st.st_mode;
			sz = fuse_add_direntry_plus(req, buf + used, size - used, name, &e,
						    (off_t)k + 1);
		} else {
			sz = fuse_add_direntry(req, buf + used, size - used, name, &st,
					       (off_t)k + 1);
		}
		if (sz > size - used)
			break;
		used += sz;
	}
	fuse_reply_buf(req, buf, used);
	free(buf);
}

void ctl_releasedir(fuse_req_t req, struct ino *i, struct fuse_file_info *fi)
{
	struct vdir *d = (struct vdir *)(uintptr_t)fi->fh;
	if (d) {
		free(d->snaps);
		free(d);
	}
	fuse_reply_err(req, 0);
}

void ctl_mkdir(fuse_req_t req, struct ino *parent, const char *name)
{
	if (parent->kind != INO_V_SNAPS) {
		fuse_reply_err(req, EPERM);
		return;
	}
	if (strlen(name) > 255) {
		fuse_reply_err(req, ENAMETOOLONG);
		return;
	}
	if (!icc_snap_name_valid(name)) {
		fuse_reply_err(req, EINVAL);
		return;
	}
	if (!may_save(req)) {
		fuse_reply_err(req, EACCES);
		return;
	}
	char *n = strdup(name);
	if (!n) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	queue_save(req, NULL, true, 0, n, NULL);
}

/*
 * Snapshots the host made are the operator's: a container may not remove
 * or rename them, nor take their name (a swapped `known-good` would be
 * restored by `icc rollback`).  0 if `name` is one the container made,
 * -EPERM (logged) if the host's, -ENOENT.  Call under the store lock.
 */
static int container_made(const char *name, const char *what)
{
	struct icc_snap_info info;
	struct icc_err err;
	int r = icc_snapdir_get(&fs.sd, name, &info, &err);
	if (r < 0)
		return r;
	if (info.origin == ICC_SNAP_CONTAINER)
		return 0;
	iccfs_log("%s refused: snapshot '%s' was made by the host", what, name);
	return -EPERM;
}

/* What rmdir and rename of a snapshot check first: valid names (ENOENT for
 * the one changed, EINVAL for a new one) and a caller allowed to delete;
 * 0 or the errno to reply. */
static int snap_change_refused(fuse_req_t req, const char *name, const char *newname)
{
	if (!icc_snap_name_valid(name))
		return ENOENT;
	if (newname && !icc_snap_name_valid(newname))
		return EINVAL;
	if (!may_delete(req))
		return EACCES;
	return 0;
}

/* The store's lock, as the CLI takes it around snapshot changes: its fd or -errno. */
static int store_lock(void)
{
	struct icc_err err;
	return icc_flock(fs.lock_path, &err);
}

void ctl_rmdir(fuse_req_t req, struct ino *parent, const char *name)
{
	if (parent->kind != INO_V_SNAPS) {
		fuse_reply_err(req, EPERM);
		return;
	}
	int e = snap_change_refused(req, name, NULL);
	int lfd = e ? -e : store_lock();
	if (lfd < 0) {
		fuse_reply_err(req, -lfd);
		return;
	}
	struct icc_err err;
	int r = container_made(name, "rmdir");
	if (r == 0)
		r = icc_snapdir_remove(&fs.sd, name, &err);
	icc_funlock(lfd);
	fuse_reply_err(req, r < 0 ? -r : 0);
}

void ctl_rename(fuse_req_t req, struct ino *parent, const char *name,
		struct ino *newparent, const char *newname, unsigned flags)
{
	if (parent->kind != INO_V_SNAPS || newparent->kind != INO_V_SNAPS) {
		fuse_reply_err(req, parent->kind == newparent->kind ? EPERM : EXDEV);
		return;
	}
	if (flags & ~RENAME_NOREPLACE) {
		fuse_reply_err(req, EINVAL);
		return;
	}
	int e = snap_change_refused(req, name, newname);
	int lfd = e ? -e : store_lock();
	if (lfd < 0) {
		fuse_reply_err(req, -lfd);
		return;
	}
	struct icc_err err;
	int r = container_made(name, "rename");
	struct icc_snap_info target;
	if (r == 0 && icc_snapdir_get(&fs.sd, newname, &target, &err) == 0 &&
	    target.origin == ICC_SNAP_HOST) {
		iccfs_log("rename refused: snapshot '%s' was made by the host", newname);
		r = -EPERM;
	}
	if (r == 0)
		r = icc_snapdir_rename(&fs.sd, name, newname, &err);
	icc_funlock(lfd);
	fuse_reply_err(req, r < 0 ? -r : 0);
}
