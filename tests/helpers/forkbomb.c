/* forkbomb.c - fork up to N (default 200) children that wait; print how many forks
 * succeeded and how many failed (EAGAIN under a pids limit), then end them all. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 200;
	pid_t *kids = calloc((size_t)n, sizeof(pid_t));
	int ok = 0, failed = 0;
	for (int i = 0; i < n && kids; i++) {
		pid_t p = fork();
		if (p == 0) {
			pause();
			_exit(0);
		}
		if (p < 0)
			failed++;
		else
			kids[ok++] = p;
	}
	printf("forked %d failed %d\n", ok, failed);
	fflush(stdout);
	for (int i = 0; i < ok; i++)
		kill(kids[i], SIGKILL);
	while (wait(NULL) > 0 || errno == EINTR)
		;
	return 0;
}
