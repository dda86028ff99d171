/* fuzz_ref.c - libFuzzer target: image references, container and snapshot names */
#include "fuzz.h"

#include "icc/store/ref.h"
#include "icc/snap/snapdir.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size);
	if (!s)
		return 0;
	char out[ICC_REF_MAX], name[300], tag[160];
	struct icc_err err;
	if (icc_ref_normalize(s, out, sizeof(out), &err) == 0) {
		/* a normalised reference is stable and splits back */
		char again[ICC_REF_MAX];
		if (icc_ref_normalize(out, again, sizeof(again), &err) != 0 || strcmp(out, again))
			abort();
		icc_ref_split(out, name, sizeof(name), tag, sizeof(tag));
		if (strlen(name) > 255 || strlen(tag) > 128 || !tag[0])
			abort();
	}
	icc_container_name_valid(s);
	if (icc_snap_name_valid(s) && (strchr(s, '/') || !strcmp(s, "..") || strlen(s) > 128))
		abort();
	free(s);
	return 0;
}
