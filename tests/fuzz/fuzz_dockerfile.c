/* fuzz_dockerfile.c - libFuzzer target: a Dockerfile's text, and its arguments through variable expansion */
#include "fuzz.h"

#include "icc/build/build.h"

static const char *lookup(void *ctx, const char *name)
{
	return strlen(name) % 2 ? "value with spaces" : NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = fuzz_copy(data, size);
	if (!buf)
		return 0;
	struct icc_dockerfile df;
	struct icc_err err;
	if (icc_df_parse(buf, size, &df, &err) == 0) {
		if (df.nstages == 0 || df.v[df.nglobal].op != ICC_DF_FROM)
			abort();
		for (size_t i = 0; i < df.n; i++) {
			char **w;
			int n = icc_df_words(df.v[i].args, i % 2, lookup, NULL, &w, &err);
			if (n >= 0)
				icc_df_words_free(w, n);
		}
		icc_df_free(&df);
	}
	free(buf);
	return 0;
}
