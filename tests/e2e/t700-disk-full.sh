#!/bin/bash
# t700-disk-full.sh - a full store: every operation succeeds or fails with a
# clear ENOSPC message, nothing is left half-recorded, and all works again
# once space is freed.
. "$(dirname "$0")/../lib.sh"
setup_store 300M
make_image busybox

# stderr of a failed step must be one line naming the problem
enospc_or_ok() {
	local rc=$1 errf=$2
	[ "$rc" -eq 0 ] && return 0
	expect_error_line "$errf" "No space left on device|no space|ENOSPC|disk is full|quota"
}

test_expect_success 'fill the store from inside a container' '
	icc run -d --name filler busybox sh -c "dd if=/dev/urandom of=/big bs=1M count=400 2>/dev/null; sync; sleep 600" >/dev/null &&
	at_exit "icc rm -f filler" &&
	for i in $(seq 1 60); do
		avail=$(df --output=avail -B1M "$ICC_ROOT" | tail -n1)
		[ "$avail" -lt 5 ] && break
		sleep 1
	done &&
	df -h "$ICC_ROOT" && test "$(df --output=avail -B1M "$ICC_ROOT" | tail -n1)" -lt 20
'

test_expect_success 'import into a full store fails cleanly' '
	head -c 50000000 /dev/urandom >"$T/blob" &&
	tar -C "$T" -cf "$T/big.tar" blob &&
	rm -f "$T/blob" &&
	n=$(ls "$ICC_ROOT/images" | wc -l) &&
	test_must_fail icc import "$T/big.tar" big:1 2>err &&
	expect_error_line err "No space left on device" &&
	test "$(ls "$ICC_ROOT/images" | wc -l)" = "$n" &&
	test -z "$(ls -A "$ICC_ROOT/tmp")" &&
	consistent
'

test_expect_success 'save from inside, snapshot, promote, commit: succeed or fail cleanly' '
	{ icc exec filler sh -c "echo full > /.icc/save" 2>err; rc=$?; }; enospc_or_ok $rc err &&
	{ icc snapshot filler hostsnap 2>err; rc=$?; }; enospc_or_ok $rc err &&
	if icc snapshots -q filler | grep -qx hostsnap; then
		{ icc promote filler/hostsnap full:promoted 2>err; rc=$?; }; enospc_or_ok $rc err
	fi &&
	{ icc commit filler full:committed >/dev/null 2>err; rc=$?; }; enospc_or_ok $rc err &&
	consistent
'

test_expect_success 'after freeing space everything works again' '
	icc rm -f filler >/dev/null &&
	for i in $(seq 1 30); do
		avail=$(df --output=avail -B1M "$ICC_ROOT" | tail -n1)
		[ "$avail" -gt 100 ] && break
		btrfs filesystem sync "$ICC_ROOT" >/dev/null 2>&1; sleep 1
	done &&
	icc images -q | while read -r id; do
		if icc inspect "$id" | grep -q "\"full:"; then icc rmi -f "$id" >/dev/null || exit 1; fi
	done &&
	head -c 1000000 /dev/urandom >"$T/small" && tar -C "$T" -cf "$T/small.tar" small &&
	icc import "$T/small.tar" small:1 >/dev/null &&
	icc run --rm --name again busybox sh -c "echo ok > /x && echo > /.icc/save" &&
	consistent
'

test_done
