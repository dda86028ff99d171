/*
 * uring.c - FUSE over io_uring (kernel 6.14+) under libfuse 3.14
 *
 * With FUSE_OVER_IO_URING the kernel hands requests to the server through
 * IORING_OP_URING_CMD commands on /dev/fuse instead of read(2), and takes the
 * reply with the command that fetches the next request (COMMIT_AND_FETCH):
 * one system call per request instead of a read and a writev.  libfuse 3.14
 * knows nothing of it, so this module runs the ring itself and gives libfuse
 * each request as if read from /dev/fuse (fuse_session_process_buf); libfuse's
 * reply reaches us through the custom-io writev hook (passthrough.c), which
 * hands it back here by its unique.
 *
 * The kernel has one queue per possible CPU and routes a request to the queue
 * of the CPU its caller runs on; it uses the ring only once every queue has an
 * entry registered.  Here every queue gets URING_THREADS threads, each with its
 * own small io_uring and exactly one entry: a thread waits for a request,
 * serves it and commits the reply.  A handler that blocks (fsync, a save that
 * replies later from the saver thread) holds only its own thread's entry; the
 * kernel gives the next request to another free entry of the queue.
 *
 * What stays on /dev/fuse: INIT (its reply asks for the ring), FORGET and
 * INTERRUPT (the kernel sends those by read(2) always), notifications and
 * the passthrough backing-file ioctls.  libfuse's own worker threads keep
 * reading /dev/fuse for them.
 *
 * The kernel offers the ring only with the fuse module parameter
 * enable_uring=Y (docs/iccfs.md says who sets it); otherwise, or when a
 * registration fails, requests keep coming by read(2) as before.  The protocol
 * structures are the kernel's (uapi linux/fuse.h 7.42; this system's header is
 * older), named as there.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fuse.h>
#include <linux/io_uring.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "iccfs.h"

#ifndef FUSE_OVER_IO_URING
#define FUSE_OVER_IO_URING (1ULL << 41)
#endif

#define URING_IN_OUT_HEADER_SZ 128
#define URING_OP_IN_OUT_SZ 128

struct uring_ent_in_out {
	uint64_t flags;
	uint64_t commit_id;     /* the request's unique, to name it in the commit */
	uint32_t payload_sz;    /* bytes of the payload buffer in use */
	uint32_t padding;
	uint64_t reserved;
};

/* iov[0] of an entry: the headers the kernel reads and writes */
struct uring_req_header {
	char in_out[URING_IN_OUT_HEADER_SZ];    /* fuse_in_header, then fuse_out_header */
	char op_in[URING_OP_IN_OUT_SZ];         /* the request's first argument */
	struct uring_ent_in_out ent_in_out;
};

enum { URING_CMD_REGISTER = 1, URING_CMD_COMMIT_AND_FETCH = 2 };

/* in the SQE's 80-byte command area (SQE128) */
struct uring_cmd_req {
	uint64_t flags;
	uint64_t commit_id;
	uint16_t qid;
	uint8_t padding[6];
};

/* Threads (each one entry) per CPU queue: how many requests of one CPU's
 * callers can be in the daemon at once. */
#define URING_THREADS 8

/* Room before the payload for the fuse_in_header and the first argument, so a
 * request is one contiguous buffer for libfuse without copying the payload. */
#define URING_GAP 256

/* One thread: its io_uring (one SQE, shared rings mapped) and its entry. */
struct uring_worker {
	int qid;
	int ring_fd;
	pthread_t thread;
	bool started;
	bool pinned;                    /* runs on its queue's CPU */
	/* the mapped io_uring */
	void *sq_map, *cq_map;
	size_t sq_map_len, cq_map_len;
	struct io_uring_sqe *sqes;
	unsigned *sq_tail, *sq_mask, *sq_array;
	unsigned *cq_head, *cq_tail, *cq_mask;
	struct io_uring_cqe *cqes;
	/* the entry */
	struct uring_req_header *hdr;
	char *area;                     /* URING_GAP + payload */
	size_t payload_len;
	struct iovec iov[2];
	/* the request being served: 0 when none, else its unique until committed */
	_Atomic uint64_t unique;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool replied;                   /* the reply is in the entry's buffers */
};

static struct {
	bool wanted;                    /* not turned off (-o uring=off, ICC_FS_URING=0) */
	bool offered;                   /* the kernel's INIT offered FUSE_OVER_IO_URING */
	_Atomic int state;              /* enum uring_state */
	struct fuse_session *se;
	int devfd;
	size_t payload_len;
	int nworkers, nqueues;
	struct uring_worker *workers;
	_Atomic int registered;         /* entries the kernel accepted */
	_Atomic int *queue_registered;  /* the same per queue */
	_Atomic bool stopping;
	int param_fd;                   /* enable_uring, locked, while we hold it at Y */
	const char *why_off;
	char why_buf[160];
} ur = { .wanted = true, .param_fd = -1 };

enum uring_state { UR_OFF, UR_ASKED, UR_ON };

/* the worker whose request this thread is serving (replies inline land here) */
static __thread struct uring_worker *serving;

static int sys_io_uring_setup(unsigned entries, struct io_uring_params *p)
{
	return (int)syscall(__NR_io_uring_setup, entries, p);
}

/* SIGUSR1 (uring_stop's wake-up) is blocked in the threads except while they
 * wait in io_uring_enter: a stop is never lost between its check and the wait */
static sigset_t wait_mask;

static int sys_io_uring_enter(int fd, unsigned submit, unsigned wait, unsigned flags)
{
	return (int)syscall(__NR_io_uring_enter, fd, submit, wait, flags, &wait_mask,
			    (size_t)(_NSIG / 8));
}

static void off(const char *detail)
{
	snprintf(ur.why_buf, sizeof(ur.why_buf), "io_uring off: %s", detail);
	ur.why_off = ur.why_buf;
	atomic_store(&ur.state, UR_OFF);
}

static int ring_map(struct uring_worker *w, const struct io_uring_params *pp);

/* One io_uring with 128-byte SQEs for the calling thread; 0 or -errno. */
static int ring_open(struct uring_worker *w)
{
	struct io_uring_params p;
	memset(&p, 0, sizeof(p));
	/* only this thread submits; completions are handled when it waits */
	p.flags = IORING_SETUP_SQE128 | IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
	int fd = sys_io_uring_setup(1, &p);
	if (fd < 0 && errno == EINVAL) {
		memset(&p, 0, sizeof(p));
		p.flags = IORING_SETUP_SQE128;
		fd = sys_io_uring_setup(1, &p);
	}
	if (fd < 0)
		return -errno;
	w->ring_fd = fd;
	int r = ring_map(w, &p);
	if (r < 0) {
		close(fd);
		w->ring_fd = -1;
	}
	return r;
}

/* Map the rings of w->ring_fd, made with params *p; 0 or -errno. */
static int ring_map(struct uring_worker *w, const struct io_uring_params *pp)
{
	const struct io_uring_params p = *pp;
	int fd = w->ring_fd;
	w->sq_map_len = p.sq_off.array + p.sq_entries * sizeof(unsigned);
	w->cq_map_len = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	if (p.features & IORING_FEAT_SINGLE_MMAP) {
		if (w->cq_map_len > w->sq_map_len)
			w->sq_map_len = w->cq_map_len;
		w->cq_map_len = 0;
	}
	w->sq_map = mmap(NULL, w->sq_map_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
			 fd, IORING_OFF_SQ_RING);
	if (w->sq_map == MAP_FAILED)
		return -errno;
	w->cq_map = w->sq_map;
	if (w->cq_map_len) {
		w->cq_map = mmap(NULL, w->cq_map_len, PROT_READ | PROT_WRITE,
				 MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_CQ_RING);
		if (w->cq_map == MAP_FAILED)
			return -errno;
	}
	w->sqes = mmap(NULL, p.sq_entries * 2 * sizeof(struct io_uring_sqe),
		       PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQES);
	if (w->sqes == MAP_FAILED)
		return -errno;
	char *sq = w->sq_map, *cq = w->cq_map;
	w->sq_tail = (unsigned *)(sq + p.sq_off.tail);
	w->sq_mask = (unsigned *)(sq + p.sq_off.ring_mask);
	w->sq_array = (unsigned *)(sq + p.sq_off.array);
	w->cq_head = (unsigned *)(cq + p.cq_off.head);
	w->cq_tail = (unsigned *)(cq + p.cq_off.tail);
	w->cq_mask = (unsigned *)(cq + p.cq_off.ring_mask);
	w->cqes = (struct io_uring_cqe *)(cq + p.cq_off.cqes);
	return 0;
}

/* Fill the SQE: a FUSE command on /dev/fuse for this thread's entry. */
static void ring_prep(struct uring_worker *w, uint32_t op, uint64_t commit_id)
{
	struct io_uring_sqe *sqe = w->sqes; /* 128 bytes: one slot of two */
	memset(sqe, 0, 2 * sizeof(*sqe));
	sqe->opcode = IORING_OP_URING_CMD;
	sqe->fd = ur.devfd;
	sqe->cmd_op = op;
	sqe->addr = (uint64_t)(uintptr_t)w->iov;
	sqe->len = 2;
	struct uring_cmd_req *req = (struct uring_cmd_req *)sqe->cmd;
	req->commit_id = commit_id;
	req->qid = (uint16_t)w->qid;
	unsigned tail = *w->sq_tail;
	w->sq_array[tail & *w->sq_mask] = 0;
	__atomic_store_n(w->sq_tail, tail + 1, __ATOMIC_RELEASE);
}

/* The first completion, if one is there: true and its result in *res. */
static bool ring_reap(struct uring_worker *w, int *res)
{
	unsigned head = *w->cq_head;
	if (head == __atomic_load_n(w->cq_tail, __ATOMIC_ACQUIRE))
		return false;
	*res = w->cqes[head & *w->cq_mask].res;
	__atomic_store_n(w->cq_head, head + 1, __ATOMIC_RELEASE);
	return true;
}

/*
 * Register the entry: submitted without waiting, so that a refusal (an
 * immediate completion) is told apart from an entry waiting for its first
 * request.  0 or -errno.
 */
static int ring_register(struct uring_worker *w)
{
	ring_prep(w, URING_CMD_REGISTER, 0);
	if (sys_io_uring_enter(w->ring_fd, 1, 0, 0) < 0)
		return -errno;
	int res;
	if (ring_reap(w, &res))
		return res < 0 ? res : -EPROTO;
	atomic_fetch_add(&ur.queue_registered[w->qid], 1);
	if (atomic_fetch_add(&ur.registered, 1) + 1 == ur.nworkers)
		fuse_log(FUSE_LOG_INFO, "icc-fs: io_uring: %d queues registered, %d entries\n",
			 ur.nqueues, ur.nworkers);
	return 0;
}

/*
 * Submit op (0: none, only wait) for this thread's entry and wait for the
 * completion, which the kernel posts when it has a request for the entry.
 * Returns its result: 0 (a request is in the buffers) or -errno; -EINTR when
 * uring_stop woke the thread.
 */
static int ring_cmd(struct uring_worker *w, uint32_t op, uint64_t commit_id)
{
	unsigned submit = 0;
	if (op) {
		ring_prep(w, op, commit_id);
		submit = 1;
	}
	for (;;) {
		int res;
		if (ring_reap(w, &res))
			return res;
		if (atomic_load(&ur.stopping))
			return -EINTR;
		if (sys_io_uring_enter(w->ring_fd, submit, 1, IORING_ENTER_GETEVENTS) < 0) {
			if (errno != EINTR)
				return -errno;
			if (atomic_load(&ur.stopping))
				return -EINTR;
			continue;
		}
		submit = 0;
	}
}

/* Give the request in w's buffers to libfuse, and wait for its reply. */
static void serve(struct uring_worker *w)
{
	const struct fuse_in_header *in = (const void *)w->hdr->in_out;
	uint32_t payload = w->hdr->ent_in_out.payload_sz;
	atomic_store(&w->unique, in->unique);
	/* the first argument's size: the request's length less header and payload */
	size_t arg0 = in->len >= sizeof(*in) + payload ? in->len - sizeof(*in) - payload : SIZE_MAX;
	if (arg0 > URING_OP_IN_OUT_SZ || payload > w->payload_len) {
		iccfs_log("io_uring: a malformed request (opcode %u, length %u)", in->opcode, in->len);
		struct fuse_out_header *oh = (void *)w->hdr->in_out;
		uint64_t unique = in->unique;
		oh->len = sizeof(*oh);
		oh->error = -EIO;
		oh->unique = unique;
		w->hdr->ent_in_out.payload_sz = 0;
		return;
	}
	char *start = w->area + URING_GAP - arg0 - sizeof(*in);
	memcpy(start, in, sizeof(*in));
	memcpy(start + sizeof(*in), w->hdr->op_in, arg0);
	struct fuse_buf buf = {.mem = start, .size = in->len};
	static atomic_bool first_request = true;
	if (atomic_exchange(&first_request, false))
		fuse_log(FUSE_LOG_INFO, "icc-fs: io_uring: the first request from the ring (%u)\n",
			 in->opcode);
	pthread_mutex_lock(&w->lock);
	w->replied = false;
	pthread_mutex_unlock(&w->lock);
	serving = w;
	fuse_session_process_buf(ur.se, &buf);
	serving = NULL;
	/* a reply from another thread (the saver's) comes later */
	pthread_mutex_lock(&w->lock);
	while (!w->replied && !atomic_load(&ur.stopping))
		pthread_cond_wait(&w->cond, &w->lock);
	pthread_mutex_unlock(&w->lock);
}

/*
 * A thread could not register its entry.  While its queue has none the kernel
 * holds every request for the ring, so unless another thread of the queue is
 * registered, turn the ring off for the connection: a registration the FUSE
 * code itself refuses (a queue id out of range) makes the kernel go back to
 * /dev/fuse.
 */
static void worker_failed(struct uring_worker *w, int err)
{
	iccfs_log("io_uring: queue %d: cannot register: %s", w->qid, strerror(-err));
	if (atomic_load(&ur.queue_registered[w->qid]) > 0)
		return;
	off(strerror(-err));
	if (w->ring_fd < 0) {
		struct io_uring_params p;
		memset(&p, 0, sizeof(p));
		p.flags = IORING_SETUP_SQE128;
		w->ring_fd = sys_io_uring_setup(1, &p);
		if (w->ring_fd < 0 || ring_map(w, &p) < 0) {
			iccfs_log("io_uring: cannot turn the ring off: %s: requests wait for it",
				  strerror(errno));
			return;
		}
	}
	w->qid = 0xffff;
	ring_prep(w, URING_CMD_REGISTER, 0);
	sys_io_uring_enter(w->ring_fd, 1, 0, 0);
}

static void *worker_main(void *arg)
{
	struct uring_worker *w = arg;
	if (w->pinned) {
		/* serve the queue's callers on their CPU: no cross-CPU wake-up */
		cpu_set_t cpus;
		CPU_ZERO(&cpus);
		CPU_SET(w->qid, &cpus);
		sched_setaffinity(0, sizeof(cpus), &cpus);
	}
	int r = ring_open(w); /* here: the ring takes submissions from this thread only */
	if (r == 0)
		r = ring_register(w);
	if (r < 0) {
		worker_failed(w, r);
		return NULL;
	}
	r = ring_cmd(w, 0, 0);
	while (r == 0) {
		serve(w);
		if (atomic_load(&ur.stopping))
			break;
		uint64_t unique = atomic_exchange(&w->unique, 0);
		r = ring_cmd(w, URING_CMD_COMMIT_AND_FETCH, unique);
	}
	/* ENOTCONN/ECONNABORTED: the file system is unmounted; EINTR: uring_stop */
	if (r != -ENOTCONN && r != -ECONNABORTED && r != -EINTR && !atomic_load(&ur.stopping))
		iccfs_log("io_uring: queue %d: %s", w->qid, strerror(-r));
	return NULL;
}

static void no_op(int sig)
{
	(void)sig;
}

/* The entry's buffers for worker w of queue qid; 0 or -errno. */
static int worker_buffers(struct uring_worker *w, int qid)
{
	w->qid = qid;
	w->ring_fd = -1;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->cond, NULL);
	w->payload_len = ur.payload_len;
	w->hdr = calloc(1, sizeof(*w->hdr));
	w->area = malloc(URING_GAP + w->payload_len);
	if (!w->hdr || !w->area)
		return -ENOMEM;
	w->iov[0] = (struct iovec){w->hdr, sizeof(*w->hdr)};
	w->iov[1] = (struct iovec){w->area + URING_GAP, w->payload_len};
	return 0;
}

/* The kernel's queue count: CPU ids 0..N-1 that may ever come online
 * (/sys/devices/system/cpu/possible, e.g. "0-1"), not only those online now. */
static int possible_cpus(void)
{
	int last = -1;
	FILE *f = fopen("/sys/devices/system/cpu/possible", "re");
	if (f) {
		char line[256];
		if (fgets(line, sizeof(line), f)) {
			char *p = strrchr(line, '-'), *q = strrchr(line, ',');
			const char *tail = p && (!q || p > q) ? p + 1 : q ? q + 1 : line;
			last = atoi(tail);
		}
		fclose(f);
	}
	if (last < 0) {
		long n = sysconf(_SC_NPROCESSORS_CONF);
		last = n > 0 ? (int)n - 1 : 0;
	}
	return last + 1;
}

/*
 * After the INIT reply that asked for the ring (the kernel is initialized
 * then): the threads, each registering its entry.  The kernel holds new
 * requests until every queue has one, or a registration failed.
 */
static void uring_start(void)
{
	int queues = possible_cpus();
	cpu_set_t ours;
	if (sched_getaffinity(0, sizeof(ours), &ours) < 0)
		CPU_ZERO(&ours);
	/* a queue of a CPU we cannot run on (offline, another cpuset) still
	 * needs its entry for the ring to be ready: one thread, not pinned */
	int n = 0;
	for (int q = 0; q < queues; q++)
		n += CPU_ISSET(q, &ours) ? URING_THREADS : 1;
	ur.workers = calloc((size_t)n, sizeof(*ur.workers));
	ur.queue_registered = calloc((size_t)queues, sizeof(*ur.queue_registered));
	if (!ur.workers || !ur.queue_registered) {
		off(strerror(ENOMEM));
		return;
	}
	ur.nqueues = queues;
	ur.nworkers = n;
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = no_op; /* no SA_RESTART: wakes io_uring_enter for uring_stop */
	sigaction(SIGUSR1, &sa, NULL);
	sigset_t all, old;
	sigfillset(&all);
	sigfillset(&wait_mask);
	sigdelset(&wait_mask, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (int q = 0, k = 0; q < queues; q++) {
		int threads = CPU_ISSET(q, &ours) ? URING_THREADS : 1;
		for (int t = 0; t < threads; t++, k++) {
			struct uring_worker *w = &ur.workers[k];
			w->pinned = threads > 1;
			int r = worker_buffers(w, q);
			if (r == 0)
				r = -pthread_create(&w->thread, NULL, worker_main, w);
			if (r < 0) {
				worker_failed(w, r);
				continue;
			}
			w->started = true;
		}
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (atomic_load(&ur.state) == UR_ASKED)
		atomic_store(&ur.state, UR_ON);
}

/* The worker serving the request `unique`, or NULL. */
static struct uring_worker *worker_of(uint64_t unique)
{
	if (serving && atomic_load(&serving->unique) == unique)
		return serving;
	if (!ur.workers || unique == 0)
		return NULL;
	for (int k = 0; k < ur.nworkers; k++)
		if (atomic_load(&ur.workers[k].unique) == unique)
			return &ur.workers[k];
	return NULL;
}

static void reply_done(struct uring_worker *w, size_t payload)
{
	w->hdr->ent_in_out.payload_sz = (uint32_t)payload;
	pthread_mutex_lock(&w->lock);
	w->replied = true;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
}

/* A reply that cannot go where it should: the request fails with EIO instead. */
static void reply_eio(struct uring_worker *w, uint64_t unique)
{
	struct fuse_out_header *oh = (void *)w->hdr->in_out;
	oh->len = sizeof(*oh);
	oh->error = -EIO;
	oh->unique = unique;
	reply_done(w, 0);
}

bool uring_reply(const struct iovec *iov, int count, ssize_t *res)
{
	if (count < 1 || iov[0].iov_len != sizeof(struct fuse_out_header))
		return false;
	const struct fuse_out_header *oh = iov[0].iov_base;
	struct uring_worker *w = worker_of(oh->unique);
	if (!w)
		return false;
	size_t total = 0;
	for (int k = 1; k < count; k++)
		total += iov[k].iov_len;
	*res = (ssize_t)(sizeof(*oh) + total);
	if (total > w->payload_len) {
		iccfs_log("io_uring: a reply of %zu bytes (room for %zu)", total, w->payload_len);
		reply_eio(w, oh->unique);
		return true;
	}
	memcpy(w->hdr->in_out, oh, sizeof(*oh));
	char *p = w->iov[1].iov_base;
	for (int k = 1; k < count; k++) {
		memmove(p, iov[k].iov_base, iov[k].iov_len);
		p += iov[k].iov_len;
	}
	reply_done(w, total);
	return true;
}

/* Read len bytes from a pipe into the entry's header (the first 16) and payload. */
static int read_pipe(struct uring_worker *w, int pipefd, size_t len)
{
	struct iovec iov[2] = {
		{w->hdr->in_out, sizeof(struct fuse_out_header)},
		{w->iov[1].iov_base, len - sizeof(struct fuse_out_header)},
	};
	size_t got = 0;
	while (got < len) {
		ssize_t n = readv(pipefd, iov, 2);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		got += (size_t)n;
		for (int k = 0; k < 2 && n > 0; k++) {
			size_t take = (size_t)n < iov[k].iov_len ? (size_t)n : iov[k].iov_len;
			iov[k].iov_base = (char *)iov[k].iov_base + take;
			iov[k].iov_len -= take;
			n -= (ssize_t)take;
		}
	}
	return 0;
}

bool uring_reply_pipe(int pipefd, size_t len, ssize_t *res)
{
	struct uring_worker *w = serving;
	if (!w)
		return false;
	/* libfuse splices only the reply to the request this thread serves */
	uint64_t unique = atomic_load(&w->unique);
	*res = (ssize_t)len;
	if (len < sizeof(struct fuse_out_header) ||
	    len - sizeof(struct fuse_out_header) > w->payload_len) {
		reply_eio(w, unique);
		return true;
	}
	int r = read_pipe(w, pipefd, len);
	const struct fuse_out_header *oh = (const void *)w->hdr->in_out;
	if (r < 0 || oh->unique != unique) {
		iccfs_log("io_uring: a spliced reply lost (%s)", r < 0 ? strerror(-r) : "another request's");
		reply_eio(w, unique);
		return true;
	}
	reply_done(w, len - sizeof(struct fuse_out_header));
	return true;
}

void uring_disable(void)
{
	ur.wanted = false;
}

void uring_setup(struct fuse_session *se, int devfd)
{
	const char *env = getenv("ICC_FS_URING");
	if (env && (!strcmp(env, "0") || !strcmp(env, "off")))
		ur.wanted = false;
	ur.se = se;
	ur.devfd = devfd;
}

uint64_t uring_init_flags(uint64_t kernel_flags, uint32_t max_write, uint32_t max_pages)
{
	ur.offered = (kernel_flags & FUSE_INIT_EXT) && (kernel_flags & FUSE_OVER_IO_URING);
	if (!ur.wanted) {
		ur.why_off = "io_uring off (turned off)";
		return 0;
	}
	if (!ur.offered) {
		ur.why_off = "io_uring off: the kernel does not offer it (fuse enable_uring=N)";
		return 0;
	}
	struct io_uring_params p;
	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_SQE128;
	int probe = sys_io_uring_setup(1, &p); /* io_uring may be off (kernel.io_uring_disabled) */
	if (probe < 0) {
		off(strerror(errno));
		return 0;
	}
	close(probe);
	long page = sysconf(_SC_PAGESIZE);
	size_t len = (size_t)max_pages * (size_t)(page > 0 ? page : 4096);
	if (len < max_write)
		len = max_write;
	if (len < 8192)
		len = 8192; /* FUSE_MIN_READ_BUFFER */
	ur.payload_len = len;
	atomic_store(&ur.state, UR_ASKED);
	return FUSE_INIT_EXT | FUSE_OVER_IO_URING;
}

void uring_init_sent(void)
{
	uring_mount_end(); /* the connection has taken the flag: it keeps the ring */
	if (atomic_load(&ur.state) == UR_ASKED)
		uring_start();
}

void uring_stop(void)
{
	if (!ur.workers)
		return;
	atomic_store(&ur.stopping, true);
	for (int k = 0; k < ur.nworkers; k++) {
		pthread_mutex_lock(&ur.workers[k].lock);
		pthread_cond_signal(&ur.workers[k].cond);
		pthread_mutex_unlock(&ur.workers[k].lock);
	}
	for (int k = 0; k < ur.nworkers; k++)
		if (ur.workers[k].started)
			pthread_kill(ur.workers[k].thread, SIGUSR1);
	for (int k = 0; k < ur.nworkers; k++) {
		struct uring_worker *w = &ur.workers[k];
		if (w->started)
			pthread_join(w->thread, NULL);
		if (w->ring_fd >= 0)
			close(w->ring_fd);
	}
}

const char *uring_describe(void)
{
	switch (atomic_load(&ur.state)) {
	case UR_ON:
		return atomic_load(&ur.registered) >= ur.nworkers ? "io_uring on" : "io_uring starting";
	case UR_ASKED:
		return "io_uring negotiated";
	default:
		return ur.why_off ? ur.why_off : "io_uring off";
	}
}

/*
 * The fuse module offers the ring only while its parameter enable_uring is Y,
 * both when it builds the INIT request (at the mount) and when it takes the
 * reply; the connection keeps the ring after that whatever the parameter
 * says.  icc-fs turns an N into Y for that span only and puts the N back,
 * holding a lock on the parameter so that two icc-fs starting together do
 * not leave it Y (docs/iccfs.md, "io_uring").
 */
#define ENABLE_URING "/sys/module/fuse/parameters/enable_uring"

/* Can this process make an io_uring with 128-byte SQEs?  (kernel.io_uring_disabled) */
static bool io_uring_usable(void)
{
	struct io_uring_params p;
	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_SQE128;
	int fd = sys_io_uring_setup(1, &p);
	if (fd < 0)
		return false;
	close(fd);
	return true;
}

void uring_mount_begin(void)
{
	ur.param_fd = -1;
	const char *env = getenv("ICC_FS_URING");
	if (!ur.wanted || (env && (!strcmp(env, "0") || !strcmp(env, "off"))) ||
	    !io_uring_usable())
		return;
	int fd = open(ENABLE_URING, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return; /* no CONFIG_FUSE_IO_URING, or not root */
	/* one icc-fs at a time between reading the value and putting it back */
	char c = 0;
	if (flock(fd, LOCK_EX) < 0 || pread(fd, &c, 1, 0) != 1 || c != 'N' ||
	    pwrite(fd, "Y", 1, 0) != 1) {
		close(fd);
		return;
	}
	ur.param_fd = fd;
}

void uring_mount_end(void)
{
	if (ur.param_fd < 0)
		return;
	if (pwrite(ur.param_fd, "N", 1, 0) != 1)
		iccfs_log("io_uring: cannot put back fuse enable_uring=N: %s", strerror(errno));
	close(ur.param_fd);
	ur.param_fd = -1;
}

void uring_probe_report(uint64_t kernel_flags)
{
	const char *env = getenv("ICC_FS_URING");
	bool off_env = env && (!strcmp(env, "0") || !strcmp(env, "off"));
	if (off_env)
		printf("io_uring: off (ICC_FS_URING=%s)\n", env);
	else if (!(kernel_flags & FUSE_OVER_IO_URING))
		printf("io_uring: off (the kernel does not offer it: no CONFIG_FUSE_IO_URING, "
		       "or fuse enable_uring=N and icc-fs cannot change it)\n");
	else if (!io_uring_usable())
		printf("io_uring: off (io_uring_setup refused: kernel.io_uring_disabled)\n");
	else
		printf("io_uring: on (%d CPU queues, %d entries each)\n", possible_cpus(),
		       URING_THREADS);
}
