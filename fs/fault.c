/* fault.c - ICC_FAULT: die with SIGKILL at a named point (tests only) */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "icc/fault.h"

void icc_fault_point(const char *name)
{
	const char *want = getenv("ICC_FAULT");
	if (want && !strcmp(want, name))
		kill(getpid(), SIGKILL);
}
