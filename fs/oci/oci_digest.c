/* oci_digest.c - sha256 digests (OpenSSL EVP) of buffers, files and decompressed files */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "icc/oci/oci.h"

struct icc_sha256 {
	EVP_MD_CTX *ctx;
};

struct icc_sha256 *icc_sha256_new(void)
{
	struct icc_sha256 *h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	h->ctx = EVP_MD_CTX_new();
	if (!h->ctx || EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(h->ctx);
		free(h);
		return NULL;
	}
	return h;
}

void icc_sha256_update(struct icc_sha256 *h, const void *data, size_t len)
{
	if (h && len)
		EVP_DigestUpdate(h->ctx, data, len);
}

void icc_sha256_final(struct icc_sha256 *h, char out[ICC_DIGEST_LEN + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	out[0] = '\0';
	if (!h)
		return;
	EVP_DigestFinal_ex(h->ctx, md, &n);
	EVP_MD_CTX_free(h->ctx);
	free(h);
	strcpy(out, "sha256:");
	for (unsigned i = 0; i < n && i < 32; i++)
		sprintf(out + 7 + 2 * i, "%02x", md[i]);
}

void icc_sha256_buf(const void *data, size_t len, char out[ICC_DIGEST_LEN + 1])
{
	struct icc_sha256 *h = icc_sha256_new();
	icc_sha256_update(h, data, len);
	icc_sha256_final(h, out);
}

int icc_sha256_file(int dirfd, const char *path, bool decompressed,
		    char out[ICC_DIGEST_LEN + 1], uint64_t *size, struct icc_err *err)
{
	int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return icc_err_sys(err, errno, "cannot open '%s'", path);
	int r = icc_sha256_fd(fd, path, decompressed, out, size, err);
	close(fd);
	return r;
}

int icc_sha256_fd(int fd, const char *path, bool decompressed,
		  char out[ICC_DIGEST_LEN + 1], uint64_t *size, struct icc_err *err)
{
	out[0] = '\0';
	if (size)
		*size = 0;
	if (lseek(fd, 0, SEEK_SET) < 0)
		return icc_err_sys(err, errno, "cannot read '%s'", path);
	struct icc_sha256 *h = icc_sha256_new();
	if (!h)
		return icc_err_set(err, ENOMEM, "out of memory");
	uint64_t total = 0;
	int r = 0;
	if (!decompressed) {
		static __thread char buf[1 << 17];
		ssize_t n;
		while ((n = read(fd, buf, sizeof(buf))) > 0) {
			icc_sha256_update(h, buf, (size_t)n);
			total += (uint64_t)n;
		}
		if (n < 0)
			r = icc_err_sys(err, errno, "cannot read '%s'", path);
	} else {
		/* libarchive's raw format: the file's bytes after any compression filter */
		struct archive *a = archive_read_new();
		archive_read_support_filter_all(a);
		archive_read_support_format_raw(a);
		struct archive_entry *e;
		if (archive_read_open_fd(a, fd, 1 << 16) != ARCHIVE_OK ||
		    archive_read_next_header(a, &e) != ARCHIVE_OK) {
			r = icc_err_set(err, EINVAL, "cannot read '%s': %s", path, archive_error_string(a));
		} else {
			const void *b;
			size_t n;
			la_int64_t off;
			int ar;
			while ((ar = archive_read_data_block(a, &b, &n, &off)) == ARCHIVE_OK) {
				icc_sha256_update(h, b, n);
				total += n;
			}
			if (ar != ARCHIVE_EOF)
				r = icc_err_set(err, EINVAL, "cannot read '%s': %s", path,
						archive_error_string(a));
		}
		archive_read_free(a);
	}
	icc_sha256_final(h, out);
	if (size)
		*size = total;
	return r;
}
