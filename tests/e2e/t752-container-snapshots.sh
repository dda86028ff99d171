#!/bin/bash
# t752-container-snapshots.sh - what a container may do to the store through
# /.icc: host-made snapshots cannot be removed, renamed or re-made from inside
# (rollback restores the host's tree); a save writing out its dirty data does
# not hold up the host's snapshot of another container; save messages are
# capped and system check reports unreadable snapshot metadata.
. "$(dirname "$0")/../lib.sh"

[ "$(id -u)" = 0 ] || skip_all "needs root"
command -v runc >/dev/null || skip_all "runc not installed"
setup_store
make_image busybox
at_exit 'for c in $(icc ps -aq --no-trunc); do icc rm -f $c; done'

cid() { icc inspect "$1" | sed -n 's/^[[:space:]]*"Id":[[:space:]]*"\([0-9a-f]*\)".*/\1/p' | head -n1; }
# eperm CMD: CMD, run as root in container guest, fails with "Operation not permitted"
eperm() {
	if icc exec guest sh -c "$1" 2>"$T/eperm.err"; then echo "WORKED: $1"; return 1; fi
	grep -q "Operation not permitted" "$T/eperm.err" || { echo "$1:"; cat "$T/eperm.err"; return 1; }
}

test_expect_success 'setup: the host snapshots known-good, the container then changes /data' '
	icc run -d --name guest busybox sleep 3600 >/dev/null &&
	icc exec guest sh -c "echo host-good >/data" &&
	icc snapshot guest known-good >/dev/null &&
	icc exec guest sh -c "echo backdoor >/data && echo evil >/.icc/save"
'
G=$(cid guest)
SD=$ICC_ROOT/containers/$G/snapshots

test_expect_success 'inside: rmdir, rename, a save under its name: EPERM; mkdir: EEXIST' '
	eperm "rmdir /.icc/snapshots/known-good" &&
	eperm "mv /.icc/snapshots/known-good /.icc/snapshots/moved" &&
	! icc exec guest mkdir /.icc/snapshots/known-good 2>/dev/null &&
	eperm "echo known-good >/.icc/save" &&
	test "$(cat "$SD/known-good/rootfs/data")" = host-good &&
	test "$(cat "$SD/evil/rootfs/data")" = backdoor &&
	! ls -A "$SD" | grep -q "^\.tmp"
'

test_expect_success 'icc snapshots and inspect show who made each' '
	icc snapshots guest >out && cat out &&
	head -n1 out | grep -q "ORIGIN" &&
	grep -E "^known-good +[0-9a-f]{12} .* host " out &&
	grep -E "^evil +[0-9a-f]{12} .* container " out &&
	icc snapshots --format json guest >out &&
	grep "\"Name\":\"known-good\"" out | grep -q "\"Origin\":\"host\"" &&
	grep "\"Name\":\"evil\"" out | grep -q "\"Origin\":\"container\"" &&
	icc inspect guest/known-good | grep -q "\"Origin\":[[:space:]]*\"host\"" &&
	grep -q "\"origin\":[[:space:]]*\"host\"" "$SD/known-good/meta.json" &&
	grep -q "\"origin\":[[:space:]]*\"container\"" "$SD/evil/meta.json"
'

test_expect_success 'rollback to known-good restores the host tree' '
	icc stop -t 1 guest >/dev/null && icc rollback guest known-good >/dev/null &&
	icc start guest >/dev/null &&
	test "$(icc exec guest cat /data)" = host-good
'

test_expect_success 'its own snapshots the container may rename and remove' '
	icc exec guest sh -c "mv /.icc/snapshots/evil /.icc/snapshots/mine && rmdir /.icc/snapshots/mine" &&
	! test -e "$SD/evil" && ! test -e "$SD/mine"
'

test_expect_success 'after the host removes its snapshot, the name is free for anyone' '
	icc snapshot rm guest/known-good >/dev/null &&
	icc exec guest sh -c "echo known-good >/.icc/save" &&
	icc snapshots guest | grep -E "^known-good .* container " &&
	icc exec guest sh -c "rmdir /.icc/snapshots/known-good"
'

test_expect_success 'a snapshot whose metadata has no origin counts as host-made' '
	icc exec guest sh -c "echo old >/.icc/save" &&
	sed -i "/\"origin\"/d" "$SD/old/meta.json" && ! grep -q origin "$SD/old/meta.json" &&
	icc snapshots guest | grep -E "^old .* host " &&
	eperm "rmdir /.icc/snapshots/old" && test -d "$SD/old/rootfs" &&
	icc system check | grep -q "is consistent"
'

test_expect_success 'setup: a second container, a daemon that stops before its snapshot ioctl' '
	icc run -d --name cb busybox sleep 3600 >/dev/null &&
	ICC_FAULT=snapshot-before-subvol:stop icc run -d --name ca busybox sleep 3600 >/dev/null &&
	icc exec ca sh -c "echo a-data >/f"
'
A=$(cid ca)
APID=$(cat "$ICC_ROOT/containers/$A/icc-fs.pid")
at_exit "kill -CONT $APID"

test_expect_success "the host snapshots b while a's save is held before writing out its data" '
	{ icc exec ca sh -c "echo parked >/.icc/save"; echo $? >"$T/a.rc"; } &
	for i in $(seq 1 100); do
		[ "$(cut -d" " -f3 /proc/$APID/stat)" = T ] && break; sleep 0.1
	done &&
	[ "$(cut -d" " -f3 /proc/$APID/stat)" = T ] &&
	test -f "$ICC_ROOT/containers/$A/snapshots/parked/meta.json" &&
	test ! -e "$ICC_ROOT/containers/$A/snapshots/parked/rootfs" &&
	! icc snapshots -q ca | grep -qx parked &&
	test_must_fail icc snapshot rm ca/parked 2>err && grep -q "no such snapshot .ca/parked." err &&
	test_must_fail timeout 30 icc snapshot ca parked 2>err && grep -q "snapshot .parked. already exists" err &&
	timeout 60 icc snapshot cb during >/dev/null &&
	icc snapshots -q cb | grep -qx during &&
	test ! -e "$T/a.rc" &&
	icc system check >out && grep -q "is consistent" out &&
	kill -CONT $APID && wait &&
	test "$(cat "$T/a.rc")" = 0 &&
	test "$(cat "$ICC_ROOT/containers/$A/snapshots/parked/rootfs/f")" = a-data &&
	! ls -A "$ICC_ROOT/containers/$A/snapshots" | grep -q "^\.tmp-"
'

test_expect_success 'message lines: at most 100 further writes on one save, then EFBIG' '
	icc exec guest sh -c "i=0; { echo capped; while [ \$i -lt 150 ]; do echo line\$i || exit 7; i=\$((i+1)); done; } >/.icc/save" 2>err
	test $? = 7 && grep -q "File too large" err &&
	grep -q "line99" "$SD/capped/meta.json" && ! grep -q "line100" "$SD/capped/meta.json" &&
	grep -Eq "\"id\":[[:space:]]*\"[0-9a-f]{64}\"" "$SD/capped/meta.json" &&
	grep -Eq "\"created\":[[:space:]]*\"20" "$SD/capped/meta.json" &&
	icc snapshots guest | grep -q "^capped "
'

test_expect_success 'a message is at most 64 KiB in all, then EFBIG; id and time stay' '
	icc exec guest sh -c "busybox head -c 61440 /dev/zero | busybox tr \"\\\\0\" a >/tmp/60k &&
		busybox head -c 8192 /dev/zero | busybox tr \"\\\\0\" b >/tmp/8k &&
		{ echo big; busybox dd if=/tmp/60k bs=61440 count=1 2>/dev/null || exit 5;
		  busybox dd if=/tmp/8k bs=8192 count=1 || exit 7; } >/.icc/save" 2>err
	test $? = 7 && cat err && grep -q "File too large" err &&
	size=$(stat -c %s "$SD/big/meta.json") && [ "$size" -gt 61440 ] && [ "$size" -lt 65536 ] &&
	grep -q aaaa "$SD/big/meta.json" && ! grep -q bbbb "$SD/big/meta.json" &&
	grep -Eq "\"id\":[[:space:]]*\"[0-9a-f]{64}\"" "$SD/big/meta.json" &&
	icc snapshots --format json guest | grep "\"Name\":\"big\"" | grep -Eq "\"ID\":\"[0-9a-f]{64}\""
'

test_expect_success 'a host -m message over 64 KiB is refused' '
	test_must_fail icc snapshot guest -m "$(head -c 65537 /dev/zero | tr "\\0" m)" huge 2>err &&
	expect_error_line err "icc: .*at most 65536" && ! test -e "$SD/huge"
'

test_expect_success 'check reports corrupt, oversized and id-less snapshot metadata, naming the file' '
	cp "$SD/capped/meta.json" "$T/meta.keep" &&
	for bad in corrupt oversized noid; do
		case $bad in
		corrupt) printf "{\"id\": " ;;
		oversized) printf "{\"message\": \""; head -c 17M /dev/zero | tr "\\0" x; printf "\"}" ;;
		noid) printf "{\"message\": \"x\", \"origin\": \"container\"}" ;;
		esac >"$SD/capped/meta.json" &&
		test_must_fail icc system check >out &&
		cat out && grep -q "$SD/capped/meta.json" out || exit 1
		test_must_fail icc system check --repair >out && grep -q "not repaired" out || exit 1
	done &&
	cp "$T/meta.keep" "$SD/capped/meta.json" &&
	icc system check | grep -q "is consistent"
'

test_done
