#!/bin/bash
# t465-attach.sh - Ctrl-P Ctrl-Q detaches run -it / start -ai, icc attach gets the terminal back, #save through attach
. "$(dirname "$0")/../lib.sh"
setup_store
make_image busybox
setup_tmux
keys() { tmux -S "$TMUX_SOCK" send-keys -t "$1" "${@:2}"; sleep 0.7; }
screen() { tmux -S "$TMUX_SOCK" capture-pane -t "$1" -p >"$2"; cat "$2"; }
# a shell in tmux where icc runs, so what icc leaves behind shows on its screen
term() {
	tmux -S "$TMUX_SOCK" new-session -d -s "$1" -x 100 -y 30 \
		"ICC_ROOT=$ICC_ROOT ICC_FS_BIN=$ICC_FS_BIN PATH=$PATH PS1='host\$ ' sh" && sleep 0.5
}
running() { test "$(icc inspect -f '{{.State.Running}}' "$1")" = true; }

test_expect_success 'run -it, Ctrl-P Ctrl-Q: back at the host shell, the container runs on' '
	term a &&
	keys a "icc run -it --name a1 busybox sh; echo RC=\$?" Enter && sleep 1 &&
	keys a "echo one-\$((40+2))" Enter &&
	keys a C-p && keys a C-q &&
	wait_screen a s1 "one-42" && wait_screen a s1 "RC=0" &&
	running a1 &&
	icc ps --format "{{.Names}} {{.Status}}" | grep -q "^a1 Up"
'

test_expect_success 'icc attach: type a command, see its output; #save works through attach' '
	keys a "clear; icc attach a1; echo RC=\$?" Enter && sleep 1 &&
	keys a "echo two-\$((20+3))" Enter &&
	keys a "#save through-attach" Enter && sleep 1 &&
	wait_screen a s2 "two-23" &&
	grep -q "\[icc\] saved snapshot through-attach (id [0-9a-f]\{12\})" s2 &&
	icc snapshots -q a1 | grep -qx through-attach
'

test_expect_success 'exit in the attached shell: attach returns its exit code, the container ended' '
	keys a "exit 5" Enter && sleep 1.5 &&
	wait_screen a s3 "RC=5" &&
	test "$(icc inspect -f "{{.State.Status}} {{.State.ExitCode}}" a1)" = "exited 5"
'

test_expect_success 'start -ai detaches with Ctrl-P Ctrl-Q too; a second attach with --detach-keys' '
	keys a "clear; icc start -ai a1; echo RC=\$?" Enter && sleep 1.5 &&
	keys a "echo three-\$((1+2))" Enter &&
	keys a C-p && keys a C-q &&
	wait_screen a s4 "three-3" && wait_screen a s4 "RC=0" && running a1 &&
	keys a "clear; icc attach --detach-keys ctrl-x,x a1; echo RC=\$?" Enter && sleep 1 &&
	keys a "echo four-\$((2+2))" Enter &&
	keys a C-p && keys a C-q && screen a s5a && ! grep -q "RC=" s5a &&
	keys a C-u && keys a C-x && keys a x &&
	wait_screen a s5 "four-4" && wait_screen a s5 "RC=0" && running a1
'

test_expect_success 'the first detach key then another is typed on, not a detach' '
	keys a "clear; icc attach --detach-keys a,b a1; echo RC=\$?" Enter && sleep 1 &&
	keys a "echo zazqa" Enter &&
	wait_screen a s6 "^zazqa" && running a1 && ! grep -q "RC=" s6 &&
	keys a "exit 0" Enter && sleep 1.5 && wait_screen a s7 "RC=0" &&
	test "$(icc inspect -f "{{.State.Status}}" a1)" = exited
'

test_expect_success 'run -dit: attach to a detached terminal; --rm removes it after exit' '
	icc run -dit --rm --name dt1 busybox sh >/dev/null && running dt1 &&
	keys a "clear; icc attach dt1; echo RC=\$?" Enter && sleep 1 &&
	keys a "echo six-\$((3*2))" Enter &&
	keys a "exit 3" Enter && sleep 2 &&
	wait_screen a s8 "six-6" && wait_screen a s8 "RC=3" &&
	test_must_fail icc inspect dt1 >/dev/null 2>&1
'

test_expect_success 'attach to a container without a terminal shows its output' '
	icc run -d --name o1 busybox sh -c "i=0; while :; do i=\$((i+1)); echo line\$i; sleep 0.2; done" >/dev/null &&
	timeout 2 icc attach --no-stdin --sig-proxy=false o1 >out; test $? = 124 &&
	test "$(grep -c "^line" out)" -ge 3 && running o1 &&
	icc rm -f o1 >/dev/null
'

test_expect_success 'bad input: stopped or missing container, bad detach keys' '
	icc create --name c1 busybox sh >/dev/null &&
	test_must_fail icc attach c1 2>err && expect_error_line err "^icc: You cannot attach to a stopped container, start it first$" &&
	test_must_fail icc attach nosuch 2>err && expect_error_line err "no such container .nosuch." &&
	test_must_fail icc attach --detach-keys ctrl-1 c1 2>err && expect_error_line err "^icc: attach: invalid detach keys .ctrl-1." &&
	test_must_fail icc attach --detach-keys "a," c1 2>err && expect_error_line err "invalid detach keys" &&
	test_must_fail icc attach 2>err && expect_error_line err "^icc: attach: usage:" &&
	test_must_fail icc attach c1 c2 2>err && expect_error_line err "^icc: attach: usage:"
'

test_done
