/* test_util.c - atomic files, JSON round trip, ids, time and size formats, config changes */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <dirent.h>
#include "unit.h"

#include "icc/base/cleanup.h"
#include "icc/image/image.h"
#include "icc/base/progress.h"
#include "icc/base/util.h"

static int count_entries(int dirfd)
{
	int fd = dup(dirfd);
	DIR *d = fdopendir(fd);
	rewinddir(d);
	int n = 0;
	struct dirent *de;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static void atomic_write_replaces_and_leaves_no_temp(void **state)
{
	char path[64];
	int fd = make_tmpdir(path, sizeof(path));
	struct icc_err err;
	assert_int_equal(icc_write_file_atomic(fd, "f", "one", 3, &err), 0);
	assert_int_equal(icc_write_file_atomic(fd, "f", "second", 6, &err), 0);
	char *text;
	size_t len;
	assert_int_equal(icc_read_file(fd, "f", 100, &text, &len, &err), 0);
	assert_string_equal(text, "second");
	assert_int_equal(len, 6);
	free(text);
	assert_int_equal(count_entries(fd), 1); /* no temp file left behind */
	/* too large for the limit */
	assert_int_equal(icc_read_file(fd, "f", 3, &text, &len, &err), -EFBIG);
	/* a missing file names itself */
	assert_int_equal(icc_read_file(fd, "nope", 100, &text, &len, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "'nope'"));
	unlinkat(fd, "f", 0);
	close(fd);
	rmdir(path);
}

static void json_round_trip_and_corruption(void **state)
{
	char path[64];
	int fd = make_tmpdir(path, sizeof(path));
	struct icc_err err;
	cJSON *doc = cJSON_CreateObject();
	cJSON_AddStringToObject(doc, "id", "abc");
	cJSON_AddNumberToObject(doc, "size", 12345678901.0);
	assert_int_equal(icc_json_write(fd, "meta.json", doc, &err), 0);
	cJSON_Delete(doc);
	cJSON *back;
	assert_int_equal(icc_json_read(fd, "meta.json", &back, &err), 0);
	assert_string_equal(icc_json_str(back, "id"), "abc");
	assert_true(icc_json_int(back, "size", -1) == 12345678901LL);
	assert_null(icc_json_str(back, "size")); /* wrong type: NULL, no crash */
	assert_int_equal(icc_json_int(back, "missing", -7), -7);
	cJSON_Delete(back);
	assert_int_equal(icc_write_file_atomic(fd, "bad.json", "{\"id\": ", 7, &err), 0);
	assert_int_equal(icc_json_read(fd, "bad.json", &back, &err), -EBADMSG);
	assert_non_null(strstr(err.msg, "corrupt"));
	assert_int_equal(icc_write_file_atomic(fd, "arr.json", "[1]", 3, &err), 0);
	assert_int_equal(icc_json_read(fd, "arr.json", &back, &err), -EBADMSG);
	unlinkat(fd, "meta.json", 0);
	unlinkat(fd, "bad.json", 0);
	unlinkat(fd, "arr.json", 0);
	close(fd);
	rmdir(path);
}

static void ids_are_hex_and_distinct(void **state)
{
	char a[ICC_ID_LEN + 1], b[ICC_ID_LEN + 1];
	icc_random_id(a);
	icc_random_id(b);
	assert_int_equal(strlen(a), 64);
	assert_true(icc_is_hex(a, 64));
	assert_string_not_equal(a, b);
	assert_false(icc_is_hex("abcg", 4));
	assert_false(icc_is_hex("ABCD", 4));
}

static void time_format_and_parse(void **state)
{
	int64_t t = 1763900000123456789LL;
	char buf[64];
	icc_time_format(t, buf, sizeof(buf));
	assert_string_equal(buf, "2025-11-23T12:13:20.123456789Z");
	assert_true(icc_time_parse(buf) == t);
	assert_true(icc_time_parse("2025-11-23T12:13:20Z") == 1763900000LL * 1000000000LL);
	assert_true(icc_time_parse("garbage") == 0);
	assert_true(icc_time_parse(NULL) == 0);
}

static void time_ago_like_docker(void **state)
{
	char buf[64];
	int64_t s = 1000000000LL, now = 1000000 * s;
	icc_time_ago(now, now, buf, sizeof(buf));
	assert_string_equal(buf, "Less than a second ago");
	icc_time_ago(now - 1 * s, now, buf, sizeof(buf));
	assert_string_equal(buf, "1 second ago");
	icc_time_ago(now - 4 * s, now, buf, sizeof(buf));
	assert_string_equal(buf, "4 seconds ago");
	icc_time_ago(now - 90 * s, now, buf, sizeof(buf));
	assert_string_equal(buf, "About a minute ago");
	icc_time_ago(now - 180 * s, now, buf, sizeof(buf));
	assert_string_equal(buf, "3 minutes ago");
	icc_time_ago(now - 3700 * s, now, buf, sizeof(buf));
	assert_string_equal(buf, "About an hour ago");
	icc_time_ago(now - 5 * 3600 * s, now, buf, sizeof(buf));
	assert_string_equal(buf, "5 hours ago");
	icc_time_ago(now - 3 * 86400 * s, now, buf, sizeof(buf));
	assert_string_equal(buf, "3 days ago");
	icc_time_ago(now - 20 * 86400 * s, now, buf, sizeof(buf));
	assert_string_equal(buf, "2 weeks ago");
}

static void sizes_like_docker(void **state)
{
	char buf[32];
	icc_human_size(0, buf, sizeof(buf));
	assert_string_equal(buf, "0B");
	icc_human_size(999, buf, sizeof(buf));
	assert_string_equal(buf, "999B");
	icc_human_size(7970000, buf, sizeof(buf));
	assert_string_equal(buf, "7.97MB");
	icc_human_size(1982266, buf, sizeof(buf));
	assert_string_equal(buf, "1.98MB");
	icc_human_size(1500000000ULL, buf, sizeof(buf));
	assert_string_equal(buf, "1.5GB");
}

static void config_changes(void **state)
{
	struct icc_err err;
	cJSON *config = cJSON_Parse("{\"Env\":[\"PATH=/bin\",\"A=1\"]}");
	cJSON *changes = cJSON_Parse(
		"[\"ENV A=2\", \"ENV B hello world\", \"CMD [\\\"/bin/sh\\\", \\\"-l\\\"]\","
		" \"ENTRYPOINT echo hi\", \"WORKDIR /srv\", \"USER nobody\", \"LABEL k=v\", \"EXPOSE 80\"]");
	assert_int_equal(icc_config_apply(config, changes, &err), 0);
	char *s = cJSON_PrintUnformatted(config);
	assert_string_equal(s,
		"{\"Env\":[\"PATH=/bin\",\"A=2\",\"B=hello world\"],\"Cmd\":[\"/bin/sh\",\"-l\"],"
		"\"Entrypoint\":[\"/bin/sh\",\"-c\",\"echo hi\"],\"WorkingDir\":\"/srv\",\"User\":\"nobody\","
		"\"Labels\":{\"k\":\"v\"},\"ExposedPorts\":{\"80/tcp\":{}}}");
	free(s);
	cJSON_Delete(changes);

	static const char *bad[] = {"FROM x", "CMD [1,2]", "WORKDIR rel", "ENV", "CMD", "", "RUN x"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cJSON *c = cJSON_CreateArray();
		cJSON_AddItemToArray(c, cJSON_CreateString(bad[i]));
		if (icc_config_apply(config, c, &err) == 0)
			fail_msg("change '%s' accepted", bad[i]);
		assert_non_null(strstr(err.msg, "invalid change"));
		cJSON_Delete(c);
	}
	cJSON_Delete(config);
}

static void printable_text(void **state)
{
	(void)state;
	static const struct {
		const char *in, *out;
	} cases[] = {
		{"plain text", "plain text"},
		{"\033]0;pwn\007\033[2J", "?]0;pwn??[2J"},
		{"tab\tnew\nline\rdel\x7f", "tab?new?line?del?"},
		{"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xb3", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xb3"},
		{"c1 \xc2\x9b""31m", "c1 ??31m"},            /* U+009B CSI */
		{"raw \x9b""2J", "raw ?2J"},                  /* CSI as a bare byte */
		{"cut \xe2\x82", "cut ??"},                  /* truncated sequence */
		{"over \xc0\xaf \xe0\x80\xaf", "over ?? ???"}, /* overlong */
		{"sur \xed\xa0\x80", "sur ???"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char buf[64];
		snprintf(buf, sizeof(buf), "%s", cases[i].in);
		icc_printable(buf);
		assert_string_equal(buf, cases[i].out);
	}
}

static void shared_helpers(void **state)
{
	/* write_all: a pipe smaller than the data, drained by a child */
	int p[2];
	assert_int_equal(pipe(p), 0);
	static char big[256 * 1024];
	memset(big, 'x', sizeof(big));
	pid_t pid = fork();
	if (pid == 0) {
		close(p[1]);
		size_t got = 0;
		ssize_t n;
		char buf[4096];
		while ((n = read(p[0], buf, sizeof(buf))) > 0)
			got += (size_t)n;
		_exit(got == sizeof(big) ? 0 : 1);
	}
	close(p[0]);
	assert_int_equal(icc_write_all(p[1], big, sizeof(big)), 0);
	close(p[1]);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(icc_write_all(-1, "x", 1), -EBADF);

	/* mkdir_p: parents made, the leaf with its mode, existing is fine */
	char dir[64], deep[128];
	close(make_tmpdir(dir, sizeof(dir)));
	snprintf(deep, sizeof(deep), "%s/a/b/c", dir);
	assert_int_equal(icc_mkdir_p(deep, 0700), 0);
	assert_int_equal(icc_mkdir_p(deep, 0700), 0);
	struct stat sb;
	assert_int_equal(stat(deep, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0700);
	char file[160];
	snprintf(file, sizeof(file), "%s/f", deep);
	close(open(file, O_CREAT | O_WRONLY, 0600));
	snprintf(file, sizeof(file), "%s/f/g", deep);
	assert_int_equal(icc_mkdir_p(file, 0700), -ENOTDIR);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);

	/* uuid text */
	const uint8_t u[16] = {0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0,
			       0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef};
	char t[37];
	icc_uuid_format(u, t);
	assert_string_equal(t, "12345678-9abc-def0-0123-456789abcdef");

	/* JSON text ends in one newline, pretty or compact */
	cJSON *j = cJSON_Parse("{\"a\":[1,2]}");
	size_t len;
	char *s = icc_json_text(j, false, &len);
	assert_string_equal(s, "{\"a\":[1,2]}\n");
	assert_int_equal(len, strlen(s));
	free(s);
	s = icc_json_text(j, true, NULL);
	assert_true(strlen(s) > 2 && s[strlen(s) - 1] == '\n' && s[strlen(s) - 2] != '\n');
	free(s);
	cJSON_Delete(j);
}

static int scoped_fd(int *seen)
{
	cleanup_close int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	cleanup_free char *s = strdup("freed at return");
	cleanup_json cJSON *j = cJSON_CreateObject();
	*seen = fd;
	errno = ENOSPC; /* survives the releases */
	return fcntl(fd, F_GETFD) >= 0 && s && j ? 0 : -1;
}

static void cleanup_attributes(void **state)
{
	int fd = -1;
	assert_int_equal(scoped_fd(&fd), 0);
	assert_int_equal(errno, ENOSPC);
	assert_true(fd >= 0);
	assert_int_equal(fcntl(fd, F_GETFD), -1); /* closed when the scope ended */
	assert_int_equal(errno, EBADF);
	cleanup_close int kept = open("/dev/null", O_RDONLY | O_CLOEXEC);
	int mine = icc_steal_fd(&kept);
	assert_int_equal(kept, -1);
	assert_true(fcntl(mine, F_GETFD) >= 0);
	close(mine);
}

static void durations(void **state)
{
	/* Go durations (logs --since 10m) */
	assert_true(icc_go_duration("90s") == 90000000000LL);
	assert_true(icc_go_duration("1h30m") == 5400000000000LL);
	assert_true(icc_go_duration("1.5h") == 5400000000000LL);
	assert_true(icc_go_duration("250ms") == 250000000LL);
	assert_true(icc_go_duration("3us") == 3000LL && icc_go_duration("7ns") == 7);
	assert_true(icc_go_duration("") == -1 && icc_go_duration("10") == -1);
	assert_true(icc_go_duration("10x") == -1 && icc_go_duration("-5s") == -1);
	assert_true(icc_go_duration("5mm") == -1 && icc_go_duration("1d") == -1);
	/* --since/--until: a time, Unix seconds, or a duration before now */
	int64_t now = 1700000000LL * 1000000000LL;
	assert_true(icc_time_when("2024-01-02T03:04:05Z", now) == icc_time_parse("2024-01-02T03:04:05Z"));
	assert_true(icc_time_when("2024-01-02", now) == 1704153600LL * 1000000000LL);
	assert_true(icc_time_when("2024-01-02T03:04:05", now) == 1704164645LL * 1000000000LL);
	assert_true(icc_time_when("1700000000.5", now) == 1700000000500000000LL);
	assert_true(icc_time_when("10m", now) == now - 600000000000LL);
	assert_true(icc_time_when("400000h", 5) == 1); /* before the epoch: the earliest */
	assert_true(icc_go_duration("999999999h") == -1); /* past int64 ns */
	assert_true(icc_time_when("yesterday", now) == 0);
	assert_true(icc_time_when("0", now) == 0);
	/* snapshot prune --older-than (seconds) */
	assert_true(icc_parse_duration("90") == 90 && icc_parse_duration("2h") == 7200);
	assert_true(icc_parse_duration("1w") == 604800 && icc_parse_duration("1h30m") == 5400);
	assert_true(icc_parse_duration("7d") == 604800 && icc_parse_duration("bad") == -1);
}

UNIT_TESTS(
	cmocka_unit_test(atomic_write_replaces_and_leaves_no_temp),
	cmocka_unit_test(json_round_trip_and_corruption),
	cmocka_unit_test(ids_are_hex_and_distinct),
	cmocka_unit_test(time_format_and_parse),
	cmocka_unit_test(time_ago_like_docker),
	cmocka_unit_test(sizes_like_docker),
	cmocka_unit_test(config_changes),
	cmocka_unit_test(printable_text),
	cmocka_unit_test(shared_helpers),
	cmocka_unit_test(cleanup_attributes),
	cmocka_unit_test(durations))
