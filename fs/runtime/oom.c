/* oom.c - did the kernel's OOM killer strike in a container's memory cgroup (State.OOMKilled) */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "icc/runtime/runtime.h"

/* The number after "oom_kill " in a cgroup's key-value file, -1 if absent. */
static long oom_kill_in(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	char buf[2048];
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	for (char *line = buf; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
		if (!strncmp(line, "oom_kill ", 9))
			return atol(line + 9);
	return -1;
}

long icc_cgroup_oom_kills(const char *id)
{
	/* the runtime's cgroupsPath is /icc/<id> (bundle.c): unified, then v1's memory hierarchy */
	char path[256];
	snprintf(path, sizeof(path), "/sys/fs/cgroup/icc/%s/memory.events", id);
	long n = oom_kill_in(path);
	if (n < 0) {
		snprintf(path, sizeof(path), "/sys/fs/cgroup/memory/icc/%s/memory.oom_control", id);
		n = oom_kill_in(path);
	}
	return n < 0 ? 0 : n;
}
