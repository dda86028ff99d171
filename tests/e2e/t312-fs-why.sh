#!/bin/bash
# t312-fs-why.sh - icc-fs says why: refused requests under -d, the bounded failed-save log
. "$(dirname "$0")/../lib.sh"
. "$TESTS_DIR/lib-fs.sh"

setup_fs_vol

test_expect_success 'icc-fs -d: mounted in the foreground' '
	mount_fs_debug "$T/debug.log"
'

test_expect_success 'a refused save says why in the debug log and in .save-errors' '
	test_must_fail bash -c "printf \"bad/name\n\" >\"$M/.icc/save\"" 2>"$T/err" &&
	grep -q "Invalid argument" "$T/err" &&
	grep -q "icc-fs: refused with EINVAL: save: .*bad/name" "$T/debug.log" &&
	[ "$(wc -l <"$SD/.save-errors")" = 1 ] &&
	grep -Eq "^[0-9]{4}-[0-9]{2}-[0-9]{2}T.* EINVAL .*bad/name" "$SD/.save-errors" &&
	[ "$(ls "$M/.icc/snapshots" | wc -l)" = 0 ]
'

test_expect_success 'a refused lookup says why under -d' '
	long=$(printf "%0300d" 0) &&
	test_must_fail stat "$M/$long" 2>/dev/null &&
	grep -q "refused with ENAMETOOLONG: lookup: a name of 300 bytes" "$T/debug.log"
'

test_expect_success 'a good save after a bad one: the log keeps only failures' '
	echo >"$M/.icc/save" &&
	[ "$(ls "$M/.icc/snapshots" | wc -l)" = 1 ] &&
	[ "$(wc -l <"$SD/.save-errors")" = 1 ]
'

test_expect_success 'the failed-save log stays bounded (one older copy)' '
	bad=$(printf "x%.0s" $(seq 100)) &&
	for i in $(seq 150); do
		test_must_fail bash -c "printf \"%s/%s\n\" \"$bad\" $i >\"$M/.icc/save\"" 2>/dev/null || exit 1
	done &&
	[ -s "$SD/.save-errors.1" ] &&
	[ "$(stat -c %s "$SD/.save-errors")" -le 16384 ] &&
	[ "$(stat -c %s "$SD/.save-errors.1")" -le 16384 ] &&
	tail -n1 "$SD/.save-errors" | grep -q "/150'\''$" &&
	! ls "$M/.icc/snapshots" | grep -q "^\." 
'

test_done
