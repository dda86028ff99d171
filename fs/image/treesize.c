/* treesize.c - apparent size of a tree (what `docker images` calls SIZE) */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "icc/store/object.h"

/* Inodes with several links, so each is counted once. */
struct seen {
	ino_t *ino;
	size_t cap, count;
};

static bool seen_add(struct seen *s, ino_t ino)
{
	if (s->count * 2 >= s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 1024;
		ino_t *n = calloc(ncap, sizeof(*n));
		if (!n)
			return true; /* out of memory: count it again, no harm */
		for (size_t i = 0; i < s->cap; i++) {
			if (!s->ino[i])
				continue;
			size_t h = (size_t)s->ino[i] * 11400714819323198485ull % ncap;
			while (n[h])
				h = (h + 1) % ncap;
			n[h] = s->ino[i];
		}
		free(s->ino);
		s->ino = n;
		s->cap = ncap;
	}
	size_t h = (size_t)ino * 11400714819323198485ull % s->cap;
	while (s->ino[h]) {
		if (s->ino[h] == ino)
			return false;
		h = (h + 1) % s->cap;
	}
	s->ino[h] = ino;
	s->count++;
	return true;
}

static int walk(int dfd, dev_t dev, struct seen *seen, unsigned long long *total,
		struct icc_err *err, int depth)
{
	if (depth > 4096)
		return icc_err_set(err, ELOOP, "directory tree too deep");
	DIR *d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return icc_err_sys(err, errno, "cannot read directory");
	}
	int r = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		struct stat sb;
		if (fstatat(dirfd(d), de->d_name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISDIR(sb.st_mode)) {
			if (sb.st_dev != dev)
				continue; /* nested subvolume: not part of this tree */
			int sub = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub < 0)
				continue;
			r = walk(sub, dev, seen, total, err, depth + 1);
			if (r < 0)
				break;
		} else if (S_ISREG(sb.st_mode) || S_ISLNK(sb.st_mode)) {
			if (sb.st_nlink > 1 && !seen_add(seen, sb.st_ino))
				continue;
			*total += (unsigned long long)sb.st_size;
		}
	}
	closedir(d);
	return r;
}

int icc_tree_size(int dirfd, unsigned long long *bytes, struct icc_err *err)
{
	struct stat sb;
	if (fstat(dirfd, &sb) < 0)
		return icc_err_sys(err, errno, "cannot stat tree");
	int fd = dup(dirfd);
	if (fd < 0)
		return icc_err_sys(err, errno, "cannot dup");
	/* fdopendir on a dup shares the offset; rewind for a full walk. */
	lseek(fd, 0, SEEK_SET);
	struct seen seen = {0};
	*bytes = 0;
	int r = walk(fd, sb.st_dev, &seen, bytes, err, 0);
	free(seen.ino);
	return r;
}

unsigned long long icc_image_size(struct icc_store *st, const char *id, cJSON *meta)
{
	long long cached = icc_json_int(meta, "size", -1);
	if (cached >= 0)
		return (unsigned long long)cached;
	struct icc_err err;
	int fd = icc_object_rootfs_fd(st, ICC_IMAGE, id, &err);
	if (fd < 0)
		return 0;
	unsigned long long size = 0;
	int r = icc_tree_size(fd, &size, &err);
	close(fd);
	if (r < 0)
		return 0;
	/* Cache it: images are read-only, so the size never changes. */
	cJSON_DeleteItemFromObjectCaseSensitive(meta, "size");
	cJSON_AddNumberToObject(meta, "size", (double)size);
	bool had_lock = st->lock_fd >= 0;
	if (icc_store_lock(st, &err) == 0) {
		if (icc_object_exists(st, ICC_IMAGE, id))
			icc_object_meta_save(st, ICC_IMAGE, id, meta, &err);
		if (!had_lock)
			icc_store_unlock(st);
	}
	return size;
}
