/* memhog.c - allocate and touch memory 1 MiB at a time up to MAX MiB (default 1024):
 * under a memory limit the OOM killer ends it; "allocated MAX MiB" means no limit held. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	long max = argc > 1 ? atol(argv[1]) : 1024;
	for (long i = 1; i <= max; i++) {
		char *p = malloc(1 << 20);
		if (!p) {
			printf("malloc failed at %ld MiB\n", i);
			return 2;
		}
		memset(p, (int)(i & 0xff) | 1, 1 << 20);
	}
	printf("allocated %ld MiB\n", max);
	return 0;
}
