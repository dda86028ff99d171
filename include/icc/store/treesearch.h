/* treesearch.h - the items of a BTRFS_IOC_TREE_SEARCH(_V2) reply, read as bytes, bounds-checked */
#ifndef ICC_TREESEARCH_H
#define ICC_TREESEARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/btrfs.h>

/*
 * A reply holds nr_items of (struct btrfs_ioctl_search_header, then `len`
 * bytes of item), packed: a header need not be aligned.  Never index the
 * reply buffer: linux/btrfs.h declares the v2 one `__u64 buf[]` in some
 * versions (Debian 12's linux-libc-dev 6.1.176) and `__u8 buf[]` in later
 * ones (6.1.187), so `args->buf + off` meant bytes on one machine and
 * eight times as much on another.  Take its address and read bytes.
 */
struct icc_search_item {
	uint64_t transid, objectid, offset;
	uint32_t type, len;
	const unsigned char *data; /* the item's len bytes, inside the reply */
};

/*
 * fn(ctx, item) for each of the nr items in buf[0, size), in order.
 * Returns 0, -EIO if they do not fit in size (a malformed reply: nothing
 * past the buffer is read), or fn's negative return, which stops the walk.
 * *last: the last item read (for the next search's key).
 */
int icc_search_each(const void *buf, size_t size, uint32_t nr,
		    int (*fn)(void *ctx, const struct icc_search_item *it), void *ctx,
		    struct icc_search_item *last);

/* k's min key just past `last`'s key; false: that was the greatest key, the search is done. */
bool icc_search_key_after(struct btrfs_ioctl_search_key *k, const struct icc_search_item *last);

#endif
