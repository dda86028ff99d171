/* iccfs.h - shared state of the icc-fs daemon: inodes, fd cache, options */
#ifndef ICCFS_H
#define ICCFS_H

#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>

#include <fuse_lowlevel.h>

#include "icc/snap/snapdir.h"

enum ino_kind {
	INO_REAL = 0,   /* a file or directory of the subvolume or a snapshot */
	INO_V_ICC,      /* /.icc */
	INO_V_SAVE,     /* /.icc/save */
	INO_V_INFO,     /* /.icc/info */
	INO_V_SNAPS,    /* /.icc/snapshots */
	INO_V_ROLLBACK, /* /.icc/rollback */
};

struct ino {
	struct ino *hnext;              /* hash chain */
	struct ino *lru_prev, *lru_next; /* fd LRU (only while fd >= 0 && pins == 0) */
	dev_t dev;
	ino_t ino;
	uint64_t nlookup;               /* kernel lookup count */
	int fd;                         /* cached O_PATH fd or -1 */
	int stale_fd;                   /* fd of the tree before a rollback, closed at the last unpin */
	int pins;                       /* users of fd; open files pin it too */
	int wopen;                      /* open files of it that may write (atomic) */
	enum ino_kind kind;
	bool ro;                        /* inside a snapshot: every mutation EROFS */
	bool snaproot;                  /* root of a snapshot (.icc/snapshots/NAME) */
	bool hashed;
	uint32_t xgen;                  /* bumped around every xattr change */
	uint32_t noxattr_at;            /* xgen+1 while known to have no xattrs */
	uint32_t nocap_at;              /* xgen+1 while known to lack security.capability */
	mode_t type;                    /* S_IFMT bits */
	uint64_t st_ino;                /* inode number shown to the kernel */
	int64_t snap_created_ns;        /* snaproot: mtime shown */
	int mount_fd;                   /* for open_by_handle_at */
	struct file_handle *fh;         /* NULL for virtual and root inodes */
	/* kernel passthrough (passthrough.c, under its lock) */
	int32_t pt_id;                  /* backing id while pt_opens > 0 */
	int pt_opens;                   /* opens using the backing file */
	int pt_normal;                  /* opens on the normal path */
	bool pt_used;                   /* has had a backing file: cached pages may be stale */
};

struct iccfs {
	/* options */
	char *subvol;
	char *mountpoint;
	char *snapdir_path;
	char *lock_path;
	char *id, *name, *image;
	char subvol_uuid[40];           /* btrfs UUID of the served subvolume (save_lock: a rollback changes it) */
	bool delete_writers;            /* delete=writers */
	bool save_all;                  /* save=all */
	size_t fdcache_max;
	char *pidfile;
	double entry_timeout, attr_timeout;

	/* state */
	struct fuse_session *se;        /* for notifications (cache invalidation) */
	int root_fd;                    /* O_RDONLY|O_DIRECTORY of the subvolume */
	int mnt_id;                     /* mount id of the subvolume */
	int snap_mnt_id;                /* mount id of the snapshot dir */
	struct icc_snapdir sd;
	struct ino root;
	struct ino v_icc, v_save, v_info, v_snaps, v_rollback;

	pthread_mutex_t lock;           /* hash table, LRU, fd counts, dev table */
	struct ino **htab;
	size_t hsize, hcount;
	struct ino lru;                 /* list head: lru.lru_next = most recent */
	size_t nfds;                    /* cached fds */
	dev_t devs[256];                /* st_dev -> index for st_ino remapping */
	unsigned ndevs;

	int nwrite_open;                /* files open for writing (atomic) */

	pthread_mutex_t save_lock;      /* last_save */
	char last_name[ICC_SNAP_NAME_MAX + 1];
	char last_id[ICC_ID_LEN + 1];

	/* rollback.c: the last rollback, "NAME ID BEFORE\n" (under save_lock) */
	char last_rollback[ICC_SNAP_NAME_MAX * 2 + ICC_ID_LEN + 8];
};

extern struct iccfs fs;

/* inode.c */
int ino_table_init(void);
struct ino *ino_get(fuse_ino_t n);
fuse_ino_t ino_nodeid(struct ino *i);
/*
 * Find or create the inode for (st, handle) and add one lookup reference.
 * `fd` (an O_PATH fd of it, or -1) is kept as its cached fd or closed.
 */
struct ino *ino_insert(const struct stat *st, struct file_handle *fh, int fd,
		       int mount_fd, bool ro, int *err);
void ino_forget(struct ino *i, uint64_t n);
/* Pinned O_PATH fd of an inode (reopened by handle if not cached), -errno. */
int ino_fd(struct ino *i);
void ino_unpin(struct ino *i);
uint64_t ino_map(dev_t dev, ino_t ino);
/* Look `name` up under the (pinned) dir fd of `parent`: O_PATH open,
 * fstat, handle, mount check.  Fills *st and returns the inode (ref +1). */
struct ino *ino_lookup_at(struct ino *parent, int pfd, const char *name,
			  struct stat *st, int *err);
struct ino *ino_from_fd(int fd, int mount_fd, int mnt_expect, bool ro,
			struct stat *st, int *err);
/* What getattr shows of an inode beyond fstat: its number, a snapshot root's time. */
void fill_attr(struct ino *i, struct stat *st);
/* Node ids of the inodes open for writing (malloc'd; NULL and 0 if none or no memory). */
fuse_ino_t *ino_writers(size_t *count);

/* An open file's fi->fh: the daemon's fd, plus a flag for passthrough opens. */
#define ICCFS_FH_PASSTHROUGH ((uint64_t)1 << 40)
#define ICCFS_FH_FD(fi) ((int)((fi)->fh & 0xffffffffu))

/* passthrough.c - kernel FUSE passthrough (custom io on /dev/fuse) */
void pt_disable(void);                  /* -o passthrough=off, before pt_setup */
int pt_setup(struct fuse_session *se);  /* after mount, before the loop */
/* fuse_reply_open / fuse_reply_create with the file's data passed through when
 * the kernel allows; undoes its state if the reply fails */
int pt_reply_open(fuse_req_t req, struct ino *i, struct fuse_file_info *fi);
int pt_reply_create(fuse_req_t req, struct ino *i, const struct fuse_entry_param *e,
		    struct fuse_file_info *fi);
void pt_release(struct ino *i, struct fuse_file_info *fi);
const char *pt_describe(void);
int pt_probe(void);                     /* icc-fs --transport */

/* uring.c - FUSE over io_uring through the custom io of passthrough.c */
void uring_disable(void);                        /* -o uring=off, before pt_setup */
void uring_setup(struct fuse_session *se, int devfd); /* from pt_setup */
/* INIT reply flags to add (FUSE_OVER_IO_URING) given the kernel's offer; the
 * reply's max_write and max_pages size the entries' payload buffers */
uint64_t uring_init_flags(uint64_t kernel_flags, uint32_t max_write, uint32_t max_pages);
void uring_init_sent(void);                      /* INIT reply written: start the ring */
/* A reply (writev iov / a pipe of len bytes) to a request that came from the
 * ring: taken (true, *res as writev would return) or not ours (false) */
bool uring_reply(const struct iovec *iov, int count, ssize_t *res);
bool uring_reply_pipe(int pipefd, size_t len, ssize_t *res);
void uring_stop(void);                           /* after the session loop */
/* Before the mount: fuse's enable_uring set to Y if it is N (under a lock)
 * until the INIT reply is sent or uring_mount_end (no INIT coming) */
void uring_mount_begin(void);
void uring_mount_end(void);
void uring_probe_report(uint64_t kernel_flags);  /* icc-fs --transport's line */
const char *uring_describe(void);

/* ops.c */
extern const struct fuse_lowlevel_ops iccfs_ops;

/* logsync.c - fsync/fdatasync, rename and link on a thread per caller (btrfs
 * batches the tree-log syncs of different tasks with a sleep); 0 or -errno */
int logsync_fsync(pid_t caller, int fd, bool datasync);
int logsync_rename(pid_t caller, int olddir, const char *oldname, int newdir,
		   const char *newname, unsigned flags);
int logsync_link(pid_t caller, int fd, int newdir, const char *newname);

/* ctl.c - the virtual /.icc */
void ctl_init(void);
void ctl_lookup(fuse_req_t req, struct ino *parent, const char *name);
void ctl_getattr(fuse_req_t req, struct ino *i);
void ctl_setattr(fuse_req_t req, struct ino *i, struct stat *attr, int valid);
void ctl_open(fuse_req_t req, struct ino *i, struct fuse_file_info *fi);
void ctl_read(fuse_req_t req, struct ino *i, size_t size, off_t off,
	      struct fuse_file_info *fi);
void ctl_write(fuse_req_t req, struct ino *i, const char *buf, size_t size,
	       struct fuse_file_info *fi);
void ctl_release(fuse_req_t req, struct ino *i, struct fuse_file_info *fi);
void ctl_opendir(fuse_req_t req, struct ino *i, struct fuse_file_info *fi);
void ctl_readdir(fuse_req_t req, struct ino *i, size_t size, off_t off,
		 struct fuse_file_info *fi, bool plus);
void ctl_releasedir(fuse_req_t req, struct ino *i, struct fuse_file_info *fi);
void ctl_mkdir(fuse_req_t req, struct ino *parent, const char *name);
void ctl_rmdir(fuse_req_t req, struct ino *parent, const char *name);
void ctl_rename(fuse_req_t req, struct ino *parent, const char *name,
		struct ino *newparent, const char *newname, unsigned flags);
void ctl_virtual_attr(struct ino *i, struct stat *st);

/* inode.c, for rollback: move an inode to another (st_dev, handle); holds fs.lock;
 * returns an fd of the old tree for the caller to close, or -1 */
int ino_rekey_locked(struct ino *i, dev_t dev, struct file_handle *fh, int mount_fd);
void ino_pin_locked(struct ino *i);

/* ctl.c: saves and rollbacks share one thread (serialised) */
int ctl_take_snapshot(const char *name, const char *message, const char *by,
		      struct icc_snap_info *out);
void ctl_flush_mount(void);
void ctl_queue_rollback(fuse_req_t req, size_t size, char *name, bool keep);

/* rollback.c - /.icc/rollback: the swap under running processes */
int rollback_run(const char *name, bool keep);
/* After rollback_run's reply: the old tree goes (the write does not wait for it). */
void rollback_finish(void);

/* repoint.c - after the swap: inodes, root and the kernel's caches follow the new tree;
 * since: the last transaction at which both trees were the same (0: unknown) */
int repoint_tree(int new_root_fd, uint64_t since, struct icc_err *err);
/* After the reply: closes what repoint_tree left of the old tree. */
void repoint_finish(void);

/* permission helpers */
bool caller_may_write_root(fuse_req_t req);

/* log.c: one line about a refused request, to syslog (stderr with -f/-d) */
void iccfs_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void iccfs_log_to_stderr(bool on);
/* Reply `err` to a request and say why in libfuse's log (shown under -d). */
void iccfs_refuse(fuse_req_t req, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* A save (`echo > /.icc/save`, #save) that failed: one line appended to
 * ICCFS_SAVE_LOG in the container's snapshot directory, read on the host. */
#define ICCFS_SAVE_LOG ".save-errors"
#define ICCFS_SAVE_LOG_MAX (16 * 1024)
void iccfs_save_failed(int err, const char *msg);

#endif
