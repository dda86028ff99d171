/* placeholders.c - the runtime's mount points and /etc/mtab, kept out of images (placeholders.h) */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "icc/container/placeholders.h"
#include "icc/base/util.h"

const char *const icc_placeholder_paths[] = {"etc/hostname", "etc/hosts", "etc/resolv.conf",
					     "etc/mtab", NULL};

/* The tree's own /etc directory (never through a symlink: the tree is the container's). */
static int open_etc(int tree_fd)
{
	return icc_openat2(tree_fd, "etc", O_RDONLY | O_DIRECTORY | O_NOFOLLOW,
			   RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
}

static bool shaped(int etc_fd, const char *name)
{
	struct stat sb;
	if (fstatat(etc_fd, name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
		return false;
	if (!strcmp(name, "mtab")) {
		char t[32];
		ssize_t n = S_ISLNK(sb.st_mode) ? readlinkat(etc_fd, name, t, sizeof(t)) : -1;
		return n == 12 && !memcmp(t, "/proc/mounts", 12);
	}
	return S_ISREG(sb.st_mode) && sb.st_size == 0;
}

void icc_placeholders_prepare(int rootfs_fd)
{
	int etc = open_etc(rootfs_fd);
	if (etc < 0)
		return; /* no /etc: the runtime makes only its mount points */
	/* an existing mtab (file, link or anything) is the image's: left alone */
	symlinkat("/proc/mounts", etc, "mtab");
	close(etc);
}

bool icc_placeholder_at(int tree_fd, const char *rel)
{
	if (strncmp(rel, "etc/", 4))
		return false;
	int etc = open_etc(tree_fd);
	if (etc < 0)
		return false;
	bool r = shaped(etc, rel + 4);
	close(etc);
	return r;
}

int icc_placeholders_strip(int tree_fd, int base_fd)
{
	int etc = open_etc(tree_fd);
	if (etc < 0)
		return 0;
	int base_etc = base_fd >= 0 ? open_etc(base_fd) : -1;
	int rc = 0;
	for (size_t i = 0; icc_placeholder_paths[i]; i++) {
		const char *name = icc_placeholder_paths[i] + 4;
		struct stat sb;
		if (base_etc >= 0 && fstatat(base_etc, name, &sb, AT_SYMLINK_NOFOLLOW) == 0)
			continue; /* the image had it: the container's to keep */
		if (shaped(etc, name) && unlinkat(etc, name, 0) < 0 && errno != ENOENT)
			rc = -errno;
	}
	if (base_etc >= 0)
		close(base_etc);
	close(etc);
	return rc;
}
