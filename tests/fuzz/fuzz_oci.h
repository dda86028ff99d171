/* fuzz_oci.h - shared harness of the OCI load fuzz targets (fuzz_oci_*.c).
 *
 * Each run writes a small OCI layout / docker-archive directory (tmpfs when
 * there is one) with a valid layer, config, manifest and nested index, puts
 * the fuzz input in it as one of the documents, and calls icc_oci_verify, the
 * whole parse-and-verify path of `icc load` (everything but the store).
 *
 * So that inputs can reach past the digest checks, these placeholders in the
 * input are replaced by the fixture's values before it is written:
 *   @L @C @M @I @D   digests (sha256:...) of the layer, config, manifest,
 *                    nested index, and the layer's diff_id
 *   @c               the config's hex (docker-archive: "<hex>.json")
 *   #L #C #M #I      their sizes
 * Checked properties: no crash/leak/UB (sanitizers), an error is one
 * non-empty line, success yields at least one image.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "icc/oci/oci.h"
#include "icc/store/subvol.h"

struct fx_blob {
	char digest[ICC_DIGEST_LEN + 1];
	char size[24];
	char *data;
	size_t len;
};

static char fx_base[64];
static struct fx_blob fx_layer, fx_config, fx_manifest, fx_index;
static char fx_diff_id[ICC_DIGEST_LEN + 1];

static void fx_blob_set(struct fx_blob *b, const char *data, size_t len)
{
	b->data = malloc(len ? len : 1);
	memcpy(b->data, data, len);
	b->len = len;
	icc_sha256_buf(data, len, b->digest);
	snprintf(b->size, sizeof(b->size), "%zu", len);
}

static void fx_cleanup(void)
{
	struct icc_err err;
	icc_rmtree(AT_FDCWD, fx_base, &err);
}

static void fx_init(void)
{
	if (fx_base[0])
		return;
	snprintf(fx_base, sizeof(fx_base), "%s/icc-fuzz-oci.XXXXXX",
		 access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	if (!mkdtemp(fx_base))
		abort();
	atexit(fx_cleanup); /* libFuzzer exits with exit() at -max_total_time / -runs */
	/* the layer: one tar member "hello" (512-byte header + data block + trailer) */
	char tar[2048];
	memset(tar, 0, sizeof(tar));
	strcpy(tar, "hello");
	memcpy(tar + 100, "0000644", 7);
	memcpy(tar + 108, "0000000", 7);
	memcpy(tar + 116, "0000000", 7);
	memcpy(tar + 124, "00000000006", 11);
	memcpy(tar + 136, "14000000000", 11);
	tar[156] = '0';
	memcpy(tar + 257, "ustar", 6);
	memcpy(tar + 263, "00", 2);
	memset(tar + 148, ' ', 8);
	unsigned sum = 0;
	for (int i = 0; i < 512; i++)
		sum += (unsigned char)tar[i];
	snprintf(tar + 148, 8, "%06o", sum);
	memcpy(tar + 512, "hello\n", 6);
	fx_blob_set(&fx_layer, tar, sizeof(tar));
	icc_sha256_buf(tar, sizeof(tar), fx_diff_id);

	char buf[4096];
	snprintf(buf, sizeof(buf),
		 "{\"architecture\":\"amd64\",\"os\":\"linux\",\"created\":\"2024-01-01T00:00:00Z\","
		 "\"config\":{\"Cmd\":[\"/bin/sh\"],\"Env\":[\"PATH=/bin\"]},"
		 "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"%s\"]},"
		 "\"history\":[{\"created\":\"2024-01-01T00:00:00Z\",\"created_by\":\"fuzz\"}]}", fx_diff_id);
	fx_blob_set(&fx_config, buf, strlen(buf));
	snprintf(buf, sizeof(buf),
		 "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
		 "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"%s\",\"size\":%s},"
		 "\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"%s\",\"size\":%s}]}",
		 fx_config.digest, fx_config.size, fx_layer.digest, fx_layer.size);
	fx_blob_set(&fx_manifest, buf, strlen(buf));
	snprintf(buf, sizeof(buf),
		 "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\","
		 "\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"%s\","
		 "\"size\":%s,\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}}]}",
		 fx_manifest.digest, fx_manifest.size);
	fx_blob_set(&fx_index, buf, strlen(buf));
}

/* The input with placeholders replaced (malloc'd, NUL-terminated, length in *len). */
static char *fx_expand(const uint8_t *data, size_t size, size_t *len)
{
	char *out = malloc(size * 48 + 1);
	size_t n = 0;
	for (size_t i = 0; i < size; i++) {
		const char *rep = NULL;
		if (i + 1 < size && (data[i] == '@' || data[i] == '#')) {
			struct fx_blob *b = NULL;
			switch (data[i + 1]) {
			case 'L': b = &fx_layer; break;
			case 'C': b = &fx_config; break;
			case 'M': b = &fx_manifest; break;
			case 'I': b = &fx_index; break;
			case 'D': if (data[i] == '@') rep = fx_diff_id; break;
			case 'c': if (data[i] == '@') rep = fx_config.digest + 7; break;
			}
			if (b)
				rep = data[i] == '@' ? b->digest : b->size;
		}
		if (rep) {
			memcpy(out + n, rep, strlen(rep));
			n += strlen(rep);
			i++;
		} else {
			out[n++] = (char)data[i];
		}
	}
	out[n] = '\0';
	*len = n;
	return out;
}

static int fx_dir = -1;

static void fx_put(const char *name, const char *data, size_t len)
{
	int fd = openat(fx_dir, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, data, len) != (ssize_t)len)
		abort();
	close(fd);
}

static void fx_put_blob(const struct fx_blob *b)
{
	char p[128];
	snprintf(p, sizeof(p), "blobs/sha256/%s", b->digest + 7);
	fx_put(p, b->data, b->len);
}

/* The input, placeholders replaced, as the document NAME of the directory. */
static void fx_put_input(const char *name, const uint8_t *data, size_t size)
{
	size_t len;
	char *doc = fx_expand(data, size, &len);
	fx_put(name, doc, len);
	free(doc);
}

/* A fresh layout directory with every fixture blob (and oci-layout when `oci`). */
static void fx_begin(bool oci)
{
	fx_init();
	int base = open(fx_base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct icc_err err;
	icc_rmtree(base, "L", &err);
	if (base < 0 || mkdirat(base, "L", 0755) < 0)
		abort();
	fx_dir = openat(base, "L", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	close(base);
	if (fx_dir < 0 || mkdirat(fx_dir, "blobs", 0755) < 0 || mkdirat(fx_dir, "blobs/sha256", 0755) < 0)
		abort();
	fx_put_blob(&fx_layer);
	fx_put_blob(&fx_config);
	fx_put_blob(&fx_manifest);
	fx_put_blob(&fx_index);
	if (oci)
		fx_put("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}", 30);
}

/* Run the verify path on the directory and check what it says. */
static void fx_verify(void)
{
	cJSON *images = cJSON_CreateArray();
	struct icc_err err;
	icc_err_clear(&err);
	int r = icc_oci_verify(fx_dir, "fuzz", images, &err);
	if (getenv("FUZZ_OCI_DEBUG")) /* what each input does: `FUZZ_OCI_DEBUG=1 ./fuzz_oci_x seed` */
		fprintf(stderr, "verify: %d %s\n", r, r < 0 ? err.msg : "ok");
	if (r < 0 && (!err.msg[0] || strchr(err.msg, '\n')))
		abort(); /* an error is one non-empty line */
	if (r == 0 && cJSON_GetArraySize(images) < 1)
		abort();
	char *txt = cJSON_PrintUnformatted(images);
	free(txt);
	cJSON_Delete(images);
	close(fx_dir);
	fx_dir = -1;
}
