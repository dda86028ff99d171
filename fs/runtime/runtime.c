/* runtime.c - OCI runtime: runtime invocation, users of the container's /etc, container state */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include <linux/magic.h>

#include "icc/base/cleanup.h"
#include "icc/container/container.h"
#include "icc/network/network.h"
#include "icc/oci/oci.h"
#include "icc/store/object.h"
#include "icc/base/proc.h"
#include "icc/runtime/runtime.h"
#include "icc/snap/snapdir.h"
#include "icc/snap/snapref.h"

/* Find `name` in $PATH (or /usr/sbin, /sbin, which root's PATH may lack). */
static bool in_path(const char *name)
{
	const char *path = getenv("PATH");
	char buf[4096];
	snprintf(buf, sizeof(buf), "%s:/usr/sbin:/sbin:/usr/bin:/bin", path ? path : "");
	for (char *save = NULL, *d = strtok_r(buf, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		char p[4200];
		snprintf(p, sizeof(p), "%s/%s", d, name);
		if (access(p, X_OK) == 0)
			return true;
	}
	return false;
}

int icc_runtime_check(const char *name, struct icc_err *err)
{
	if (strcmp(name, "runc") && strcmp(name, "crun"))
		return icc_err_set(err, EINVAL, "unknown runtime '%s' (use runc or crun)", name);
	if (!in_path(name))
		return icc_err_set(err, ENOENT, "runtime '%s' is not installed (apt-get install %s)",
				   name, name);
	return icc_host_root_check(err);
}

const char *icc_runtime_default(void)
{
	return in_path("crun") ? "crun" : "runc";
}

/* crun 1.8 refuses the hybrid layout: cgroup v1 at /sys/fs/cgroup plus cgroup2 at unified/. */
static bool hybrid_cgroups(void)
{
	struct statfs a, b;
	if (statfs("/sys/fs/cgroup", &a) < 0 || a.f_type == CGROUP2_SUPER_MAGIC)
		return false;
	return statfs("/sys/fs/cgroup/unified", &b) == 0 && b.f_type == CGROUP2_SUPER_MAGIC;
}

int icc_runtime_cmd(struct icc_store *st, const char *runtime, const char *const *args,
		    int infd, int outfd, int errfd, char *errbuf, size_t errsize,
		    struct icc_err *err)
{
	char state[4300];
	snprintf(state, sizeof(state), "%s/runtime/%s", st->root, runtime);
	char parent[4300];
	snprintf(parent, sizeof(parent), "%s/runtime", st->root);
	mkdir(parent, 0700);
	mkdir(state, 0700);

	size_t nargs = 0;
	while (args[nargs])
		nargs++;
	cleanup_free const char **argv = calloc(nargs + 10, sizeof(*argv));
	if (!argv)
		return icc_err_set(err, ENOMEM, "cannot run %s: out of memory", runtime);
	int n = 0;
	argv[n++] = runtime;
	argv[n++] = "--root";
	argv[n++] = state;
	for (int i = 0; args[i]; i++)
		argv[n++] = args[i];
	argv[n] = NULL;

	struct icc_proc_opts o = {.in = infd < 0 ? ICC_PROC_NULL : infd,
				  .out = outfd < 0 ? ICC_PROC_NULL : outfd,
				  .err = errfd < 0 ? ICC_PROC_CAPTURE : errfd,
				  .msg = errbuf, .msg_size = errbuf ? errsize : 0};
	/* crun in a mount namespace of its own without the cgroup2 tree: what
	 * `unshare -m` + umount would do, without their two process starts */
	if (!strcmp(runtime, "crun") && hybrid_cgroups()) {
		o.private_mounts = true;
		o.detach = "/sys/fs/cgroup/unified";
	}
	if (errbuf && errsize)
		errbuf[0] = '\0';
	return icc_proc_run(argv, &o, err);
}

/*
 * What `runc start` does for a created container: open the exec fifo in its
 * state dir (which lets the blocked init go on), read the init's byte until
 * it execs (EOF), remove the fifo (runc's "created" mark).  One Go process
 * start less.  0, 1 when the fifo is not there (start with the runtime),
 * or -errno.
 */
static int start_by_fifo(struct icc_store *st, const char *id, pid_t pid, struct icc_err *err)
{
	char path[4400];
	snprintf(path, sizeof(path), "%s/runtime/runc/%s/exec.fifo", st->root, id);
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno == ENOENT ? 1 : icc_err_sys(err, errno, "cannot open the runtime's exec fifo");
	size_t got = 0;
	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int n = poll(&p, 1, 100);
		if (n < 0 && errno == EINTR)
			continue;
		bool dead = n == 0 && icc_proc_starttime(pid) == 0;
		if (n == 0 && !dead)
			continue; /* the init has not reached its exec yet */
		char buf[16];
		ssize_t k;
		while ((k = read(fd, buf, sizeof(buf))) > 0)
			got += (size_t)k;
		if (k == 0 || dead)
			break; /* EOF: the init exec'd (or ended) */
		if (errno != EAGAIN && errno != EINTR)
			break;
	}
	close(fd);
	if (!got)
		return icc_err_set(err, EIO, "the container process is already dead");
	unlink(path);
	return 0;
}

/*
 * What `crun start` does for a created container that has no poststart
 * hooks (icc writes none): its init waits reading the exec fifo; open it
 * for writing, remove it (crun's "created" mark) and write one byte.
 * O_NONBLOCK: with no reader (the init is gone) the open fails instead of
 * blocking forever.  0, 1 when the fifo is not there, or -errno.
 */
static int start_by_crun_fifo(struct icc_store *st, const char *id, struct icc_err *err)
{
	char path[4400];
	snprintf(path, sizeof(path), "%s/runtime/crun/%s/exec.fifo", st->root, id);
	int fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 && errno == ENOENT)
		return 1;
	if (fd < 0)
		return errno == ENXIO ? icc_err_set(err, EIO, "the container process is already dead")
				      : icc_err_sys(err, errno, "cannot open the runtime's exec fifo");
	unlink(path);
	/* a reader that ends between the open and the write: EPIPE, not SIGPIPE */
	sigset_t pipe_set, old;
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
	ssize_t k = write(fd, "", 1);
	int e = errno;
	if (k < 0 && e == EPIPE) {
		struct timespec zero = {0, 0};
		sigtimedwait(&pipe_set, NULL, &zero);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	close(fd);
	if (k != 1)
		return k < 0 && e == EPIPE ? icc_err_set(err, EIO, "the container process is already dead")
					   : icc_err_sys(err, e, "cannot write the runtime's exec fifo");
	return 0;
}

int icc_runtime_start(struct icc_store *st, const char *runtime, const char *id, pid_t pid,
		      char *errbuf, size_t errsize, struct icc_err *err)
{
	/* each runtime's own start, done here: one runtime process start less */
	int r = !strcmp(runtime, "runc") ? start_by_fifo(st, id, pid, err)
					 : start_by_crun_fifo(st, id, err);
	if (r <= 0)
		return r;
	const char *args[] = {"start", id, NULL};
	int rc = icc_runtime_cmd(st, runtime, args, -1, -1, -1, errbuf, errsize, err);
	return rc < 0 ? rc : rc ? icc_err_set(err, EIO, "%s start failed", runtime) : 0;
}

void icc_runtime_errmsg(const char *raw, char *out, size_t size)
{
	/* logrus text: ... level=error msg="..." ; take the last msg="..." */
	const char *m = NULL, *p = raw;
	while ((p = strstr(p, "msg=\""))) {
		m = p + 5;
		p = m;
	}
	size_t o = 0;
	if (m) {
		for (; *m && *m != '"' && o + 1 < size; m++) {
			if (*m == '\\' && m[1]) {
				m++;
			}
			out[o++] = *m;
		}
		out[o] = '\0';
	} else {
		/* last non-empty line */
		const char *start = raw, *end = raw + strlen(raw);
		while (end > raw && (end[-1] == '\n' || end[-1] == ' '))
			end--;
		for (const char *q = raw; q < end; q++)
			if (*q == '\n')
				start = q + 1;
		snprintf(out, size, "%.*s", (int)(end - start), start);
	}
	static const char *const prefixes[] = {
		"runc create failed: ", "runc run failed: ", "runc exec failed: ",
		"unable to start container process: ", "error during container init: ",
		"crun: ",
	};
	for (bool again = true; again;) {
		again = false;
		for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
			size_t n = strlen(prefixes[i]);
			if (!strncmp(out, prefixes[i], n)) {
				memmove(out, out + n, strlen(out + n) + 1);
				again = true;
			}
		}
	}
	if (!out[0])
		snprintf(out, size, "the runtime failed");
}

/* ---- users ---- */

/* Look NAME up in the rootfs's /etc/passwd or /etc/group: field 3 (uid/gid), field 4 (gid). */
static int lookup_id(int rootfd, const char *file, const char *name, long *id, long *gid)
{
	char *data;
	size_t len;
	struct icc_err e;
	if (icc_read_file_in_root(rootfd, file, 1 << 20, &data, &len, &e) < 0)
		return -1;
	int r = -1;
	for (char *save = NULL, *line = strtok_r(data, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *f[5] = {0};
		int k = 0;
		char *s = line;
		while (k < 5) {
			f[k++] = s;
			s = strchr(s, ':');
			if (!s)
				break;
			*s++ = '\0';
		}
		if (k >= 3 && !strcmp(f[0], name)) {
			*id = atol(f[2]);
			if (gid)
				*gid = k >= 4 ? atol(f[3]) : *id;
			r = 0;
			break;
		}
	}
	free(data);
	return r;
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

static int parse_user(int rootfd, const char *user, long *uid, long *gid, struct icc_err *err)
{
	*uid = 0;
	*gid = 0;
	if (!user || !*user)
		return 0;
	char u[256], g[256] = "";
	const char *colon = strchr(user, ':');
	snprintf(u, sizeof(u), "%.*s", colon ? (int)(colon - user) : (int)strlen(user), user);
	if (colon)
		snprintf(g, sizeof(g), "%s", colon + 1);
	if (all_digits(u)) {
		*uid = atol(u);
		long pg;
		char uname[32];
		snprintf(uname, sizeof(uname), "%ld", *uid);
		*gid = *uid;
		/* a numeric uid present in passwd takes its primary group */
		char *data;
		size_t len;
		struct icc_err e;
		if (icc_read_file_in_root(rootfd, "/etc/passwd", 1 << 20, &data, &len, &e) == 0) {
			for (char *save = NULL, *line = strtok_r(data, "\n", &save); line;
			     line = strtok_r(NULL, "\n", &save)) {
				long fu = -1;
				pg = -1;
				if (sscanf(line, "%*[^:]:%*[^:]:%ld:%ld", &fu, &pg) == 2 && fu == *uid) {
					*gid = pg;
					break;
				}
			}
			free(data);
		}
	} else if (lookup_id(rootfd, "/etc/passwd", u, uid, gid) < 0) {
		return icc_err_set(err, ENOENT, "unable to find user %s: no matching entries in passwd file", u);
	}
	if (g[0]) {
		if (all_digits(g))
			*gid = atol(g);
		else if (lookup_id(rootfd, "/etc/group", g, gid, NULL) < 0)
			return icc_err_set(err, ENOENT, "unable to find group %s: no matching entries in group file", g);
	}
	return 0;
}

/* ---- state ---- */

unsigned long long icc_proc_starttime(pid_t pid)
{
	if (pid <= 0)
		return 0;
	char p[64], buf[1024];
	snprintf(p, sizeof(p), "/proc/%d/stat", (int)pid);
	int fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	char *s = strrchr(buf, ')');
	if (!s)
		return 0;
	/* after ")": state(3) ... starttime is field 22 → 20th token after ')' */
	char state = 0;
	unsigned long long start = 0;
	int field = 2;
	for (char *save = NULL, *t = strtok_r(s + 1, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
		field++;
		if (field == 3)
			state = t[0];
		if (field == 22) {
			start = strtoull(t, NULL, 10);
			break;
		}
	}
	if (state == 'Z' || state == 'X')
		return 0;
	return start;
}

const char *icc_cstatus_name(enum icc_cstatus s)
{
	switch (s) {
	case ICC_CS_CREATED: return "created";
	case ICC_CS_RUNNING: return "running";
	case ICC_CS_EXITED: return "exited";
	case ICC_CS_DEAD: return "dead";
	}
	return "unknown";
}

void icc_container_state(const cJSON *meta, struct icc_cstate *out)
{
	memset(out, 0, sizeof(*out));
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(meta, "state");
	const char *status = icc_json_str(s, "status");
	const char *t = icc_json_str(s, "started");
	out->started_ns = t ? icc_time_parse(t) : 0;
	t = icc_json_str(s, "finished");
	out->finished_ns = t ? icc_time_parse(t) : 0;
	out->exit_code = (int)icc_json_int(s, "exit_code", 0);
	out->status = ICC_CS_CREATED;
	if (!status || !strcmp(status, "created"))
		return;
	if (!strcmp(status, "exited")) {
		out->status = ICC_CS_EXITED;
		return;
	}
	if (!strcmp(status, "dead")) {
		out->status = ICC_CS_DEAD;
		return;
	}
	/* running: trust nothing, check the pid and its start time */
	pid_t pid = (pid_t)icc_json_int(s, "pid", 0);
	unsigned long long want = (unsigned long long)icc_json_int(s, "pid_start", 0);
	unsigned long long have = icc_proc_starttime(pid);
	if (pid > 0 && have && (!want || want == have)) {
		out->status = ICC_CS_RUNNING;
		out->pid = pid;
		/* the filesystem daemon died under a live container: the container is broken */
		pid_t fspid = (pid_t)icc_json_int(s, "fs_pid", 0);
		unsigned long long fwant = (unsigned long long)icc_json_int(s, "fs_pid_start", 0);
		if (fspid > 0 && icc_proc_starttime(fspid) != fwant)
			out->status = ICC_CS_DEAD;
		return;
	}
	if (!strcmp(status, "starting") && !pid) {
		/* being started right now (no pid yet): show as created */
		out->status = ICC_CS_CREATED;
		return;
	}
	out->status = ICC_CS_EXITED;
	out->stale = true;
	if (!cJSON_GetObjectItemCaseSensitive(s, "exit_code"))
		out->exit_code = 255;
	if (!out->finished_ns)
		out->finished_ns = out->started_ns;
}

static int state_update(struct icc_store *st, const char *id, const cJSON *patch, bool durable,
			struct icc_err *err)
{
	int r = icc_store_lock(st, err);
	if (r < 0)
		return r;
	cJSON *meta = NULL;
	struct icc_err e;
	if (!icc_object_exists(st, ICC_CONTAINER, id) ||
	    icc_object_meta(st, ICC_CONTAINER, id, &meta, &e) < 0) {
		icc_store_unlock(st);
		return -ENOENT;
	}
	cJSON *s = cJSON_GetObjectItemCaseSensitive(meta, "state");
	if (!cJSON_IsObject(s)) {
		cJSON_DeleteItemFromObjectCaseSensitive(meta, "state");
		s = cJSON_AddObjectToObject(meta, "state");
	}
	const cJSON *it;
	cJSON_ArrayForEach(it, patch) {
		cJSON_DeleteItemFromObjectCaseSensitive(s, it->string);
		if (!cJSON_IsNull(it))
			cJSON_AddItemToObject(s, it->string, cJSON_Duplicate(it, true));
	}
	if (durable) {
		r = icc_object_meta_save(st, ICC_CONTAINER, id, meta, err);
	} else {
		/* atomic (readers see the old or the new file), not synced */
		size_t len;
		char *text = icc_json_text(meta, true, &len);
		int dfd = text ? icc_object_dirfd(st, ICC_CONTAINER, id, err) : -1;
		r = !text ? icc_err_set(err, ENOMEM, "cannot serialise meta.json")
			  : dfd < 0 ? dfd : icc_write_file_replace(dfd, "meta.json", text, len, false, err);
		if (dfd >= 0)
			close(dfd);
		free(text);
	}
	cJSON_Delete(meta);
	icc_store_unlock(st);
	return r;
}

cJSON *icc_state_exited(int code)
{
	cJSON *patch = cJSON_CreateObject();
	char now[64];
	icc_time_format(icc_now_ns(), now, sizeof(now));
	cJSON_AddStringToObject(patch, "status", "exited");
	cJSON_AddNumberToObject(patch, "exit_code", code);
	cJSON_AddStringToObject(patch, "finished", now);
	return patch;
}

int icc_state_update(struct icc_store *st, const char *id, const cJSON *patch,
		     struct icc_err *err)
{
	return state_update(st, id, patch, true, err);
}

int icc_state_update_transient(struct icc_store *st, const char *id, const cJSON *patch,
			       struct icc_err *err)
{
	return state_update(st, id, patch, false, err);
}

/* Remove the container's cgroups (every v1 controller, the unified tree); false
 * when one is still in use: processes of the container are left. */
static bool remove_cgroups(const char *id)
{
	static const char *const ctrls[] = {"cpu", "cpuacct", "cpuset", "memory", "devices", "freezer",
					    "blkio", "pids", "systemd", "unified", "net_cls", "perf_event",
					    "net_prio", "hugetlb", "rdma", "misc", NULL};
	bool empty = true;
	char cg[4400];
	for (int i = 0; ctrls[i]; i++) {
		snprintf(cg, sizeof(cg), "/sys/fs/cgroup/%s/icc/%s", ctrls[i], id);
		if (rmdir(cg) < 0 && errno != ENOENT)
			empty = false;
	}
	snprintf(cg, sizeof(cg), "/sys/fs/cgroup/icc/%s", id);
	if (rmdir(cg) < 0 && errno != ENOENT)
		empty = false;
	return empty;
}

/* What a runtime keeps in its state dir for one container: its record of
 * the init (the first name), then what else it writes there. */
static const char *const runc_state_files[] = {"state.json", NULL};
static const char *const crun_state_files[] = {"status", "config.json", "seccomp.bpf", "exec.fifo",
					       NULL};

static bool is_state_file(const char *const *files, const char *name)
{
	for (int i = 0; files[i]; i++)
		if (!strcmp(files[i], name))
			return true;
	return false;
}

/* The dir holds only the runtime's own files (anything else: let its delete decide). */
static bool only_state_files(int dfd, const char *const *files)
{
	char **names;
	size_t n;
	struct icc_err e;
	if (icc_dir_names(dfd, &names, &n, &e) < 0)
		return false;
	bool ok = true;
	for (size_t i = 0; ok && i < n; i++)
		ok = is_state_file(files, names[i]);
	icc_dir_names_free(names, n);
	return ok;
}

/*
 * What `runc delete` / `crun delete` do for a container with nothing left
 * running: its cgroups are gone (remove_cgroups said so), so only the
 * runtime's state dir remains.  Removed here when the runtime's own record
 * names an init that is gone and nothing else is there; false otherwise.
 */
static bool forget_stopped(int stfd, const char *id, const char *runtime)
{
	bool runc = !strcmp(runtime, "runc");
	const char *const *files = runc ? runc_state_files : crun_state_files;
	int dfd = openat(stfd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return false;
	cJSON *state = NULL;
	struct icc_err e;
	bool ok = icc_json_read(dfd, files[0], &state, &e) == 0;
	if (ok) {
		pid_t pid = (pid_t)icc_json_int(state, runc ? "init_process_pid" : "pid", 0);
		unsigned long long start = (unsigned long long)icc_json_int(
			state, runc ? "init_process_start" : "process-start-time", 0);
		ok = pid > 0 && icc_proc_starttime(pid) != start;
		cJSON_Delete(state);
	}
	ok = ok && only_state_files(dfd, files);
	for (int i = 1; ok && files[i]; i++)
		if (unlinkat(dfd, files[i], 0) < 0 && errno != ENOENT)
			ok = false;
	ok = ok && unlinkat(dfd, files[0], 0) == 0;
	close(dfd);
	return ok && unlinkat(stfd, id, AT_REMOVEDIR) == 0;
}

void icc_runtime_cleanup(struct icc_store *st, const char *id, const char *runtime)
{
	struct icc_err e;
	const char *rt = runtime ? runtime : "runc";
	char dir[4300];
	snprintf(dir, sizeof(dir), "%s/runtime/%s", st->root, rt);
	/* cgroups first: a cgroup in use means processes are left, which only
	 * the runtime's delete --force may kill; otherwise a stopped container
	 * is forgotten without a runtime process start */
	bool empty = remove_cgroups(id);
	int stfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (stfd >= 0 && faccessat(stfd, id, F_OK, AT_SYMLINK_NOFOLLOW) == 0 &&
	    !(empty && forget_stopped(stfd, id, rt))) {
		const char *args[] = {"delete", "--force", id, NULL};
		icc_runtime_cmd(st, rt, args, -1, -1, -1, NULL, 0, &e);
	}
	if (stfd >= 0)
		close(stfd);
	char mp[4400];
	icc_object_path(st, ICC_CONTAINER, id, "merged", mp, sizeof(mp));
	icc_fsumount(mp);
	icc_net_teardown(st, id);
	/* the cgroup, in case the runtime's state was already gone */
	remove_cgroups(id);
}

int icc_container_save(struct icc_store *st, const char *id, const char *name,
		       const char *by, struct icc_snap_info *info, struct icc_err *err)
{
	return icc_container_save_commands(st, id, name, by, NULL, info, err);
}

int icc_container_save_commands(struct icc_store *st, const char *id, const char *name, const char *by,
				const cJSON *commands, struct icc_snap_info *info, struct icc_err *err)
{
	struct icc_snapdir sd = {.dirfd = -1};
	int src = icc_object_rootfs_fd(st, ICC_CONTAINER, id, err);
	if (src < 0)
		return src;
	int r = icc_container_snapdir_open(st, id, &sd, err);
	if (r >= 0) {
		/* the take locks the store itself, only to publish (unless
		 * the caller holds the lock already) */
		char lock[4200];
		cJSON *source = cJSON_CreateObject();
		cJSON_AddStringToObject(source, "container", id);
		cJSON_AddStringToObject(source, "by", by);
		if (commands)
			cJSON_AddItemToObject(source, "commands", cJSON_Duplicate(commands, true));
		struct icc_snap_opts o = {
			.name = name,
			.message = "",
			.source = source,
			.origin = ICC_SNAP_HOST,
			.lock_path = st->lock_fd >= 0 ? NULL : icc_store_path(st, "lock", lock, sizeof(lock)),
		};
		r = icc_snapdir_take(&sd, src, &o, info, err);
		cJSON_Delete(source);
	}
	close(src);
	if (sd.dirfd >= 0)
		icc_snapdir_close(&sd);
	return r;
}

int icc_runtime_user(struct icc_store *st, const char *id, const char *user, long *uid,
		     long *gid, struct icc_err *err)
{
	int rootfd = icc_object_rootfs_fd(st, ICC_CONTAINER, id, err);
	if (rootfd < 0)
		return rootfd;
	int r = parse_user(rootfd, user, uid, gid, err);
	close(rootfd);
	return r;
}

int icc_runtime_exit_code(const char *msg)
{
	if (strstr(msg, "not found") || strstr(msg, "no such file or directory") ||
	    strstr(msg, "No such file or directory"))
		return 127;
	if (strstr(msg, "permission denied") || strstr(msg, "Permission denied") ||
	    strstr(msg, "is a directory") || strstr(msg, "exec format error"))
		return 126;
	return 125;
}
