/* fsmount.h - starting and stopping icc-fs daemons */
#ifndef ICC_FSMOUNT_H
#define ICC_FSMOUNT_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "icc/base/err.h"
#include "icc/store/store.h"

/* Path of the icc-fs binary ($ICC_FS_BIN, beside the running program, ../sbin, $PATH). */
const char *icc_fs_binary(char *buf, size_t size);

/*
 * Run `icc-fs [-o opts] SUBVOL MOUNTPOINT`; returns once the mount is live,
 * or with icc-fs's own one-line reason.
 */
int icc_fs_start(const char *subvol, const char *mountpoint, const char *opts,
		 struct icc_err *err);

/* Mount container `id` (its meta.json in `meta`) on `mountpoint` (created if missing). */
int icc_fsmount(struct icc_store *st, const char *id, const cJSON *meta,
		const char *mountpoint, const char *pidfile, struct icc_err *err);

/* Unmount (lazily if the daemon is gone or the mount busy); 0 when not mounted. */
int icc_fsumount(const char *mountpoint);

#endif
