/* test_snapdir.c - snapshot directory logic without btrfs (snapshots faked as dirs) */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unit.h"
#include <btrfsutil.h>

#include "icc/snap/snapdir.h"

static int fail_snapshot_errno;

enum btrfs_util_error __wrap_btrfs_util_create_snapshot_fd2(
	int fd, int parent_fd, const char *name, int flags, uint64_t *async_transid,
	struct btrfs_util_qgroup_inherit *qgroup_inherit)
{
	if (fail_snapshot_errno) {
		errno = fail_snapshot_errno;
		return BTRFS_UTIL_ERROR_SNAP_CREATE_FAILED;
	}
	if (mkdirat(parent_fd, name, 0755) < 0)
		return BTRFS_UTIL_ERROR_SNAP_CREATE_FAILED;
	return BTRFS_UTIL_OK;
}

enum btrfs_util_error __wrap_btrfs_util_delete_subvolume_fd(int parent_fd, const char *name,
							    int flags)
{
	return unlinkat(parent_fd, name, AT_REMOVEDIR) < 0 ? BTRFS_UTIL_ERROR_SNAP_DESTROY_FAILED
							    : BTRFS_UTIL_OK;
}

static char tmpl[64];

static int setup(void **state)
{
	strcpy(tmpl, "/tmp/test_snapdir.XXXXXX");
	assert_non_null(mkdtemp(tmpl));
	fail_snapshot_errno = 0;
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpl);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_names(void **state)
{
	assert_true(icc_snap_name_valid("a"));
	assert_true(icc_snap_name_valid("v1.0_rc-2"));
	assert_true(icc_snap_name_valid("20261123-155100-2"));
	char max[129];
	memset(max, 'x', 128);
	max[128] = '\0';
	assert_true(icc_snap_name_valid(max));
	max[127] = '\0';
	assert_true(icc_snap_name_valid(max));
	char over[130];
	memset(over, 'x', 129);
	over[129] = '\0';
	assert_false(icc_snap_name_valid(over));
	const char *bad[] = {"", ".", "..", "../x", "a/b", ".hidden", "-x", "_x", "a b",
			     "a\nb", "\xff", "a\xc3\xa9", NULL};
	for (int k = 0; bad[k]; k++)
		assert_false(icc_snap_name_valid(bad[k]));
	assert_false(icc_snap_name_valid(NULL));
}

/* the snapshot dir <tmpl>/snaps, made by the open */
static void open_snaps(struct icc_snapdir *sd)
{
	char path[128];
	struct icc_err err;
	snprintf(path, sizeof(path), "%s/snaps", tmpl);
	assert_int_equal(icc_snapdir_open(sd, path, &err), 0);
}

/* For the tests that need no other: <tmpl>/snaps open, and <tmpl> to take snapshots of. */
static struct {
	struct icc_snapdir sd;
	int src;
} fx;

static int setup_snaps(void **state)
{
	setup(state);
	open_snaps(&fx.sd);
	fx.src = open(tmpl, O_RDONLY | O_DIRECTORY);
	assert_true(fx.src >= 0);
	return 0;
}

static int teardown_snaps(void **state)
{
	close(fx.src);
	icc_snapdir_close(&fx.sd);
	return teardown(state);
}

static int count_tmp(int dirfd)
{
	DIR *d = fdopendir(dup(dirfd));
	int n = 0;
	struct dirent *de;
	rewinddir(d);
	while ((de = readdir(d)))
		if (!strncmp(de->d_name, ".tmp-", 5))
			n++;
	closedir(d);
	return n;
}

static int take(struct icc_snapdir *sd, int src, const char *name, const char *msg,
		const cJSON *source, struct icc_snap_info *out, struct icc_err *err)
{
	struct icc_snap_opts o = {.name = name, .message = msg, .source = source};
	return icc_snapdir_take(sd, src, &o, out, err);
}

static void test_take_list_rename_remove(void **state)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/sub/snaps", tmpl);
	struct icc_snapdir sd;
	struct icc_err err;
	assert_int_equal(icc_snapdir_open(&sd, path, &err), 0);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);

	int src = open(tmpl, O_RDONLY | O_DIRECTORY);
	struct icc_snap_info a, b, c;
	cJSON *source = cJSON_CreateObject();
	cJSON_AddStringToObject(source, "kind", "test");
	assert_int_equal(take(&sd, src, "first", "hello\nworld", source, &a, &err), 0);
	assert_string_equal(a.name, "first");
	assert_int_equal(strlen(a.id), ICC_ID_LEN);
	assert_int_equal(take(&sd, src, "first", NULL, NULL, &b, &err), -EEXIST);
	assert_int_equal(take(&sd, src, "../x", NULL, NULL, &b, &err), -EINVAL);
	assert_int_equal(take(&sd, src, NULL, NULL, NULL, &b, &err), 0);
	assert_int_equal(take(&sd, src, "", NULL, NULL, &c, &err), 0);
	assert_string_not_equal(b.name, c.name);
	assert_true(icc_snap_name_valid(b.name) && icc_snap_name_valid(c.name));
	assert_int_equal(strlen(b.name) >= 15, 1);
	fail_snapshot_errno = ENOSPC;
	assert_int_equal(take(&sd, src, "full", NULL, NULL, &c, &err), -ENOSPC);
	fail_snapshot_errno = 0;
	assert_int_equal(count_tmp(sd.dirfd), 0);

	struct icc_snap_info got;
	assert_int_equal(icc_snapdir_get(&sd, "first", &got, &err), 0);
	assert_string_equal(got.id, a.id);
	assert_string_equal(got.message, "hello\nworld");
	assert_true(got.created_ns == a.created_ns);
	cJSON *meta;
	int nfd = openat(sd.dirfd, "first", O_RDONLY | O_DIRECTORY);
	assert_int_equal(icc_json_read(nfd, "meta.json", &meta, &err), 0);
	close(nfd);
	assert_string_equal(icc_json_str(cJSON_GetObjectItem(meta, "source"), "kind"), "test");
	cJSON_Delete(meta);

	/* a hand-made snapshot without meta.json, and junk, are tolerated */
	assert_int_equal(mkdirat(sd.dirfd, "byhand", 0755), 0);
	nfd = openat(sd.dirfd, "byhand", O_RDONLY | O_DIRECTORY);
	assert_int_equal(mkdirat(nfd, "rootfs", 0755), 0);
	close(nfd);
	assert_int_equal(mkdirat(sd.dirfd, "norootfs", 0755), 0);
	close(openat(sd.dirfd, "afile", O_CREAT | O_WRONLY, 0644));

	struct icc_snap_info *v;
	size_t n;
	assert_int_equal(icc_snapdir_list(&sd, &v, &n, &err), 0);
	assert_int_equal(n, 4);
	assert_string_equal(v[0].name, "first");
	assert_string_equal(v[3].name, "byhand");
	for (size_t k = 1; k < n; k++)
		assert_true(v[k - 1].created_ns <= v[k].created_ns);
	free(v);

	int rfd = icc_snapdir_open_root(&sd, "first", &err);
	assert_true(rfd >= 0);
	close(rfd);
	assert_true(icc_snapdir_open_root(&sd, "../sub", &err) < 0);

	assert_int_equal(icc_snapdir_rename(&sd, "first", "second", &err), 0);
	assert_int_equal(icc_snapdir_rename(&sd, "second", b.name, &err), -EEXIST);
	assert_int_equal(icc_snapdir_rename(&sd, "nope", "x", &err), -ENOENT);
	assert_int_equal(icc_snapdir_rename(&sd, "second", "a/b", &err), -EINVAL);
	assert_int_equal(icc_snapdir_get(&sd, "first", &got, &err), -ENOENT);
	assert_int_equal(icc_snapdir_remove(&sd, "second", &err), 0);
	assert_int_equal(icc_snapdir_remove(&sd, "second", &err), -ENOENT);
	assert_int_equal(count_tmp(sd.dirfd), 0);

	/* leftovers of a crash */
	assert_int_equal(mkdirat(sd.dirfd, ".tmp-crash", 0755), 0);
	nfd = openat(sd.dirfd, ".tmp-crash", O_RDONLY | O_DIRECTORY);
	assert_int_equal(mkdirat(nfd, "rootfs", 0755), 0);
	close(openat(nfd, "meta.json", O_CREAT | O_WRONLY, 0644));
	close(nfd);
	assert_int_equal(icc_snapdir_clean_tmp(&sd, true, &err), 1);
	assert_int_equal(icc_snapdir_clean_tmp(&sd, false, &err), 1);
	assert_int_equal(count_tmp(sd.dirfd), 0);

	cJSON_Delete(source);
	close(src);
	icc_snapdir_close(&sd);
}

/* origin recorded and read back; a container cannot take a host snapshot's name */
static void test_origin(void **state)
{
	struct icc_snapdir *sd = &fx.sd;
	int src = fx.src;
	struct icc_err err;
	struct icc_snap_info a, got;
	struct icc_snap_opts host = {.name = "known-good", .origin = ICC_SNAP_HOST};
	struct icc_snap_opts inside = {.name = "known-good", .origin = ICC_SNAP_CONTAINER};
	assert_int_equal(icc_snapdir_take(sd, src, &host, &a, &err), 0);
	assert_int_equal(icc_snapdir_take(sd, src, &inside, &got, &err), -EPERM);
	assert_non_null(strstr(err.msg, "made by the host"));
	inside.name = "mine";
	assert_int_equal(icc_snapdir_take(sd, src, &inside, &got, &err), 0);
	assert_int_equal(got.origin, ICC_SNAP_CONTAINER);
	assert_int_equal(icc_snapdir_take(sd, src, &inside, &got, &err), -EEXIST);
	assert_int_equal(icc_snapdir_take(sd, src, &host, &got, &err), -EEXIST);
	assert_int_equal(count_tmp(sd->dirfd), 0);

	assert_int_equal(icc_snapdir_get(sd, "known-good", &got, &err), 0);
	assert_int_equal(got.origin, ICC_SNAP_HOST);
	assert_int_equal(icc_snapdir_get(sd, "mine", &got, &err), 0);
	assert_int_equal(got.origin, ICC_SNAP_CONTAINER);
	assert_string_equal(icc_snap_origin_name(ICC_SNAP_HOST), "host");
	assert_string_equal(icc_snap_origin_name(ICC_SNAP_CONTAINER), "container");

	/* old metadata without "origin": host-made */
	int nfd = openat(sd->dirfd, "mine", O_RDONLY | O_DIRECTORY);
	int mfd = openat(nfd, "meta.json", O_WRONLY | O_TRUNC);
	const char *old = "{\"id\": \"x\", \"created\": \"2024-01-01T00:00:00Z\"}\n";
	assert_int_equal(write(mfd, old, strlen(old)), (ssize_t)strlen(old));
	close(mfd);
	close(nfd);
	assert_int_equal(icc_snapdir_get(sd, "mine", &got, &err), 0);
	assert_int_equal(got.origin, ICC_SNAP_HOST);
}

/* the message is capped as a whole, at take and at every append */
static void test_message_cap(void **state)
{
	struct icc_snapdir *sd = &fx.sd;
	int src = fx.src;
	struct icc_err err;
	char *big = malloc(ICC_SNAP_MESSAGE_MAX + 2);
	memset(big, 'm', ICC_SNAP_MESSAGE_MAX + 1);
	big[ICC_SNAP_MESSAGE_MAX + 1] = '\0';
	struct icc_snap_info a, got;
	struct icc_snap_opts o = {.name = "s", .message = big};
	assert_int_equal(icc_snapdir_take(sd, src, &o, &a, &err), -EFBIG);
	assert_int_equal(count_tmp(sd->dirfd), 0);
	o.message = "first";
	assert_int_equal(icc_snapdir_take(sd, src, &o, &a, &err), 0);
	/* "first" + "\n" + text: exactly at the cap is fine, one byte more is not */
	big[ICC_SNAP_MESSAGE_MAX - 6] = '\0';
	assert_int_equal(icc_snapdir_append_message(sd, "s", big, &err), 0);
	assert_int_equal(icc_snapdir_append_message(sd, "s", "x", &err), -EFBIG);
	assert_non_null(strstr(err.msg, "at most 65536"));
	assert_int_equal(icc_snapdir_get(sd, "s", &got, &err), 0);
	assert_string_equal(got.id, a.id);
	assert_true(got.created_ns == a.created_ns);
	assert_int_equal(strncmp(got.message, "first\nmmm", 9), 0);
	free(big);
}

/* a staging dir flock'd by its maker is in use: clean_tmp leaves it */
static void test_tmp_busy(void **state)
{
	struct icc_snapdir *sd = &fx.sd;
	struct icc_err err;
	assert_int_equal(mkdirat(sd->dirfd, ".tmp-busy", 0755), 0);
	assert_int_equal(mkdirat(sd->dirfd, ".tmp-left", 0755), 0);
	int fd = openat(sd->dirfd, ".tmp-busy", O_RDONLY | O_DIRECTORY);
	assert_int_equal(flock(fd, LOCK_EX), 0);
	assert_int_equal(icc_snapdir_tmp_busy(sd->dirfd, ".tmp-busy", true), 1);
	assert_int_equal(icc_snapdir_clean_tmp(sd, false, &err), 1);
	assert_int_equal(count_tmp(sd->dirfd), 1);
	close(fd);
	assert_int_equal(icc_snapdir_tmp_busy(sd->dirfd, ".tmp-busy", false), 0);
	assert_int_equal(count_tmp(sd->dirfd), 1);
	assert_int_equal(icc_snapdir_clean_tmp(sd, false, &err), 1);
	assert_int_equal(count_tmp(sd->dirfd), 0);
}

/* a named snapshot without rootfs (its ioctl still running, or a crash's
 * leftover) is no snapshot: not listed, not removable; unfinished says which */
static void test_unfinished(void **state)
{
	struct icc_snapdir *sd = &fx.sd;
	struct icc_err err;
	struct icc_snap_info *v;
	size_t n;
	assert_int_equal(mkdirat(sd->dirfd, "half", 0755), 0);
	assert_int_equal(icc_snapdir_list(sd, &v, &n, &err), 0);
	assert_int_equal(n, 0);
	free(v);
	assert_int_equal(icc_snapdir_remove(sd, "half", &err), -ENOENT);
	assert_int_equal(icc_snapdir_rename(sd, "half", "other", &err), -ENOENT);
	int fd = openat(sd->dirfd, "half", O_RDONLY | O_DIRECTORY);
	assert_int_equal(flock(fd, LOCK_EX), 0);
	assert_int_equal(icc_snapdir_unfinished(sd->dirfd, "half", true), 1);
	/* the save finishes: its rootfs appears before its flock goes */
	assert_int_equal(mkdirat(fd, "rootfs", 0755), 0);
	close(fd);
	assert_int_equal(icc_snapdir_unfinished(sd->dirfd, "half", true), 2);
	fd = openat(sd->dirfd, "half", O_RDONLY | O_DIRECTORY);
	assert_int_equal(unlinkat(fd, "rootfs", AT_REMOVEDIR), 0);
	close(fd);
	/* nobody holds it: a leftover, kept when only asked, removed on repair */
	assert_int_equal(icc_snapdir_unfinished(sd->dirfd, "half", false), 0);
	assert_int_equal(faccessat(sd->dirfd, "half", F_OK, 0), 0);
	assert_int_equal(icc_snapdir_unfinished(sd->dirfd, "half", true), 0);
	assert_int_equal(faccessat(sd->dirfd, "half", F_OK, 0), -1);
	assert_int_equal(icc_snapdir_unfinished(sd->dirfd, "half", true), 2);
}

UNIT_TESTS(
	cmocka_unit_test(test_names),
	cmocka_unit_test_setup_teardown(test_take_list_rename_remove, setup, teardown),
	cmocka_unit_test_setup_teardown(test_origin, setup_snaps, teardown_snaps),
	cmocka_unit_test_setup_teardown(test_message_cap, setup_snaps, teardown_snaps),
	cmocka_unit_test_setup_teardown(test_tmp_busy, setup_snaps, teardown_snaps),
	cmocka_unit_test_setup_teardown(test_unfinished, setup_snaps, teardown_snaps))
