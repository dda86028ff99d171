/* sendstream.h - a btrfs send stream (format v1, v2) read command by command */
#ifndef ICC_SENDSTREAM_H
#define ICC_SENDSTREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * The format (btrfs-progs kernel-shared/send.h): "btrfs-stream\0", le32
 * version, then commands: le32 payload length, le16 command, le32 crc32c of
 * the whole command with the crc field zeroed, then the payload of
 * attributes: le16 type, le16 length, data.  From v2 on, a DATA attribute has
 * no length and runs to the end of its command.
 */

enum icc_ss_cmd {
	ICC_SS_SUBVOL = 1, ICC_SS_SNAPSHOT, ICC_SS_MKFILE, ICC_SS_MKDIR, ICC_SS_MKNOD,
	ICC_SS_MKFIFO, ICC_SS_MKSOCK, ICC_SS_SYMLINK, ICC_SS_RENAME, ICC_SS_LINK,
	ICC_SS_UNLINK, ICC_SS_RMDIR, ICC_SS_SET_XATTR, ICC_SS_REMOVE_XATTR, ICC_SS_WRITE,
	ICC_SS_CLONE, ICC_SS_TRUNCATE, ICC_SS_CHMOD, ICC_SS_CHOWN, ICC_SS_UTIMES,
	ICC_SS_END, ICC_SS_UPDATE_EXTENT,                  /* 22: last of v1 */
	ICC_SS_FALLOCATE, ICC_SS_FILEATTR, ICC_SS_ENCODED_WRITE, /* 25: last of v2 */
};
#define ICC_SS_CMD_MAX_V1 ICC_SS_UPDATE_EXTENT
#define ICC_SS_CMD_MAX_V2 ICC_SS_ENCODED_WRITE

enum icc_ss_attr {
	ICC_SA_UUID = 1, ICC_SA_CTRANSID, ICC_SA_INO, ICC_SA_SIZE, ICC_SA_MODE, ICC_SA_UID,
	ICC_SA_GID, ICC_SA_RDEV, ICC_SA_CTIME, ICC_SA_MTIME, ICC_SA_ATIME, ICC_SA_OTIME,
	ICC_SA_XATTR_NAME, ICC_SA_XATTR_DATA, ICC_SA_PATH, ICC_SA_PATH_TO, ICC_SA_PATH_LINK,
	ICC_SA_FILE_OFFSET, ICC_SA_DATA, ICC_SA_CLONE_UUID, ICC_SA_CLONE_CTRANSID,
	ICC_SA_CLONE_PATH, ICC_SA_CLONE_OFFSET, ICC_SA_CLONE_LEN,  /* 24: last of v1 */
	ICC_SA_FALLOCATE_MODE, ICC_SA_FILEATTR, ICC_SA_UNENCODED_FILE_LEN,
	ICC_SA_UNENCODED_LEN, ICC_SA_UNENCODED_OFFSET, ICC_SA_COMPRESSION,
	ICC_SA_ENCRYPTION,                                         /* 31: last of v2 */
};
#define ICC_SA_MAX_V1 ICC_SA_CLONE_LEN
#define ICC_SA_MAX_V2 ICC_SA_ENCRYPTION

/* The command header: le32 length, le16 command, le32 crc. */
#define ICC_SS_CMD_HDR 10
/* No command is longer than this (v1 streams stay below 64 KiB, v2 below ~150 KiB). */
#define ICC_SS_CMD_MAX (16u << 20)

/* Fill buf with up to len bytes: how many (fewer only at the end of the input) or -errno. */
typedef ssize_t (*icc_ss_read_fn)(void *ctx, void *buf, size_t len);

struct icc_ss {
	icc_ss_read_fn read;
	void *ctx;
	uint32_t version;
	uint64_t count;     /* commands read so far (the current one included) */
	unsigned char *buf; /* the current command, header included */
	size_t cap;
	uint32_t len;       /* its payload length */
	uint16_t cmd;
};

/* Read the stream header.  0, -EPROTO (not a btrfs send stream) or -errno. */
int icc_ss_open(struct icc_ss *s, icc_ss_read_fn read, void *ctx);

/*
 * The next command into s->buf.  1: read; 0: the input ended between
 * commands; -ENODATA: it ended inside a command header; -EPROTO: inside a
 * payload; -EFBIG: longer than ICC_SS_CMD_MAX; -ENOMEM; -errno of a read.
 */
int icc_ss_next(struct icc_ss *s);

/* Does the current command's crc32c match its contents? */
bool icc_ss_crc_ok(const struct icc_ss *s);

/* The crc32c the format uses (Castagnoli, seed as given, no final inversion). */
uint32_t icc_crc32c(uint32_t crc, const void *buf, size_t len);

struct icc_ss_tlv {
	uint16_t type;
	uint32_t len;
	const unsigned char *data;
};

/*
 * The attribute at *off in the current command's payload (start with 0);
 * advances *off.  1: one read; 0: the payload is done; -EPROTO: an attribute
 * runs past the end of the command.
 */
int icc_ss_tlv_next(const struct icc_ss *s, uint32_t *off, struct icc_ss_tlv *t);

void icc_ss_close(struct icc_ss *s);

#endif
