/* tarcap.c - cap what an archive may expand to (zip bombs), for import and load */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>

#include "icc/oci/tarpath.h"
#include "icc/base/util.h"

void icc_tarcap_init(struct icc_tarcap *c, int dest_fd, const char *verb, const char *what)
{
	struct statvfs sv;
	c->limit = ~0ULL;
	c->used = 0;
	c->env = false;
	c->verb = verb;
	c->what = what;
	if (fstatvfs(dest_fd, &sv) == 0)
		c->limit = (unsigned long long)sv.f_bavail * sv.f_frsize;
	const char *env = getenv("ICC_IMPORT_MAX_BYTES");
	if (env && *env) {
		char *end;
		errno = 0;
		unsigned long long v = strtoull(env, &end, 10);
		if (*end == '\0' && errno == 0 && v < c->limit) {
			c->limit = v;
			c->env = true;
		}
	}
}

int icc_tarcap_check(struct icc_tarcap *c, unsigned long long more, const char *member,
		     struct icc_err *err)
{
	if (more <= c->limit - c->used) /* used <= limit always holds */
		return 0;
	if (c->env)
		return icc_err_set(err, EFBIG, "cannot %s '%s': it expands beyond ICC_IMPORT_MAX_BYTES "
				   "(%llu bytes) at member '%s'", c->verb, c->what, c->limit, member);
	char h[32];
	icc_human_size(c->limit, h, sizeof(h));
	return icc_err_set(err, ENOSPC, "cannot %s '%s': it expands beyond the free space "
			   "(%s) at member '%s': %s", c->verb, c->what, h, member, strerror(ENOSPC));
}

int icc_tarcap_add(struct icc_tarcap *c, unsigned long long n, const char *member,
		   struct icc_err *err)
{
	int r = icc_tarcap_check(c, n, member, err);
	if (r == 0)
		c->used += n;
	return r;
}
