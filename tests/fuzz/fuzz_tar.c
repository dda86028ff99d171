/* fuzz_tar.c - libFuzzer target: tar import must never write outside its directory */
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "icc/image/image.h"
#include "icc/store/subvol.h"

static char base[64];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!base[0]) {
		snprintf(base, sizeof(base), "/tmp/icc-fuzz-tar.XXXXXX");
		if (!mkdtemp(base))
			abort();
	}
	int basefd = open(base, O_RDONLY | O_DIRECTORY);
	if (basefd < 0)
		abort();
	mkdirat(basefd, "dest", 0755);
	int dest = openat(basefd, "dest", O_RDONLY | O_DIRECTORY);
	int pipefd[2];
	if (dest < 0 || pipe(pipefd) < 0)
		abort();
	/* feed the input through a pipe, as `icc import -` reads it */
	if (size > 60000)
		size = 60000;
	if (write(pipefd[1], data, size) != (ssize_t)size)
		abort();
	close(pipefd[1]);
	unsigned long long bytes;
	struct icc_err err;
	icc_tar_extract(pipefd[0], "fuzz", dest, &bytes, &err);
	close(pipefd[0]);
	close(dest);
	/* the only thing allowed in base is dest/ */
	struct stat sb;
	int count = 0;
	int fd = dup(basefd);
	DIR *d = fdopendir(fd);
	struct dirent *de;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			count++;
	closedir(d);
	if (count != 1 || fstatat(basefd, "dest", &sb, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(sb.st_mode))
		abort();
	icc_rmtree(basefd, "dest", &err);
	close(basefd);
	return 0;
}
