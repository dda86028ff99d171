#!/bin/bash
# t460-lifecycle-cmds.sh - restart, wait, top, rename, stats, pause/unpause, kill -s, and their bad input
. "$(dirname "$0")/../lib.sh"
setup_store
make_image busybox

test_expect_success 'wait blocks until the container ends and prints its exit code' '
	icc run -d --name w1 busybox sh -c "sleep 1; exit 3" >/dev/null &&
	icc run -d --name w2 busybox sh -c "exit 0" >/dev/null &&
	test "$(icc inspect -f "{{.State.Running}}" w1)" = true &&
	icc wait w1 w2 >out && printf "3\n0\n" >exp && cmp exp out &&
	test "$(icc inspect -f "{{.State.Status}} {{.State.ExitCode}}" w1)" = "exited 3" &&
	icc create --name w3 busybox true >/dev/null && test "$(icc wait w3)" = 0
'

test_expect_success 'restart: a running container gets a new process, a stopped one starts' '
	icc run -d --name r1 busybox sleep 300 >/dev/null &&
	p1=$(icc inspect -f "{{.State.Pid}}" r1) &&
	test "$(icc restart -t 1 r1)" = r1 &&
	p2=$(icc inspect -f "{{.State.Pid}}" r1) &&
	test "$p1" != "$p2" && test "$(icc inspect -f "{{.State.Running}}" r1)" = true &&
	kill -0 "$p2" && ! kill -0 "$p1" 2>/dev/null &&
	icc run -d --name r2 busybox sh -c "echo run; exit 4" >/dev/null && icc wait r2 >/dev/null &&
	icc restart r2 >/dev/null && icc wait r2 >code && test "$(cat code)" = 4 &&
	test "$(icc logs r2 | grep -c run)" = 2
'

test_expect_success 'top lists the processes of the container (ps -ef and ps options)' '
	icc run -d --name t1 busybox sh -c "sleep 301 & sleep 302; true" >/dev/null &&
	sleep 0.5 &&
	icc top t1 >out && cat out &&
	head -n1 out | grep -Eq "^UID +PID +PPID +C +STIME +TTY +TIME +CMD" &&
	grep -q "sleep 301" out && grep -q "sleep 302" out && test "$(wc -l <out)" = 4 &&
	! grep -q "icc" out &&
	icc top t1 -o pid,comm >out2 && head -n1 out2 | grep -Eq "PID +COMMAND" && test "$(wc -l <out2)" = 4 &&
	grep -qw "$(icc inspect -f "{{.State.Pid}}" t1)" out2
'

test_expect_success 'rename: the new name finds it, the old does not; names are checked' '
	icc run -d --name old1 busybox sleep 300 >/dev/null &&
	icc rename old1 new1 &&
	test "$(icc inspect -f "{{.Name}}" new1)" = /new1 &&
	test_must_fail icc inspect old1 2>/dev/null &&
	icc ps --format "{{.Names}}" | grep -qx new1 &&
	test_must_fail icc rename new1 "bad name" 2>err && expect_error_line err "invalid container name .bad name." &&
	test_must_fail icc rename new1 t1 2>err && expect_error_line err "name .t1. is already in use" &&
	test_must_fail icc rename nosuch x1 2>err && expect_error_line err "no such container .nosuch." &&
	test_must_fail icc rename new1 2>err && expect_error_line err "^icc: rename: usage:"
'

test_expect_success 'stats --no-stream: CPU, memory, net, block I/O and pids from the cgroup' '
	icc run -d --name s1 busybox sh -c "while :; do :; done" >/dev/null &&
	icc stats --no-stream s1 >out && cat out &&
	head -n1 out | grep -q "CONTAINER ID *NAME *CPU % *MEM USAGE / LIMIT *MEM % *NET I/O *BLOCK I/O *PIDS" &&
	grep -E "^[0-9a-f]{12} +s1 +[0-9.]+% +[0-9.]+[KMG]?i?B / [0-9.]+[KMGT]i?B +[0-9.]+% +[0-9.]+[kMG]?B / [0-9.]+[kMG]?B +[0-9.]+[kMG]?B / [0-9.]+[kMG]?B +1$" out &&
	cpu=$(icc stats --no-stream --format "{{.CPUPerc}}" s1) && cpu=${cpu%%.*} &&
	test "$cpu" -ge 30 &&
	icc stats --no-stream --format "{{.Name}} {{.PIDs}}" >all && grep -qx "s1 1" all &&
	icc stats --no-stream --format "{{json .}}" s1 | grep -q "\"MemUsage\":" &&
	icc rm -f s1 >/dev/null
'

test_expect_success 'stats without --no-stream keeps sampling' '
	timeout 3 icc stats --format "{{.Name}}" new1 >out; test $? = 124 &&
	test "$(grep -c new1 out)" -ge 2
'

test_expect_success 'pause freezes (State.Paused, ps "(Paused)", status=paused), unpause thaws' '
	icc run -d --name p1 busybox sh -c "while :; do date +%s%N >/tmp/t; done" >/dev/null &&
	sleep 0.3 && icc pause p1 >out && test "$(cat out)" = p1 &&
	test "$(icc inspect -f "{{.State.Status}} {{.State.Paused}} {{.State.Running}}" p1)" = "paused true true" &&
	icc ps --filter name=p1 --format "{{.State}} {{.Status}}" | grep -Eq "^paused Up .* \(Paused\)$" &&
	icc ps --filter status=paused -q | grep -q "$(icc inspect -f "{{.Id}}" p1 | cut -c1-12)" &&
	a=$(icc top p1 -o pid,time,stat | sed -n 2p) && sleep 1 && b=$(icc top p1 -o pid,time,stat | sed -n 2p) &&
	test "$a" = "$b" &&
	test_must_fail icc pause p1 2>err && expect_error_line err "already paused" &&
	icc unpause p1 >/dev/null &&
	test "$(icc inspect -f "{{.State.Status}} {{.State.Paused}}" p1)" = "running false" &&
	test_must_fail icc unpause p1 2>err && expect_error_line err "is not paused" &&
	icc pause p1 >/dev/null && icc stop -t 1 p1 >/dev/null &&
	test "$(icc inspect -f "{{.State.Status}} {{.State.Paused}}" p1)" = "exited false"
'

test_expect_success 'kill -s: names, SIG names, numbers, lower case reach the container' '
	icc run -d --name k1 busybox sh -c "trap \"echo got-usr1\" USR1; trap \"echo got-hup\" HUP; trap \"echo got-term; exit 9\" TERM; echo ready; while :; do sleep 0.1; done" >/dev/null &&
	n=0 && until icc logs k1 | grep -q ready || test $n -gt 100; do sleep 0.1; n=$((n + 1)); done &&
	icc kill -s USR1 k1 >/dev/null && sleep 0.4 &&
	icc kill -s sighup k1 >/dev/null && sleep 0.4 &&
	icc kill --signal 15 k1 >/dev/null && test "$(icc wait k1)" = 9 &&
	icc logs k1 >out && printf "ready\ngot-usr1\ngot-hup\ngot-term\n" >exp && cmp exp out &&
	icc run -d --name k2 busybox sleep 300 >/dev/null && icc kill -s SIGRTMIN+3 k2 >/dev/null &&
	icc kill -s KILL k2 >/dev/null && test "$(icc wait k2)" = 137
'

test_expect_success 'bad input: missing containers, stopped containers, bad signals and times' '
	for c in restart wait top pause unpause stats attach; do
		test_must_fail icc $c nosuch >/dev/null 2>err || return 1
		expect_error_line err "no such container .nosuch." || return 1
	done &&
	icc create --name stopped busybox true >/dev/null &&
	test_must_fail icc top stopped 2>err && expect_error_line err "container .stopped. is not running" &&
	test_must_fail icc pause stopped 2>err && expect_error_line err "container .stopped. is not running" &&
	test_must_fail icc attach stopped 2>err && expect_error_line err "You cannot attach to a stopped container, start it first" &&
	test_must_fail icc kill stopped 2>err && expect_error_line err "cannot kill container .stopped.: it is not running" &&
	for s in BOGUS 0 65 -1 SIGNOPE RTMIN+99 ""; do
		test_must_fail icc kill -s "$s" new1 2>err || return 1
		expect_error_line err "^icc: kill: .*invalid signal" || return 1
	done &&
	test "$(icc inspect -f "{{.State.Running}}" new1)" = true &&
	test_must_fail icc stop -t soon new1 2>err && expect_error_line err "^icc: stop: --time soon: not a number" &&
	test_must_fail icc restart -t -5 new1 2>err && expect_error_line err "^icc: restart: --time -5" &&
	test_must_fail icc restart 2>err && expect_error_line err "^icc: restart: usage:" &&
	test_must_fail icc top new1 -o nosuchcolumn 2>err && expect_error_line err "^icc: ps failed" &&
	test_must_fail icc stats --bogus 2>err && expect_error_line err "^icc: stats: unknown option .--bogus." &&
	test "$(icc inspect -f "{{.State.Running}}" new1)" = true
'

test_done
