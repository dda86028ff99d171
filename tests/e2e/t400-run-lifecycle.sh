#!/bin/bash
# t400 - run/exec/stop/start/logs/rm/ps on a real OCI runtime, and bad input
. "$(dirname "$0")/../lib.sh"
command -v runc >/dev/null || skip_all "runc not installed"
setup_store
make_image busybox
at_exit 'for c in $(icc ps -aq --no-trunc); do icc rm -f $c; done'

test_expect_success 'run prints, passes the exit code, leaves nothing mounted' '
	icc run --name r1 busybox sh -c "echo hello; exit 3" >out; test $? -eq 3 &&
	grep -x hello out &&
	! grep -q "$ICC_ROOT/containers" /proc/mounts &&
	icc ps -a >ps && grep -E "r1$" ps | grep -q "Exited (3)"
'
test_expect_success 'container sees /.icc, its hostname and hosts; rlimit capped' '
	icc run --rm --hostname box busybox sh -c "ls /.icc; hostname; grep box /etc/hosts; ulimit -Hn" >out &&
	grep -x save out && grep -x box out && test "$(tail -n1 out)" -le "$(ulimit -Hn)"
'
test_expect_success 'run --rm removes the container' '
	icc run --rm --name gone busybox true &&
	test_must_fail icc inspect gone
'
test_expect_success 'detached run, logs, exec, ps' '
	id=$(icc run -d --name d1 busybox sh -c "echo started; while :; do sleep 1; done") &&
	test ${#id} -eq 64 &&
	sleep 0.5 &&
	icc logs d1 | grep -x started &&
	icc exec d1 sh -c "echo in-exec \$(hostname)" >out && grep -x "in-exec ${id:0:12}" out &&
	icc ps >ps && grep d1 ps | grep -q "Up " &&
	icc ps --format json | grep -q "\"State\":\"running\"" &&
	icc ps -q | grep -x "${id:0:12}"
'
test_expect_success 'exec of a missing command: one line, exit 127' '
	{ icc exec d1 nosuchcmd 2>err; rc=$?; } ; test $rc -eq 127 &&
	expect_error_line err "executable file not found" &&
	{ icc exec d1 /bin/../../../etc/passwd-not 2>err; rc=$?; } ; test $rc -eq 127 &&
	icc exec d1 /bin/true
'

test_expect_success 'exec -e -w -u' '
	icc exec -e FOO=bar -w /tmp -u nobody d1 sh -c "echo \$FOO \$(pwd) \$(id -u)" >out &&
	grep -x "bar /tmp 65534" out
'
test_expect_success 'exec: every -e reaches the process (none dropped past 64)' '
	set -- && for i in $(seq 100); do set -- "$@" -e "V$i=v$i"; done &&
	icc exec "$@" d1 sh -c "env | grep -c ^V; echo \$V64 \$V65 \$V100" >out &&
	[ "$(sed -n 1p out)" = 100 ] && [ "$(sed -n 2p out)" = "v64 v65 v100" ]
'
test_expect_success 'rm of a running container needs -f' '
	test_must_fail icc rm d1 2>err &&
	expect_error_line err "running.*-f"
'
test_expect_success 'stop, then exec fails, then start again' '
	icc stop -t 1 d1 &&
	icc ps -a | grep d1 | grep -q "Exited (137)" &&
	! grep -q "$ICC_ROOT/containers" /proc/mounts &&
	test_must_fail icc exec d1 true 2>err &&
	expect_error_line err "not running" &&
	icc start d1 && sleep 0.5 &&
	icc ps | grep -q d1 &&
	icc kill d1 && icc ps -a | grep d1 | grep -q Exited
'
test_expect_success 'logs -f follows until the container ends' '
	icc run -d --name lf busybox sh -c "echo a; sleep 1; echo b" >/dev/null &&
	timeout 10 icc logs -f lf >out &&
	printf "a\nb\n" >exp && cmp exp out
'
test_expect_success 'create + start -a runs the configured command' '
	icc create --name cr -e X=1 -w /root busybox sh -c "echo \$X \$(pwd)" >/dev/null &&
	icc ps -a | grep cr | grep -q Created &&
	icc start -a cr >out && grep -x "1 /root" out &&
	icc inspect cr | grep -q "\"WorkingDir\":[[:space:]]*\"/root\""
'
test_expect_success 'ps stays right when the monitor and the container die' '
	icc run -d --name k1 busybox sleep 100 >/dev/null &&
	mon=$(icc inspect -f "{{.Icc.State.monitor_pid}}" k1) &&
	pid=$(icc inspect -f "{{.State.Pid}}" k1) &&
	test -n "$mon" && test -n "$pid" &&
	kill -9 $mon && kill -9 $pid && sleep 0.3 &&
	icc ps -a | grep k1 | grep -q Exited &&
	icc rm k1 && ! grep -q "$ICC_ROOT/containers" /proc/mounts
'
test_expect_success 'crun by default, runc on request: the same bundle, exec, state left behind' '
	icc run --rm busybox sh -c "echo crun-ok" >out && grep -x crun-ok out &&
	icc run --rm --runtime runc busybox sh -c "echo runc-ok" >out && grep -x runc-ok out &&
	for rt in crun runc; do
		id=$(icc run -d --runtime $rt --name rt-$rt busybox sleep 3600) && at_exit "icc rm -f $id" &&
		test "$(icc inspect -f "{{.HostConfig.Runtime}}" $id)" = $rt &&
		icc exec -e FOO=bar rt-$rt sh -c "echo \$FOO \$PATH; grep ^NoNewPrivs: /proc/self/status" >out &&
		grep -qx "bar /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" out &&
		grep -qx "NoNewPrivs:.1" out &&
		test -d "$ICC_ROOT/runtime/$rt/$id" &&
		icc stop -t 1 rt-$rt >/dev/null && test ! -e "$ICC_ROOT/runtime/$rt/$id" &&
		icc start rt-$rt >/dev/null && icc exec rt-$rt true &&
		icc rm -f rt-$rt >/dev/null && test ! -e "$ICC_ROOT/runtime/$rt/$id" || return 1
	done
'
test_expect_success 'network none has only lo; host sees host interfaces' '
	icc run --rm --network none busybox cat /proc/net/dev >out && test $(grep -c : out) -eq 1 &&
	icc run --rm --network host busybox cat /proc/net/dev >out2 && test $(grep -c : out2) -ge 1
'
test_expect_success 'bind mount with -v, read-only' '
	mkdir -p "$T/vol" && echo data >"$T/vol/f" &&
	test_must_fail icc run --rm -v "$T/vol:/mnt:ro" busybox sh -c "cat /mnt/f && touch /mnt/x" >out 2>&1 &&
	grep -x data out && ! test -e "$T/vol/x"
'
count_state() { ls "$ICC_ROOT/containers" | wc -l; }
test_expect_success 'bad input: one-line errors, exit codes, nothing left behind' '
	n=$(count_state) &&
	{ icc run --pull never nosuch 2>err; rc=$?; } && test $rc -eq 125 && expect_error_line err "no such image" &&
	{ icc run busybox nosuchcmd 2>err; rc=$?; } && test $rc -eq 127 && expect_error_line err "not found" &&
	{ icc run --name d1 busybox true 2>err; rc=$?; } && test $rc -eq 125 && expect_error_line err "already in use" &&
	{ icc run -v /no/such/dir:/x busybox true 2>err; rc=$?; } && test $rc -eq 125 && expect_error_line err "does not exist" &&
	{ icc run --runtime nope busybox true 2>err; rc=$?; } && test $rc -eq 125 && expect_error_line err "unknown runtime" &&
	test_must_fail icc commit no-such-container 2>err && expect_error_line err "no such container" &&
	test "$(count_state)" -eq "$n" &&
	! grep -q "$ICC_ROOT/containers" /proc/mounts &&
	ls $ICC_ROOT/tmp && test -z "$(ls $ICC_ROOT/tmp)"
'
test_expect_success 'rm -f removes a running container and keeps its snapshots' '
	icc run -d --name f1 busybox sleep 100 >/dev/null &&
	id=$(icc inspect -f "{{.Id}}" f1) && test -n "$id" &&
	icc snapshot f1 s1 >/dev/null &&
	id=$(icc inspect f1 | sed -n "s/^[[:space:]]*\"Id\":[[:space:]]*\"\([0-9a-f]*\)\".*/\1/p" | head -n1) && test -n "$id" &&
	icc rm -f f1 2>err && test_must_fail icc inspect --type container "$id" &&
	grep -qx "kept 1 snapshot of .f1.: icc snapshots --all" err && icc snapshots -q --all | grep -qx f1/s1 &&
	! grep -q "$ICC_ROOT/containers" /proc/mounts &&
	# only this container: other suites may run containers on this machine meanwhile
	! find /sys/fs/cgroup -path "*icc*" -name "*${id:0:12}*" 2>/dev/null | grep -q .
'
test_done
