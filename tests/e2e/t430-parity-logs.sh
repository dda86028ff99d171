#!/bin/bash
# t430-parity-logs.sh - icc logs for every container (foreground, -it, -d): json-file lines, --since/--until/--tail/-t/-f, rotation
. "$(dirname "$0")/../lib.sh"
setup_store
make_image busybox
logfile() { echo "$ICC_ROOT/containers/$(icc inspect -f '{{.Id}}' "$1")/container-json.log"; }

test_expect_success 'a foreground run is kept: stdout and stderr apart, json-file lines' '
	icc run --name fg busybox sh -c "echo out1; echo err1 >&2; printf partial" >out 2>err &&
	grep -qx out1 out && grep -qx err1 err &&
	icc logs fg >lo 2>le && printf "out1\npartial" >exp && cmp exp lo && grep -qx err1 le &&
	grep -q "^{\"log\":\"out1\\\\n\",\"stream\":\"stdout\",\"time\":\"20[0-9-]*T[0-9:.]*Z\"}$" "$(logfile fg)" &&
	grep -q "\"stream\":\"stderr\"" "$(logfile fg)" &&
	test "$(icc inspect -f "{{.LogPath}}" fg)" = "$(logfile fg)"
'

test_expect_success 'an interactive -it run is kept too (the terminal as stdout)' '
	command -v script >/dev/null || { echo "no script(1): skipped"; exit 0; }
	script -qc "icc run -it --name tty1 busybox sh -c \"echo from-the-tty\"" /dev/null >/dev/null &&
	icc logs tty1 | tr -d "\r" | grep -q "from-the-tty"
'

test_expect_success '--tail N, --tail all, -t timestamps' '
	icc run --name many busybox sh -c "for i in 1 2 3 4 5; do echo l\$i; done" >/dev/null &&
	test "$(icc logs --tail 2 many | tr "\n" " ")" = "l4 l5 " &&
	test "$(icc logs -n 0 many | wc -c)" = 0 &&
	test "$(icc logs --tail all many | wc -l)" = 5 &&
	icc logs -t --tail 1 many | grep -qE "^20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{9}Z l5$"
'

test_expect_success '--since and --until: RFC 3339, Unix seconds, durations' '
	t=$(icc logs -t --tail 1 many | cut -d" " -f1) &&
	test "$(icc logs --since "$t" many)" = l5 &&
	test "$(icc logs --since 1h many | wc -l)" = 5 &&
	test -z "$(icc logs --until 2001-01-01 many)" &&
	test -z "$(icc logs --since $(($(date +%s) + 100)) many)" &&
	test "$(icc logs --until "$t" many | wc -l)" = 5
'

test_expect_success '-f on a detached container prints lines as they come and ends with it' '
	icc run -d --name d1 busybox sh -c "for i in 1 2 3; do echo tick\$i; sleep 0.4; done" >/dev/null &&
	timeout 15 icc logs -f d1 >out && printf "tick1\ntick2\ntick3\n" >exp && diff exp out
'

test_expect_success 'the log is bounded: rotated once at the size limit, the newest lines kept' '
	ICC_LOG_MAX_BYTES=20000 icc run --name big busybox sh -c "i=0; while [ \$i -lt 3000 ]; do echo line\$i; i=\$((i+1)); done" >/dev/null &&
	f=$(logfile big) && test -f "$f.1" && test ! -e "$f.2" &&
	test $(stat -c %s "$f") -le 20000 && test $(stat -c %s "$f.1") -le 20000 &&
	test "$(icc logs --tail 1 big)" = line2999 &&
	icc logs big >all && test $(wc -l <all) -lt 3000 && test $(wc -l <all) -gt 300 &&
	sort -u all | test $(wc -l) -eq $(wc -l <all)
'

test_expect_success 'a long line is cut at 16 KiB into entries, and shows whole again' '
	icc run --name long busybox sh -c "head -c 40000 /dev/zero | tr \"\\\\0\" x; echo" >/dev/null &&
	test $(grep -c . "$(logfile long)") -eq 3 &&
	test "$(icc logs long | wc -c)" = 40001
'

test_expect_success 'bad input: one line, exit 125 for usage, 1 for a missing container' '
	icc logs --tail x many 2>err; test $? -eq 125 && expect_error_line err "^icc: logs: invalid value for --tail" &&
	icc logs --since yesterday many 2>err; test $? -eq 125 && expect_error_line err "invalid value for --since" &&
	icc logs 2>err; test $? -eq 125 && expect_error_line err "^icc: logs: usage: icc logs" &&
	icc logs --bogus many 2>err; test $? -eq 125 &&
	icc logs nosuch 2>err; test $? -eq 1 && expect_error_line err "^icc: logs: no such container"
'

test_done
