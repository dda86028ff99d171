/* cp.h - icc cp: copy files between a container and the host, resolved inside the container's root */
#ifndef ICC_CP_H
#define ICC_CP_H

#include <stdbool.h>

#include "icc/base/err.h"
#include "icc/store/store.h"

/*
 * Every path on the container's side is resolved with openat2(RESOLVE_IN_ROOT)
 * from the container's root: its symlinks (absolute ones included) and ".."
 * stay inside it.  Below that, entries are opened one name at a time with
 * O_NOFOLLOW (O_NONBLOCK for files, checked with fstat), so a symlink is
 * copied as a symlink and never written through; an existing entry in the
 * way is replaced, not opened.
 */
struct icc_cp_opts {
	bool archive;  /* -a: keep uid/gid (else root:root in the container, the caller's on the host) */
	/* Called for each entry skipped (device nodes and sockets copied to the host). */
	void (*skipped)(void *ctx, const char *path, const char *why);
	void *ctx;
};

/*
 * The directory to copy through: a running container's icc-fs mount
 * (containers/<id>/merged: the daemon caches entries and attributes, so
 * writing its subvolume behind its back would leave them stale), else its
 * rootfs subvolume.  Returns an O_DIRECTORY fd or -errno.
 */
int icc_cp_root(struct icc_store *st, const char *id, const char *cname, struct icc_err *err);

/* CONTAINER:CPATH -> HOSTPATH, with docker cp's rules for existing and missing destinations. */
int icc_cp_out(int root, const char *cname, const char *cpath, const char *host, const struct icc_cp_opts *o,
	       struct icc_err *err);
/* CONTAINER:CPATH as a tar stream on out_fd. */
int icc_cp_out_tar(int root, const char *cname, const char *cpath, int out_fd, struct icc_err *err);
/* HOSTPATH -> CONTAINER:CPATH. */
int icc_cp_in(int root, const char *cname, const char *host, const char *cpath, const struct icc_cp_opts *o,
	      struct icc_err *err);
/*
 * A tar stream on in_fd extracted into the directory CONTAINER:CPATH: staged
 * in the store's tmp/ first (libarchive's checks against escapes), then copied
 * in as icc_cp_in copies; -a keeps the archive's owners.
 */
int icc_cp_in_tar(struct icc_store *st, int root, const char *cname, int in_fd, const char *cpath,
		  const struct icc_cp_opts *o, struct icc_err *err);

#endif
