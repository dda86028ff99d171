/* fsmount.c - start an icc-fs daemon on a container's rootfs, and stop it */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "icc/container/container.h"
#include "icc/store/object.h"
#include "icc/store/fsmount.h"
#include "icc/base/proc.h"

const char *icc_fs_binary(char *buf, size_t size)
{
	const char *env = getenv("ICC_FS_BIN");
	if (env && *env)
		return env;
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		char *slash = strrchr(self, '/');
		if (slash) {
			*slash = '\0';
			snprintf(buf, size, "%s/icc-fs", self);
			if (access(buf, X_OK) == 0)
				return buf;
			snprintf(buf, size, "%s/../sbin/icc-fs", self);
			if (access(buf, X_OK) == 0)
				return buf;
		}
	}
	return "icc-fs";
}

int icc_fs_start(const char *subvol, const char *mountpoint, const char *opts,
		 struct icc_err *err)
{
	char bin[PATH_MAX + 32];
	const char *fs = icc_fs_binary(bin, sizeof(bin));
	const char *argv[6];
	int n = 0;
	argv[n++] = fs;
	if (opts && *opts) {
		argv[n++] = "-o";
		argv[n++] = opts;
	}
	argv[n++] = subvol;
	argv[n++] = mountpoint;
	argv[n] = NULL;
	/* icc-fs daemonizes once the mount is live; its stderr says why not */
	char msg[512];
	const char *m;
	int rc = icc_proc_first_line(argv, msg, sizeof(msg), &m, err);
	if (rc < 0)
		return rc;
	if (rc != 0) {
		if (!strncmp(m, "icc-fs: ", 8))
			m += 8;
		return icc_err_set(err, EIO, "%s", *m ? m : "icc-fs failed");
	}
	return 0;
}

int icc_fsmount(struct icc_store *st, const char *id, const cJSON *meta,
		const char *mountpoint, const char *pidfile, struct icc_err *err)
{
	char rootfs[4300], snapdir[4300], lock[4300], opts[16384];
	icc_object_path(st, ICC_CONTAINER, id, "rootfs", rootfs, sizeof(rootfs));
	icc_container_snapdir(st, id, snapdir, sizeof(snapdir));
	icc_store_path(st, "lock", lock, sizeof(lock));
	const char *name = icc_json_str(meta, "name");
	const char *image = icc_json_str(meta, "image_ref");
	/* option values never contain commas: store paths, ids and names can't */
	int n = snprintf(opts, sizeof(opts), "snapdir=%s,lock=%s,id=%s,name=%s,image=%s", snapdir,
			 lock, id, name ? name : "", image ? image : "");
	if (pidfile)
		snprintf(opts + n, sizeof(opts) - (size_t)n, ",pidfile=%s", pidfile);
	if (mkdir(mountpoint, 0755) < 0 && errno != EEXIST)
		return icc_err_sys(err, errno, "cannot create '%s'", mountpoint);
	struct icc_err e2;
	int r = icc_fs_start(rootfs, mountpoint, opts, &e2);
	if (r < 0)
		return icc_err_set(err, -r, "cannot mount the container's filesystem: %s", e2.msg);
	return 0;
}

int icc_fsumount(const char *mountpoint)
{
	if (umount2(mountpoint, UMOUNT_NOFOLLOW) == 0)
		return 0;
	if (errno == EINVAL || errno == ENOENT)
		return 0; /* not mounted */
	if (umount2(mountpoint, MNT_DETACH | UMOUNT_NOFOLLOW) == 0)
		return 0;
	return errno == EINVAL ? 0 : -errno;
}
