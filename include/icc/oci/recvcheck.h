/* recvcheck.h - an untrusted btrfs send stream checked before `btrfs receive` sees it */
#ifndef ICC_RECVCHECK_H
#define ICC_RECVCHECK_H

#include <stdbool.h>
#include <stdint.h>

#include "icc/base/err.h"
#include "icc/oci/sendstream.h"

/* Symlinks made by one stream that the check follows; a stream with more is refused. */
#define ICC_RECV_LINKS_MAX 1000000

/* What the receiver expects of the stream (from the icc header and the local store). */
struct icc_recv_expect {
	const char *subvol;      /* the name of the one subvolume it makes ("rootfs") */
	bool check_uuid;         /* the subvolume must carry `uuid` (what the header says) */
	uint8_t uuid[16];
	/*
	 * An incremental stream: a SNAPSHOT of the local parent, named by the
	 * parent's own uuid, or by the uuid and stransid it was received with
	 * (an all-zero ruuid: never received).  parent_fd is the parent's root
	 * directory, where clone sources are looked up.
	 */
	bool parent;
	uint8_t parent_uuid[16], parent_ruuid[16];
	uint64_t parent_stransid;
	int parent_fd;
};

/*
 * Read the whole stream (the btrfs part, from "btrfs-stream") through `read`
 * and check that `btrfs receive` would only make the expected subvolume and
 * write inside it: known version (1, 2) and commands, good crc32c, no
 * truncated or over-long command, no duplicate or unknown attribute, exactly
 * one SUBVOL (full stream) or SNAPSHOT of the declared parent (incremental)
 * named ex->subvol, first; paths relative, without empty, "." or ".."
 * components or NUL bytes (symlink contents excepted: they are data); no path
 * through a symlink the stream made, no write, truncate, chmod or clone
 * that would follow one; clones only from the subvolume itself or the
 * parent, by a symlink-free path to a regular file of the parent; an END
 * command and nothing after it.
 * Returns 0 or -EINVAL with err naming `name` (e.g. "'x.send'") and the
 * reason, -errno when `read` fails.
 */
int icc_recv_check(icc_ss_read_fn read, void *ctx, const char *name,
		   const struct icc_recv_expect *ex, struct icc_err *err);

#endif
