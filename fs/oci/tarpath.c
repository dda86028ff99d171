/* tarpath.c - tar member names (refuse escapes, drop "./" prefixes), the disk writer */
#include <archive.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "icc/oci/tarpath.h"

bool icc_tar_name_safe(const char *name)
{
	if (!name || name[0] == '/')
		return false;
	for (const char *p = name; *p;) {
		const char *q = strchr(p, '/');
		size_t n = q ? (size_t)(q - p) : strlen(p);
		if (n == 2 && p[0] == '.' && p[1] == '.')
			return false;
		if (!q)
			break;
		p = q + 1;
	}
	return true;
}

const char *icc_tar_strip_dot(const char *name)
{
	while (name[0] == '.' && name[1] == '/')
		name += 2;
	while (name[0] == '/' && name[1] == '/')
		name++;
	if (!*name || !strcmp(name, ".") || !strcmp(name, "/"))
		return NULL;
	return name;
}

struct archive *icc_tar_disk_writer(void)
{
	struct archive *out = archive_write_disk_new();
	if (!out)
		return NULL;
	/* no ARCHIVE_EXTRACT_FFLAGS: chattr flags (immutable, append-only)
	 * are not kept, as Docker does not keep them either */
	archive_write_disk_set_options(out,
		ARCHIVE_EXTRACT_OWNER | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME |
		ARCHIVE_EXTRACT_XATTR | ARCHIVE_EXTRACT_ACL |
		ARCHIVE_EXTRACT_SECURE_SYMLINKS | ARCHIVE_EXTRACT_SECURE_NODOTDOT |
		ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS);
	archive_write_disk_set_standard_lookup(out);
	return out;
}

int icc_tar_enter(int dest_fd, int *saved)
{
	*saved = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (*saved < 0)
		return -errno;
	if (fchdir(dest_fd) < 0) {
		int e = errno;
		close(*saved);
		*saved = -1;
		return -e;
	}
	return 0;
}

int icc_tar_leave(int saved, int r, struct icc_err *err)
{
	if (fchdir(saved) < 0 && r == 0)
		r = icc_err_sys(err, errno, "cannot return to the working directory");
	close(saved);
	return r;
}
