/* test_cli_table.c - the CLI's printers: the aligned table and "table TEMPLATE" */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "unit.h"

#include "../../cli/cli.h"

static void table_aligns_like_docker(void **state)
{
	struct cli_table t;
	cli_table_init(&t, 3, "REPOSITORY", "TAG", "ID");
	cli_table_add(&t, "a", "latest", "0123");
	cli_table_add(&t, "a-much-longer-name", NULL, "4567");
	cli_table_add(&t, "ünï", "x\x1b[2Jy", "89");
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	cli_table_print(&t, out);
	fclose(out);
	cli_table_free(&t);
	/* columns: widest cell + 3, at least 10; last unpadded; width in characters;
	 * NULL is empty; escapes from images become '?' */
	assert_string_equal(buf,
			    "REPOSITORY           TAG       ID\n"
			    "a                    latest    0123\n"
			    "a-much-longer-name             4567\n"
			    "ünï                  x?[2Jy    89\n");
	free(buf);
}

/* What cli_fmt_flush prints on stdout. */
static char *flushed(struct cli_fmt *f)
{
	int fd = memfd_create("out", MFD_CLOEXEC), saved = dup(1);
	assert_true(fd >= 0 && saved >= 0);
	fflush(stdout);
	dup2(fd, 1);
	cli_fmt_flush(f);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	off_t n = lseek(fd, 0, SEEK_END);
	char *s = calloc(1, (size_t)n + 1);
	assert_int_equal(pread(fd, s, (size_t)n, 0), n);
	close(fd);
	return s;
}

static void table_template_has_titles_and_aligns(void **state)
{
	struct cli_fmt f;
	assert_int_equal(cli_fmt_open(&f, "ps", "table {{.ID}}\\t{{.Names}}", "ID", "CONTAINER ID",
				      "Names", "NAMES", NULL), 0);
	cJSON *a = cJSON_Parse("{\"ID\": \"abc\", \"Names\": \"web\"}");
	cJSON *b = cJSON_Parse("{\"ID\": \"0123456789ab\", \"Names\": \"db\"}");
	assert_int_equal(cli_fmt_row(&f, a), 0);
	assert_int_equal(cli_fmt_row(&f, b), 0);
	char *s = flushed(&f);
	assert_string_equal(s,
			    "CONTAINER ID   NAMES\n"
			    "abc            web\n"
			    "0123456789ab   db\n");
	free(s);
	cJSON_Delete(a);
	cJSON_Delete(b);
}

static void json_and_plain_templates(void **state)
{
	struct cli_fmt f;
	assert_int_equal(cli_fmt_open(&f, "images", "json", NULL), 0);
	assert_int_equal(f.kind, CLI_FMT_JSON);
	cJSON *a = cJSON_Parse("{\"ID\": \"x\", \"n\": 2}");
	assert_int_equal(cli_fmt_row(&f, a), 0);
	char *s = flushed(&f);
	assert_string_equal(s, "{\"ID\":\"x\",\"n\":2}\n");
	free(s);
	assert_int_equal(cli_fmt_open(&f, "images", "{{.ID}}-{{.n}}", NULL), 0);
	assert_int_equal(cli_fmt_row(&f, a), 0);
	s = flushed(&f);
	assert_string_equal(s, "x-2\n");
	free(s);
	cJSON_Delete(a);
	/* the command's own table */
	assert_int_equal(cli_fmt_open(&f, "images", "table", NULL), 0);
	assert_int_equal(f.kind, CLI_FMT_TABLE);
	cli_fmt_free(&f);
}

static void bad_template_is_one_error(void **state)
{
	struct cli_fmt f;
	int saved = dup(2), fd = memfd_create("err", MFD_CLOEXEC);
	dup2(fd, 2);
	int r = cli_fmt_open(&f, "ps", "{{.ID", NULL);
	dup2(saved, 2);
	close(saved);
	assert_int_equal(r, 1);
	char buf[512] = "";
	assert_true(pread(fd, buf, sizeof(buf) - 1, 0) > 0);
	close(fd);
	assert_non_null(strstr(buf, "icc: ps: "));
	assert_non_null(strchr(buf, '\n'));
	assert_null(strchr(strchr(buf, '\n') + 1, '\n')); /* one line */
}

UNIT_TESTS(
	cmocka_unit_test(table_aligns_like_docker),
	cmocka_unit_test(table_template_has_titles_and_aligns),
	cmocka_unit_test(json_and_plain_templates),
	cmocka_unit_test(bad_template_is_one_error))
