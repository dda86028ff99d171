/* treesearch.c - the items of a btrfs tree search reply, read as bytes, bounds-checked */
#include <errno.h>
#include <string.h>

#include "icc/store/treesearch.h"

int icc_search_each(const void *buf, size_t size, uint32_t nr,
		    int (*fn)(void *ctx, const struct icc_search_item *it), void *ctx,
		    struct icc_search_item *last)
{
	const unsigned char *p = buf;
	size_t off = 0;
	for (uint32_t k = 0; k < nr; k++) {
		struct btrfs_ioctl_search_header h;
		if (size - off < sizeof(h))
			return -EIO;
		memcpy(&h, p + off, sizeof(h)); /* not aligned */
		off += sizeof(h);
		if (size - off < h.len)
			return -EIO;
		*last = (struct icc_search_item){h.transid, h.objectid, h.offset, h.type, h.len, p + off};
		off += h.len;
		int r = fn ? fn(ctx, last) : 0;
		if (r < 0)
			return r;
	}
	return 0;
}

bool icc_search_key_after(struct btrfs_ioctl_search_key *k, const struct icc_search_item *last)
{
	k->min_objectid = last->objectid;
	k->min_type = last->type;
	k->min_offset = last->offset + 1;
	if (last->offset != UINT64_MAX)
		return true;
	k->min_offset = 0;
	k->min_type = last->type + 1;
	if (last->type < 255)
		return true;
	k->min_type = 0;
	k->min_objectid = last->objectid + 1;
	return last->objectid != UINT64_MAX;
}
