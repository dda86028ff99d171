/* fault.c - ICC_FAULT: die with SIGKILL (or stop) at a named point (tests only) */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "icc/base/fault.h"

void icc_fault_point(const char *name)
{
	const char *want = getenv("ICC_FAULT");
	if (!want)
		return;
	size_t n = strlen(name);
	if (!strcmp(want, name))
		kill(getpid(), SIGKILL);
	else if (!strncmp(want, name, n) && !strcmp(want + n, ":stop"))
		raise(SIGSTOP); /* this thread stops here, not at its next syscall's end */
}
