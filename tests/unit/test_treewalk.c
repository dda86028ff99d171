/* test_treewalk.c - checked opens refuse what was swapped in after the lstat; paths stop at 4095 bytes */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "unit.h"

#include "icc/image/treewalk.h"

static void put(int dirfd, const char *name, const char *text)
{
	int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

/* lstat f as a regular file, then put `kind` in its place: the checked open must refuse it */
static void swapped_after_lstat(void **state)
{
	(void)state;
	char path[64];
	int dfd = make_tmpdir(path, sizeof(path));
	struct stat sb;
	put(dfd, "f", "regular");
	assert_int_equal(fstatat(dfd, "f", &sb, AT_SYMLINK_NOFOLLOW), 0);
	int fd = icc_file_open_checked(dfd, "f", &sb);
	assert_true(fd >= 0);
	char buf[16] = "";
	assert_int_equal(read(fd, buf, sizeof(buf)), 7);
	close(fd);

	/* a FIFO: no hang (nothing writes to it), refused */
	assert_int_equal(unlinkat(dfd, "f", 0), 0);
	assert_int_equal(mkfifoat(dfd, "f", 0600), 0);
	assert_int_equal(icc_file_open_checked(dfd, "f", &sb), -ESTALE);

	/* a symlink to a regular file: not followed */
	assert_int_equal(unlinkat(dfd, "f", 0), 0);
	put(dfd, "other", "other");
	assert_int_equal(symlinkat("other", dfd, "f"), 0);
	assert_true(icc_file_open_checked(dfd, "f", &sb) < 0);

	/* another regular file under the same name: another inode, refused */
	assert_int_equal(unlinkat(dfd, "f", 0), 0);
	assert_int_equal(renameat(dfd, "other", dfd, "f"), 0);
	struct stat now;
	assert_int_equal(fstatat(dfd, "f", &now, AT_SYMLINK_NOFOLLOW), 0);
	if (now.st_ino != sb.st_ino)
		assert_int_equal(icc_file_open_checked(dfd, "f", &sb), -ESTALE);

	/* a device node (root only): refused without being opened */
	if (geteuid() == 0) {
		assert_int_equal(unlinkat(dfd, "f", 0), 0);
		assert_int_equal(mknodat(dfd, "f", S_IFCHR | 0600, makedev(1, 3)), 0);
		assert_int_equal(icc_file_open_checked(dfd, "f", &sb), -ESTALE);
	}
	/* a directory swapped for a file */
	assert_int_equal(mkdirat(dfd, "d", 0755), 0);
	assert_int_equal(fstatat(dfd, "d", &sb, AT_SYMLINK_NOFOLLOW), 0);
	assert_int_equal(unlinkat(dfd, "d", AT_REMOVEDIR), 0);
	assert_int_equal(mkdirat(dfd, "d", 0755), 0);
	assert_int_equal(fstatat(dfd, "d", &now, AT_SYMLINK_NOFOLLOW), 0);
	if (now.st_ino != sb.st_ino)
		assert_int_equal(icc_dir_open_checked(dfd, "d", &sb), -ESTALE);
	fd = icc_dir_open_checked(dfd, "d", &now);
	assert_true(fd >= 0);
	/* and back up through ".." */
	struct stat top;
	assert_int_equal(fstat(dfd, &top), 0);
	int up = icc_dir_reopen_parent(fd, &top);
	assert_true(up >= 0);
	close(up);
	assert_int_equal(icc_dir_reopen_parent(fd, &now), -ESTALE);
	close(fd);

	/* lookups beneath the tree never follow a symlink on the way */
	assert_int_equal(symlinkat("/etc", dfd, "etc"), 0);
	assert_true(icc_lstat_beneath(dfd, "etc/passwd", &sb) < 0);
	assert_int_equal(icc_lstat_beneath(dfd, "etc", &sb), 0);
	assert_true(S_ISLNK(sb.st_mode));
	close(dfd);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", path);
	assert_int_equal(system(cmd), 0);
}

static void path_limit(void **state)
{
	(void)state;
	struct icc_relpath *p = calloc(1, sizeof(*p));
	struct icc_err err;
	size_t mark, first;
	assert_int_equal(icc_relpath_push(p, "a", &first, &err), 0);
	assert_string_equal(p->buf, "a");
	/* "a" + 2047 x "/d" = 4095 bytes: fits */
	for (int i = 0; i < 2047; i++)
		assert_int_equal(icc_relpath_push(p, "d", &mark, &err), 0);
	assert_int_equal(p->len, ICC_TREE_PATH_MAX);
	assert_int_equal(icc_relpath_push(p, "d", &mark, &err), -ENAMETOOLONG);
	assert_non_null(strstr(err.msg, "'a/d/d/d"));
	assert_non_null(strstr(err.msg, "4095 bytes"));
	assert_int_equal(p->len, ICC_TREE_PATH_MAX);
	icc_relpath_pop(p, first);
	assert_string_equal(p->buf, "");
	free(p);
}

UNIT_TESTS(
	cmocka_unit_test(swapped_after_lstat),
	cmocka_unit_test(path_limit))
