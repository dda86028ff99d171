#!/bin/bash
# t411 - #save is the line the shell received: recall, Tab completion, editing, exec -it; not program input
. "$(dirname "$0")/../lib.sh"
command -v runc >/dev/null || skip_all "runc not installed"
setup_store
make_image busybox
setup_tmux
keys() { tmux -S "$TMUX_SOCK" send-keys "$@"; sleep 0.6; }

test_expect_success 'Up-arrow recall of #save makes a second save' '
	tmux -S "$TMUX_SOCK" new-session -d -s up -x 80 -y 24 "ICC_ROOT=$ICC_ROOT ICC_FS_BIN=$ICC_FS_BIN $ICC_BIN run -it --name u1 busybox sh; sleep 60" &&
	wait_screen up screen " #$" &&
	keys -t up "#save" Enter &&
	keys -t up Up Enter &&
	keys -t up "exit" Enter &&
	tmux -S "$TMUX_SOCK" capture-pane -t up -p >screen && cat screen &&
	test "$(grep -c "^\[icc\] saved snapshot" screen)" -eq 2 &&
	test "$(icc snapshots -q u1 | wc -l)" -eq 2
'
test_expect_success 'Tab completion of a file name, cursor-left editing' '
	tmux -S "$TMUX_SOCK" new-session -d -s tab -x 80 -y 24 "ICC_ROOT=$ICC_ROOT ICC_FS_BIN=$ICC_FS_BIN $ICC_BIN run -it -w /root --name u2 busybox sh; sleep 60" &&
	wait_screen tab screen " #$" &&
	keys -t tab "touch completedname" Enter &&
	keys -t tab "#save complet" Tab &&
	keys -t tab Enter &&
	keys -t tab "#save ab" Left "X" Enter &&
	keys -t tab "exit" Enter &&
	tmux -S "$TMUX_SOCK" capture-pane -t tab -p >screen && cat screen &&
	icc snapshots -q u2 >out && cat out &&
	grep -x completedname out && grep -x aXb out && test "$(wc -l <out)" -eq 2
'
test_expect_success 'cat > f: a typed #save x is data, not a save, and says why' '
	tmux -S "$TMUX_SOCK" new-session -d -s cat -x 80 -y 24 "ICC_ROOT=$ICC_ROOT ICC_FS_BIN=$ICC_FS_BIN $ICC_BIN run -it --name u3 busybox sh; sleep 60" &&
	wait_screen cat screen " #$" &&
	keys -t cat "cat > /f" Enter &&
	keys -t cat "#save x" Enter &&
	keys -t cat C-d &&
	keys -t cat "cat /f; exit" Enter &&
	tmux -S "$TMUX_SOCK" capture-pane -t cat -p >screen && cat screen &&
	grep -q "^\[icc\] #save not taken: a program, not the shell, reads this line" screen &&
	icc snapshots -q u3 >out && test ! -s out
'
test_expect_success 'exec -it: a shell on a relayed pty, #save works, exit code kept' '
	icc run -d --name u4 busybox sleep 300 >/dev/null &&
	tmux -S "$TMUX_SOCK" new-session -d -s ex -x 80 -y 24 "ICC_ROOT=$ICC_ROOT ICC_FS_BIN=$ICC_FS_BIN $ICC_BIN exec -it u4 sh; echo EXIT=\$?; sleep 60" &&
	wait_screen ex screen " #$" &&
	keys -t ex "touch /fromexec" Enter &&
	keys -t ex "#save inexec" Enter &&
	keys -t ex "stty size; exit 3" Enter &&
	tmux -S "$TMUX_SOCK" capture-pane -t ex -p >screen && cat screen &&
	grep -q "^\[icc\] saved snapshot inexec (id [0-9a-f]\{12\})" screen &&
	grep -qx "24 80" screen && grep -qx "EXIT=3" screen &&
	icc snapshots -q u4 | grep -x inexec &&
	icc promote u4/inexec fromexec:1 >/dev/null &&
	icc run --rm fromexec:1 ls / | grep -x fromexec
'
test_expect_success 'start -ai: the restarted shell is watched too' '
	icc create -it --name u5 busybox sh >/dev/null &&
	tmux -S "$TMUX_SOCK" new-session -d -s st -x 80 -y 24 "ICC_ROOT=$ICC_ROOT ICC_FS_BIN=$ICC_FS_BIN $ICC_BIN start -ai u5; sleep 60" &&
	wait_screen st screen " #$" &&
	keys -t st "#save instart" Enter &&
	keys -t st "exit" Enter &&
	icc snapshots -q u5 | grep -x instart
'
test_done
