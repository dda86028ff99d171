/* container_stats.c - a running container's processes and usage, from its cgroup and netns */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/magic.h>

#include "icc/container/container_ctl.h"
#include "icc/store/object.h"
#include "icc/runtime/runtime.h"

/* Text of a small kernel file (cgroup, /proc), NUL-terminated; NULL if unreadable. */
static char *slurp(const char *path)
{
	char *s;
	size_t len;
	struct icc_err e;
	if (icc_read_file(AT_FDCWD, path, 1 << 20, &s, &len, &e) < 0)
		return NULL;
	return s;
}

/* Where cgroup v2 is mounted: /sys/fs/cgroup, or /sys/fs/cgroup/unified on a hybrid layout. */
static const char *v2_root(void)
{
	struct statfs s;
	if (statfs("/sys/fs/cgroup", &s) == 0 && s.f_type == CGROUP2_SUPER_MAGIC)
		return "/sys/fs/cgroup";
	return "/sys/fs/cgroup/unified";
}

/*
 * The directory of `pid`'s cgroup that has `file` (e.g. "memory.current" on
 * v2, "memory.usage_in_bytes" on v1 with controller "memory").  v1 wins when
 * the controller is mounted as v1 (a hybrid layout puts no controller on v2).
 */
static int cgroup_dir(pid_t pid, const char *v1ctrl, const char *v2file, char *out, size_t size)
{
	char p[64];
	snprintf(p, sizeof(p), "/proc/%d/cgroup", (int)pid);
	char *text = slurp(p);
	if (!text)
		return -ESRCH;
	int r = -ENOENT;
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *c1 = strchr(line, ':');
		char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c2)
			continue;
		*c1 = *c2 = '\0';
		const char *ctrls = c1 + 1, *path = c2 + 1;
		char probe[4600];
		if (v1ctrl && *ctrls) {
			/* "cpu,cpuacct": the controller is one of the list */
			char list[256];
			snprintf(list, sizeof(list), ",%s,", ctrls);
			char want[64];
			snprintf(want, sizeof(want), ",%s,", v1ctrl);
			if (!strstr(list, want))
				continue;
			snprintf(out, size, "/sys/fs/cgroup/%s%s", ctrls, path);
			r = 0;
			break;
		}
		if (!*ctrls && !strcmp(line, "0") && v2file) {
			snprintf(probe, sizeof(probe), "%s%s/%s", v2_root(), path, v2file);
			if (access(probe, F_OK) == 0) {
				snprintf(out, size, "%s%s", v2_root(), path);
				r = 0;
			}
		}
	}
	free(text);
	return r;
}

/* A number from a one-value cgroup file; `max` and errors give dflt. */
static uint64_t read_u64(const char *dir, const char *file, uint64_t dflt)
{
	char p[4700];
	snprintf(p, sizeof(p), "%s/%s", dir, file);
	char *s = slurp(p);
	if (!s)
		return dflt;
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	bool ok = end != s;
	free(s);
	return ok ? v : dflt;
}

/* "key value" lines (memory.stat, cpu.stat): the value of `key`. */
static uint64_t read_key(const char *dir, const char *file, const char *key, uint64_t dflt)
{
	char p[4700];
	snprintf(p, sizeof(p), "%s/%s", dir, file);
	char *s = slurp(p);
	if (!s)
		return dflt;
	uint64_t v = dflt;
	size_t kl = strlen(key);
	for (char *line = s; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
		if (!strncmp(line, key, kl) && line[kl] == ' ') {
			v = strtoull(line + kl + 1, NULL, 10);
			break;
		}
	free(s);
	return v;
}

static uint64_t host_memory(void)
{
	long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
	return pages > 0 && page > 0 ? (uint64_t)pages * (uint64_t)page : 0;
}

static void sample_memory(pid_t pid, struct icc_stats *s)
{
	char dir[4400];
	uint64_t host = host_memory();
	if (cgroup_dir(pid, "memory", NULL, dir, sizeof(dir)) == 0 &&
	    access(dir, F_OK) == 0) {
		uint64_t use = read_u64(dir, "memory.usage_in_bytes", 0);
		uint64_t inactive = read_key(dir, "memory.stat", "total_inactive_file", 0);
		s->mem_usage = use > inactive ? use - inactive : use;
		s->mem_limit = read_u64(dir, "memory.limit_in_bytes", host);
	} else if (cgroup_dir(pid, NULL, "memory.current", dir, sizeof(dir)) == 0) {
		uint64_t use = read_u64(dir, "memory.current", 0);
		uint64_t inactive = read_key(dir, "memory.stat", "inactive_file", 0);
		s->mem_usage = use > inactive ? use - inactive : use;
		s->mem_limit = read_u64(dir, "memory.max", host);
	}
	/* v1 says "no limit" with a huge number: the host's memory is the real bound */
	if (!s->mem_limit || (host && s->mem_limit > host))
		s->mem_limit = host;
}

static void sample_cpu_pids(pid_t pid, struct icc_stats *s)
{
	char dir[4400];
	if (cgroup_dir(pid, "cpuacct", NULL, dir, sizeof(dir)) == 0 && access(dir, F_OK) == 0)
		s->cpu_ns = read_u64(dir, "cpuacct.usage", 0);
	else if (cgroup_dir(pid, NULL, "cpu.stat", dir, sizeof(dir)) == 0)
		s->cpu_ns = read_key(dir, "cpu.stat", "usage_usec", 0) * 1000;
	if (cgroup_dir(pid, "pids", NULL, dir, sizeof(dir)) == 0 && access(dir, F_OK) == 0)
		s->pids = read_u64(dir, "pids.current", 0);
	else if (cgroup_dir(pid, NULL, "pids.current", dir, sizeof(dir)) == 0)
		s->pids = read_u64(dir, "pids.current", 0);
}

/* v1 blkio "MAJ:MIN Read N" lines, v2 io.stat "MAJ:MIN rbytes=N wbytes=N ...". */
static void sample_blkio(pid_t pid, struct icc_stats *s)
{
	char dir[4400], p[4700];
	char *text = NULL;
	bool v1 = false;
	if (cgroup_dir(pid, "blkio", NULL, dir, sizeof(dir)) == 0 && access(dir, F_OK) == 0) {
		snprintf(p, sizeof(p), "%s/blkio.throttle.io_service_bytes_recursive", dir);
		text = slurp(p);
		v1 = true;
	} else if (cgroup_dir(pid, NULL, "io.stat", dir, sizeof(dir)) == 0) {
		snprintf(p, sizeof(p), "%s/io.stat", dir);
		text = slurp(p);
	}
	if (!text)
		return;
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *sp = strchr(line, ' ');
		if (!sp)
			continue;
		if (v1) {
			unsigned long long n = 0;
			char op[16];
			if (sscanf(sp + 1, "%15s %llu", op, &n) == 2) {
				if (!strcmp(op, "Read"))
					s->blk_read += n;
				else if (!strcmp(op, "Write"))
					s->blk_write += n;
			}
			continue;
		}
		char *r = strstr(sp, " rbytes="), *w = strstr(sp, " wbytes=");
		if (r)
			s->blk_read += strtoull(r + 8, NULL, 10);
		if (w)
			s->blk_write += strtoull(w + 8, NULL, 10);
	}
	free(text);
}

/* The init's network namespace, as /proc/PID/net/dev shows it: all but lo. */
static void sample_net(pid_t pid, struct icc_stats *s)
{
	char p[64];
	snprintf(p, sizeof(p), "/proc/%d/net/dev", (int)pid);
	char *text = slurp(p);
	if (!text)
		return;
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *colon = strchr(line, ':');
		if (!colon)
			continue;
		*colon = '\0';
		char *ifname = line;
		while (*ifname == ' ')
			ifname++;
		if (!strcmp(ifname, "lo"))
			continue;
		unsigned long long v[9];
		if (sscanf(colon + 1, "%llu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2],
			   &v[3], &v[4], &v[5], &v[6], &v[7], &v[8]) == 9) {
			s->net_rx += v[0];
			s->net_tx += v[8];
		}
	}
	free(text);
}

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Resolve, read the state: the running init's pid (0 when it does not run). */
static int running_pid(struct icc_store *st, const char *ref, char id[ICC_ID_LEN + 1],
		       char *name, size_t nsize, pid_t *pid, struct icc_err *err)
{
	struct icc_cstate cs;
	int r = icc_container_resolve(st, ref, id, err);
	if (r == 0)
		r = icc_ctl_state(st, id, name, nsize, &cs, err);
	if (r < 0)
		return r;
	*pid = cs.status == ICC_CS_RUNNING ? cs.pid : 0;
	return 0;
}

int icc_ctl_stats(struct icc_store *st, const char *ref, struct icc_stats *out,
		  struct icc_err *err)
{
	memset(out, 0, sizeof(*out));
	pid_t pid;
	int r = running_pid(st, ref, out->id, out->name, sizeof(out->name), &pid, err);
	if (r < 0 || !pid)
		return r;
	out->running = true;
	out->sample_ns = mono_ns();
	sample_cpu_pids(pid, out);
	sample_memory(pid, out);
	sample_blkio(pid, out);
	sample_net(pid, out);
	return 0;
}

double icc_stats_cpu_percent(const struct icc_stats *a, const struct icc_stats *b)
{
	if (!a->running || !b->running || b->sample_ns <= a->sample_ns || b->cpu_ns < a->cpu_ns)
		return 0.0;
	return (double)(b->cpu_ns - a->cpu_ns) * 100.0 / (double)(b->sample_ns - a->sample_ns);
}

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
	return (x > y) - (x < y);
}

int icc_ctl_pids(struct icc_store *st, const char *ref, pid_t **pids, size_t *n,
		 struct icc_err *err)
{
	*pids = NULL;
	*n = 0;
	char id[ICC_ID_LEN + 1], name[256], dir[4400], p[4500];
	pid_t init;
	int r = running_pid(st, ref, id, name, sizeof(name), &init, err);
	if (r < 0)
		return r;
	if (!init)
		return icc_err_set(err, EINVAL, "container '%s' is not running", name);
	char *text = NULL;
	if (cgroup_dir(init, "pids", NULL, dir, sizeof(dir)) == 0 && access(dir, F_OK) == 0) {
		snprintf(p, sizeof(p), "%s/cgroup.procs", dir);
		text = slurp(p);
	}
	if (!text && cgroup_dir(init, NULL, "cgroup.procs", dir, sizeof(dir)) == 0) {
		snprintf(p, sizeof(p), "%s/cgroup.procs", dir);
		text = slurp(p);
	}
	if (!text)
		return icc_err_set(err, ENOENT, "cannot read the cgroup of container '%s'", name);
	size_t cap = 16;
	pid_t *v = malloc(cap * sizeof(*v));
	for (char *s = text; v && *s;) {
		char *end;
		long x = strtol(s, &end, 10);
		if (end == s)
			break;
		if (*n == cap)
			v = realloc(v, (cap *= 2) * sizeof(*v));
		if (v)
			v[(*n)++] = (pid_t)x;
		s = end;
		while (*s == '\n')
			s++;
	}
	free(text);
	if (!v)
		return icc_err_set(err, ENOMEM, "out of memory");
	qsort(v, *n, sizeof(*v), cmp_pid);
	*pids = v;
	return 0;
}
