/* fuzz_config.c - libFuzzer target: metadata JSON and config change lines */
#include "fuzz.h"

#include "icc/image/image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size);
	if (!s)
		return 0;
	/* as metadata: accessors must tolerate any shape */
	cJSON *doc = cJSON_Parse(s);
	if (doc) {
		icc_json_str(doc, "id");
		icc_json_int(doc, "size", -1);
		icc_time_parse(icc_json_str(doc, "created"));
		cJSON *config = cJSON_CreateObject();
		struct icc_err err;
		if (cJSON_IsArray(doc))
			icc_config_apply(config, doc, &err);
		cJSON_Delete(config);
		cJSON_Delete(doc);
	}
	/* as one change line */
	cJSON *changes = cJSON_CreateArray();
	cJSON_AddItemToArray(changes, cJSON_CreateString(s));
	cJSON *config = cJSON_CreateObject();
	struct icc_err err;
	icc_config_apply(config, changes, &err);
	cJSON_Delete(config);
	cJSON_Delete(changes);
	icc_time_parse(s);
	free(s);
	return 0;
}
