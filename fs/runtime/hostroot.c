/* hostroot.c - refuse to run containers from inside a chroot */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "icc/runtime/runtime.h"

/*
 * The OCI runtime's `exec` joins the container's mount namespace, whose root
 * is the namespace's real root, not a chroot's: `icc exec` from a chroot lands
 * in the host's /.  So icc starts and enters containers only where the process
 * root is the root of its mount namespace, as after unshare -m + pivot_root or
 * in a machine (systemd-detect-virt --chroot asks the same question).
 */

/* Does this process's view of its mounts include a mount at "/"?  In a chroot
 * into a directory that is not a mount point, the kernel hides every mount
 * whose mount point lies outside the chroot, "/" among them. */
static int root_is_a_mount(bool *yes, struct icc_err *err)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return icc_err_sys(err, errno, "cannot read /proc/self/mountinfo (is /proc mounted?)");
	char line[8192];
	*yes = false;
	while (fgets(line, sizeof(line), f)) {
		/* ID PARENT MAJ:MIN ROOT MOUNTPOINT ... */
		char mnt[8];
		if (sscanf(line, "%*s %*s %*s %*s %7s", mnt) == 1 && strcmp(mnt, "/") == 0) {
			*yes = true;
			break;
		}
	}
	fclose(f);
	return 0;
}

/* When PID 1 shares our mount namespace, our root must be its root. */
static bool same_root_as_init(void)
{
	char a[64] = "", b[64] = "";
	if (readlink("/proc/self/ns/mnt", a, sizeof(a) - 1) < 0 ||
	    readlink("/proc/1/ns/mnt", b, sizeof(b) - 1) < 0 || strcmp(a, b) != 0)
		return true; /* another namespace (or hidden): the mount check decides */
	struct stat self, init;
	if (stat("/", &self) < 0 || stat("/proc/1/root", &init) < 0)
		return true;
	return self.st_dev == init.st_dev && self.st_ino == init.st_ino;
}

int icc_host_root_check(struct icc_err *err)
{
	bool mounted;
	int r = root_is_a_mount(&mounted, err);
	if (r < 0)
		return r;
	if (!mounted || !same_root_as_init())
		return icc_err_set(err, EPERM,
				   "refusing to run containers inside a chroot: the runtime would "
				   "enter the host's real root; use a machine or unshare -m with pivot_root");
	return 0;
}
