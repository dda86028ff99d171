/* saveparse.c - parse and validate what is written to /.icc/save */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "icc/snap/saveparse.h"
#include "icc/snap/snapdir.h"

bool icc_save_text_valid(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t k = 0;
	while (k < n) {
		unsigned char c = s[k];
		if (c < 0x80) {
			if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)
				return false;
			k++;
			continue;
		}
		size_t extra;
		uint32_t cp;
		if ((c & 0xe0) == 0xc0) {
			extra = 1;
			cp = c & 0x1f;
		} else if ((c & 0xf0) == 0xe0) {
			extra = 2;
			cp = c & 0x0f;
		} else if ((c & 0xf8) == 0xf0) {
			extra = 3;
			cp = c & 0x07;
		} else {
			return false;
		}
		if (k + extra >= n)
			return false;
		for (size_t m = 1; m <= extra; m++) {
			if ((s[k + m] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (s[k + m] & 0x3f);
		}
		if ((extra == 1 && cp < 0x80) || (extra == 2 && cp < 0x800) ||
		    (extra == 3 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		k += extra + 1;
	}
	return true;
}

static int check_size(const char *buf, size_t size, struct icc_err *err)
{
	if (size > ICC_SAVE_WRITE_MAX)
		return icc_err_set(err, EINVAL, "save request of %zu bytes (at most %d)",
				   size, ICC_SAVE_WRITE_MAX);
	if (size && memchr(buf, '\0', size))
		return icc_err_set(err, EINVAL, "save request contains a NUL byte");
	return 0;
}

/* The message text in buf[0..n) without trailing newlines, validated and copied. */
static int take_text(const char *buf, size_t n, char **text, struct icc_err *err)
{
	while (n > 0 && buf[n - 1] == '\n')
		n--;
	if (!icc_save_text_valid(buf, n))
		return icc_err_set(err, EINVAL, "save message is not UTF-8 text");
	*text = strndup(buf, n);
	if (!*text)
		return icc_err_set(err, ENOMEM, "out of memory");
	return 0;
}

int icc_save_request_parse(const char *buf, size_t size, char *name, size_t nsize,
			   char **message, struct icc_err *err)
{
	*message = NULL;
	if (nsize == 0)
		return icc_err_set(err, EINVAL, "no room for a snapshot name");
	name[0] = '\0';
	int r = check_size(buf, size, err);
	if (r < 0)
		return r;
	const char *nl = size ? memchr(buf, '\n', size) : NULL;
	size_t namelen = nl ? (size_t)(nl - buf) : size;
	if (namelen == 0 && !nl)
		return icc_err_set(err, EINVAL, "empty save request (write a name or a newline)");
	if (namelen > ICC_SNAP_NAME_MAX || namelen >= nsize)
		return icc_err_set(err, EINVAL, "snapshot name of %zu bytes (at most %d)",
				   namelen, ICC_SNAP_NAME_MAX);
	memcpy(name, buf, namelen);
	name[namelen] = '\0';
	if (namelen > 0 && !icc_snap_name_valid(name)) {
		icc_printable(name); /* the container's text, shown on the host */
		r = icc_err_set(err, EINVAL, "invalid snapshot name '%s'", name);
		name[0] = '\0';
		return r;
	}
	const char *msg = nl ? nl + 1 : buf + size;
	r = take_text(msg, (size_t)(buf + size - msg), message, err);
	if (r < 0)
		name[0] = '\0';
	return r;
}

int icc_save_more_parse(const char *buf, size_t size, char **text, struct icc_err *err)
{
	*text = NULL;
	int r = check_size(buf, size, err);
	if (r < 0)
		return r;
	return take_text(buf, size, text, err);
}

int icc_rollback_request_parse(const char *buf, size_t size, char *name, size_t nsize,
			       bool *keep, struct icc_err *err)
{
	*keep = true;
	if (size && buf[size - 1] == '\n')
		size--;
	if (size == 0 || size >= 256 || memchr(buf, '\0', size) || memchr(buf, '\n', size))
		return icc_err_set(err, EINVAL, "rollback: write one line, NAME [keep=no]");
	char line[256];
	memcpy(line, buf, size);
	line[size] = '\0';
	char *opt = strchr(line, ' ');
	if (opt) {
		*opt++ = '\0';
		if (!strcmp(opt, "keep=no"))
			*keep = false;
		else if (strcmp(opt, "keep=yes"))
			return icc_err_set(err, EINVAL, "rollback: unknown option '%s' (keep=no)", opt);
	}
	if (!icc_snap_name_valid(line) || strlen(line) + 1 > nsize)
		return icc_err_set(err, EINVAL, "rollback: bad snapshot name '%s'", line);
	memcpy(name, line, strlen(line) + 1);
	return 0;
}
