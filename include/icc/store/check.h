/* check.h - find (and repair) what a crash or a hand edit left inconsistent */
#ifndef ICC_CHECK_H
#define ICC_CHECK_H

#include <stdbool.h>
#include <stddef.h>

#include "icc/store/store.h"

/* One finding: what is wrong, and whether --repair fixed it. */
typedef void (*icc_check_report)(const char *problem, bool repaired, void *ctx);

/*
 * Walk the store: leftovers in tmp/, objects without meta.json or without a
 * rootfs, corrupt metadata, tags naming missing images, half-made snapshots.
 * With `repair`, remove leftovers and dangling entries (never a corrupt
 * meta.json of an object whose rootfs exists: that is reported only).
 * Returns the number of problems found (or -errno); caller holds the lock.
 */
int icc_store_check(struct icc_store *st, bool repair, icc_check_report report,
		    void *ctx, struct icc_err *err);

#endif
