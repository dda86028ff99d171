/* mkstream.c - writes hostile icc send streams for t760 (its own crc32c, not icc's)
 *
 *   mkstream IN OUT OP...
 *
 * OUT gets IN's icc header, a btrfs stream header, IN's first btrfs command
 * (its SUBVOL or SNAPSHOT, unless the first OP is "nofirst"), then one
 * command per OP, each with a correct crc32c unless marked:
 *   version:N               the btrfs stream header says version N (first OP)
 *   subvol:NAME             SUBVOL NAME with IN's uuid and transid
 *   snapshot:UUID           SNAPSHOT "rootfs" of subvolume UUID
 *   mkfile:P  mkdir:P  unlink:P  write:P:DATA  chmod:P:OCTAL  truncate:P:N
 *   rename:P:TO  symlink:P:TARGET  link:P:TARGET
 *   clone:P:SRC:self|parent|UUID   clone all of SRC (self: IN's subvolume,
 *                           parent: the SNAPSHOT's parent) into P
 *   raw:N                   command N with a path attribute "x"
 *   badcrc                  the next command's crc is off by one
 *   end                     the END command (OPs after it are written after it)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t crc32c(uint32_t crc, const unsigned char *p, size_t n)
{
	while (n--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = crc & 1 ? (crc >> 1) ^ 0x82f63b78u : crc >> 1;
	}
	return crc;
}

static unsigned char cmd[1 << 17];
static size_t clen;
static int bad_crc;
static FILE *out;

static void put16(unsigned char *p, unsigned v) { p[0] = v & 255; p[1] = (v >> 8) & 255; }
static void put32(unsigned char *p, uint32_t v) { for (int i = 0; i < 4; i++) p[i] = (v >> (8 * i)) & 255; }

static void begin(unsigned type)
{
	clen = 10;
	memset(cmd, 0, 10);
	put16(cmd + 4, type);
}

static void tlv(unsigned type, const void *data, size_t n)
{
	put16(cmd + clen, type);
	put16(cmd + clen + 2, (unsigned)n);
	memcpy(cmd + clen + 4, data, n);
	clen += 4 + n;
}

static void tlv_str(unsigned type, const char *s) { tlv(type, s, strlen(s)); }

static void tlv_u64(unsigned type, uint64_t v)
{
	unsigned char b[8];
	for (int i = 0; i < 8; i++)
		b[i] = (v >> (8 * i)) & 255;
	tlv(type, b, 8);
}

static void finish(void)
{
	put32(cmd, (uint32_t)(clen - 10));
	put32(cmd + 6, 0);
	uint32_t crc = crc32c(0, cmd, clen) + (uint32_t)bad_crc;
	bad_crc = 0;
	put32(cmd + 6, crc);
	fwrite(cmd, 1, clen, out);
}

static void parse_uuid(const char *t, unsigned char u[16])
{
	for (int o = 0; o < 16 && *t; t++) {
		if (*t == '-')
			continue;
		unsigned v;
		sscanf(t, "%2x", &v);
		u[o++] = (unsigned char)v;
		t++;
	}
}

/* the first command of IN's btrfs part, and its attributes */
static unsigned char first[1 << 17];
static uint32_t flen;

static const unsigned char *attr(unsigned type, size_t *n)
{
	for (uint32_t o = 10; o + 4 <= flen;) {
		unsigned t = first[o] | first[o + 1] << 8, l = first[o + 2] | first[o + 3] << 8;
		if (t == type) {
			*n = l;
			return first + o + 4;
		}
		o += 4 + l;
	}
	fprintf(stderr, "mkstream: IN's first command has no attribute %u\n", type);
	exit(2);
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: mkstream IN OUT OP...\n");
		return 2;
	}
	FILE *in = fopen(argv[1], "rb");
	out = fopen(argv[2], "wb");
	if (!in || !out) {
		perror("mkstream");
		return 2;
	}
	char magic[11], len[11];
	if (fread(magic, 1, 11, in) != 11 || fread(len, 1, 11, in) != 11)
		return 2;
	size_t hl = strtoul(len, NULL, 10);
	char *hdr = malloc(hl);
	if (!hdr || fread(hdr, 1, hl, in) != hl)
		return 2;
	fwrite(magic, 1, 11, out);
	fwrite(len, 1, 11, out);
	fwrite(hdr, 1, hl, out);
	unsigned char bh[17];
	if (fread(bh, 1, 17, in) != 17 || fread(first, 1, 10, in) != 10)
		return 2;
	flen = 10 + (first[0] | first[1] << 8 | first[2] << 16 | (uint32_t)first[3] << 24);
	if (flen > sizeof(first) || fread(first + 10, 1, flen - 10, in) != flen - 10)
		return 2;

	int i = 3;
	if (i < argc && !strncmp(argv[i], "version:", 8))
		put32(bh + 13, (uint32_t)atoi(argv[i++] + 8));
	fwrite(bh, 1, 17, out);
	if (i < argc && !strcmp(argv[i], "nofirst"))
		i++;
	else
		fwrite(first, 1, flen, out);

	size_t n;
	for (; i < argc; i++) {
		char *op = strdup(argv[i]), *a = strchr(op, ':'), *b = NULL, *c = NULL;
		if (a) {
			*a++ = '\0';
			if ((b = strchr(a, ':'))) {
				*b++ = '\0';
				if ((c = strchr(b, ':')))
					*c++ = '\0';
			}
		}
		if (!strcmp(op, "badcrc")) {
			bad_crc = 1;
			continue;
		}
		if (!strcmp(op, "end")) {
			begin(21);
		} else if (!strcmp(op, "subvol")) {
			begin(1);
			tlv_str(15, a);
			const unsigned char *u = attr(1, &n);
			tlv(1, u, n);
			u = attr(2, &n);
			tlv(2, u, n);
		} else if (!strcmp(op, "snapshot")) {
			unsigned char u[16];
			parse_uuid(a, u);
			begin(2);
			tlv_str(15, "rootfs");
			const unsigned char *x = attr(1, &n);
			tlv(1, x, n);
			x = attr(2, &n);
			tlv(2, x, n);
			tlv(20, u, 16);
			tlv_u64(21, 0);
		} else if (!strcmp(op, "mkfile") || !strcmp(op, "mkdir")) {
			begin(op[2] == 'f' ? 3 : 4);
			tlv_str(15, a);
			tlv_u64(3, 100000);
		} else if (!strcmp(op, "unlink")) {
			begin(11);
			tlv_str(15, a);
		} else if (!strcmp(op, "write")) {
			begin(15);
			tlv_str(15, a);
			tlv_u64(18, 0);
			tlv_str(19, b);
		} else if (!strcmp(op, "chmod")) {
			begin(18);
			tlv_str(15, a);
			tlv_u64(5, strtoull(b, NULL, 8));
		} else if (!strcmp(op, "truncate")) {
			begin(17);
			tlv_str(15, a);
			tlv_u64(4, strtoull(b, NULL, 10));
		} else if (!strcmp(op, "rename")) {
			begin(9);
			tlv_str(15, a);
			tlv_str(16, b);
		} else if (!strcmp(op, "symlink") || !strcmp(op, "link")) {
			begin(op[0] == 's' ? 8 : 10);
			tlv_str(15, a);
			if (op[0] == 's')
				tlv_u64(3, 100001);
			tlv_str(17, b);
		} else if (!strcmp(op, "clone")) {
			begin(16);
			tlv_str(15, a);
			tlv_u64(18, 0);
			tlv_u64(24, 0); /* 0: to the end of the source */
			if (!strcmp(c, "self")) {
				const unsigned char *x = attr(1, &n);
				tlv(20, x, n);
				x = attr(2, &n);
				tlv(21, x, n);
			} else if (!strcmp(c, "parent")) {
				const unsigned char *x = attr(20, &n);
				tlv(20, x, n);
				x = attr(21, &n);
				tlv(21, x, n);
			} else {
				unsigned char u[16];
				parse_uuid(c, u);
				tlv(20, u, 16);
				tlv_u64(21, 0);
			}
			tlv_str(22, b);
			tlv_u64(23, 0);
		} else if (!strcmp(op, "raw")) {
			begin((unsigned)atoi(a));
			tlv_str(15, "x");
		} else {
			fprintf(stderr, "mkstream: unknown op '%s'\n", op);
			return 2;
		}
		finish();
		free(op);
	}
	return fclose(out) ? 2 : 0;
}
