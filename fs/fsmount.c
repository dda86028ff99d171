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
#include <sys/wait.h>
#include <unistd.h>

#include "icc/container.h"
#include "icc/object.h"
#include "icc/fsmount.h"

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
	int pfd[2];
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return icc_err_sys(err, errno, "cannot start icc-fs");
	pid_t pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return icc_err_sys(err, errno, "cannot start icc-fs");
	}
	if (pid == 0) {
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		dup2(pfd[1], 2);
		int nul = open("/dev/null", O_RDWR);
		if (nul >= 0) {
			dup2(nul, 0);
			dup2(nul, 1);
		}
		if (opts && *opts)
			execlp(fs, fs, "-o", opts, subvol, mountpoint, (char *)NULL);
		else
			execlp(fs, fs, subvol, mountpoint, (char *)NULL);
		dprintf(2, "cannot run '%s': %s\n", fs, strerror(errno));
		_exit(127);
	}
	/* icc-fs daemonizes once the mount is live; its stderr says why not */
	close(pfd[1]);
	char msg[512];
	size_t len = 0;
	ssize_t r;
	while ((r = read(pfd[0], msg + len, sizeof(msg) - 1 - len)) > 0 || (r < 0 && errno == EINTR))
		if (r > 0)
			len += (size_t)r;
	close(pfd[0]);
	msg[len] = '\0';
	msg[strcspn(msg, "\n")] = '\0';
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		const char *m = msg;
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
