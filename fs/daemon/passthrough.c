/*
 * passthrough.c - kernel FUSE passthrough through libfuse 3.14's custom-io hooks
 *
 * libfuse 3.14 knows neither FUSE_PASSTHROUGH (3.17) nor the fields it needs, but it
 * lets the daemon wrap the read and writev of /dev/fuse (fuse_session_custom_io).
 * Through them this module
 *  - sees the kernel's INIT request (does it offer FUSE_PASSTHROUGH?) and adds
 *    FUSE_PASSTHROUGH and max_stack_depth to libfuse's INIT reply;
 *  - after an open or create of a regular file, registers the daemon's own fd of it
 *    with FUSE_DEV_IOC_BACKING_OPEN and puts FOPEN_PASSTHROUGH + the backing id in
 *    the reply: the kernel then reads, writes and maps that file directly;
 *  - closes the backing id (FUSE_DEV_IOC_BACKING_CLOSE) when its last open ends.
 * When the kernel refuses (old kernel, no CONFIG_FUSE_PASSTHROUGH, no CAP_SYS_ADMIN),
 * opens take the normal path.  The protocol constants are the kernel's (uapi
 * linux/fuse.h of 6.9+; this system's header is older), named as there.
 */
#include <errno.h>
#include <linux/fuse.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/uio.h>
#include <unistd.h>

#include "iccfs.h"

#ifndef FUSE_PASSTHROUGH
#define FUSE_PASSTHROUGH (1ULL << 37)
#endif
#ifndef FOPEN_PASSTHROUGH
#define FOPEN_PASSTHROUGH (1 << 7)
#endif
#ifndef FUSE_DEV_IOC_BACKING_OPEN
struct fuse_backing_map {
	int32_t fd;
	uint32_t flags;
	uint64_t padding;
};
#define FUSE_DEV_IOC_BACKING_OPEN _IOW(FUSE_DEV_IOC_MAGIC, 1, struct fuse_backing_map)
#define FUSE_DEV_IOC_BACKING_CLOSE _IOW(FUSE_DEV_IOC_MAGIC, 2, uint32_t)
#endif
/* the kernel's FUSE_DEFAULT_MAX_PAGES_PER_REQ, when INIT does not set max_pages */
#define FUSE_DEFAULT_MAX_PAGES 32
#ifndef FILESYSTEM_MAX_STACK_DEPTH
#define FILESYSTEM_MAX_STACK_DEPTH 2
#endif

/* The 6.9+ layouts of the two replies we patch (same sizes as the old ones). */
struct pt_init_out {
	uint32_t major, minor, max_readahead, flags;
	uint16_t max_background, congestion_threshold;
	uint32_t max_write, time_gran;
	uint16_t max_pages, map_alignment;
	uint32_t flags2;
	uint32_t max_stack_depth;       /* was unused[0] */
	uint32_t unused[6];
};
struct pt_open_out {
	uint64_t fh;
	uint32_t open_flags;
	int32_t backing_id;             /* was padding */
};
_Static_assert(sizeof(struct pt_init_out) == sizeof(struct fuse_init_out), "fuse_init_out");
_Static_assert(sizeof(struct pt_open_out) == sizeof(struct fuse_open_out), "fuse_open_out");

enum pt_state { PT_OFF, PT_OFFERED, PT_ON };

static struct {
	bool wanted;                    /* not turned off (-o passthrough=off, ICC_FS_PASSTHROUGH=0) */
	int state;                      /* enum pt_state (atomic) */
	int devfd;                      /* /dev/fuse of the session */
	uint64_t init_unique;           /* the INIT request, to find its reply */
	int init_seen;
	uint64_t kernel_flags;          /* what the kernel offered in INIT */
	pthread_mutex_t lock;           /* the per-inode backing state */
	const char *why_off;            /* for icc-fs -d */
} pt = { .wanted = true, .lock = PTHREAD_MUTEX_INITIALIZER };

/* set by pt_reply_* for the one reply this thread is sending (writev is synchronous) */
static __thread int32_t reply_backing_id;

static void patch_init(struct iovec *iov, int count)
{
	if (count < 2 || iov[1].iov_len < sizeof(struct pt_init_out))
		return;
	struct pt_init_out *o = iov[1].iov_base;
	uint64_t flags = o->flags | ((uint64_t)o->flags2 << 32);
	flags |= uring_init_flags(pt.kernel_flags, o->max_write,
				  (flags & FUSE_MAX_PAGES) ? o->max_pages : FUSE_DEFAULT_MAX_PAGES);
	o->flags = (uint32_t)flags;
	o->flags2 = (uint32_t)(flags >> 32);
	if (!pt.wanted) {
		/* why_off says so */
	} else if (!(pt.kernel_flags & FUSE_INIT_EXT) || !(pt.kernel_flags & FUSE_PASSTHROUGH)) {
		pt.why_off = "passthrough off: the kernel does not offer it";
	} else if (flags & FUSE_WRITEBACK_CACHE) {
		pt.why_off = "passthrough off: write-back cache is on";
	} else {
		flags |= FUSE_INIT_EXT | FUSE_PASSTHROUGH;
		o->flags = (uint32_t)flags;
		o->flags2 = (uint32_t)(flags >> 32);
		/* icc-fs serves btrfs directly: one level of stacking */
		o->max_stack_depth = 1;
		__atomic_store_n(&pt.state, PT_OFFERED, __ATOMIC_RELEASE);
	}
	/* icc-fs -d: the transport as negotiated */
	fuse_log(FUSE_LOG_INFO,
		 "icc-fs: transport: protocol 7.%u, %s, max_write %u, splice read+write, "
		 "clone_fd workers, %s\n",
		 o->minor, pt_describe(), o->max_write, uring_describe());
}

static void patch_open(struct iovec *iov, int count)
{
	if (count < 2)
		return;
	const struct fuse_out_header *h = iov[0].iov_base;
	if (h->error != 0)
		return;
	size_t off;
	if (iov[1].iov_len == sizeof(struct pt_open_out))
		off = 0;                                        /* OPEN */
	else if (iov[1].iov_len == sizeof(struct fuse_entry_out) + sizeof(struct pt_open_out))
		off = sizeof(struct fuse_entry_out);            /* CREATE */
	else
		return;
	struct pt_open_out *o = (struct pt_open_out *)((char *)iov[1].iov_base + off);
	o->open_flags |= FOPEN_PASSTHROUGH;
	o->backing_id = reply_backing_id;
}

/* libfuse's replies: patched, then to the io_uring entry of their request or to /dev/fuse */
static ssize_t pt_writev(int fd, struct iovec *iov, int count, void *userdata)
{
	(void)userdata;
	bool init_reply = false;
	if (reply_backing_id) {
		patch_open(iov, count);
	} else {
		uint64_t init = __atomic_load_n(&pt.init_unique, __ATOMIC_ACQUIRE);
		const struct fuse_out_header *h = iov[0].iov_base;
		if (init && h->unique == init) {
			patch_init(iov, count);
			__atomic_store_n(&pt.init_unique, 0, __ATOMIC_RELEASE);
			init_reply = true;
		}
	}
	ssize_t n;
	if (!init_reply && uring_reply(iov, count, &n))
		return n;
	n = writev(fd, iov, count);
	if (init_reply && n >= 0)
		uring_init_sent(); /* the kernel is initialized: the ring can register */
	return n;
}

static ssize_t pt_read(int fd, void *buf, size_t len, void *userdata)
{
	(void)userdata;
	ssize_t n = read(fd, buf, len);
	if (n >= (ssize_t)(sizeof(struct fuse_in_header) + offsetof(struct fuse_init_in, unused)) &&
	    !__atomic_load_n(&pt.init_seen, __ATOMIC_ACQUIRE)) {
		const struct fuse_in_header *h = buf;
		if (h->opcode == FUSE_INIT) {
			const struct fuse_init_in *in = (const void *)(h + 1);
			pt.kernel_flags = in->flags;
			if (in->flags & FUSE_INIT_EXT)
				pt.kernel_flags |= (uint64_t)in->flags2 << 32;
			__atomic_store_n(&pt.init_unique, h->unique, __ATOMIC_RELEASE);
			__atomic_store_n(&pt.init_seen, 1, __ATOMIC_RELEASE);
		}
	}
	return n;
}

/* the same splice libfuse would do itself (it needs the hooks once io is custom) */
static ssize_t pt_splice_receive(int fdin, off_t *offin, int fdout, off_t *offout, size_t len,
				 unsigned int flags, void *userdata)
{
	(void)userdata;
	return splice(fdin, offin, fdout, offout, len, flags);
}

static ssize_t pt_splice_send(int fdin, off_t *offin, int fdout, off_t *offout, size_t len,
			      unsigned int flags, void *userdata)
{
	(void)userdata;
	ssize_t n;
	if (uring_reply_pipe(fdin, len, &n))
		return n; /* a reply to a request from the ring: read from the pipe */
	return splice(fdin, offin, fdout, offout, len, flags);
}

void pt_disable(void)
{
	pt.wanted = false;
}

int pt_setup(struct fuse_session *se)
{
	const char *env = getenv("ICC_FS_PASSTHROUGH");
	if (env && (!strcmp(env, "0") || !strcmp(env, "off")))
		pt.wanted = false;
	if (!pt.wanted)
		pt.why_off = "passthrough off (turned off)";
	/* installed either way: the hooks also report the transport (icc-fs -d) */
	static const struct fuse_custom_io io = {
		.writev = pt_writev,
		.read = pt_read,
		.splice_receive = pt_splice_receive,
		.splice_send = pt_splice_send,
	};
	pt.devfd = fuse_session_fd(se);
	uring_setup(se, pt.devfd);
	int r = fuse_session_custom_io(se, &io, pt.devfd);
	if (r < 0 && pt.wanted)
		pt.why_off = "passthrough off: libfuse refused custom io";
	return r;
}

/*
 * Register fd (the daemon's own open file, reached from its parent's fd with
 * O_NOFOLLOW or by handle) as the backing file.  The kernel keeps it by its
 * struct path: a name swapped afterwards changes nothing.  Set-ID bits stay
 * right without help: before a passthrough write the kernel removes them on
 * the FUSE file with the caller's credentials (a SETATTR to us), as on the
 * normal path.
 */
static int backing_open(int fd)
{
	struct fuse_backing_map map = {.fd = fd};
	int id = ioctl(pt.devfd, FUSE_DEV_IOC_BACKING_OPEN, &map);
	return id < 0 ? -errno : id;
}

/*
 * Which first opens take passthrough: writers (no WRITE round trips, no double
 * page cache), and readers of big files (cold sequential reads at the backing
 * file's speed, not FUSE's 128 KiB requests).  Small read-only files stay on
 * the cached path: every passthrough read drops the inode's cached atime, so
 * the fstat that follows (ld.so, exec, apt) costs a GETATTR, while the FUSE
 * page cache (keep_cache) serves warm re-reads with no request at all.
 */
#define PT_READ_MIN ((off_t)32 << 20)

static bool want_passthrough(int fd, int flags)
{
	if ((flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC))
		return true;
	struct stat st;
	return fstat(fd, &st) == 0 && st.st_size >= PT_READ_MIN;
}

/*
 * Decide one open: passthrough (returns the backing id) or normal (0).  The
 * kernel allows one mode per inode at a time and one backing file for all its
 * passthrough opens, so the first open decides and later ones follow it.
 * *stale: the inode has had a backing file since its last cached open, so
 * pages the kernel cached for it before may be out of date.
 */
static int32_t open_decide(struct ino *i, int fd, int flags, bool *stale)
{
	*stale = false;
	if (__atomic_load_n(&pt.state, __ATOMIC_ACQUIRE) == PT_OFF || i->type != S_IFREG)
		return 0;
	int32_t id = 0;
	pthread_mutex_lock(&pt.lock);
	if (i->pt_normal > 0) {
		i->pt_normal++;
	} else if (i->pt_opens > 0) {
		i->pt_opens++;
		id = i->pt_id;
	} else if (!want_passthrough(fd, flags)) {
		i->pt_normal++;
	} else {
		int r = backing_open(fd);
		if (r > 0) {
			i->pt_id = id = r;
			i->pt_opens = 1;
			i->pt_used = true;
			__atomic_store_n(&pt.state, PT_ON, __ATOMIC_RELEASE);
		} else {
			i->pt_normal++;
			if (r == -EPERM || r == -ENOTTY || r == -EOPNOTSUPP) {
				/* the kernel did not take the INIT flag: normal path from now on */
				__atomic_store_n(&pt.state, PT_OFF, __ATOMIC_RELEASE);
				pt.why_off = "passthrough off: the kernel refused FUSE_DEV_IOC_BACKING_OPEN";
				iccfs_log("passthrough off: the kernel refused a backing file (%s)",
					  strerror(-r));
			}
		}
	}
	if (!id && i->pt_used) {
		/* this open drops the pages; later cached opens may keep theirs */
		*stale = true;
		i->pt_used = false;
	}
	pthread_mutex_unlock(&pt.lock);
	return id;
}

static void mark(struct fuse_file_info *fi, int32_t id, bool stale)
{
	if (id) {
		fi->fh |= ICCFS_FH_PASSTHROUGH;
		/* the kernel refuses passthrough with any flag outside
		 * FOPEN_PASSTHROUGH_MASK, which allows only direct_io,
		 * parallel direct writes and noflush */
		fi->keep_cache = 0;
		fi->cache_readdir = 0;
		fi->nonseekable = 0;
	}
	if (stale)
		fi->keep_cache = 0; /* the kernel drops the inode's cached pages at this open */
}

int pt_reply_open(fuse_req_t req, struct ino *i, struct fuse_file_info *fi)
{
	bool stale;
	int32_t id = open_decide(i, ICCFS_FH_FD(fi), fi->flags, &stale);
	mark(fi, id, stale);
	reply_backing_id = id;
	int r = fuse_reply_open(req, fi);
	reply_backing_id = 0;
	if (r != 0)
		pt_release(i, fi);
	return r;
}

int pt_reply_create(fuse_req_t req, struct ino *i, const struct fuse_entry_param *e,
		    struct fuse_file_info *fi)
{
	bool stale;
	int32_t id = open_decide(i, ICCFS_FH_FD(fi), fi->flags, &stale);
	mark(fi, id, stale);
	reply_backing_id = id;
	int r = fuse_reply_create(req, e, fi);
	reply_backing_id = 0;
	if (r != 0)
		pt_release(i, fi);
	return r;
}

void pt_release(struct ino *i, struct fuse_file_info *fi)
{
	if (i->type != S_IFREG)
		return;
	pthread_mutex_lock(&pt.lock);
	if (fi->fh & ICCFS_FH_PASSTHROUGH) {
		if (--i->pt_opens == 0) {
			uint32_t id = (uint32_t)i->pt_id;
			ioctl(pt.devfd, FUSE_DEV_IOC_BACKING_CLOSE, &id);
			i->pt_id = 0;
		}
	} else if (i->pt_normal > 0) {
		i->pt_normal--;
	}
	pthread_mutex_unlock(&pt.lock);
}

const char *pt_describe(void)
{
	switch (__atomic_load_n(&pt.state, __ATOMIC_ACQUIRE)) {
	case PT_ON:
		return "passthrough on";
	case PT_OFFERED:
		return "passthrough negotiated (max_stack_depth 1)";
	default:
		return pt.why_off ? pt.why_off : "passthrough off";
	}
}

/*
 * icc-fs --transport: what this kernel offers and what icc-fs would use,
 * from a real INIT request: a bare FUSE mount of an empty temporary
 * directory, read once, then detached (nothing is served).  For `icc system
 * info`.  Returns 0, or 1 with the reason on stderr.
 */
int pt_probe(void)
{
	char dir[] = "/tmp/icc-fs-probe.XXXXXX";
	if (!mkdtemp(dir)) {
		fprintf(stderr, "icc-fs: transport probe: %s\n", strerror(errno));
		return 1;
	}
	int rc = 1;
	int fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "icc-fs: transport probe: /dev/fuse: %s\n", strerror(errno));
		goto out;
	}
	char opts[128];
	snprintf(opts, sizeof(opts), "fd=%d,rootmode=40000,user_id=0,group_id=0", fd);
	uring_mount_begin(); /* as icc-fs's own mounts do */
	int mounted = mount("icc-fs-probe", dir, "fuse.icc-fs-probe",
			    MS_NOSUID | MS_NODEV | MS_RDONLY, opts);
	uring_mount_end(); /* the request is built: its flags are the offer */
	if (mounted < 0) {
		fprintf(stderr, "icc-fs: transport probe: mount: %s\n", strerror(errno));
		close(fd);
		goto out;
	}
	static char buf[1 << 17]; /* the kernel wants room for a whole request */
	ssize_t n = read(fd, buf, sizeof(buf));
	umount2(dir, MNT_DETACH);
	close(fd);
	const struct fuse_in_header *h = (const void *)buf;
	if (n < (ssize_t)(sizeof(*h) + offsetof(struct fuse_init_in, unused)) ||
	    h->opcode != FUSE_INIT) {
		fprintf(stderr, "icc-fs: transport probe: no INIT request from the kernel\n");
		goto out;
	}
	const struct fuse_init_in *in = (const void *)(h + 1);
	uint64_t flags = in->flags;
	if (flags & FUSE_INIT_EXT)
		flags |= (uint64_t)in->flags2 << 32;
	const char *env = getenv("ICC_FS_PASSTHROUGH");
	bool off = env && (!strcmp(env, "0") || !strcmp(env, "off"));
	printf("protocol: 7.%u (kernel), libfuse %d.%d\n", in->minor, FUSE_MAJOR_VERSION,
	       FUSE_MINOR_VERSION);
	if (!(flags & FUSE_PASSTHROUGH))
		printf("passthrough: off (the kernel does not offer it)\n");
	else if (off)
		printf("passthrough: off (ICC_FS_PASSTHROUGH=%s)\n", env);
	else
		printf("passthrough: on (writes, and reads of files of 32 MiB or more)\n");
	uring_probe_report(flags);
	printf("splice: read and write\n");
	rc = 0;
out:
	rmdir(dir);
	return rc;
}
