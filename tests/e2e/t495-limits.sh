#!/bin/bash
# t495-limits.sh - resource limits are real: --memory 64m gets a hog OOM-killed
# (exit 137, State.OOMKilled), --pids-limit 20 stops a fork bomb (pids.max 20),
# --cpus 0.5 writes the CFS quota (cpu.max "50000 100000" on cgroup v2,
# cpu.cfs_quota_us/cfs_period_us on v1) and throttles a busy loop.
. "$(dirname "$0")/../lib.sh"

[ "$(id -u)" = 0 ] || skip_all "needs root"
cc -static -O1 -Wall -Wextra -Werror -o "$T/memhog" "$TESTS_DIR/helpers/memhog.c" 2>"$T/cc.err" &&
	cc -static -O1 -Wall -Wextra -Werror -o "$T/forkbomb" "$TESTS_DIR/helpers/forkbomb.c" 2>>"$T/cc.err" ||
	skip_all "cannot build the static helpers: $(head -n1 "$T/cc.err")"
setup_store
make_rootfs "$T/hogs"
cp "$T/memhog" "$T/forkbomb" "$T/hogs/bin/"
icc init "$T/hogs" hogs >/dev/null

# cgfile ID CONTROLLER FILE: the container's cgroup file, unified (v2) or v1
cgfile() {
	local f
	for f in "/sys/fs/cgroup/icc/$1/$3" "/sys/fs/cgroup/$2/icc/$1/$3"; do
		[ -e "$f" ] && { echo "$f"; return 0; }
	done
	echo "no $3 for $1" >&2
	return 1
}

test_expect_success '--memory 64m: the hog is OOM-killed, exit 137, State.OOMKilled true' '
	icc run --name hog -m 64m hogs sh -c "test -e /once || { touch /once; memhog 1024; }" >out 2>err
	test $? = 137 &&
	test "$(icc inspect -f "{{.State.ExitCode}} {{.State.OOMKilled}}" hog)" = "137 true" &&
	! grep -q allocated out &&
	test "$(icc inspect -f "{{.HostConfig.Memory}}" hog)" = 67108864
'

test_expect_success 'without --memory the same hog (128 MiB) finishes, OOMKilled false' '
	icc run --name nohog hogs memhog 128 >out &&
	grep -q "allocated 128 MiB" out &&
	test "$(icc inspect -f "{{.State.ExitCode}} {{.State.OOMKilled}}" nohog)" = "0 false"
'

test_expect_success 'the next run of the container clears OOMKilled' '
	icc start -a hog &&
	test "$(icc inspect -f "{{.State.ExitCode}} {{.State.OOMKilled}}" hog)" = "0 false" &&
	icc rm hog nohog >/dev/null
'

test_expect_success '--memory: the limit is in the container cgroup' '
	id=$(icc run -d -m 64m hogs sleep 3600) && at_exit "icc rm -f $id" &&
	f=$(cgfile "$id" memory memory.max 2>/dev/null || cgfile "$id" memory memory.limit_in_bytes) &&
	test "$(cat "$f")" = 67108864 &&
	icc rm -f "$id" >/dev/null
'

test_expect_success '--pids-limit 20: pids.max is 20 and a fork bomb is stopped' '
	id=$(icc run -d --pids-limit 20 hogs sleep 3600) && at_exit "icc rm -f $id" &&
	test "$(cat "$(cgfile "$id" pids pids.max)")" = 20 &&
	icc exec "$id" forkbomb 200 >out &&
	read -r _ ok _ failed <out &&
	test "$ok" -lt 20 && test "$failed" -gt 150 &&
	test "$(icc inspect -f "{{.HostConfig.PidsLimit}}" "$id")" = 20 &&
	icc rm -f "$id" >/dev/null
'

test_expect_success 'without --pids-limit the fork bomb forks all 200' '
	icc run --rm hogs forkbomb 200 >out &&
	test "$(cat out)" = "forked 200 failed 0"
'

test_expect_success '--cpus 0.5: a quota of 50000 per 100000 us, and a busy loop is throttled' '
	id=$(icc run -d --cpus 0.5 hogs sh -c "while :; do :; done") && at_exit "icc rm -f $id" &&
	if f=$(cgfile "$id" cpu cpu.max 2>/dev/null); then
		test "$(cat "$f")" = "50000 100000"
	else
		test "$(cat "$(cgfile "$id" cpu cpu.cfs_quota_us)")" = 50000 &&
		test "$(cat "$(cgfile "$id" cpu cpu.cfs_period_us)")" = 100000
	fi &&
	stat=$(cgfile "$id" cpu cpu.stat) &&
	# throttled once it used its 50 ms in a period (a busy machine may take a while to give them)
	for i in $(seq 150); do
		test "$(awk "/^nr_throttled/ {print \$2}" "$stat")" -gt 0 && break
		sleep 0.1
	done &&
	test "$(awk "/^nr_throttled/ {print \$2}" "$stat")" -gt 0 &&
	test "$(icc inspect -f "{{.HostConfig.NanoCpus}}" "$id")" = 500000000 &&
	icc rm -f "$id" >/dev/null
'

test_done
