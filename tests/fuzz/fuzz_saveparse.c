/* fuzz_saveparse.c - libFuzzer target: what a container writes to /.icc/save */
#include "fuzz.h"

#include "icc/snap/saveparse.h"
#include "icc/snap/snapdir.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = fuzz_copy(data, size);
	if (!buf)
		return 0;
	struct icc_err err;
	char name[ICC_SNAP_NAME_MAX + 1];
	char *msg = NULL;
	int r = icc_save_request_parse(buf, size, name, sizeof(name), &msg, &err);
	if (r == 0) {
		/* what was accepted must be what meta.json and the snapshot dir may hold */
		if (name[0] && !icc_snap_name_valid(name))
			abort();
		if (!msg || !icc_save_text_valid(msg, strlen(msg)) || strlen(msg) > size)
			abort();
		if (strchr(name, '/') || strchr(name, '\n'))
			abort();
	} else if (msg || name[0]) {
		abort();
	}
	free(msg);
	char *t = NULL;
	if (icc_save_more_parse(buf, size, &t, &err) == 0 && !icc_save_text_valid(t, strlen(t)))
		abort();
	free(t);
	free(buf);
	return 0;
}
