/* objsize.h - how much space an image, container or snapshot takes, truly
 *
 * With btrfs quotas on (full quota groups, consistent), every tree is a
 * subvolume with its own qgroup, so for each:
 *   exclusive: bytes no other tree shares, what removing it frees;
 *   total:     every byte it references (Docker's "virtual" size).
 * Otherwise both are the apparent size of the files (hard links once), and
 * icc_sizes_note says so: the CLI prints it under any size it shows.
 */
#ifndef ICC_OBJSIZE_H
#define ICC_OBJSIZE_H

#include <stdbool.h>

#include "icc/base/err.h"
#include "icc/store/qgroup.h"
#include "icc/store/store.h"

struct icc_sizes {
	struct icc_store *st;
	int fs_fd;                 /* the store's root (not owned) */
	enum icc_qgroup_mode mode;
	bool exact;                /* numbers from quota groups */
	bool stale;                /* something was deleted since the table was read */
	struct icc_qgroup_table table;
	unsigned long long freed; /* what the observed deletions freed (icc_sizes_observe) */
	unsigned deleted;          /* how many subvolumes they deleted */
	struct icc_rm_observer observer;
};

struct icc_size {
	unsigned long long exclusive, total;
};

/* Read the quota state; when on, commit the transaction and read every qgroup. */
int icc_sizes_open(struct icc_sizes *s, struct icc_store *st, struct icc_err *err);
void icc_sizes_close(struct icc_sizes *s);

/* The sizes of the tree open at fd (a subvolume root when exact). */
int icc_sizes_of(struct icc_sizes *s, int fd, struct icc_size *out, struct icc_err *err);

/*
 * Measure what each deletion frees: before every subvolume a removal of the
 * store deletes, wait for the cleaner to finish the previous deletions and add
 * the subvolume's exclusive bytes to s->freed.  Removing several trees that
 * share blocks one after the other then adds up to exactly what they freed.
 * st->rm_observer is set until icc_sizes_close.
 */
void icc_sizes_observe(struct icc_sizes *s, struct icc_store *st);

/* NULL when the sizes are exact, else one line saying what they are. */
const char *icc_sizes_note(const struct icc_sizes *s);

#endif
