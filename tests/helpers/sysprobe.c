/* sysprobe.c - try the system calls a container's seccomp filter must refuse,
 * one line each: "NAME ok" or "NAME EPERM" (the errno's name).  Built static
 * by t726-confinement.sh and copied into a busybox image. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/io_uring.h>

static void report(const char *name, long r)
{
	const char *e = r >= 0 ? "ok" : errno == EPERM ? "EPERM" : errno == ENOSYS ? "ENOSYS"
		       : errno == EINVAL ? "EINVAL" : errno == EACCES ? "EACCES" : strerror(errno);
	printf("%s %s\n", name, e);
}

int main(void)
{
	/* KEY_SPEC_USER_KEYRING: the keyring of uid 0, shared with the host */
	report("keyctl", syscall(SYS_keyctl, 0 /* KEYCTL_GET_KEYRING_ID */, -4, 0));
	/* into the thread keyring (-1), which goes with the probe: never the host's */
	report("add_key", syscall(SYS_add_key, "user", "icc-probe", "x", 1, -1));
	report("request_key", syscall(SYS_request_key, "user", "icc-probe", NULL, 0));
	struct io_uring_params p;
	memset(&p, 0, sizeof(p));
	report("io_uring_setup", syscall(SYS_io_uring_setup, 1, &p));
	report("userfaultfd", syscall(SYS_userfaultfd, 0));
	pid_t pid = fork();
	if (pid == 0)
		_exit(unshare(CLONE_NEWUSER) == 0 ? 0 : errno);
	int st = 0;
	waitpid(pid, &st, 0);
	errno = WEXITSTATUS(st);
	report("unshare_newuser", errno ? -1 : 0);
	report("unshare_newuts", unshare(CLONE_NEWUTS));
	fflush(stdout);
	return 0;
}
