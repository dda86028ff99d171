/* fuzz_oci_index.c - libFuzzer target: index.json of an OCI layout (and the
 * nested index, manifest, config and layer it leads to) through icc load's
 * verify path.  Placeholders: see fuzz_oci.h. */
#include "fuzz_oci.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 1 << 16)
		return 0;
	fx_begin(true);
	fx_put_input("index.json", data, size);
	fx_verify();
	return 0;
}
