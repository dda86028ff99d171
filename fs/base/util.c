/* util.c - atomic file writes, JSON files, random ids and time helpers */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <linux/openat2.h>

#include "icc/base/util.h"

int icc_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN) {
			struct pollfd pf = {.fd = fd, .events = POLLOUT};
			poll(&pf, 1, 1000);
			continue;
		}
		if (w < 0)
			return -errno;
		if (w == 0)
			return -EIO;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

int icc_mkdir_p(const char *path, mode_t mode)
{
	char buf[4096];
	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

void icc_uuid_format(const uint8_t u[16], char out[37])
{
	static const char hex[] = "0123456789abcdef";
	int o = 0;
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[u[i] >> 4];
		out[o++] = hex[u[i] & 15];
	}
	out[o] = '\0';
}

/* A Go duration ("90s", "1h30m", "1.5h", "250ms"), in ns; -1 when it is not one. */
int64_t icc_go_duration(const char *s)
{
	static const struct { const char *unit; double ns; } units[] = {
		{"ns", 1}, {"us", 1e3}, {"ms", 1e6}, {"s", 1e9}, {"m", 60e9}, {"h", 3600e9},
	};
	double total = 0;
	if (!*s)
		return -1;
	while (*s) {
		char *end;
		double v = strtod(s, &end);
		if (end == s || v < 0)
			return -1;
		s = end;
		size_t best = 0, k = sizeof(units) / sizeof(units[0]);
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
			size_t l = strlen(units[i].unit);
			if (!strncmp(s, units[i].unit, l) && l > best && !isalpha((unsigned char)s[l])) {
				best = l;
				k = i;
			}
		}
		if (k == sizeof(units) / sizeof(units[0]))
			return -1;
		total += v * units[k].ns;
		s += best;
	}
	return total > 9e18 ? -1 : (int64_t)total;
}

/* --since/--until: RFC 3339 (or a date), Unix seconds, or a duration before now; 0 when invalid. */
int64_t icc_time_when(const char *s, int64_t now)
{
	int64_t t = icc_time_parse(s);
	if (t > 0)
		return t;
	char *end;
	double secs = strtod(s, &end);
	if (end != s && !*end && secs > 0)
		return (int64_t)(secs * 1e9);
	int64_t d = icc_go_duration(s);
	if (d >= 0)
		return now - d > 0 ? now - d : 1;
	struct tm tm = {0};
	const char *rest = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!rest)
		rest = strptime(s, "%Y-%m-%d", &tm);
	if (rest && !*rest)
		return (int64_t)timegm(&tm) * 1000000000LL;
	return 0;
}

size_t icc_xattr_names_sorted(const char *list, ssize_t n, const char **names, size_t max)
{
	size_t k = 0;
	for (ssize_t i = 0; i < n && k < max; i += (ssize_t)strlen(list + i) + 1)
		names[k++] = list + i;
	for (size_t i = 1; i < k; i++) /* few names: insertion sort */
		for (size_t j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
			const char *t = names[j];
			names[j] = names[j - 1];
			names[j - 1] = t;
		}
	return k;
}

int icc_copy_data(int in, int out, const char **failed)
{
	for (;;) {
		ssize_t n = copy_file_range(in, NULL, out, NULL, 1 << 30, 0);
		if (n == 0)
			return 0;
		if (n > 0 || errno == EINTR)
			continue;
		/* not this pair of files (other file systems, special files): copy by hand */
		if (errno == EXDEV || errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP || errno == EBADF)
			break;
		*failed = "cannot copy the data";
		return -errno;
	}
	char buf[1 << 16];
	for (;;) {
		ssize_t n = read(in, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			*failed = "cannot read";
			return -errno;
		}
		if (n == 0)
			return 0;
		int w = icc_write_all(out, buf, (size_t)n);
		if (w < 0) {
			*failed = "cannot write";
			return w;
		}
	}
}

int icc_fsync_dir(int dirfd)
{
	return fsync(dirfd) < 0 ? -errno : 0;
}

int icc_write_file_atomic(int dirfd, const char *name, const void *data,
			  size_t len, struct icc_err *err)
{
	return icc_write_file_replace(dirfd, name, data, len, true, err);
}

int icc_write_file_replace(int dirfd, const char *name, const void *data,
			   size_t len, bool durable, struct icc_err *err)
{
	char tmp[512];
	char rnd[ICC_ID_LEN + 1];
	icc_random_id(rnd);
	if (snprintf(tmp, sizeof(tmp), ".%s.tmp-%.12s", name, rnd) >= (int)sizeof(tmp))
		return icc_err_set(err, ENAMETOOLONG, "file name '%s' too long", name);

	int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return icc_err_sys(err, errno, "cannot create '%s'", tmp);
	int w = icc_write_all(fd, data, len);
	if (w < 0) {
		close(fd);
		unlinkat(dirfd, tmp, 0);
		return icc_err_sys(err, -w, "cannot write '%s'", name);
	}
	if (durable && fsync(fd) < 0) {
		int e = errno;
		close(fd);
		unlinkat(dirfd, tmp, 0);
		return icc_err_sys(err, e, "cannot sync '%s'", name);
	}
	if (close(fd) < 0) {
		int e = errno;
		unlinkat(dirfd, tmp, 0);
		return icc_err_sys(err, e, "cannot write '%s'", name);
	}
	if (renameat(dirfd, tmp, dirfd, name) < 0) {
		int e = errno;
		unlinkat(dirfd, tmp, 0);
		return icc_err_sys(err, e, "cannot rename into '%s'", name);
	}
	if (durable)
		icc_fsync_dir(dirfd);
	return 0;
}

/* Read all of the open `fd` (closed here), at most `max` bytes; `name` is for messages. */
static int read_all(int fd, const char *name, size_t max, char **out, size_t *len,
		    struct icc_err *err)
{
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	if (!buf) {
		close(fd);
		return icc_err_set(err, ENOMEM, "out of memory reading '%s'", name);
	}
	for (;;) {
		if (n + 1 >= cap) {
			if (cap >= max + 1) {
				free(buf);
				close(fd);
				return icc_err_set(err, EFBIG, "file '%s' is larger than %zu bytes", name, max);
			}
			size_t ncap = cap * 2 > max + 1 ? max + 1 : cap * 2;
			char *nb = realloc(buf, ncap);
			if (!nb) {
				free(buf);
				close(fd);
				return icc_err_set(err, ENOMEM, "out of memory reading '%s'", name);
			}
			buf = nb;
			cap = ncap;
		}
		ssize_t r = read(fd, buf + n, cap - 1 - n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			free(buf);
			close(fd);
			return icc_err_sys(err, e, "cannot read '%s'", name);
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > max) {
			free(buf);
			close(fd);
			return icc_err_set(err, EFBIG, "file '%s' is larger than %zu bytes", name, max);
		}
	}
	close(fd);
	buf[n] = '\0';
	*out = buf;
	if (len)
		*len = n;
	return 0;
}

int icc_read_file(int dirfd, const char *name, size_t max, char **out,
		  size_t *len, struct icc_err *err)
{
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return icc_err_sys(err, errno, "cannot open '%s'", name);
	return read_all(fd, name, max, out, len, err);
}

int icc_openat2(int dirfd, const char *path, int flags, unsigned long long resolve)
{
	struct open_how how = {.flags = (unsigned long long)(flags | O_CLOEXEC), .resolve = resolve};
	/* a storm of renames elsewhere could repeat EAGAIN: bounded, then said */
	for (int tries = 0;; tries++) {
		long fd = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
		if (fd >= 0)
			return (int)fd;
		if (errno != EAGAIN || tries == 1000)
			return -errno;
	}
}

/*
 * The file is looked up as if `rootfd` were "/" (its symlinks and ".." stay
 * inside) and opened first as O_PATH, so that nothing but a regular file is
 * ever opened for reading: a FIFO or a device node a container made is
 * refused, never read and never waited on.
 */
int icc_read_file_in_root(int rootfd, const char *path, size_t max, char **out,
			  size_t *len, struct icc_err *err)
{
	int pfd = icc_openat2(rootfd, path, O_PATH, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
	if (pfd < 0)
		return icc_err_sys(err, -pfd, "cannot open '%s'", path);
	struct stat sb;
	if (fstat(pfd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		close(pfd);
		return icc_err_set(err, EINVAL, "cannot read '%s': not a regular file", path);
	}
	/* reopening the O_PATH descriptor opens this very inode, whatever the path is now */
	char proc[64];
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", pfd);
	int fd = open(proc, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	int e = errno;
	close(pfd);
	if (fd < 0)
		return icc_err_sys(err, e, "cannot open '%s'", path);
	return read_all(fd, path, max, out, len, err);
}

char *icc_json_text(const cJSON *doc, bool pretty, size_t *len)
{
	char *text = pretty ? cJSON_Print(doc) : cJSON_PrintUnformatted(doc);
	if (!text)
		return NULL;
	size_t n = strlen(text);
	char *withnl = realloc(text, n + 2);
	if (!withnl) {
		free(text);
		return NULL;
	}
	withnl[n++] = '\n';
	withnl[n] = '\0';
	if (len)
		*len = n;
	return withnl;
}

int icc_json_write(int dirfd, const char *name, const cJSON *doc,
		   struct icc_err *err)
{
	size_t len;
	char *text = icc_json_text(doc, true, &len);
	if (!text)
		return icc_err_set(err, ENOMEM, "cannot serialise '%s'", name);
	int r = icc_write_file_atomic(dirfd, name, text, len, err);
	free(text);
	return r;
}

int icc_json_read(int dirfd, const char *name, cJSON **doc, struct icc_err *err)
{
	char *text;
	int r = icc_read_file(dirfd, name, 16 << 20, &text, NULL, err);
	if (r < 0)
		return r;
	cJSON *j = cJSON_Parse(text);
	free(text);
	if (!j || !cJSON_IsObject(j)) {
		cJSON_Delete(j);
		return icc_err_set(err, EBADMSG, "corrupt metadata '%s': not a JSON object", name);
	}
	*doc = j;
	return 0;
}

const char *icc_json_str(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

long long icc_json_int(const cJSON *obj, const char *key, long long dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	return cJSON_IsNumber(v) ? (long long)v->valuedouble : dflt;
}

bool icc_json_has_string(const cJSON *arr, const char *s)
{
	const cJSON *it;
	cJSON_ArrayForEach(it, arr)
		if (cJSON_IsString(it) && !strcmp(it->valuestring, s))
			return true;
	return false;
}

int icc_grow(void *pv, size_t *cap, size_t n, size_t elem, size_t first)
{
	if (n < *cap)
		return 0;
	size_t ncap = *cap ? *cap * 2 : first;
	void **v = pv;
	void *nv = realloc(*v, ncap * elem);
	if (!nv)
		return -ENOMEM;
	*v = nv;
	*cap = ncap;
	return 0;
}

int icc_strv_push(char ***v, size_t *n, size_t *cap, const char *s)
{
	if (icc_grow(v, cap, *n, sizeof(**v), 16) < 0)
		return -ENOMEM;
	if (!((*v)[*n] = strdup(s)))
		return -ENOMEM;
	(*n)++;
	return 0;
}

void icc_random_id(char out[ICC_ID_LEN + 1])
{
	unsigned char raw[ICC_ID_LEN / 2];
	size_t got = 0;
	while (got < sizeof(raw)) {
		ssize_t n = getrandom(raw + got, sizeof(raw) - got, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			/* getrandom cannot fail on Linux >= 3.17 once seeded; be safe */
			for (; got < sizeof(raw); got++)
				raw[got] = (unsigned char)(rand() ^ (int)getpid());
			break;
		}
		got += (size_t)n;
	}
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < sizeof(raw); i++) {
		out[2 * i] = hex[raw[i] >> 4];
		out[2 * i + 1] = hex[raw[i] & 15];
	}
	out[ICC_ID_LEN] = '\0';
}

bool icc_is_hex(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return false;
	}
	return true;
}

int64_t icc_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

void icc_time_format(int64_t ns, char *buf, size_t size)
{
	time_t sec = (time_t)(ns / 1000000000LL);
	long frac = (long)(ns % 1000000000LL);
	struct tm tm;
	gmtime_r(&sec, &tm);
	char base[32];
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, size, "%s.%09ldZ", base, frac);
}

int64_t icc_time_parse(const char *s)
{
	if (!s)
		return 0;
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	const char *rest = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!rest)
		return 0;
	long long frac = 0;
	if (*rest == '.') {
		rest++;
		int digits = 0;
		while (*rest >= '0' && *rest <= '9') {
			if (digits < 9) {
				frac = frac * 10 + (*rest - '0');
				digits++;
			}
			rest++;
		}
		while (digits++ < 9)
			frac *= 10;
	}
	return (int64_t)timegm(&tm) * 1000000000LL + frac;
}

void icc_time_ago(int64_t ns, int64_t now_ns, char *buf, size_t size)
{
	/* Mirrors go-units HumanDuration, which docker uses for CREATED. */
	int64_t s = (now_ns - ns) / 1000000000LL;
	if (s < 0)
		s = 0;
	if (s < 1)
		snprintf(buf, size, "Less than a second ago");
	else if (s == 1)
		snprintf(buf, size, "1 second ago");
	else if (s < 60)
		snprintf(buf, size, "%lld seconds ago", (long long)s);
	else if (s / 60 == 1)
		snprintf(buf, size, "About a minute ago");
	else if (s / 60 < 60)
		snprintf(buf, size, "%lld minutes ago", (long long)(s / 60));
	else if (s / 3600 == 1)
		snprintf(buf, size, "About an hour ago");
	else if (s / 3600 < 48)
		snprintf(buf, size, "%lld hours ago", (long long)(s / 3600));
	else if (s / 3600 < 24 * 7 * 2)
		snprintf(buf, size, "%lld days ago", (long long)(s / 86400));
	else if (s / 3600 < 24 * 30 * 2)
		snprintf(buf, size, "%lld weeks ago", (long long)(s / (86400 * 7)));
	else if (s / 3600 < 24 * 365 * 2)
		snprintf(buf, size, "%lld months ago", (long long)(s / (86400 * 30)));
	else
		snprintf(buf, size, "%lld years ago", (long long)(s / (86400 * 365)));
}

/* Length of the valid UTF-8 sequence at s that is not a control character, or 0. */
static size_t printable_seq(const unsigned char *s)
{
	if (s[0] >= 0x20 && s[0] < 0x7f)
		return 1;
	size_t n = s[0] >= 0xc2 && s[0] <= 0xdf ? 2 : s[0] >= 0xe0 && s[0] <= 0xef ? 3
		 : s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : 0;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if (n == 2 && s[0] == 0xc2 && s[1] < 0xa0)
		return 0; /* U+0080..U+009F: the C1 controls */
	if ((n == 3 && s[0] == 0xe0 && s[1] < 0xa0) || (n == 3 && s[0] == 0xed && s[1] >= 0xa0) ||
	    (n == 4 && s[0] == 0xf0 && s[1] < 0x90) || (n == 4 && s[0] == 0xf4 && s[1] >= 0x90))
		return 0; /* overlong, surrogate, beyond U+10FFFF */
	return n;
}

void icc_printable(char *s)
{
	unsigned char *p = (unsigned char *)s;
	while (*p) {
		size_t n = printable_seq(p);
		if (n)
			p += n;
		else
			*p++ = '?';
	}
}

void icc_human_size(uint64_t bytes, char *buf, size_t size)
{
	/* go-units HumanSize: decimal units, 3 significant digits, as docker images prints them. */
	static const char *units[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
	double v = (double)bytes;
	int u = 0;
	while (v >= 1000.0 && u < 6) {
		v /= 1000.0;
		u++;
	}
	snprintf(buf, size, "%.3g%s", v, units[u]);
}

int icc_flock(const char *path, struct icc_err *err)
{
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return icc_err_sys(err, errno, "cannot open lock '%s'", path);
	while (flock(fd, LOCK_EX) < 0) {
		if (errno == EINTR)
			continue;
		int e = errno;
		close(fd);
		return icc_err_sys(err, e, "cannot lock '%s'", path);
	}
	return fd;
}

void icc_funlock(int fd)
{
	if (fd >= 0)
		close(fd); /* closing the open file releases the flock */
}
