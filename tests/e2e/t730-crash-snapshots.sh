#!/bin/bash
# t730-crash-snapshots.sh - kill -9 (ICC_FAULT) at every step of snapshot,
# save (in the icc-fs daemon), snapshot rm, promote, commit and load, and of
# `icc run` and the container's process: check reports exactly the leftovers,
# --repair makes the store consistent, every snapshot reported done earlier is
# intact and browsable, the container starts again, nothing stays mounted.
. "$(dirname "$0")/../lib.sh"
# a sleep of its own length: the checks count its processes host-wide
LONG=$((600 + $$ % 100000))

[ "$(id -u)" = 0 ] || skip_all "needs root"
setup_store
make_image busybox
export TMPDIR="$T/tmpdir"
mkdir -p "$TMPDIR"

cid() { icc inspect "$1" | sed -n 's/^[[:space:]]*"Id":[[:space:]]*"\([0-9a-f]*\)".*/\1/p' | head -n1; }
# no meta.json names a subvolume that is gone, no snapshot lacks its tree
no_dangling() {
	local d
	for d in "$ICC_ROOT"/images/* "$ICC_ROOT"/containers/* "$ICC_ROOT"/containers/*/snapshots/*; do
		[ -e "$d" ] || continue
		case $d in */.tmp-*) echo "leftover $d"; return 1 ;; esac
		[ -d "$d/rootfs" ] && [ -f "$d/meta.json" ] || { echo "half object $d"; return 1; }
	done
}
no_mounts_of() { ! grep -q "$1" /proc/mounts || { grep "$1" /proc/mounts; return 1; }; }

test_expect_success 'setup: a container with a snapshot reported done' '
	icc create --name cc busybox >/dev/null &&
	icc snapshot cc done1 >/dev/null
'
C=$(cid cc)
SD="$ICC_ROOT/containers/$C/snapshots"

# what a kill at each step leaves: a staging dir, the published name without
# its subvolume, or (after the ioctl) the whole snapshot
leftover_of() {
	case $1 in
	snapshot-before-rename) echo 'snapshot being made or removed when interrupted \(\.tmp-' ;;
	snapshot-before-subvol) echo "snapshot '$2' has no subvolume" ;;
	*) echo '' ;;
	esac
}
for point in snapshot-before-rename snapshot-before-subvol snapshot-after-subvol; do
	left=$(leftover_of $point bad)
	test_expect_success "icc snapshot killed at $point" "
		{ ICC_FAULT=$point icc snapshot cc bad; killed \$?; } &&
		if [ -n \"$left\" ]; then
			! icc snapshots -q cc | grep -qx bad &&
			check_reports 1 \"$left\" && repair
		else
			consistent && icc snapshots -q cc | grep -qx bad &&
			test -f '$SD/bad/rootfs/etc/motd' && icc snapshot rm cc/bad >/dev/null
		fi &&
		no_dangling &&
		test \"\$(cat '$SD/done1/rootfs/etc/motd')\" = 'hello from icc' &&
		icc snapshot cc bad >/dev/null && icc snapshot rm cc/bad >/dev/null
	"
done

test_expect_success 'icc snapshot rm killed after the rename' '
	icc snapshot cc doomed >/dev/null &&
	{ ICC_FAULT=snapshot-remove-after-rename icc snapshot rm cc/doomed; killed $?; } &&
	! icc snapshots -q cc | grep -qx doomed &&
	check_reports 1 "\(\.tmp-del-" &&
	repair && no_dangling && icc snapshots -q cc | grep -qx done1
'

# The daemon: `icc mount` passes its environment to icc-fs.
M=$T/mnt
mkdir -p "$M"
for point in save-before-snapshot snapshot-before-rename snapshot-before-subvol snapshot-after-subvol save-before-reply; do
	left=$(leftover_of $point crash-$point)
	test_expect_success "icc-fs killed mid-save at $point" "
		ICC_FAULT=$point icc mount cc '$M' &&
		at_exit \"umount -l '$M'\" &&
		echo 'data $point' >'$M/f' &&
		! echo crash-$point >'$M/.icc/save' 2>'$T/err' &&
		cat '$T/err' &&
		! ls '$M' >/dev/null 2>'$T/err' && grep -q 'not connected' '$T/err' &&
		{ if [ -z \"$left\" ]; then consistent; else check_reports 1 \"$left\"; fi; } &&
		icc umount '$M' && no_mounts_of '$M' &&
		repair && no_dangling &&
		if [ $point = save-before-reply ] || [ $point = snapshot-after-subvol ]; then
			icc snapshots -q cc | grep -qx crash-$point
		else
			! icc snapshots -q cc | grep -qx crash-$point
		fi &&
		icc mount cc '$M' &&
		test \"\$(cat '$M/.icc/snapshots/done1/etc/motd')\" = 'hello from icc' &&
		test \"\$(cat '$M/f')\" = 'data $point' &&
		echo after-$point >'$M/.icc/save' &&
		test -f '$M/.icc/snapshots/after-$point/f' &&
		icc umount '$M' && no_mounts_of '$M' && consistent
	"
done

test_expect_success 'a running container whose daemon dies mid-save: Dead, starts again' '
	ICC_FAULT=snapshot-before-rename icc run -d --name rr busybox sleep $LONG >/dev/null &&
	at_exit "icc rm -f rr" &&
	icc exec rr sh -c "echo keep > /kept" &&
	{ icc exec rr sh -c "echo > /.icc/save" 2>/dev/null; test $? != 0; } &&
	icc ps -a | grep -E "rr *$" | grep -q Dead &&
	check_reports 1 "\(\.tmp-" &&
	repair &&
	icc start rr >/dev/null &&
	icc ps | grep -E "rr *$" | grep -q Up &&
	test "$(ps -eo args | grep -c "^sleep $LONG\$")" = 1 &&
	icc exec rr sh -c "cat /kept && echo restarted > /.icc/save && ls /.icc/snapshots/restarted/kept" &&
	icc rm -f rr >/dev/null && no_mounts_of "$ICC_ROOT/containers" && consistent
'

test_expect_success 'kill -9 of icc run: still Up (true), rm -f cleans everything' '
	icc run --name fg busybox sleep $LONG >/dev/null 2>&1 & p=$!
	for i in $(seq 1 50); do icc ps | grep -q " fg *$" && break; sleep 0.2; done &&
	kill -9 $p && { wait $p 2>/dev/null; :; } && sleep 0.5 &&
	icc ps | grep -E " fg *$" | grep -q Up &&
	icc exec fg sh -c "echo > /.icc/save" &&
	icc rm -f fg >/dev/null &&
	no_mounts_of "$ICC_ROOT/containers" && ! ps -eo args | grep -q "^sleep $LONG\$" &&
	test -z "$(ls -A "$ICC_ROOT/runtime/runc" 2>/dev/null)" && consistent
'

test_expect_success 'kill -9 of icc run, then of the container process: Exited, restarts, rm -f cleans' '
	icc run --name fg2 busybox sleep $LONG >/dev/null 2>&1 & p=$!
	for i in $(seq 1 50); do icc ps | grep -q " fg2 *$" && break; sleep 0.2; done &&
	kill -9 $p && { wait $p 2>/dev/null; :; } &&
	pid=$(icc inspect -f "{{.State.Pid}}" fg2) &&
	test -n "$pid" && kill -9 "$pid" && sleep 0.5 &&
	icc ps -a | grep -E " fg2 *$" | grep -q Exited &&
	icc start fg2 >/dev/null && icc ps | grep -E " fg2 *$" | grep -q Up &&
	icc rm -f fg2 >/dev/null &&
	no_mounts_of "$ICC_ROOT/containers" && ! ps -eo args | grep -q "^sleep $LONG\$" && consistent
'

test_expect_success 'kill -9 of the container process under a live icc run: recorded as 137' '
	icc run -d --name bg busybox sleep $LONG >/dev/null &&
	pid=$(icc inspect -f "{{.State.Pid}}" bg) &&
	kill -9 "$pid" &&
	for i in $(seq 1 50); do icc ps -a | grep -E " bg *$" | grep -q Exited && break; sleep 0.2; done &&
	icc ps -a | grep -E " bg *$" | grep -q "Exited (137)" &&
	no_mounts_of "$ICC_ROOT/containers/$(cid bg)" &&
	icc rm bg >/dev/null && consistent
'

test_expect_success 'promote and commit killed at each step' '
	icc snapshot cc forimage >/dev/null &&
	for p in promote-after-snapshot publish-before-meta publish-before-rename image-before-tag; do
		n=$(ls "$ICC_ROOT/images" | wc -l)
		{ ICC_FAULT=$p icc promote cc/forimage pr:1; killed $? || exit 1; }
		test_must_fail icc inspect pr:1 >/dev/null 2>&1 || exit 1
		if [ $p = image-before-tag ]; then consistent || exit 1
		else check_reports 1 "^tmp/[0-9a-f]{64}: left over" || exit 1; fi
		{ ICC_FAULT=$p icc commit cc cm:1; killed $? || exit 1; }
		repair && no_dangling || exit 1
	done &&
	icc promote cc/forimage pr:1 >/dev/null && icc commit cc cm:1 >/dev/null &&
	icc run --rm pr:1 cat /etc/motd | grep -q hello && consistent
'

test_expect_success 'load killed after a layer and before publishing' '
	icc run --name layered busybox sh -c "echo two > /two" >/dev/null &&
	icc commit layered two:1 >/dev/null && icc rm layered >/dev/null &&
	icc save -q -o "$T/two.tar" two:1 &&
	icc rmi two:1 >/dev/null &&
	for p in load-after-layer:1 load-before-publish:2 publish-before-rename:2; do
		{ ICC_FAULT=${p%:*} icc load -q -i "$T/two.tar"; killed $? || exit 1; }
		test_must_fail icc inspect two:1 >/dev/null 2>&1 || exit 1
		# the staged layers, and the unpacked archive (in the store too)
		check_reports $((${p#*:} + 1)) "^tmp/([0-9a-f]{64}|load-[A-Za-z0-9]{6}): left over" || exit 1
		grep -Eq "^tmp/load-[A-Za-z0-9]{6}: left over" "$T/check.out" || exit 1
		repair && no_dangling || exit 1
		test -z "$(ls -A "$ICC_ROOT/tmp")" || exit 1
	done &&
	icc load -q -i "$T/two.tar" && icc run --rm two:1 cat /two | grep -q two &&
	test -z "$(ls -A "$TMPDIR")" && consistent
'

test_expect_success 'at the end: every snapshot reported done is intact, nothing mounted' '
	test "$(cat "$SD/done1/rootfs/etc/motd")" = "hello from icc" &&
	icc mount cc "$M" && ls "$M/.icc/snapshots" >"$T/snaps" &&
	grep -qx done1 "$T/snaps" && grep -qx after-save-before-reply "$T/snaps" &&
	icc umount "$M" && no_mounts_of "$M" && no_mounts_of "$ICC_ROOT/containers" &&
	no_dangling && consistent
'

test_done
