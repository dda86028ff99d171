/* fuzz_template.c - libFuzzer target: --format templates parsed and run over a fixed document */
#include "fuzz.h"

#include "icc/base/template.h"

static const char *doc_text =
	"{\"Id\":\"abc\",\"State\":{\"Pid\":1,\"Running\":true},\"RepoTags\":[\"a:1\",\"b:2\"],"
	"\"Config\":{\"Cmd\":[\"sh\"],\"Labels\":{\"k\":\"v\"},\"Entrypoint\":null},\"N\":3.5}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static cJSON *doc;
	if (!doc)
		doc = cJSON_Parse(doc_text);
	char *s = fuzz_cstr(data, size);
	if (!s)
		return 0;
	struct icc_tmpl *t;
	struct icc_err err;
	if (icc_tmpl_parse(s, &t, &err) == 0) {
		for (int header = 0; header < 2; header++) {
			struct icc_sbuf out = {0};
			if (icc_tmpl_exec(t, doc, header, &out, &err) < 0 &&
			    (strncmp(err.msg, "template: :", 11) || strchr(err.msg, '\n')))
				abort(); /* every error names its place */
			icc_sbuf_free(&out);
		}
		icc_tmpl_free(t);
	} else if (strncmp(err.msg, "template: :", 11) || strchr(err.msg, '\n')) {
		abort(); /* a parse error is one line */
	}
	free(s);
	return 0;
}
