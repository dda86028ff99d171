/* fuzz_recvcheck.c - libFuzzer target: the check of an untrusted btrfs send stream */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "icc/oci/recvcheck.h"

struct mem {
	const uint8_t *p;
	size_t n, off;
};

static ssize_t mem_read(void *ctx, void *buf, size_t len)
{
	struct mem *m = ctx;
	size_t k = m->n - m->off < len ? m->n - m->off : len;
	memcpy(buf, m->p + m->off, k);
	m->off += k;
	return (ssize_t)k;
}

/* an accepted path: relative, no empty, "." or ".." component, no NUL */
static void path_ok(const unsigned char *p, uint32_t n)
{
	if (n && p[0] == '/')
		abort();
	if (memchr(p, '\0', n))
		abort();
	for (uint32_t i = 0; n && i <= n;) {
		uint32_t j = i;
		while (j < n && p[j] != '/')
			j++;
		if (j == i || (j - i == 1 && p[i] == '.') || (j - i == 2 && p[i] == '.' && p[i + 1] == '.'))
			abort();
		i = j + 1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* exact-size copy: ASan catches any read past the stream's end */
	uint8_t *buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	for (int parent = 0; parent < 2; parent++) {
		struct icc_recv_expect ex = {.subvol = "rootfs", .parent = parent, .parent_fd = -1};
		struct mem m = {buf, size, 0};
		struct icc_err err;
		if (icc_recv_check(mem_read, &m, "'fuzz'", &ex, &err) != 0)
			continue;
		/* accepted: read it again and hold it to the rules independently */
		if (m.off != size)
			abort(); /* all of it was read, nothing after END */
		struct mem again = {buf, size, 0};
		struct icc_ss ss;
		if (icc_ss_open(&ss, mem_read, &again) != 0)
			abort();
		int subvols = 0, k;
		bool end = false;
		while ((k = icc_ss_next(&ss)) == 1) {
			if (end || !icc_ss_crc_ok(&ss))
				abort();
			if (ss.cmd == ICC_SS_END)
				end = true;
			if (ss.cmd == ICC_SS_SUBVOL || ss.cmd == ICC_SS_SNAPSHOT)
				subvols++;
			if (ss.cmd == ICC_SS_SNAPSHOT && !parent)
				abort();
			struct icc_ss_tlv t;
			for (uint32_t o = 0; icc_ss_tlv_next(&ss, &o, &t) > 0;) {
				if (t.type == ICC_SA_PATH && ss.cmd != ICC_SS_SUBVOL && ss.cmd != ICC_SS_SNAPSHOT)
					path_ok(t.data, t.len);
				if (t.type == ICC_SA_PATH_TO || t.type == ICC_SA_CLONE_PATH ||
				    (t.type == ICC_SA_PATH_LINK && ss.cmd == ICC_SS_LINK))
					path_ok(t.data, t.len);
				if (t.type == ICC_SA_PATH && (ss.cmd == ICC_SS_SUBVOL || ss.cmd == ICC_SS_SNAPSHOT) &&
				    (t.len != 6 || memcmp(t.data, "rootfs", 6)))
					abort();
			}
		}
		if (k != 0 || !end || subvols != 1)
			abort();
		icc_ss_close(&ss);
	}
	free(buf);
	return 0;
}
