/*
 * logsync.c - the calls that write btrfs's tree log run on one thread per caller
 *
 * btrfs batches fsyncs: when a log transaction of a subvolume has been started by
 * more than one task (BTRFS_ROOT_MULTI_LOG_TASKS: the log's start pid differs from
 * the current one), every log sync sleeps one jiffy (4 ms at HZ=250) waiting for
 * more fsyncs to join, unless the filesystem is mounted with `ssd`.  Natively a
 * program's fsync and the rename after it come from one task, so the sleep never
 * happens; through a multi-threaded FUSE daemon they come from whichever worker
 * thread took the request, and dpkg (fsync, rename, fsync, ...) paid 4 ms on
 * almost every fsync.  So fsync, fdatasync, rename and link (the calls that
 * start a log transaction: btrfs_sync_file, btrfs_log_new_name) run on a thread
 * chosen by the caller's pid: one caller, one logging task, as on the host.
 * Callers that hash to the same thread are served in turn.  The handler thread
 * waits for its call, so the request's names and pinned fds stay valid.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <unistd.h>

#include "iccfs.h"

#define LOGSYNC_THREADS 4

struct logsync_call {
	long (*fn)(const struct logsync_call *c);
	int fd, fd2;
	const char *name, *name2;
	unsigned flags;
	long ret;
	int err;
	bool done;
	struct logsync_call *next;
};

static struct logsync_thread {
	pthread_mutex_t lock;
	pthread_cond_t work, done;
	struct logsync_call *head, **tail;
	bool running;
} threads[LOGSYNC_THREADS];

static pthread_once_t logsync_once = PTHREAD_ONCE_INIT;

static void *logsync_main(void *arg)
{
	struct logsync_thread *t = arg;
	pthread_mutex_lock(&t->lock);
	for (;;) {
		while (!t->head)
			pthread_cond_wait(&t->work, &t->lock);
		struct logsync_call *c = t->head;
		t->head = c->next;
		if (!t->head)
			t->tail = &t->head;
		pthread_mutex_unlock(&t->lock);
		errno = 0;
		c->ret = c->fn(c);
		c->err = errno;
		pthread_mutex_lock(&t->lock);
		c->done = true;
		pthread_cond_broadcast(&t->done);
	}
	return NULL;
}

/* Threads start at the first call (after the daemon forked); signals stay with
 * libfuse's threads.  A thread that cannot start leaves its callers inline. */
static void logsync_start(void)
{
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (int k = 0; k < LOGSYNC_THREADS; k++) {
		struct logsync_thread *t = &threads[k];
		pthread_mutex_init(&t->lock, NULL);
		pthread_cond_init(&t->work, NULL);
		pthread_cond_init(&t->done, NULL);
		t->tail = &t->head;
		pthread_t id;
		pthread_attr_t a;
		pthread_attr_init(&a);
		pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
		t->running = pthread_create(&id, &a, logsync_main, t) == 0;
		pthread_attr_destroy(&a);
		if (!t->running)
			iccfs_log("fsync thread %d did not start: fsyncs run on request threads", k);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

/* Run c on the caller's thread and wait; 0 or -errno. */
static int logsync_run(pid_t caller, struct logsync_call *c)
{
	pthread_once(&logsync_once, logsync_start);
	struct logsync_thread *t = &threads[(unsigned)caller % LOGSYNC_THREADS];
	if (!t->running) {
		errno = 0;
		c->ret = c->fn(c);
		return c->ret < 0 ? -errno : 0;
	}
	c->done = false;
	c->next = NULL;
	pthread_mutex_lock(&t->lock);
	*t->tail = c;
	t->tail = &c->next;
	pthread_cond_signal(&t->work);
	while (!c->done)
		pthread_cond_wait(&t->done, &t->lock);
	pthread_mutex_unlock(&t->lock);
	return c->ret < 0 ? -c->err : 0;
}

static long call_fsync(const struct logsync_call *c)
{
	return c->flags ? fdatasync(c->fd) : fsync(c->fd);
}

static long call_rename(const struct logsync_call *c)
{
	return renameat2(c->fd, c->name, c->fd2, c->name2, c->flags);
}

static long call_link(const struct logsync_call *c)
{
	return linkat(c->fd, "", c->fd2, c->name2, AT_EMPTY_PATH);
}

int logsync_fsync(pid_t caller, int fd, bool datasync)
{
	struct logsync_call c = {.fn = call_fsync, .fd = fd, .flags = datasync};
	return logsync_run(caller, &c);
}

int logsync_rename(pid_t caller, int olddir, const char *oldname, int newdir,
		   const char *newname, unsigned flags)
{
	struct logsync_call c = {.fn = call_rename, .fd = olddir, .name = oldname,
				 .fd2 = newdir, .name2 = newname, .flags = flags};
	return logsync_run(caller, &c);
}

int logsync_link(pid_t caller, int fd, int newdir, const char *newname)
{
	struct logsync_call c = {.fn = call_link, .fd = fd, .fd2 = newdir, .name2 = newname};
	return logsync_run(caller, &c);
}
