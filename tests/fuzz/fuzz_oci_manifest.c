/* fuzz_oci_manifest.c - libFuzzer target: an image manifest (first byte 'm')
 * or image config (otherwise) blob, named by a generated index.json, through
 * icc load's verify path.  Placeholders: see fuzz_oci.h. */
#include "fuzz_oci.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 1 << 16)
		return 0;
	bool manifest = data[0] == 'm';
	size_t len;
	fx_init();
	char *doc = fx_expand(data + 1, size - 1, &len);
	fx_begin(true);
	struct fx_blob b;
	fx_blob_set(&b, doc, len);
	free(doc);
	fx_put_blob(&b);
	char buf[1024];
	if (!manifest) {
		/* the input is the config: a manifest naming it and the fixture layer */
		struct fx_blob m;
		snprintf(buf, sizeof(buf),
			 "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
			 "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"%s\",\"size\":%s},"
			 "\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"%s\",\"size\":%s}]}",
			 b.digest, b.size, fx_layer.digest, fx_layer.size);
		free(b.data);
		fx_blob_set(&m, buf, strlen(buf));
		fx_put_blob(&m);
		b = m;
	}
	snprintf(buf, sizeof(buf),
		 "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
		 "\"digest\":\"%s\",\"size\":%s,\"annotations\":{\"io.containerd.image.name\":\"fuzz:1\"}}]}",
		 b.digest, b.size);
	free(b.data);
	fx_put("index.json", buf, strlen(buf));
	fx_verify();
	return 0;
}
