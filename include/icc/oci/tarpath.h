/* tarpath.h - checking and normalising member names of tar archives */
#ifndef ICC_TARPATH_H
#define ICC_TARPATH_H

#include <stdbool.h>

#include "icc/base/err.h"

struct archive;

/* A member name is acceptable if it is relative and has no ".." component. */
bool icc_tar_name_safe(const char *name);

/* Strip leading "./" (and doubled "/"); NULL for the archive's root itself. */
const char *icc_tar_strip_dot(const char *name);

/*
 * libarchive's disk writer as icc extracts with it (import and load alike):
 * owners, modes, times, xattrs and ACLs kept; symlink, ".." and absolute-path
 * escapes refused.  NULL when out of memory.
 */
struct archive *icc_tar_disk_writer(void);

/*
 * The disk writer writes relative to the working directory: icc_tar_enter makes
 * dest_fd the working directory and keeps the old one in *saved (0, or -errno
 * with nothing changed); icc_tar_leave goes back to it and closes it, returning
 * r, or an error (in err) if r is 0 and the way back failed.
 */
int icc_tar_enter(int dest_fd, int *saved);
int icc_tar_leave(int saved, int r, struct icc_err *err);

/*
 * How much file data an archive may expand to (fs/oci/tarcap.c), shared by
 * `icc import` (tar_extract.c) and the layers of `icc load` (layer_apply.c):
 * the free space of the destination's file system (an archive expanding
 * beyond it would only fail with ENOSPC after filling the disk: a "zip
 * bomb"), or $ICC_IMPORT_MAX_BYTES if that is smaller.
 */
struct icc_tarcap {
	unsigned long long limit, used;
	bool env;          /* limit comes from ICC_IMPORT_MAX_BYTES */
	const char *verb;  /* "import", "apply": "cannot VERB 'WHAT': ..." */
	const char *what;
};

void icc_tarcap_init(struct icc_tarcap *c, int dest_fd, const char *verb, const char *what);
/* 0 if `more` bytes of member `member` still fit, else an ENOSPC/EFBIG error (one line). */
int icc_tarcap_check(struct icc_tarcap *c, unsigned long long more, const char *member,
		     struct icc_err *err);
/* check, then count `n` bytes as written */
int icc_tarcap_add(struct icc_tarcap *c, unsigned long long n, const char *member,
		   struct icc_err *err);

#endif
