#!/bin/bash
# t475-rollback-crash.sh - kill -9 (ICC_FAULT) at every step of a rollback,
# live (in the icc-fs daemon) and offline (icc rollback of a stopped
# container): the container's tree is whole, the old one or the new one,
# never a mix; system check reports exactly the half-step and --repair
# clears it; the container mounts and rolls back again afterwards.
. "$(dirname "$0")/../lib.sh"

[ "$(id -u)" = 0 ] || skip_all "needs root"
setup_store
make_image busybox

check_reports_rollback() { check_reports 1 "an interrupted rollback left rootfs\.new \(its tree is whole\)"; }
# tree_is old|new: the container's tree on disk, as a whole
tree_is() {
	local r=$ICC_ROOT/containers/$C/rootfs
	case $1 in
	old) test "$(cat "$r/state")" = changed && test -e "$r/added" ;;
	new) test "$(cat "$r/state")" = good && ! test -e "$r/added" ;;
	esac
}
reset_tree() {
	local r=$ICC_ROOT/containers/$C/rootfs
	echo changed >"$r/state" && echo a >"$r/added"
}

test_expect_success 'setup: a container with a snapshot good, then changed' '
	icc create --name cc busybox >/dev/null &&
	C=$(icc inspect -f "{{.Id}}" cc) && echo "$C" >"$T/cid" &&
	echo good >"$ICC_ROOT/containers/$C/rootfs/state" &&
	icc snapshot cc good >/dev/null
'
C=$(cat "$T/cid")
M=$T/mnt
mkdir -p "$M"

for point in rollback-after-save rollback-after-stage rollback-after-swap rollback-before-drop; do
	case $point in
	rollback-after-save) tree=old half=0 ;;
	rollback-after-stage) tree=old half=1 ;;
	*) tree=new half=1 ;;
	esac
	test_expect_success "icc-fs killed mid-rollback at $point: the $tree tree" "
		reset_tree &&
		ICC_FAULT=$point icc mount cc '$M' &&
		at_exit \"umount -l '$M'\" &&
		! echo good >'$M/.icc/rollback' 2>'$T/err' && cat '$T/err' &&
		! ls '$M' >/dev/null 2>'$T/err' && grep -q 'not connected' '$T/err' &&
		tree_is $tree &&
		{ if [ $half = 1 ]; then check_reports_rollback; else consistent; fi; } &&
		icc umount '$M' &&
		repair && tree_is $tree &&
		! test -e '$ICC_ROOT/containers/$C/rootfs.new' &&
		icc snapshots -q cc | grep -qx good &&
		icc mount cc '$M' &&
		reset_tree && echo good >'$M/.icc/rollback' &&
		test \"\$(cat '$M/state')\" = good && ! test -e '$M/added' &&
		icc umount '$M' && tree_is new && consistent &&
		for s in \$(icc snapshots -q cc | grep '^before-rollback-'); do icc snapshot rm cc/\$s >/dev/null; done
	"
done

for point in rollback-after-stage rollback-after-swap; do
	case $point in
	rollback-after-stage) tree=old ;;
	*) tree=new ;;
	esac
	test_expect_success "icc rollback (stopped) killed at $point: the $tree tree" "
		reset_tree &&
		{ ICC_FAULT=$point icc rollback cc good; killed \$?; } &&
		tree_is $tree && check_reports_rollback &&
		repair && tree_is $tree &&
		icc rollback cc good >/dev/null && tree_is new && consistent
	"
done

test_expect_success 'nothing stays mounted' '
	! grep -q "$M" /proc/mounts
'
test_done
