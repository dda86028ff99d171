#!/bin/bash
# t735-crash-keep.sh - kill -9 (ICC_FAULT) at every step of removing a
# container whose snapshots are kept, and of deleting kept snapshots: the
# container is never half there, its snapshots are listed all or not at all,
# check reports exactly the leftover, --repair keeps every snapshot.
. "$(dirname "$0")/../lib.sh"

[ "$(id -u)" = 0 ] || skip_all "needs root"
setup_store
make_image busybox

listed() { icc snapshots -q --all | grep -c "^$1/" ; }
# one directory per container listed: none left empty
same_dirs() { test "$(ls "$ICC_ROOT/snapshots" | wc -l)" = "$(icc snapshots -q --all | cut -d/ -f1 | sort -u | wc -l)"; }
# two saves with known contents
two_saves() {
	icc run --name "$1" busybox sh -c "echo A >/f && echo a >/.icc/save && echo B >/f && echo b >/.icc/save" >/dev/null
}
intact() {
	test "$(icc run --rm "$(icc promote "$1/a" "chk-$1:a")" cat /f)" = A &&
	test "$(icc run --rm "$(icc promote "$1/b" "chk-$1:b")" cat /f)" = B &&
	icc rmi "chk-$1:a" "chk-$1:b" >/dev/null
}

n=0
for point in keep-after-rename:pending keep-after-record:pending keep-after-move:moved; do
	n=$((n + 1))
	p=${point%:*} state=${point#*:}
	test_expect_success "icc rm killed at $p" "
		two_saves k$n &&
		{ ICC_FAULT=$p icc rm k$n; killed \$?; } &&
		test_must_fail icc inspect --type container k$n >/dev/null 2>&1 &&
		! icc ps -a | grep -q ' k$n *\$' &&
		if [ $state = pending ]; then
			test \"\$(listed k$n)\" = 0 &&
			check_reports 1 '^tmp/keep-[0-9a-f]{64}: removal of container [0-9a-f]{12} interrupted; 2 snapshots not yet kept'
		else
			test \"\$(listed k$n)\" = 2 &&
			check_reports 1 '^tmp/keep-[0-9a-f]{64}: left over from an interrupted operation'
		fi &&
		repair && test \"\$(listed k$n)\" = 2 && intact k$n &&
		test -z \"\$(ls -A '$ICC_ROOT/tmp')\"
	"
done

test_expect_success 'run --rm killed while keeping its save: repair keeps it' '
	{ ICC_FAULT=keep-after-record icc run --rm --name kr busybox sh -c "echo A >/f && echo a >/.icc/save && echo B >/f && echo b >/.icc/save"; killed $?; } &&
	test "$(listed kr)" = 0 &&
	check_reports 1 "^tmp/keep-[0-9a-f]{64}: removal of container" &&
	repair && test "$(listed kr)" = 2 && intact kr
'

test_expect_success 'snapshot rm of a kept snapshot killed after the rename' '
	{ ICC_FAULT=snapshot-remove-after-rename icc snapshot rm k1/a; killed $?; } &&
	test "$(icc snapshots -q --all | grep -c "^k1/")" = 1 &&
	check_reports 1 "^removed container [0-9a-f]{12}: snapshot being made or removed when interrupted \(\.tmp-del-" &&
	repair && icc snapshots -q --all | grep -qx k1/b
'

test_expect_success 'the last kept snapshot removed, killed before its directory went' '
	{ ICC_FAULT=snapshot-remove-after-rename icc snapshot rm k1/b; killed $?; } &&
	test "$(listed k1)" = 0 &&
	check_reports 2 "(\(\.tmp-del-|^snapshots/[0-9a-f]{64}: no snapshot left)" &&
	repair && same_dirs
'

test_expect_success 'prune --snapshots killed while deleting: all or nothing listed, repair cleans' '
	{ ICC_FAULT=kept-remove-after-rename icc system prune -f --snapshots >/dev/null; killed $?; } &&
	! icc snapshots -q --all | cut -d/ -f1 | sort | uniq -c | grep -vq "^ *2 " &&
	check_reports 1 "^tmp/rm-snapshots-[0-9a-f]{64}: left over" &&
	repair &&
	icc system prune -f --snapshots >/dev/null &&
	test -z "$(icc snapshots -q --all)" && test -z "$(ls -A "$ICC_ROOT/snapshots")" &&
	test -z "$(ls -A "$ICC_ROOT/tmp")" && consistent
'

test_done
