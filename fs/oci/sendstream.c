/* sendstream.c - reads a btrfs send stream command by command (for diff and the receive check) */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "icc/oci/sendstream.h"

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t le16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t crc_table[256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static void crc_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = c & 1 ? (c >> 1) ^ 0x82f63b78u : c >> 1; /* Castagnoli, reflected */
		crc_table[i] = c;
	}
}

#if defined(__x86_64__)
/* SSE4.2 has an instruction for this very polynomial: ~10x the table */
__attribute__((target("sse4.2")))
static uint32_t crc32c_hw(uint32_t crc, const unsigned char *p, size_t len)
{
	uint64_t c = crc;
	for (; len >= 8; p += 8, len -= 8) {
		uint64_t v;
		memcpy(&v, p, 8);
		c = __builtin_ia32_crc32di(c, v);
	}
	crc = (uint32_t)c;
	while (len--)
		crc = __builtin_ia32_crc32qi(crc, *p++);
	return crc;
}
#endif

uint32_t icc_crc32c(uint32_t crc, const void *buf, size_t len)
{
#if defined(__x86_64__)
	if (__builtin_cpu_supports("sse4.2"))
		return crc32c_hw(crc, buf, len);
#endif
	pthread_once(&crc_once, crc_init);
	const unsigned char *p = buf;
	while (len--)
		crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return crc;
}

int icc_ss_open(struct icc_ss *s, icc_ss_read_fn read, void *ctx)
{
	memset(s, 0, sizeof(*s));
	s->read = read;
	s->ctx = ctx;
	unsigned char hdr[17];
	ssize_t n = read(ctx, hdr, sizeof(hdr));
	if (n < 0)
		return (int)n;
	if (n != (ssize_t)sizeof(hdr) || memcmp(hdr, "btrfs-stream", 13))
		return -EPROTO;
	s->version = le32(hdr + 13);
	return 0;
}

int icc_ss_next(struct icc_ss *s)
{
	if (s->cap < ICC_SS_CMD_HDR) {
		size_t cap = 1 << 16;
		unsigned char *b = realloc(s->buf, cap);
		if (!b)
			return -ENOMEM;
		s->buf = b;
		s->cap = cap;
	}
	ssize_t n = s->read(s->ctx, s->buf, ICC_SS_CMD_HDR);
	if (n < 0)
		return (int)n;
	if (n == 0)
		return 0;
	if (n != ICC_SS_CMD_HDR)
		return -ENODATA;
	s->count++;
	s->len = le32(s->buf);
	s->cmd = le16(s->buf + 4);
	if (s->len > ICC_SS_CMD_MAX)
		return -EFBIG;
	size_t need = ICC_SS_CMD_HDR + (size_t)s->len;
	if (need > s->cap) {
		unsigned char *b = realloc(s->buf, need);
		if (!b)
			return -ENOMEM;
		s->buf = b;
		s->cap = need;
	}
	if (s->len) {
		n = s->read(s->ctx, s->buf + ICC_SS_CMD_HDR, s->len);
		if (n < 0)
			return (int)n;
		if ((size_t)n != s->len)
			return -EPROTO;
	}
	return 1;
}

bool icc_ss_crc_ok(const struct icc_ss *s)
{
	static const unsigned char zero[4];
	uint32_t crc = icc_crc32c(0, s->buf, 6);
	crc = icc_crc32c(crc, zero, 4);
	crc = icc_crc32c(crc, s->buf + ICC_SS_CMD_HDR, s->len);
	return crc == le32(s->buf + 6);
}

int icc_ss_tlv_next(const struct icc_ss *s, uint32_t *off, struct icc_ss_tlv *t)
{
	const unsigned char *p = s->buf + ICC_SS_CMD_HDR;
	uint32_t o = *off;
	if (o >= s->len)
		return 0;
	if (s->len - o < 2)
		return -EPROTO;
	t->type = le16(p + o);
	o += 2;
	if (s->version >= 2 && t->type == ICC_SA_DATA) {
		t->len = s->len - o; /* v2: the data runs to the end of the command */
	} else {
		if (s->len - o < 2)
			return -EPROTO;
		t->len = le16(p + o);
		o += 2;
		if (s->len - o < t->len)
			return -EPROTO;
	}
	t->data = p + o;
	*off = o + t->len;
	return 1;
}

void icc_ss_close(struct icc_ss *s)
{
	free(s->buf);
	s->buf = NULL;
	s->cap = 0;
}
