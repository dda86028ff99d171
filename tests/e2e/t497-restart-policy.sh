#!/bin/bash
# t497-restart-policy.sh - --restart: the process that waits for the container
# starts it again per policy (Docker's back-off: 100 ms, doubling), counts
# RestartCount, stops for `icc stop`, and keeps working after `icc run -d` and
# a foreground `icc run` returned.
. "$(dirname "$0")/../lib.sh"

[ "$(id -u)" = 0 ] || skip_all "needs root"
setup_store
make_image busybox

# runs ID: how many times the container's command ran (it appends to /runs)
runs() { wc -l <"$ICC_ROOT/containers/$1/rootfs/runs" 2>/dev/null || echo 0; }
# settled C: not running, not between two runs, for the monitor's last word
state() { icc inspect -f "{{.State.Status}} {{.State.Restarting}} {{.RestartCount}} {{.State.ExitCode}}" "$1"; }
wait_state() {
	local i
	for i in $(seq 200); do
		[ "$(state "$1")" = "$2" ] && return 0
		sleep 0.1
	done
	echo "state of $1: $(state "$1"), wanted $2"
	return 1
}
wait_runs() {
	local i
	for i in $(seq 200); do
		[ "$(runs "$1")" -ge "$2" ] && return 0
		sleep 0.1
	done
	echo "$1 ran $(runs "$1") times, wanted $2"
	return 1
}

test_expect_success 'on-failure:2 restarts twice, then stays exited with RestartCount 2' '
	id=$(icc run -d --name of --restart on-failure:2 busybox sh -c "echo run >>/runs; exit 3") &&
	wait_state of "exited false 2 3" &&
	sleep 1 && test "$(state of)" = "exited false 2 3" &&
	test "$(runs "$id")" = 3 &&
	test "$(icc inspect -f "{{.HostConfig.RestartPolicy.Name}} {{.HostConfig.RestartPolicy.MaximumRetryCount}}" of)" = "on-failure 2"
'

test_expect_success 'on-failure does not restart a command that succeeded' '
	id=$(icc run -d --name ok --restart on-failure busybox sh -c "echo run >>/runs") &&
	wait_state ok "exited false 0 0" && sleep 1 &&
	test "$(runs "$id")" = 1 && test "$(state ok)" = "exited false 0 0"
'

test_expect_success 'always restarts after the process exits (also with 0); run -d returned meanwhile' '
	id=$(icc run -d --name al --restart always busybox sh -c "echo run >>/runs; sleep 0.2") &&
	mon=$(icc inspect -f "{{.Icc.State.monitor_pid}}" al) && kill -0 "$mon" && echo "$mon" >al.mon &&
	wait_runs "$id" 4 &&
	test "$(icc inspect -f "{{.RestartCount}}" al)" -ge 3 &&
	kill -0 "$mon"
'

test_expect_success 'stop: always does not restart it, and its monitor ends' '
	mon=$(cat al.mon) && icc stop -t 1 al >/dev/null &&
	n=$(runs "$(icc inspect -f "{{.Id}}" al)") && sleep 2 &&
	test "$(runs "$(icc inspect -f "{{.Id}}" al)")" = "$n" &&
	test "$(icc inspect -f "{{.State.Status}} {{.State.Restarting}}" al)" = "exited false" &&
	! kill -0 "$mon" 2>/dev/null
'

test_expect_success 'unless-stopped: stopped stays stopped; start brings back the policy' '
	id=$(icc run -d --name us --restart unless-stopped busybox sh -c "echo run >>/runs; sleep 0.3") &&
	wait_runs "$id" 2 &&
	icc stop -t 1 us >/dev/null && n=$(runs "$id") && sleep 1.5 &&
	test "$(runs "$id")" = "$n" &&
	icc start us >/dev/null && wait_runs "$id" $((n + 2)) &&
	icc rm -f us >/dev/null
'

test_expect_success 'a foreground run returns the exit code; its restarts go on without it' '
	icc run --name fg --restart on-failure:1 busybox sh -c "echo run >>/runs; exit 4"
	test $? = 4 &&
	wait_state fg "exited false 1 4" &&
	test "$(runs "$(icc inspect -f "{{.Id}}" fg)")" = 2
'

test_expect_success 'no policy: the container is not started again' '
	id=$(icc run -d --name np busybox sh -c "echo run >>/runs; exit 1") &&
	wait_state np "exited false 0 1" && sleep 1 &&
	test "$(runs "$id")" = 1 &&
	test "$(icc inspect -f "{{.HostConfig.RestartPolicy.Name}}" np)" = no
'

# rm -f at any moment: while it runs, between runs, while the monitor starts it again
test_expect_success 'rm -f of an always container: gone, nothing restarts it' '
	for t in 0.1 0.25 0.4 0.55 0.7 0.85 1.0; do
		id=$(icc run -d --name gone --restart always busybox sh -c "sleep 0.1") &&
		mon=$(icc inspect -f "{{.Icc.State.monitor_pid}}" gone) &&
		sleep $t && icc rm -f gone >/dev/null &&
		for i in $(seq 50); do kill -0 "$mon" 2>/dev/null || break; sleep 0.1; done &&
		! kill -0 "$mon" 2>/dev/null &&
		test_must_fail icc inspect gone >/dev/null 2>&1 &&
		! grep -q "/containers/$id/" /proc/mounts || { echo "after $t s"; exit 1; }
	done
'

test_expect_success 'between runs: Status restarting, the back-off doubles; stop during the wait ends it' '
	id=$(icc run -d --name bo --restart always busybox sh -c "echo run >>/runs; exit 1") &&
	mon=$(icc inspect -f "{{.Icc.State.monitor_pid}}" bo) &&
	wait_runs "$id" 6 &&
	for i in $(seq 100); do
		test "$(icc inspect -f "{{.State.Status}} {{.State.Restarting}}" bo)" = "restarting true" && break
		sleep 0.05
	done &&
	test "$(icc inspect -f "{{.State.Status}} {{.State.Restarting}}" bo)" = "restarting true" &&
	icc stop bo >/dev/null && n=$(runs "$id") &&
	for i in $(seq 30); do kill -0 "$mon" 2>/dev/null || break; sleep 0.1; done &&
	! kill -0 "$mon" 2>/dev/null && sleep 1 &&
	test "$(runs "$id")" = "$n" &&
	test "$(icc inspect -f "{{.State.Status}} {{.State.Restarting}}" bo)" = "exited false"
'

test_expect_success 'rm (no -f) of a container waiting to restart: its monitor ends' '
	id=$(icc run -d --name bo2 --restart on-failure busybox sh -c "exit 2") &&
	mon=$(icc inspect -f "{{.Icc.State.monitor_pid}}" bo2) &&
	for i in $(seq 100); do
		test "$(icc inspect -f "{{.RestartCount}}" bo2)" -ge 5 && break
		sleep 0.1
	done &&
	for i in $(seq 100); do
		test "$(icc inspect -f "{{.State.Restarting}}" bo2)" = true && break
		sleep 0.05
	done &&
	icc rm bo2 >/dev/null &&
	for i in $(seq 50); do kill -0 "$mon" 2>/dev/null || break; sleep 0.1; done &&
	! kill -0 "$mon" 2>/dev/null &&
	test_must_fail icc inspect bo2 >/dev/null 2>&1
'

test_done
