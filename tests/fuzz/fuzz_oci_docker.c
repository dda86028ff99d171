/* fuzz_oci_docker.c - libFuzzer target: a docker-archive's manifest.json
 * (with the fixture config as "<hex>.json" and "layer.tar" present) through
 * icc load's verify path.  Placeholders: see fuzz_oci.h (@c: config hex). */
#include "fuzz_oci.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 1 << 16)
		return 0;
	fx_begin(false);
	char name[128];
	snprintf(name, sizeof(name), "%s.json", fx_config.digest + 7);
	fx_put(name, fx_config.data, fx_config.len);
	fx_put("layer.tar", fx_layer.data, fx_layer.len);
	fx_put_input("manifest.json", data, size);
	fx_verify();
	return 0;
}
