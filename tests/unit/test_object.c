/* test_object.c - staging, publishing, lookup and tags, without root:
 * libbtrfsutil is wrapped so subvolumes are plain directories here. */
#include <dirent.h>
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
#include <unistd.h>
#include "unit.h"

#include <btrfsutil.h>

#include "icc/store/object.h"
#include "icc/store/ref.h"
#include "icc/store/store.h"

enum btrfs_util_error __wrap_btrfs_util_create_subvolume_fd(int parent_fd, const char *name, int flags,
							     uint64_t *transid, void *qgroup)
{
	return mkdirat(parent_fd, name, 0755) == 0 ? BTRFS_UTIL_OK : BTRFS_UTIL_ERROR_SUBVOL_CREATE_FAILED;
}

enum btrfs_util_error __wrap_btrfs_util_create_snapshot_fd2(int fd, int parent_fd, const char *name,
							     int flags, uint64_t *transid, void *qgroup)
{
	return mkdirat(parent_fd, name, 0755) == 0 ? BTRFS_UTIL_OK : BTRFS_UTIL_ERROR_SNAP_CREATE_FAILED;
}

enum btrfs_util_error __wrap_btrfs_util_set_subvolume_read_only_fd(int fd, bool ro)
{
	return BTRFS_UTIL_OK;
}

enum btrfs_util_error __wrap_btrfs_util_is_subvolume_fd(int fd)
{
	return BTRFS_UTIL_ERROR_NOT_SUBVOLUME;
}

static char root[64];
static struct icc_store st;

static int setup(void **state)
{
	snprintf(root, sizeof(root), "/tmp/icc-unit-store.XXXXXX");
	assert_non_null(mkdtemp(root));
	memset(&st, 0, sizeof(st));
	snprintf(st.root, sizeof(st.root), "%s", root);
	st.root_fd = open(root, O_RDONLY | O_DIRECTORY);
	st.lock_fd = -1;
	mkdirat(st.root_fd, "images", 0700);
	mkdirat(st.root_fd, "containers", 0700);
	mkdirat(st.root_fd, "tmp", 0700);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];
	close(st.root_fd);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd) == 0 ? 0 : -1;
}

static void make_image(const char *id_prefix_hint, char id[ICC_ID_LEN + 1])
{
	struct icc_err err;
	struct icc_stage sg;
	assert_int_equal(icc_stage_begin(&st, &sg, &err), 0);
	if (id_prefix_hint) {
		/* force a chosen id prefix to test ambiguity */
		char old[128], new[128];
		char forced[ICC_ID_LEN + 1];
		memcpy(forced, sg.id, sizeof(forced));
		memcpy(forced, id_prefix_hint, strlen(id_prefix_hint));
		snprintf(old, sizeof(old), "tmp/%s", sg.id);
		snprintf(new, sizeof(new), "tmp/%s", forced);
		assert_int_equal(renameat(st.root_fd, old, st.root_fd, new), 0);
		memcpy(sg.id, forced, sizeof(forced));
		close(sg.dirfd);
		sg.dirfd = openat(st.root_fd, new, O_RDONLY | O_DIRECTORY);
	}
	assert_int_equal(icc_stage_rootfs_empty(&sg, &err), 0);
	cJSON *meta = cJSON_CreateObject();
	cJSON_AddStringToObject(meta, "created", "2026-01-01T00:00:00Z");
	assert_int_equal(icc_stage_publish(&st, &sg, ICC_IMAGE, meta, &err), 0);
	cJSON_Delete(meta);
	memcpy(id, sg.id, ICC_ID_LEN + 1);
}

static void publish_list_and_meta(void **state)
{
	char id[ICC_ID_LEN + 1];
	make_image(NULL, id);
	struct icc_idlist l;
	struct icc_err err;
	assert_int_equal(icc_object_list(&st, ICC_IMAGE, &l, &err), 0);
	assert_int_equal(l.count, 1);
	assert_string_equal(l.ids[0], id);
	icc_idlist_free(&l);
	cJSON *meta;
	assert_int_equal(icc_object_meta(&st, ICC_IMAGE, id, &meta, &err), 0);
	assert_string_equal(icc_json_str(meta, "id"), id);
	cJSON_Delete(meta);
	/* nothing left in tmp/ after publishing */
	DIR *d = opendir(root);
	assert_non_null(d);
	closedir(d);
	char tmp[128];
	snprintf(tmp, sizeof(tmp), "%s/tmp", root);
	assert_int_equal(rmdir(tmp), 0); /* empty */
	assert_int_equal(mkdir(tmp, 0700), 0);
	assert_int_equal(icc_object_remove(&st, ICC_IMAGE, id, &err), 0);
	assert_false(icc_object_exists(&st, ICC_IMAGE, id));
}

static void resolve_by_name_prefix_and_ambiguity(void **state)
{
	char a[ICC_ID_LEN + 1], b[ICC_ID_LEN + 1], got[ICC_ID_LEN + 1];
	struct icc_err err;
	make_image("abc1", a);
	make_image("abc2", b);
	assert_int_equal(icc_image_resolve(&st, "abc1", got, &err), 0);
	assert_string_equal(got, a);
	assert_int_equal(icc_image_resolve(&st, a, got, &err), 0);
	char sha[80];
	snprintf(sha, sizeof(sha), "sha256:%s", b);
	assert_int_equal(icc_image_resolve(&st, sha, got, &err), 0);
	assert_string_equal(got, b);
	assert_int_equal(icc_image_resolve(&st, "abc", got, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "ambiguous"));
	assert_int_equal(icc_image_resolve(&st, "nothere", got, &err), -ENOENT);
	assert_string_equal(err.msg, "no such image 'nothere'");
	assert_int_equal(icc_image_resolve(&st, "Bad Name", got, &err), -EINVAL);

	assert_int_equal(icc_refs_set(&st, "web:1", a, &err), 0);
	assert_int_equal(icc_refs_set(&st, "web:latest", a, &err), 0);
	assert_int_equal(icc_image_resolve(&st, "web", got, &err), 0);
	assert_string_equal(got, a);
	assert_int_equal(icc_image_resolve(&st, "web:1", got, &err), 0);
	/* moving a tag */
	assert_int_equal(icc_refs_set(&st, "web:1", b, &err), 0);
	assert_int_equal(icc_image_resolve(&st, "web:1", got, &err), 0);
	assert_string_equal(got, b);
	assert_int_equal(icc_refs_drop_image(&st, a, &err), 1);
	assert_int_equal(icc_image_resolve(&st, "web", got, &err), -ENOENT);
}

static void corrupt_metadata_is_reported_per_object(void **state)
{
	char a[ICC_ID_LEN + 1], b[ICC_ID_LEN + 1];
	struct icc_err err;
	make_image(NULL, a);
	make_image(NULL, b);
	int fd = icc_object_dirfd(&st, ICC_IMAGE, a, &err);
	assert_true(fd >= 0);
	assert_int_equal(icc_write_file_atomic(fd, "meta.json", "{garbage", 8, &err), 0);
	close(fd);
	cJSON *meta;
	assert_int_equal(icc_object_meta(&st, ICC_IMAGE, a, &meta, &err), -EBADMSG);
	assert_non_null(strstr(err.msg, "corrupt metadata"));
	assert_int_equal(icc_object_meta(&st, ICC_IMAGE, b, &meta, &err), 0);
	cJSON_Delete(meta);
}

UNIT_TESTS(
	cmocka_unit_test_setup_teardown(publish_list_and_meta, setup, teardown),
	cmocka_unit_test_setup_teardown(resolve_by_name_prefix_and_ambiguity, setup, teardown),
	cmocka_unit_test_setup_teardown(corrupt_metadata_is_reported_per_object, setup, teardown))
