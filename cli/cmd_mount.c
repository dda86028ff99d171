/* cmd_mount.c - icc mount / icc umount: serve a container or subvolume with icc-fs */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "icc/container/container.h"
#include "icc/store/fsmount.h"
#include "icc/store/object.h"
#include "icc/store/subvol.h"
#include <fcntl.h>

/* Run icc-fs; it returns once the mount is live (or failed, saying why). */
static int run_fs(const char *subvol, const char *mountpoint, const char *opts)
{
	struct icc_err err;
	if (icc_fs_start(subvol, mountpoint, opts, &err) < 0) {
		cli_errorf("cannot mount '%s' on '%s': %s", subvol, mountpoint, err.msg);
		return 1;
	}
	return 0;
}

int cmd_mount(struct cli_ctx *ctx)
{
	const char *what = ctx->argv[0], *mp = ctx->argv[1];
	struct stat sb;
	if (geteuid() != 0) {
		cli_errorf("icc must run as root (try: sudo icc mount ...)");
		return 1;
	}
	if (stat("/dev/fuse", &sb) < 0 || !S_ISCHR(sb.st_mode)) {
		cli_errorf("cannot mount: /dev/fuse is missing (load the module: modprobe fuse; in a container, pass --device /dev/fuse)");
		return 1;
	}
	if (stat(mp, &sb) < 0 || !S_ISDIR(sb.st_mode)) {
		cli_errorf("cannot mount on '%s': %s", mp, errno && stat(mp, &sb) < 0 ? strerror(errno) : "not a directory");
		return 1;
	}
	/* A path names a subvolume; anything else a container. */
	if (strchr(what, '/') || !strcmp(what, ".") || !strcmp(what, "..")) {
		int fd = open(what, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0) {
			cli_errorf("cannot mount '%s': %s", what, strerror(errno));
			return 1;
		}
		bool is = icc_subvol_is(fd);
		close(fd);
		if (!is) {
			cli_errorf("cannot mount '%s': not a btrfs subvolume (create one with 'btrfs subvolume create')", what);
			return 1;
		}
		return run_fs(what, mp, NULL);
	}
	struct icc_store st;
	struct icc_err err;
	char id[ICC_ID_LEN + 1];
	cJSON *meta;
	if (cli_open_container(&st, what, id, &meta))
		return 1;
	int r = icc_fsmount(&st, id, meta, mp, NULL, &err) < 0 ? cli_fail(&err) : 0;
	cJSON_Delete(meta);
	icc_store_close(&st);
	return r;
}

/* no CLI_STORE: a subvolume is served without one */

int cmd_umount(struct cli_ctx *ctx)
{
	const char *mp = ctx->argv[0];
	if (umount2(mp, UMOUNT_NOFOLLOW) == 0)
		return 0;
	int e = errno;
	if (e == ENOTCONN || e == EBUSY) {
		/* a dead daemon (ENOTCONN) or busy mount: detach it lazily */
		if (e == EBUSY) {
			cli_errorf("cannot unmount '%s': busy (files are open there)", mp);
			return 1;
		}
		if (umount2(mp, MNT_DETACH | UMOUNT_NOFOLLOW) == 0)
			return 0;
		e = errno;
	}
	cli_errorf("cannot unmount '%s': %s", mp, e == EINVAL ? "not a mount point" : strerror(e));
	return 1;
}
