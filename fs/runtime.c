/* runtime.c - OCI runtime: config.json generation, runtime invocation, container state */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/magic.h>

#include "icc/container.h"
#include "icc/network.h"
#include "icc/object.h"
#include "icc/runtime.h"
#include "icc/seccomp.h"
#include "icc/snapdir.h"
#include "icc/snapref.h"

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

	const char *argv[64];
	int n = 0;
	bool wrap = !strcmp(runtime, "crun") && hybrid_cgroups();
	if (wrap) {
		argv[n++] = "unshare";
		argv[n++] = "-m";
		argv[n++] = "sh";
		argv[n++] = "-c";
		argv[n++] = "umount /sys/fs/cgroup/unified 2>/dev/null; exec crun \"$@\"";
		argv[n++] = "sh";
	} else {
		argv[n++] = runtime;
	}
	argv[n++] = "--root";
	argv[n++] = state;
	for (int i = 0; args[i] && n < 63; i++)
		argv[n++] = args[i];
	argv[n] = NULL;

	int pfd[2] = {-1, -1};
	if (errfd < 0 && pipe2(pfd, O_CLOEXEC) < 0)
		return icc_err_sys(err, errno, "cannot run %s", runtime);
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		if (pfd[0] >= 0) {
			close(pfd[0]);
			close(pfd[1]);
		}
		return icc_err_sys(err, e, "cannot run %s", runtime);
	}
	if (pid == 0) {
		int nul = open("/dev/null", O_RDWR);
		int fds[3] = {infd < 0 ? nul : infd, outfd < 0 ? nul : outfd, errfd < 0 ? pfd[1] : errfd};
		int tmp[3];
		for (int i = 0; i < 3; i++)
			tmp[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 10);
		for (int i = 0; i < 3; i++)
			dup2(tmp[i], i);
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
		execvp(argv[0], (char *const *)argv);
		dprintf(2, "cannot run '%s': %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	size_t len = 0;
	if (pfd[0] >= 0) {
		close(pfd[1]);
		char junk[4096];
		ssize_t r;
		for (;;) {
			char *dst = errbuf && len + 1 < errsize ? errbuf + len : junk;
			size_t room = errbuf && len + 1 < errsize ? errsize - 1 - len : sizeof(junk);
			r = read(pfd[0], dst, room);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				break;
			if (dst != junk)
				len += (size_t)r;
		}
		close(pfd[0]);
	}
	if (errbuf && errsize)
		errbuf[len] = '\0';
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return icc_err_sys(err, errno, "cannot wait for %s", runtime);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
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

/* ---- config.json ---- */

static void add_strings(cJSON *arr, const char *const *v)
{
	for (; *v; v++)
		cJSON_AddItemToArray(arr, cJSON_CreateString(*v));
}

static void add_mount(cJSON *mounts, const char *dest, const char *type, const char *src,
		      const char *const *opts)
{
	cJSON *m = cJSON_CreateObject();
	cJSON_AddStringToObject(m, "destination", dest);
	cJSON_AddStringToObject(m, "type", type);
	cJSON_AddStringToObject(m, "source", src);
	add_strings(cJSON_AddArrayToObject(m, "options"), opts);
	cJSON_AddItemToArray(mounts, m);
}

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

/*
 * The bundle's files (config.json, hostname, hosts, resolv.conf) are made
 * afresh before every start and read only by the runtime right after: they
 * are written whole (temp file, rename) but not synced, which saves a start
 * eight fsyncs.  After a crash a start rewrites them anyway.
 */
static int write_bundle_file(int dirfd, const char *name, const char *data, size_t len,
			     struct icc_err *err)
{
	return icc_write_file_replace(dirfd, name, data, len, false, err);
}

static int write_small(int dirfd, const char *name, const char *text, struct icc_err *err)
{
	return write_bundle_file(dirfd, name, text, strlen(text), err);
}

static const char *const default_caps[] = {
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD",
	"CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP",
	"CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE", NULL,
};

int icc_bundle_write(struct icc_store *st, const char *id, const cJSON *meta, int tty,
		     struct icc_err *err)
{
	const cJSON *cfg = cJSON_GetObjectItemCaseSensitive(meta, "config");
	int dfd = icc_object_dirfd(st, ICC_CONTAINER, id, err);
	if (dfd < 0)
		return dfd;
	int rootfd = icc_object_rootfs_fd(st, ICC_CONTAINER, id, err);
	if (rootfd < 0) {
		close(dfd);
		return rootfd;
	}
	int r = 0;
	cJSON *spec = cJSON_CreateObject();
	char short_id[13], path[4400], hostname[256];
	snprintf(short_id, sizeof(short_id), "%.12s", id);
	const char *h = icc_json_str(cfg, "Hostname");
	snprintf(hostname, sizeof(hostname), "%s", h && *h ? h : short_id);
	bool use_tty = tty >= 0 ? tty : cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(cfg, "Tty"));
	struct icc_net_files nf;
	r = icc_net_files(st, id, cfg, hostname, &nf, err);
	bool hostnet = nf.host;

	/* files bind-mounted over /etc: kept beside the rootfs, never written into it */
	char text[2048];
	snprintf(text, sizeof(text), "%s\n", hostname);
	if (r == 0)
		r = write_small(dfd, "hostname", text, err);
	if (r == 0)
		r = write_small(dfd, "hosts", nf.hosts, err);
	if (r == 0)
		r = write_small(dfd, "resolv.conf", nf.resolv, err);

	cJSON_AddStringToObject(spec, "ociVersion", "1.0.2");
	cJSON *proc = cJSON_AddObjectToObject(spec, "process");
	cJSON_AddBoolToObject(proc, "terminal", use_tty);
	long uid = 0, gid = 0;
	if (r == 0)
		r = parse_user(rootfd, icc_json_str(cfg, "User"), &uid, &gid, err);
	cJSON *user = cJSON_AddObjectToObject(proc, "user");
	cJSON_AddNumberToObject(user, "uid", (double)uid);
	cJSON_AddNumberToObject(user, "gid", (double)gid);
	if (uid != 0 || gid != 0) {
		cJSON *ag = cJSON_AddArrayToObject(user, "additionalGids");
		cJSON_AddItemToArray(ag, cJSON_CreateNumber((double)gid));
	}

	cJSON *args = cJSON_AddArrayToObject(proc, "args");
	const cJSON *it;
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(cfg, "Entrypoint"))
		if (cJSON_IsString(it))
			cJSON_AddItemToArray(args, cJSON_CreateString(it->valuestring));
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(cfg, "Cmd"))
		if (cJSON_IsString(it))
			cJSON_AddItemToArray(args, cJSON_CreateString(it->valuestring));
	if (cJSON_GetArraySize(args) == 0)
		cJSON_AddItemToArray(args, cJSON_CreateString("/bin/sh"));

	cJSON *env = cJSON_AddArrayToObject(proc, "env");
	bool has_path = false, has_term = false;
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(cfg, "Env")) {
		if (!cJSON_IsString(it))
			continue;
		has_path |= !strncmp(it->valuestring, "PATH=", 5);
		has_term |= !strncmp(it->valuestring, "TERM=", 5);
	}
	if (!has_path)
		cJSON_AddItemToArray(env, cJSON_CreateString(
			"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"));
	snprintf(text, sizeof(text), "HOSTNAME=%s", hostname);
	cJSON_AddItemToArray(env, cJSON_CreateString(text));
	if (use_tty && !has_term)
		cJSON_AddItemToArray(env, cJSON_CreateString("TERM=xterm"));
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(cfg, "Env"))
		if (cJSON_IsString(it))
			cJSON_AddItemToArray(env, cJSON_CreateString(it->valuestring));
	if (uid == 0) {
		bool has_home = false;
		cJSON_ArrayForEach(it, env)
			has_home |= !strncmp(it->valuestring, "HOME=", 5);
		if (!has_home)
			cJSON_AddItemToArray(env, cJSON_CreateString("HOME=/root"));
	}
	const char *wd = icc_json_str(cfg, "WorkingDir");
	cJSON_AddStringToObject(proc, "cwd", wd && *wd ? wd : "/");

	cJSON *caps = cJSON_AddObjectToObject(proc, "capabilities");
	add_strings(cJSON_AddArrayToObject(caps, "bounding"), default_caps);
	add_strings(cJSON_AddArrayToObject(caps, "effective"), default_caps);
	add_strings(cJSON_AddArrayToObject(caps, "permitted"), default_caps);
	cJSON *rl = cJSON_AddArrayToObject(proc, "rlimits");
	struct rlimit lim;
	if (getrlimit(RLIMIT_NOFILE, &lim) == 0) {
		unsigned long long hard = lim.rlim_max == RLIM_INFINITY ? 1048576 : lim.rlim_max;
		if (hard > 1048576)
			hard = 1048576;
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "type", "RLIMIT_NOFILE");
		cJSON_AddNumberToObject(o, "hard", (double)hard);
		cJSON_AddNumberToObject(o, "soft", (double)hard);
		cJSON_AddItemToArray(rl, o);
	}
	/* set-ID programs and file capabilities grant nothing unless the operator asks */
	const cJSON *nnp = cJSON_GetObjectItemCaseSensitive(cfg, "NoNewPrivileges");
	cJSON_AddBoolToObject(proc, "noNewPrivileges", !cJSON_IsFalse(nnp));

	cJSON *root = cJSON_AddObjectToObject(spec, "root");
	icc_object_path(st, ICC_CONTAINER, id, "merged", path, sizeof(path));
	cJSON_AddStringToObject(root, "path", path);
	cJSON_AddBoolToObject(root, "readonly", false);
	cJSON_AddStringToObject(spec, "hostname", hostname);

	cJSON *mounts = cJSON_AddArrayToObject(spec, "mounts");
	add_mount(mounts, "/proc", "proc", "proc", (const char *[]){"nosuid", "noexec", "nodev", NULL});
	add_mount(mounts, "/dev", "tmpfs", "tmpfs",
		  (const char *[]){"nosuid", "strictatime", "mode=755", "size=65536k", NULL});
	add_mount(mounts, "/dev/pts", "devpts", "devpts",
		  (const char *[]){"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5", NULL});
	add_mount(mounts, "/dev/shm", "tmpfs", "shm",
		  (const char *[]){"nosuid", "noexec", "nodev", "mode=1777", "size=65536k", NULL});
	add_mount(mounts, "/dev/mqueue", "mqueue", "mqueue",
		  (const char *[]){"nosuid", "noexec", "nodev", NULL});
	if (hostnet)
		add_mount(mounts, "/sys", "bind", "/sys",
			  (const char *[]){"rbind", "nosuid", "noexec", "nodev", "ro", NULL});
	else
		add_mount(mounts, "/sys", "sysfs", "sysfs",
			  (const char *[]){"nosuid", "noexec", "nodev", "ro", NULL});
	add_mount(mounts, "/sys/fs/cgroup", "cgroup", "cgroup",
		  (const char *[]){"nosuid", "noexec", "nodev", "relatime", "ro", NULL});
	static const char *const etc[] = {"hostname", "hosts", "resolv.conf"};
	for (size_t i = 0; i < 3; i++) {
		char src[4400], dst[64];
		icc_object_path(st, ICC_CONTAINER, id, etc[i], src, sizeof(src));
		snprintf(dst, sizeof(dst), "/etc/%s", etc[i]);
		add_mount(mounts, dst, "bind", src, (const char *[]){"rbind", "rprivate", NULL});
	}
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(cfg, "Mounts")) {
		const char *src = icc_json_str(it, "Source"), *dst = icc_json_str(it, "Destination");
		if (!src || !dst)
			continue;
		bool ro = cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(it, "RW"));
		add_mount(mounts, dst, "bind", src,
			  ro ? (const char *[]){"rbind", "rprivate", "ro", NULL}
			     : (const char *[]){"rbind", "rprivate", NULL});
	}

	cJSON *linux_ = cJSON_AddObjectToObject(spec, "linux");
	snprintf(path, sizeof(path), "/icc/%s", id);
	cJSON_AddStringToObject(linux_, "cgroupsPath", path);
	cJSON *res = cJSON_AddObjectToObject(linux_, "resources");
	cJSON *devs = cJSON_AddArrayToObject(res, "devices");
	cJSON *deny = cJSON_CreateObject();
	cJSON_AddBoolToObject(deny, "allow", false);
	cJSON_AddStringToObject(deny, "access", "rwm");
	cJSON_AddItemToArray(devs, deny);
	cJSON *ns = cJSON_AddArrayToObject(linux_, "namespaces");
	static const char *const nss[] = {"pid", "ipc", "uts", "mount", "network", "cgroup"};
	for (size_t i = 0; i < sizeof(nss) / sizeof(nss[0]); i++) {
		if (hostnet && !strcmp(nss[i], "network"))
			continue;
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "type", nss[i]);
		/* bridge networks: the namespace icc made and netavark configured */
		if (!strcmp(nss[i], "network") && nf.netns[0])
			cJSON_AddStringToObject(o, "path", nf.netns);
		cJSON_AddItemToArray(ns, o);
	}
	add_strings(cJSON_AddArrayToObject(linux_, "maskedPaths"), (const char *[]){
		"/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
		"/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi",
		"/sys/firmware", "/sys/devices/virtual/powercap", NULL});
	add_strings(cJSON_AddArrayToObject(linux_, "readonlyPaths"), (const char *[]){
		"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL});
	if (r == 0) {
		cJSON *sec = NULL;
		r = icc_seccomp_for_container(cJSON_GetObjectItemCaseSensitive(cfg, "Seccomp"),
					      default_caps, &sec, err);
		if (sec)
			cJSON_AddItemToObject(linux_, "seccomp", sec);
	}

	if (r == 0 && mkdirat(dfd, "bundle", 0700) < 0 && errno != EEXIST)
		r = icc_err_sys(err, errno, "cannot create the bundle directory");
	if (r == 0) {
		int bfd = openat(dfd, "bundle", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (bfd < 0) {
			r = icc_err_sys(err, errno, "cannot open the bundle directory");
		} else {
			char *txt = cJSON_Print(spec);
			if (!txt) {
				r = icc_err_set(err, ENOMEM, "cannot serialise 'config.json'");
			} else {
				size_t len = strlen(txt);
				char *t2 = realloc(txt, len + 2);
				if (!t2) {
					free(txt);
					r = icc_err_set(err, ENOMEM, "cannot serialise 'config.json'");
				} else {
					t2[len++] = '\n';
					t2[len] = '\0';
					r = write_bundle_file(bfd, "config.json", t2, len, err);
					free(t2);
				}
			}
			close(bfd);
		}
	}
	cJSON_Delete(spec);
	icc_net_files_free(&nf);
	close(rootfd);
	close(dfd);
	return r;
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

int icc_state_update(struct icc_store *st, const char *id, const cJSON *patch,
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
	r = icc_object_meta_save(st, ICC_CONTAINER, id, meta, err);
	cJSON_Delete(meta);
	icc_store_unlock(st);
	return r;
}

void icc_runtime_cleanup(struct icc_store *st, const char *id, const char *runtime)
{
	struct icc_err e;
	char dir[4300];
	snprintf(dir, sizeof(dir), "%s/runtime/%s/%s", st->root, runtime ? runtime : "runc", id);
	if (access(dir, F_OK) == 0) {
		const char *args[] = {"delete", "--force", id, NULL};
		icc_runtime_cmd(st, runtime ? runtime : "runc", args, -1, -1, -1, NULL, 0, &e);
	}
	char mp[4400];
	icc_object_path(st, ICC_CONTAINER, id, "merged", mp, sizeof(mp));
	icc_fsumount(mp);
	icc_net_teardown(st, id);
	/* the cgroup, in case the runtime's state was already gone */
	static const char *const ctrls[] = {"cpu", "cpuacct", "cpuset", "memory", "devices", "freezer",
					    "blkio", "pids", "systemd", "unified", "net_cls", "perf_event",
					    "net_prio", "hugetlb", "rdma", "misc", NULL};
	for (int i = 0; ctrls[i]; i++) {
		char cg[4400];
		snprintf(cg, sizeof(cg), "/sys/fs/cgroup/%s/icc/%s", ctrls[i], id);
		rmdir(cg);
	}
	snprintf(dir, sizeof(dir), "/sys/fs/cgroup/icc/%s", id);
	rmdir(dir);
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
