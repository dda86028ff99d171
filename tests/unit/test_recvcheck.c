/* test_recvcheck.c - the btrfs send stream reader and the receive check, on streams in memory */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "unit.h"

#include "icc/oci/recvcheck.h"

static unsigned char st[1 << 16];
static size_t len, cmd_at;

static void put(const void *p, size_t n)
{
	memcpy(st + len, p, n);
	len += n;
}

static void put16(unsigned v) { unsigned char b[2] = {v & 255, v >> 8}; put(b, 2); }

static void put32_at(size_t at, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		st[at + i] = (v >> (8 * i)) & 255;
}

static void header(uint32_t version)
{
	len = 0;
	put("btrfs-stream", 13);
	unsigned char v[4] = {version & 255, 0, 0, 0};
	put(v, 4);
}

static void cmd(unsigned type)
{
	cmd_at = len;
	unsigned char h[10] = {0};
	put(h, 10);
	st[cmd_at + 4] = type & 255;
}

static void tlv(unsigned type, const void *p, size_t n)
{
	put16(type);
	put16((unsigned)n);
	put(p, n);
}

static void str(unsigned type, const char *s) { tlv(type, s, strlen(s)); }

static void u64(unsigned type, uint64_t v)
{
	unsigned char b[8];
	for (int i = 0; i < 8; i++)
		b[i] = (v >> (8 * i)) & 255;
	tlv(type, b, 8);
}

static void done(void)
{
	put32_at(cmd_at, (uint32_t)(len - cmd_at - 10));
	put32_at(cmd_at + 6, icc_crc32c(0, st + cmd_at, len - cmd_at));
}

static const uint8_t UUID[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

static void subvol(const char *name)
{
	cmd(ICC_SS_SUBVOL);
	str(ICC_SA_PATH, name);
	tlv(ICC_SA_UUID, UUID, 16);
	u64(ICC_SA_CTRANSID, 7);
	done();
}

static void path_cmd(unsigned type, const char *p, unsigned type2, const char *p2)
{
	cmd(type);
	str(ICC_SA_PATH, p);
	if (p2)
		str(type2, p2);
	done();
}

static void end(void)
{
	cmd(ICC_SS_END);
	done();
}

struct mem {
	size_t off;
};

static ssize_t mem_read(void *ctx, void *buf, size_t n)
{
	struct mem *m = ctx;
	size_t k = len - m->off < n ? len - m->off : n;
	memcpy(buf, st + m->off, k);
	m->off += k;
	return (ssize_t)k;
}

static struct icc_err err;

static int check(void)
{
	struct icc_recv_expect ex = {.subvol = "rootfs", .check_uuid = true, .parent_fd = -1};
	memcpy(ex.uuid, UUID, 16);
	struct mem m = {0};
	return icc_recv_check(mem_read, &m, "'t'", &ex, &err);
}

static void crc_vector(void **state)
{
	/* the standard CRC-32C check value, with the usual inversions around it */
	assert_int_equal(icc_crc32c(~0u, "123456789", 9) ^ ~0u, 0xe3069283u);
}

static void genuine_shape_passes(void **state)
{
	header(1);
	subvol("rootfs");
	path_cmd(ICC_SS_CHOWN, "", 0, NULL); /* the root: an empty path */
	path_cmd(ICC_SS_MKDIR, "o257-7-0", 0, NULL);
	path_cmd(ICC_SS_RENAME, "o257-7-0", ICC_SA_PATH_TO, "bin");
	path_cmd(ICC_SS_SYMLINK, "o258-7-0", ICC_SA_PATH_LINK, "/../../etc"); /* contents: data */
	path_cmd(ICC_SS_RENAME, "o258-7-0", ICC_SA_PATH_TO, "bin/sh");
	path_cmd(ICC_SS_CHOWN, "bin/sh", 0, NULL);  /* lchown: fine on a symlink */
	path_cmd(ICC_SS_UTIMES, "bin/sh", 0, NULL);
	path_cmd(ICC_SS_UNLINK, "bin/sh", 0, NULL);
	path_cmd(ICC_SS_MKFILE, "bin/sh", 0, NULL); /* gone: a plain name again */
	end();
	assert_int_equal(check(), 0);
}

static void refused(const char *what)
{
	assert_int_equal(check(), -EINVAL);
	if (!strstr(err.msg, what))
		fail_msg("'%s' does not say '%s'", err.msg, what);
	assert_non_null(strstr(err.msg, "cannot receive 't': "));
}

static void paths_refused(void **state)
{
	static const struct {
		const char *path, *why;
	} bad[] = {
		{"../x", "'..' component"}, {"a/../../x", "'..' component"}, {"a/..", "'..' component"},
		{"/etc/x", "is absolute"}, {"a//b", "empty component"}, {"a/", "empty component"},
		{"./a", "'.' component"}, {"", "is empty"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		header(1);
		subvol("rootfs");
		path_cmd(ICC_SS_MKFILE, bad[i].path, 0, NULL);
		end();
		refused(bad[i].why);
	}
	header(1);
	subvol("rootfs");
	cmd(ICC_SS_MKFILE);
	tlv(ICC_SA_PATH, "a\0../x", 6);
	done();
	end();
	refused("NUL byte");
}

static void symlinks_followed_by_name(void **state)
{
	header(1);
	subvol("rootfs");
	path_cmd(ICC_SS_MKDIR, "d", 0, NULL);
	path_cmd(ICC_SS_SYMLINK, "d/l", ICC_SA_PATH_LINK, "/etc");
	path_cmd(ICC_SS_RENAME, "d", ICC_SA_PATH_TO, "e");
	path_cmd(ICC_SS_MKFILE, "d/l/x", 0, NULL); /* the old name: no longer a symlink */
	path_cmd(ICC_SS_MKFILE, "e/l/x", 0, NULL);
	end();
	refused("command 6 (mkfile): path 'e/l/x' goes through the symlink 'e/l'");

	header(1);
	subvol("rootfs");
	path_cmd(ICC_SS_SYMLINK, "s", ICC_SA_PATH_LINK, "/etc/shadow");
	path_cmd(ICC_SS_RENAME, "f", ICC_SA_PATH_TO, "s"); /* replaced by a file */
	path_cmd(ICC_SS_TRUNCATE, "s", 0, NULL);
	path_cmd(ICC_SS_SYMLINK, "t", ICC_SA_PATH_LINK, "/etc/shadow");
	path_cmd(ICC_SS_TRUNCATE, "t", 0, NULL);
	end();
	refused("command 6 (truncate): path 't' is a symlink the stream made");
}

static void structure_refused(void **state)
{
	header(1);
	subvol("rootfs");
	subvol("rootfs");
	end();
	refused("a second subvolume");

	header(1);
	subvol("other");
	end();
	refused("makes subvolume 'other', not 'rootfs'");

	header(1);
	path_cmd(ICC_SS_MKFILE, "x", 0, NULL);
	end();
	refused("comes before the subvolume");

	header(1);
	subvol("rootfs");
	end();
	path_cmd(ICC_SS_MKFILE, "x", 0, NULL);
	refused("data after the end command");

	header(1);
	subvol("rootfs");
	path_cmd(ICC_SS_MKFILE, "x", 0, NULL);
	refused("without an end command");

	header(1);
	subvol("rootfs");
	end();
	len -= 3;
	refused("truncated");

	header(1);
	subvol("rootfs");
	path_cmd(ICC_SS_MKFILE, "x", 0, NULL);
	st[len - 1] ^= 1;
	end();
	refused("command 2 (mkfile): bad crc32c");

	header(1);
	subvol("rootfs");
	path_cmd(ICC_SS_FALLOCATE, "x", 0, NULL); /* a version 2 command */
	end();
	refused("command 2: unknown command 23");

	header(3);
	subvol("rootfs");
	end();
	refused("version 3");

	header(1);
	subvol("rootfs");
	cmd(ICC_SS_MKFILE);
	str(ICC_SA_PATH, "x");
	str(ICC_SA_PATH, "../x"); /* btrfs receive would take the last one */
	done();
	end();
	refused("attribute 15 given twice");

	header(1);
	cmd(ICC_SS_SUBVOL);
	str(ICC_SA_PATH, "rootfs");
	tlv(ICC_SA_UUID, "0123456789abcdef", 16);
	u64(ICC_SA_CTRANSID, 7);
	done();
	end();
	refused("is not the one the header names");
}

UNIT_TESTS(
	cmocka_unit_test(crc_vector),
	cmocka_unit_test(genuine_shape_passes),
	cmocka_unit_test(paths_refused),
	cmocka_unit_test(symlinks_followed_by_name),
	cmocka_unit_test(structure_refused))
