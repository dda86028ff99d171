/* store.h - the on-disk store: location, btrfs backing, layout, locking */
#ifndef ICC_STORE_H
#define ICC_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "icc/base/err.h"
#include "icc/store/subvol.h"
#include "icc/base/util.h"

/*
 * Layout under the root (see docs/store.md):
 *   lock                   flock target serialising every mutation
 *   repositories.json      "name:tag" -> image id
 *   images/<id>/           rootfs (read-only subvolume) + meta.json
 *   containers/<id>/       rootfs (writable subvolume) + meta.json + snapshots/
 *   tmp/                   objects being built; anything here after a crash is garbage
 */

#define ICC_DEFAULT_ROOT "/var/lib/icc"
#define ICC_DEFAULT_STORE_SIZE "20G"

struct icc_store {
	char root[4096];
	int root_fd;
	int lock_fd;        /* >= 0 while this process holds the store lock */
	char notice[1024];  /* what icc_store_open set up, for the CLI to say once */
	/* told before each subvolume an object removal deletes (NULL: nobody) */
	const struct icc_rm_observer *rm_observer;
};

/* The root to use: `root` if given, else $ICC_ROOT, else /var/lib/icc. */
const char *icc_store_default_root(const char *root);

/*
 * Open the store at `root`, creating its layout.  If `root` is not on btrfs,
 * a sparse loop file `<root>.img` ($ICC_STORE_SIZE, default 20G) is created
 * with mkfs.btrfs if missing and mounted on `root`; st->notice says so.
 */
int icc_store_open(struct icc_store *st, const char *root, struct icc_err *err);
void icc_store_close(struct icc_store *st);

/* Take / release the store-wide mutation lock (exclusive flock). */
int icc_store_lock(struct icc_store *st, struct icc_err *err);
void icc_store_unlock(struct icc_store *st);

/* "<root>/<rel>" into buf. */
const char *icc_store_path(const struct icc_store *st, const char *rel,
			   char *buf, size_t size);

/* Check what the machine lacks for icc (root, btrfs, fuse); NULL when ok. */
const char *icc_store_missing_prereq(void);

#endif
