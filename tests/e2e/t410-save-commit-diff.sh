#!/bin/bash
# t410 - saving from inside (/.icc/save and a typed #save), promote, commit, diff, rollback
. "$(dirname "$0")/../lib.sh"
command -v runc >/dev/null || skip_all "runc not installed"
setup_store
make_image busybox
at_exit 'for c in $(icc ps -aq --no-trunc); do icc rm -f $c; done'
TMUX_SOCK="$T/tmux.sock"
at_exit "tmux -S '$TMUX_SOCK' kill-server"

test_expect_success 'save from inside, exit, promote, run the new image' '
	icc run --name s1 busybox sh -c "echo kept >/root/FILE && echo > /.icc/save && ls /.icc/snapshots" >out &&
	test "$(wc -l <out)" -eq 1 &&
	snap=$(cat out) &&
	icc promote "s1/$snap" saved:1 >/dev/null &&
	icc run --rm saved:1 cat /root/FILE >out && grep -x kept out
'
test_expect_success 'typed #save in an interactive shell (tmux pty)' '
	command -v tmux >/dev/null &&
	tmux -S "$TMUX_SOCK" new-session -d -x 80 -y 24 "ICC_ROOT=$ICC_ROOT ICC_FS_BIN=$ICC_FS_BIN $ICC_BIN run -it --name c1 busybox sh; echo EXIT=\$?; sleep 60" &&
	sleep 1 &&
	tmux -S "$TMUX_SOCK" send-keys "touch /FILENAME" Enter && sleep 0.3 &&
	tmux -S "$TMUX_SOCK" send-keys "#save mine" Enter && sleep 0.6 &&
	tmux -S "$TMUX_SOCK" send-keys "ls /.icc/snapshots/; stty size" Enter && sleep 0.3 &&
	tmux -S "$TMUX_SOCK" send-keys "exit 4" Enter && sleep 0.8 &&
	tmux -S "$TMUX_SOCK" capture-pane -p >screen && cat screen &&
	grep -q "^\[icc\] saved snapshot mine (id [0-9a-f]\{12\})" screen &&
	grep -qx "mine" screen &&
	grep -qx "24 80" screen &&
	grep -qx "EXIT=4" screen &&
	icc snapshots c1 | grep -q "^mine " &&
	icc run --rm --name chk busybox true &&
	icc promote c1/mine fromsave:1 >/dev/null &&
	icc run --rm fromsave:1 ls / | grep -x FILENAME
'
test_expect_success 'the line watcher: backspace, a comment that is not #save' '
	tmux -S "$TMUX_SOCK" new-session -d -x 80 -y 24 "ICC_ROOT=$ICC_ROOT ICC_FS_BIN=$ICC_FS_BIN $ICC_BIN run -it --name c2 busybox sh; sleep 60" &&
	sleep 1 &&
	tmux -S "$TMUX_SOCK" send-keys "#savX" BSpace "e bs1" Enter && sleep 0.5 &&
	tmux -S "$TMUX_SOCK" send-keys "#saved nothing" Enter && sleep 0.3 &&
	tmux -S "$TMUX_SOCK" send-keys "exit" Enter && sleep 0.6 &&
	icc snapshots -q c2 >out && cat out && test "$(cat out)" = bs1
' 
test_expect_success 'commit with changes, visible in inspect; O(1) image' '
	icc run --name m1 busybox sh -c "echo x >/root/new; rm /bin/true; mkdir -p /a/b; touch /a/b/c" &&
	icc commit -m "my msg" -a me -c "CMD [\"/bin/sh\",\"-c\",\"cat /root/new\"]" -c "ENV FOO=bar" -c "WORKDIR /root" -c "LABEL k=v" m1 committed:1 >id &&
	grep -q "^sha256:[0-9a-f]\{64\}$" id &&
	icc inspect committed:1 >insp &&
	grep -q "FOO=bar" insp && grep -q "\"WorkingDir\":[[:space:]]*\"/root\"" insp &&
	grep -q "my msg" insp && grep -q "\"k\":[[:space:]]*\"v\"" insp &&
	icc run --rm committed:1 >out && grep -x x out &&
	icc history committed:1 >hist && grep -q "icc init" hist && grep -q "my msg" hist
'
test_expect_success 'diff: container vs image, line by line' '
	icc diff m1 >out &&
	cat >exp <<-\EOF2 &&
	A /a
	A /a/b
	A /a/b/c
	C /bin
	D /bin/true
	C /root
	A /root/new
	EOF2
	diff -u exp out
'
test_expect_success 'diff between images, and json' '
	icc diff committed:1 busybox >out &&
	cat >exp <<-\EOF2 &&
	D /a
	C /bin
	A /bin/true
	C /root
	D /root/new
	EOF2
	diff -u exp out &&
	icc diff --format json m1 | head -n1 | grep -q "{\"Kind\":\"A\",\"Path\":\"/a\"}"
'
test_expect_success 'diff of unrelated trees (walk fallback) is the same' '
	make_rootfs "$T/r2" && echo x >"$T/r2/root/new" && rm "$T/r2/bin/true" &&
	mkdir -p "$T/r2/a/b" && touch "$T/r2/a/b/c" &&
	icc init "$T/r2" other:1 >/dev/null &&
	icc diff busybox other:1 >out && cat out &&
	grep -x "A /a/b/c" out && grep -x "D /bin/true" out && grep -x "A /root/new" out
'
test_expect_success 'rollback: live while running (t470); stopped container gets the snapshot' '
	icc run --name rb busybox sh -c "echo one >/f; echo > /.icc/save; echo two >/f" &&
	snap=$(icc snapshots -q rb) &&
	icc run -d --name rb2 busybox sleep 100 >/dev/null &&
	icc snapshot rb2 s >/dev/null && icc exec rb2 touch /later &&
	icc rollback rb2 s >out && grep -q "rb2 rolled back to s" out &&
	icc exec rb2 sh -c "! test -e /later" &&
	icc rollback rb "$snap" &&
	icc commit rb rolled:1 >/dev/null &&
	icc run --rm rolled:1 cat /f >out && grep -x one out &&
	icc snapshots -q rb | grep -x "$snap"
'
test_done
