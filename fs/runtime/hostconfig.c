/* hostconfig.c - parse and check the values of run/create's HostConfig flags (hostconfig.h) */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "icc/runtime/hostconfig.h"

const char *const icc_all_caps[] = {
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID",
	"CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE",
	"CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW",
	"CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT",
	"CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE",
	"CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
	"CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE",
	"CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ",
	"CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE", NULL,
};

int icc_parse_bytes(const char *s, int64_t *out, struct icc_err *err)
{
	/* digits, optionally "." and digits: no sign, exponent or hex, which strtod would take */
	const char *p = s;
	while (isdigit((unsigned char)*p))
		p++;
	if (p == s)
		goto bad;
	if (*p == '.') {
		const char *f = ++p;
		while (isdigit((unsigned char)*p))
			p++;
		if (p == f)
			goto bad;
	}
	char num[64];
	if ((size_t)(p - s) >= sizeof(num))
		goto bad;
	snprintf(num, sizeof(num), "%.*s", (int)(p - s), s);
	double v = strtod(num, NULL);
	if (*p == ' ')
		p++;
	static const char units[] = "bkmgtp";
	double mult = 1;
	const char *u = *p ? strchr(units, tolower((unsigned char)*p)) : NULL;
	if (u && *u != 'b') {
		for (const char *q = units + 1; q <= u; q++)
			mult *= 1024;
		p++;
		if (*p == 'i' || *p == 'I')
			p++;
	}
	if (*p == 'b' || *p == 'B')
		p++;
	if (*p)
		goto bad;
	v *= mult;
	if (v >= 9.2e18)
		return icc_err_set(err, EINVAL, "'%s': too large", s);
	*out = (int64_t)v;
	return 0;
bad:
	return icc_err_set(err, EINVAL, "'%s': invalid size (a number with an optional unit b, k, m or g)", s);
}

int icc_parse_cpus(const char *s, int ncpu, int64_t *nano, struct icc_err *err)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v))
		return icc_err_set(err, EINVAL, "'%s': not a number", s);
	/* Docker: the range is 0.01 to the host's CPUs (NanoCpus / 1e9) */
	if (!(v >= 0.01 && v <= (double)ncpu))
		return icc_err_set(err, EINVAL, "'%s': the range of CPUs is from 0.01 to %d.00, as there %s only %d CPU%s available",
				   s, ncpu, ncpu == 1 ? "is" : "are", ncpu, ncpu == 1 ? "" : "s");
	*nano = (int64_t)(v * 1e9 + 0.5);
	return 0;
}

/* A decimal integer (sign allowed) over all of s. */
static int whole_int(const char *s, long long *v)
{
	char *end;
	errno = 0;
	*v = strtoll(s, &end, 10);
	return !*s || *end || errno ? -1 : 0;
}

int icc_parse_pids_limit(const char *s, int64_t *out, struct icc_err *err)
{
	long long v;
	if (whole_int(s, &v) < 0)
		return icc_err_set(err, EINVAL, "'%s': not an integer", s);
	if (v < -1)
		return icc_err_set(err, EINVAL, "'%s': use a positive number, or 0 or -1 for no limit", s);
	*out = v <= 0 ? 0 : v;
	return 0;
}

static const char *const ulimit_names[] = {
	"as", "core", "cpu", "data", "fsize", "locks", "memlock", "msgqueue", "nice", "nofile",
	"nproc", "rss", "rtprio", "rttime", "sigpending", "stack", NULL,
};

static int ulimit_value(const char *s, int64_t *v)
{
	long long n;
	if (!strcmp(s, "unlimited")) {
		*v = -1;
		return 0;
	}
	if (whole_int(s, &n) < 0 || n < -1)
		return -1;
	*v = n;
	return 0;
}

int icc_parse_ulimit(const char *s, struct icc_ulimit *out, struct icc_err *err)
{
	const char *eq = strchr(s, '=');
	if (!eq || eq == s)
		return icc_err_set(err, EINVAL, "'%s': use NAME=SOFT[:HARD]", s);
	size_t n = (size_t)(eq - s);
	size_t k = 0;
	while (ulimit_names[k] && (strlen(ulimit_names[k]) != n || strncmp(ulimit_names[k], s, n)))
		k++;
	if (!ulimit_names[k])
		return icc_err_set(err, EINVAL, "'%s': unknown limit '%.*s' (nofile, nproc, core, stack, memlock, ...)",
				   s, (int)n, s);
	snprintf(out->name, sizeof(out->name), "%s", ulimit_names[k]);
	char soft[64], hard[64];
	const char *colon = strchr(eq + 1, ':');
	snprintf(soft, sizeof(soft), "%.*s", colon ? (int)(colon - eq - 1) : (int)strlen(eq + 1), eq + 1);
	snprintf(hard, sizeof(hard), "%s", colon ? colon + 1 : soft);
	if (ulimit_value(soft, &out->soft) < 0 || ulimit_value(hard, &out->hard) < 0)
		return icc_err_set(err, EINVAL, "'%s': limits are integers or unlimited", s);
	if (out->hard != -1 && (out->soft == -1 || out->soft > out->hard))
		return icc_err_set(err, EINVAL, "'%s': the soft limit must be less than or equal to the hard limit", s);
	return 0;
}

int icc_parse_cap(const char *s, char *out, size_t size, struct icc_err *err)
{
	if (!strcasecmp(s, "ALL")) {
		snprintf(out, size, "ALL");
		return 0;
	}
	const char *name = strncasecmp(s, "CAP_", 4) ? s : s + 4;
	for (size_t i = 0; icc_all_caps[i]; i++)
		if (!strcasecmp(icc_all_caps[i] + 4, name)) {
			snprintf(out, size, "%s", icc_all_caps[i]);
			return 0;
		}
	return icc_err_set(err, EINVAL, "'%s': unknown capability", s);
}

static const char *const restart_names[] = {"no", "on-failure", "always", "unless-stopped"};

const char *icc_restart_name_str(enum icc_restart_name n)
{
	return (unsigned)n < 4 ? restart_names[n] : "no";
}

enum icc_restart_name icc_restart_name_of(const char *s)
{
	for (int i = 0; s && i < 4; i++)
		if (!strcmp(s, restart_names[i]))
			return (enum icc_restart_name)i;
	return ICC_RESTART_NO;
}

int icc_parse_restart(const char *s, struct icc_restart_policy *out, struct icc_err *err)
{
	const char *colon = strchr(s, ':');
	size_t n = colon ? (size_t)(colon - s) : strlen(s);
	int k = 0;
	while (k < 4 && (strlen(restart_names[k]) != n || strncmp(restart_names[k], s, n)))
		k++;
	if (k == 4)
		return icc_err_set(err, EINVAL, "'%s': use no, on-failure[:N], always or unless-stopped", s);
	out->name = (enum icc_restart_name)k;
	out->max_retries = 0;
	if (!colon)
		return 0;
	if (out->name != ICC_RESTART_ON_FAILURE)
		return icc_err_set(err, EINVAL, "'%s': a maximum retry count goes only with on-failure", s);
	long long v;
	if (whole_int(colon + 1, &v) < 0 || v < 0 || v > 1000000)
		return icc_err_set(err, EINVAL, "'%s': the maximum retry count is a number >= 0", s);
	out->max_retries = (int)v;
	return 0;
}

bool icc_restart_wanted(const struct icc_restart_policy *p, int exit_code, int restarts,
			bool stopped_by_user)
{
	if (stopped_by_user)
		return false;
	switch (p->name) {
	case ICC_RESTART_NO:
		return false;
	case ICC_RESTART_ON_FAILURE:
		return exit_code != 0 && (p->max_retries == 0 || restarts < p->max_retries);
	case ICC_RESTART_ALWAYS:
	case ICC_RESTART_UNLESS_STOPPED:
		return true;
	}
	return false;
}

int64_t icc_restart_delay_ms(int64_t prev_ms, int64_t ran_ms)
{
	if (prev_ms <= 0 || ran_ms >= 10000)
		return 100;
	int64_t d = prev_ms * 2;
	return d > 60000 ? 60000 : d;
}

int icc_parse_add_host(const char *s, char *name, size_t nsize, char *ip, size_t isize,
		       struct icc_err *err)
{
	/* NAME:IP, or NAME=IP, which is the form that takes IPv6 addresses unbracketed */
	const char *sep = strchr(s, '=');
	if (!sep)
		sep = strchr(s, ':');
	if (!sep || sep == s || !sep[1])
		return icc_err_set(err, EINVAL, "'%s': use NAME:IP", s);
	size_t n = (size_t)(sep - s);
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("-._", s[i]))
			return icc_err_set(err, EINVAL, "'%s': invalid host name", s);
	snprintf(name, nsize, "%.*s", (int)n, s);
	const char *a = sep + 1;
	char buf[64];
	size_t al = strlen(a);
	if (al >= 2 && a[0] == '[' && a[al - 1] == ']')
		snprintf(buf, sizeof(buf), "%.*s", (int)(al - 2), a + 1);
	else
		snprintf(buf, sizeof(buf), "%s", a);
	unsigned char bin[16];
	if (inet_pton(AF_INET, buf, bin) != 1 && inet_pton(AF_INET6, buf, bin) != 1)
		return icc_err_set(err, EINVAL, "'%s': invalid IP address '%s'", s, buf);
	snprintf(ip, isize, "%s", buf);
	return 0;
}

int icc_check_tmpfs_options(const char *opts, struct icc_err *err)
{
	static const char *const keys[] = {"size=", "mode=", "uid=", "gid=", "nr_inodes=", "nr_blocks=",
					   "mpol=", NULL};
	static const char *const flags[] = {"ro", "rw", "exec", "noexec", "suid", "nosuid", "dev", "nodev",
					    "sync", "async", "dirsync", "atime", "noatime", "diratime",
					    "nodiratime", "relatime", "norelatime", "strictatime",
					    "nostrictatime", "mand", "nomand", NULL};
	const char *p = opts;
	while (*p) {
		size_t n = strcspn(p, ",");
		bool ok = false;
		for (size_t i = 0; !ok && keys[i]; i++) {
			size_t k = strlen(keys[i]);
			ok = n > k && !strncmp(p, keys[i], k);
		}
		for (size_t i = 0; !ok && flags[i]; i++)
			ok = strlen(flags[i]) == n && !strncmp(p, flags[i], n);
		if (!ok)
			return icc_err_set(err, EINVAL, "'%s': unknown tmpfs option '%.*s'", opts, (int)n, p);
		p += n;
		if (*p == ',')
			p++;
	}
	return 0;
}
