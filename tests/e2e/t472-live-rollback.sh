#!/bin/bash
# t470-live-rollback.sh - rollback of a running container, from inside
# (/.icc/rollback) and from the host (icc rollback): PID 1 keeps running and
# keeps writing its open file, every new lookup sees the snapshot's tree at
# once (no stale entry after the write returns), the mounts on the tree
# (/proc, /dev) stay, the tree before is saved; bad input changes nothing.
. "$(dirname "$0")/../lib.sh"

[ "$(id -u)" = 0 ] || skip_all "needs root"
command -v runc >/dev/null || skip_all "runc not installed"
setup_store 700M
make_image busybox
at_exit 'for c in $(icc ps -aq --no-trunc); do icc rm -f $c; done'

pid1() { icc inspect -f '{{.State.Pid}}' live; }
# the counter PID 1 writes through its open fd 3 (read through /proc: the open file itself)
counter() { icc exec live sh -c 'tail -n1 /proc/1/fd/3'; }
snaps() { icc snapshots -q live | sort; }

test_expect_success 'setup: PID 1 keeps /counter open and writes to it; a good snapshot' '
	icc run -d --name live --exclude /cache busybox sh -c \
		"exec 3>>/counter; i=0; while :; do i=\$((i+1)); echo \$i >&3 || echo WRITE-FAILED; sleep 0.05; done" >/dev/null &&
	icc exec live sh -c "mkdir /d && echo one >/d/a && echo good >/changed && echo good >/.icc/save" &&
	icc exec live sh -c "echo new >/changed && echo x >/newfile && touch /d/b && rm /d/a && ls /d && cat /newfile /changed" &&
	icc snapshots -q live | grep -qx good
'
P1=$(pid1)

# before: the kernel caches /d/b, /newfile, /changed and a negative entry for /d/a;
# after: each is looked up before ls /d (whose readdirplus would replace them)
test_expect_success 'rollback from exec: the tree is the snapshot right after the write returns' '
	icc exec live sh -c "ls -l /d /newfile /changed >/dev/null; ! test -e /d/a && echo good >/.icc/rollback && cat /changed /d/a && ! test -e /d/b && ls /d && ! test -e /newfile && ! ls /newfile" >out 2>err &&
	cat out err && printf "good\none\na\n" >exp && diff exp out
'

test_expect_success 'PID 1 is the same process and its open file still works' '
	test "$(pid1)" = "$P1" && kill -0 "$P1" &&
	a=$(counter) && sleep 0.5 && b=$(counter) && test "$b" -gt "$a" &&
	! icc logs live | grep -q WRITE-FAILED
'

test_expect_success 'the mounts on the tree stay: /proc, /dev; new files go to the new tree' '
	icc exec live sh -c "cat /proc/1/cmdline >/dev/null && test -c /dev/null && echo after >/after && cat /after" &&
	C=$(icc inspect -f "{{.Id}}" live) &&
	test "$(cat "$ICC_ROOT/containers/$C/rootfs/after")" = after &&
	test "$(cat "$ICC_ROOT/containers/$C/rootfs/changed")" = good &&
	! test -e "$ICC_ROOT/containers/$C/rootfs.new"
'

test_expect_success 'the tree before was saved; cat /.icc/rollback tells the last rollback' '
	before=$(icc snapshots -q live | grep "^before-rollback-") &&
	test "$(echo "$before" | wc -l)" = 1 &&
	C=$(icc inspect -f "{{.Id}}" live) &&
	test "$(cat "$ICC_ROOT/containers/$C/snapshots/$before/rootfs/newfile")" = x &&
	icc exec live cat /.icc/rollback >out && cat out &&
	grep -Eq "^good [0-9a-f]{64} $before\$" out
'

test_expect_success 'keep=no: no snapshot is saved first' '
	snaps >before.list &&
	icc exec live sh -c "echo more >/more && echo \"good keep=no\" >/.icc/rollback && ! test -e /more" &&
	snaps >after.list && diff before.list after.list &&
	icc exec live cat /.icc/rollback | grep -q " -$"
'

test_expect_success 'from the host: icc rollback of a running container is live (undo)' '
	before=$(icc snapshots -q live | grep "^before-rollback-" | head -n1) &&
	icc rollback live "$before" >out && cat out &&
	grep -q "live rolled back to $before" out && grep -q "the tree before is snapshot before-rollback-" out &&
	icc exec live sh -c "cat /newfile && cat /changed" >out && printf "x\nnew\n" >exp && diff exp out &&
	test "$(pid1)" = "$P1"
'

test_expect_success 'bad input: unknown snapshot, another container'"'"'s, bad name, no permission' '
	icc run -d --name other busybox sleep 600 >/dev/null &&
	icc snapshot other theirs >/dev/null &&
	icc exec live sh -c "echo marker >/marker" &&
	snaps >before.list &&
	! icc exec live sh -c "echo nosuch >/.icc/rollback" 2>err && grep -q "No such file" err &&
	! icc exec live sh -c "echo theirs >/.icc/rollback" 2>err && grep -q "No such file" err &&
	! icc exec live sh -c "echo ../x >/.icc/rollback" 2>err && grep -q "Invalid argument" err &&
	! icc exec -u 65534 live sh -c "echo good >/.icc/rollback" 2>err && grep -q "Permission denied" err &&
	test_must_fail icc rollback live nosuch 2>err && expect_error_line err "nosuch" &&
	test_must_fail icc rollback live other/theirs 2>err && expect_error_line err "not one of container" &&
	icc exec live cat /marker && snaps >after.list && diff before.list after.list &&
	test "$(pid1)" = "$P1"
'

test_expect_success '30 rollbacks in a row, lookups of the tree and of an excluded /cache between' '
	for i in $(seq 1 30); do
		timeout 30 "$ICC_BIN" exec live sh -c "echo \$RANDOM >/x$i && echo $i >/cache/c && ls -lR /d /etc /cache >/dev/null && echo \"good keep=no\" >/.icc/rollback && ! test -e /x$i && ls /d | grep -qx a && grep -qx $i /cache/c" ||
			{ echo "failed at $i"; return 1; }
	done &&
	test "$(pid1)" = "$P1"
'

# change_all: every kind of change under /m, with the kernel's caches of it warm;
# undone: /m is snapshot two's again, as seen through the (cached) paths
change_all='echo changed >/m/f && chmod 700 /m/k && mv /m/l /m/l2 && mkdir /m/nd && rm /m/gone && ls -lR /m >/dev/null && cat /m/f /m/k2 >/dev/null'
undone='test "$(cat /m/f)" = orig && test "$(stat -c %a /m/k)" = 644 && test -L /m/l && ! test -e /m/l2 && ! test -e /m/nd && test "$(cat /m/gone)" = g && test "$(ls /m | tr "\n" " ")" = "f gone k k2 l "'
test_expect_success 'every kind of change is undone, whether the tree is a save of, a copy of, or unrelated to the snapshot' '
	icc exec live sh -c "mkdir /m && echo orig >/m/f && echo k >/m/k && chmod 644 /m/k && echo k2 >/m/k2 && ln -s f /m/l && echo g >/m/gone && echo two >/.icc/save" &&
	for how in "a save of it" "a copy of it" "a copy of it, again"; do
		icc exec live sh -c "$change_all && echo \"two keep=no\" >/.icc/rollback && $undone" ||
			{ echo "not undone: the tree $how"; return 1; }
	done &&
	icc exec live sh -c "ls -lR /m >/dev/null && echo \"good keep=no\" >/.icc/rollback && ! test -e /m && ! ls /m 2>/dev/null" ||
		{ echo "/m stays after a rollback to an older snapshot"; return 1; } &&
	icc exec live sh -c "ls / >/dev/null && echo \"two keep=no\" >/.icc/rollback && $undone" ||
		{ echo "not undone: the tree unrelated to the snapshot"; return 1; } &&
	icc exec live sh -c "$change_all && echo \"good keep=no\" >/.icc/rollback && echo \"two keep=no\" >/.icc/rollback && $undone" ||
		{ echo "not undone: two rollbacks in a row"; return 1; } &&
	test "$(pid1)" = "$P1" && icc snapshot rm live/two >/dev/null
'

test_expect_success 'a rollback during a save waits for it (serialised): the save holds the tree before' '
	icc exec live sh -c "echo pre >/state" &&
	exec 9>"$ICC_ROOT/lock" && flock 9 &&
	{ icc exec live sh -c "echo during >/.icc/save" & s=$!; } &&
	sleep 0.5 &&
	{ icc exec live sh -c "echo good >/.icc/rollback" & r=$!; } &&
	sleep 0.5 && kill -0 $s && kill -0 $r &&
	flock -u 9 && exec 9>&- &&
	wait $s && wait $r &&
	C=$(icc inspect -f "{{.Id}}" live) &&
	test "$(cat "$ICC_ROOT/containers/$C/snapshots/during/rootfs/state")" = pre &&
	icc exec live sh -c "! test -e /state && cat /changed" | grep -qx good
'

HASH_TEST='#rollback NAME typed at a relayed shell (exec -it) rolls back, says so'
TMUX_SOCK="$T/tmux.sock"
# screen_has REGEX: the tmux pane shows a line matching REGEX within 15 s
screen_has() {
	local i
	for i in $(seq 1 75); do
		tmux -S "$TMUX_SOCK" capture-pane -t rb -p >screen 2>/dev/null && grep -q "$1" screen && return 0
		sleep 0.2
	done
	cat screen; return 1
}
if ! command -v tmux >/dev/null; then test_skip "$HASH_TEST" "tmux not installed"; else
at_exit "tmux -S '$TMUX_SOCK' kill-server"
test_expect_success "$HASH_TEST" '
	tmux -S "$TMUX_SOCK" new-session -d -s rb -x 100 -y 24 "ICC_ROOT=$ICC_ROOT ICC_FS_BIN=$ICC_FS_BIN $ICC_BIN exec -it live sh; sleep 60" &&
	screen_has "^/ #" &&
	tmux -S "$TMUX_SOCK" send-keys -t rb "touch /typed; echo TOUCHED" Enter && screen_has "^TOUCHED" &&
	tmux -S "$TMUX_SOCK" send-keys -t rb "#rollback good" Enter &&
	screen_has "^\[icc\] rolled back to good (the tree before is snapshot before-rollback-" &&
	tmux -S "$TMUX_SOCK" send-keys -t rb "test -e /typed || echo TYPED-GONE" Enter &&
	screen_has "^TYPED-GONE" &&
	tmux -S "$TMUX_SOCK" send-keys -t rb "exit" Enter
'
fi

test_expect_success 'disk full during the pre-rollback save: one clear error, the tree unchanged' '
	icc snapshots -q live >before-full.list &&
	icc exec live sh -c "echo full-marker >/fm; dd if=/dev/zero of=/fill bs=1M 2>/dev/null; sync; true" &&
	if icc exec live sh -c "echo good >/.icc/rollback" 2>err; then
		icc exec live sh -c "! test -e /fm"
	else
		cat err && grep -q "No space left" err && icc exec live cat /fm | grep -qx full-marker
	fi &&
	icc exec live rm -f /fill &&
	for s in $(icc snapshots -q live | grep "^before-rollback-"); do
		grep -q "^$s\$" before-full.list || icc snapshot rm "live/$s" >/dev/null || return 1
	done
'

test_expect_success 'the store is consistent; stop, rm leave nothing mounted' '
	icc system check | grep -q "is consistent" &&
	icc rm -f live other >/dev/null &&
	! grep -q "$ICC_ROOT/containers" /proc/mounts
'
test_done
