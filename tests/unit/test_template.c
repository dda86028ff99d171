/* test_template.c - the --format template engine: fields, functions, control, errors */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "icc/base/template.h"

static const char *doc_text =
	"{\"Id\":\"abc123\",\"Name\":\"/web\",\"RepoTags\":[\"busybox:latest\",\"bb:1\"],"
	"\"State\":{\"Status\":\"running\",\"Running\":true,\"Pid\":4242,\"ExitCode\":0,\"Ratio\":0.5},"
	"\"Config\":{\"Cmd\":[\"sleep\",\"100\"],\"Entrypoint\":null,\"Env\":[\"A=1\",\"B=2\"],"
	"\"Labels\":{\"zeta\":\"z\",\"alpha\":\"a\"},\"Empty\":[],\"Text\":\"\"},"
	"\"Memory\":67108864,\"Mounts\":[{\"Source\":\"/h\",\"Destination\":\"/c\",\"RW\":true},"
	"{\"Source\":\"/x\",\"Destination\":\"/y\",\"RW\":false}]}";

static cJSON *doc;

static int setup(void **state)
{
	doc = cJSON_Parse(doc_text);
	return doc ? 0 : -1;
}

static int teardown(void **state)
{
	cJSON_Delete(doc);
	return 0;
}

/* Render `tmpl` over the test document; the result or NULL (err filled). */
static char *render_h(const char *tmpl, const cJSON *data, bool header, struct icc_err *err)
{
	struct icc_tmpl *t;
	icc_err_clear(err);
	if (icc_tmpl_parse(tmpl, &t, err) < 0)
		return NULL;
	struct icc_sbuf out = {0};
	int r = icc_tmpl_exec(t, data, header, &out, err);
	icc_tmpl_free(t);
	if (r < 0) {
		icc_sbuf_free(&out);
		return NULL;
	}
	return out.p ? out.p : strdup("");
}

static void expect(const char *tmpl, const char *want)
{
	struct icc_err err;
	char *got = render_h(tmpl, doc, false, &err);
	if (!got)
		fail_msg("'%s' failed: %s", tmpl, err.msg);
	if (strcmp(got, want))
		fail_msg("'%s' gave '%s', want '%s'", tmpl, got, want);
	free(got);
}

/* The template fails with one line that contains `part`. */
static void expect_error(const char *tmpl, const char *part)
{
	struct icc_err err;
	char *got = render_h(tmpl, doc, false, &err);
	if (got)
		fail_msg("'%s' succeeded with '%s'", tmpl, got);
	if (!strstr(err.msg, part) || strchr(err.msg, '\n') || strncmp(err.msg, "template: :", 11))
		fail_msg("'%s' error '%s' lacks '%s'", tmpl, err.msg, part);
}

static void test_fields(void **state)
{
	expect("{{.Id}}", "abc123");
	expect("{{.State.Pid}}", "4242");
	expect("pid={{ .State.Pid }}!", "pid=4242!");
	expect("{{.State.Running}} {{.State.Ratio}}", "true 0.5");
	expect("{{.Memory}}", "67108864");
	expect("{{.Config.Cmd}}", "[sleep 100]");
	expect("{{.Config.Labels}}", "map[alpha:a zeta:z]");
	expect("{{.Config.Entrypoint}}", "<no value>");
	expect("{{.Config.Empty}}", "[]");
	expect("{{.}}", "map[Config:map[Cmd:[sleep 100] Empty:[] Entrypoint:<no value> Env:[A=1 B=2] "
			"Labels:map[alpha:a zeta:z] Text:] Id:abc123 Memory:67108864 Mounts:[map[Destination:/c RW:true "
			"Source:/h] map[Destination:/y RW:false Source:/x]] Name:/web RepoTags:[busybox:latest bb:1] "
			"State:map[ExitCode:0 Pid:4242 Ratio:0.5 Running:true Status:running]]");
	expect("no actions\\t at all", "no actions\\t at all");
	expect("", "");
}

static void test_json(void **state)
{
	expect("{{json .Config.Cmd}}", "[\"sleep\",\"100\"]");
	expect("{{json .Config.Entrypoint}}", "null");
	expect("{{json .State.Status}}", "\"running\"");
	expect("{{.Config.Labels | json}}", "{\"zeta\":\"z\",\"alpha\":\"a\"}");
	expect("{{json (index .Mounts 1)}}", "{\"Source\":\"/x\",\"Destination\":\"/y\",\"RW\":false}");
}

static void test_functions(void **state)
{
	expect("{{index .RepoTags 0}}", "busybox:latest");
	expect("{{index .Config.Labels \"alpha\"}}", "a");
	expect("[{{index .Config.Labels \"missing\"}}]", "[<no value>]");
	expect("{{(index .Mounts 0).Source}}", "/h");
	expect("{{index .Mounts 1 \"Destination\"}}", "/y");
	expect("{{len .RepoTags}} {{len .Config.Labels}} {{len .Id}}", "2 2 6");
	expect("{{join .Config.Env \",\"}}", "A=1,B=2");
	expect("{{join (split \"a:b:c\" \":\") \"-\"}}", "a-b-c");
	expect("{{upper .State.Status}} {{lower \"MiXed\"}} {{title \"hello world\"}}", "RUNNING mixed Hello World");
	expect("{{.Name | upper}}", "/WEB");
	expect("{{printf \"%s has pid %d\" .Name .State.Pid}}", "/web has pid 4242");
	expect("{{printf \"%-6s|%5d|%05d|%x|%q|%v|%.2f|%t|%%\" \"ab\" 42 42 255 \"q\" .Config.Cmd 3.14159 true}}",
	       "ab    |   42|00042|ff|\"q\"|[sleep 100]|3.14|true|%");
	expect("{{printf \"%d\" \"str\"}}", "%!d(string=str)");
	expect("{{printf \"%s %s\" \"one\"}}", "one %!s(MISSING)");
	expect("{{printf \"%s\" \"a\" 2}}", "a%!(EXTRA number=2)");
	expect("{{print \"a\" 1 2 \"b\"}}", "a1 2b");
	expect("{{println \"a\" 1}}", "a 1\n");
	expect("{{pad \"x\" 2 1}}|{{truncate \"abcdef\" 3}}", "  x |abc");
	expect("{{eq .State.Status \"running\"}} {{ne 1 2}} {{lt 1 2}} {{ge \"b\" \"a\"}} {{eq 3 1 2 3}}",
	       "true true true true true");
	expect("{{and 1 0}} {{or 0 \"x\"}} {{not .State.Running}}", "0 x false");
	expect("{{printf \"%d\" (len .Mounts)}}", "2");
}

static void test_control(void **state)
{
	expect("{{if .State.Running}}up{{else}}down{{end}}", "up");
	expect("{{if .Config.Text}}t{{else if .Config.Empty}}e{{else}}none{{end}}", "none");
	expect("{{if eq .State.Pid 1}}one{{else if gt .State.Pid 100}}big{{end}}", "big");
	expect("{{range .RepoTags}}[{{.}}]{{end}}", "[busybox:latest][bb:1]");
	expect("{{range $i, $t := .RepoTags}}{{$i}}={{$t}} {{end}}", "0=busybox:latest 1=bb:1 ");
	expect("{{range $k, $v := .Config.Labels}}{{$k}}:{{$v}};{{end}}", "alpha:a;zeta:z;");
	expect("{{range .Mounts}}{{.Source}}:{{.Destination}}{{if not .RW}}:ro{{end}} {{end}}", "/h:/c /x:/y:ro ");
	expect("{{range .Config.Empty}}x{{else}}empty{{end}}", "empty");
	expect("{{range .Config.Entrypoint}}x{{else}}nil{{end}}", "nil");
	expect("{{range .RepoTags}}{{if eq . \"bb:1\"}}{{break}}{{end}}{{.}}{{end}}", "busybox:latest");
	expect("{{range .RepoTags}}{{if eq . \"busybox:latest\"}}{{continue}}{{end}}{{.}}{{end}}", "bb:1");
	expect("{{with .State}}{{.Status}}/{{$.Name}}{{end}}", "running//web");
	expect("{{with .Config.Text}}x{{else}}no text{{end}}", "no text");
	expect("{{$p := .State.Pid}}{{$p}} {{$p = 7}}{{$p}}", "4242 7");
	expect("{{range .Mounts}}{{$.Id}} {{end}}", "abc123 abc123 ");
	expect("a {{- \" b \" -}} c", "a b c");
	expect("a  {{- /* gone */ -}}  c{{/* also */}}", "ac");
	expect("{{\"}}\"}}", "}}");
	expect("{{`raw\\n`}}", "raw\\n");
}

static void test_errors(void **state)
{
	expect_error("{{.Nope}}", "map has no entry for key \"Nope\"");
	expect_error("{{.State.Nope}}", "<.State.Nope>");
	expect_error("{{.Id.Sub}}", "can't evaluate field Sub in type string");
	expect_error("{{.Config.Entrypoint.X}}", "nil pointer evaluating .X");
	expect_error("{{.Id", "unclosed action");
	expect_error("x {{if .Id}} y", "missing {{end}}");
	expect_error("{{end}}", "unexpected");
	expect_error("{{nosuch .Id}}", "function not defined: \"nosuch\"");
	expect_error("{{index .RepoTags 5}}", "index out of range: 5");
	expect_error("{{len 3}}", "len of type number");
	expect_error("{{$x}}", "undefined variable \"$x\"");
	expect_error("{{}}", "missing value for command");
	expect_error("{{.Id .Name}}", "can't give argument to non-function");
	expect_error("{{range .Id}}{{end}}", "range can't iterate over string");
	expect_error("{{break}}", "outside {{range}}");
	expect_error("{{\"abc}}", "unterminated quoted string");
	expect_error("{{(.Id}}", "unclosed left paren");
	expect_error("{{.Id)}}", "unexpected right paren");
	expect_error("{{/* open", "unclosed comment");
	expect_error("{{template \"x\"}}", "unsupported action");
	expect_error("{{eq .Id 1}}", "incompatible types");
	expect_error("{{index .RepoTags}}x\n{{upper}}", ":2:2:");
	expect_error("{{upper}}", "wrong number of args for upper");
	/* nesting deep enough to smash the stack is refused, not followed */
	char deep[2000] = "{{";
	for (int i = 0; i < 300; i++)
		strcat(deep, "(");
	strcat(deep, ".Id");
	for (int i = 0; i < 300; i++)
		strcat(deep, ")");
	strcat(deep, "}}");
	expect_error(deep, "nested too deeply");
	/* loops that would run for minutes stop at a step budget */
	expect_error("{{range 1000}}{{range 1000}}x{{end}}{{end}}", "more than 200000 steps");
}

static void test_header(void **state)
{
	cJSON *h = cJSON_Parse("{\"ID\":\"CONTAINER ID\",\"Names\":\"NAMES\"}");
	struct icc_err err;
	char *got = render_h("{{.ID}}\t{{.Names}}\t{{.Status}}\t{{.State.Pid}}", h, true, &err);
	assert_non_null(got);
	assert_string_equal(got, "CONTAINER ID\tNAMES\tSTATUS\tPID");
	free(got);
	cJSON_Delete(h);
}

static void test_json_indent(void **state)
{
	cJSON *v = cJSON_Parse("[{\"Id\":\"x\",\"Args\":[],\"Labels\":{},\"N\":null,\"L\":[1,\"a\"]}]");
	struct icc_sbuf b = {0};
	icc_json_indent(v, &b);
	assert_string_equal(b.p, "[\n    {\n        \"Id\": \"x\",\n        \"Args\": [],\n        \"Labels\": {},\n"
				 "        \"N\": null,\n        \"L\": [\n            1,\n            \"a\"\n        ]\n    }\n]");
	icc_sbuf_free(&b);
	cJSON_Delete(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_functions),
		cmocka_unit_test(test_control),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_json_indent),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
