#!/bin/bash
# t910-dockerfile-replay.sh - the loop from a hand-made container to a recipe: seed 002
# typed at a bash prompt in tmux (apt-get update, apt-get install -y figlet, #save), the
# session recorded (exit status, working directory; a password typed at passwd's prompt
# never), icc dockerfile of the snapshot, icc build of that Dockerfile, and icc diff of the
# two images: nothing differs but the paths the Dockerfile's closing note lists.
. "$(dirname "$0")/../lib.sh"
command -v tmux >/dev/null || skip_all "tmux not installed"
[ -x /usr/lib/podman/netavark ] || [ -x /usr/libexec/podman/netavark ] ||
	skip_all "netavark is not installed (apt-get install netavark aardvark-dns)"
# exit statuses come from the kernel's process events, delivered only in the initial pid
# namespace (its /proc/self/ns/pid inode is the kernel's fixed PROC_PID_INIT_INO)
[ "$(stat -L -c %i /proc/self/ns/pid)" = 4026531836 ] ||
	skip_all "in a nested pid namespace: the kernel sends no process events (exit statuses) here"
tree=$(sh "$TESTS_DIR/debian-tree.sh") || skip_all "no Debian tree (debootstrap failed or is missing)"
setup_store 4G
TMUX_SOCK="$T/tmux.sock"
at_exit "tmux -S '$TMUX_SOCK' kill-server"
keys() { tmux -S "$TMUX_SOCK" send-keys -t seed "$@"; sleep 0.8; }
screen() { tmux -S "$TMUX_SOCK" capture-pane -t seed -p; }
# wait_status CMD: until the recorded command CMD has an exit status (the EXIT column)
wait_status() {
	local i
	for i in $(seq 900); do
		icc history --commands seed 2>/dev/null | grep -E " +[0-9]+ +[^ ]+ +$1\$" && return 0
		sleep 1
	done
	screen; return 1
}

test_expect_success 'setup: the Debian tree as debian:bookworm' '
	icc init -q "$tree" debian:bookworm >/dev/null
'

test_expect_success 'seed 002 by hand at a bash prompt; a failed command, a cd, a password at passwd' '
	tmux -S "$TMUX_SOCK" new-session -d -s seed -x 120 -y 30 \
		"ICC_ROOT=$ICC_ROOT ICC_FS_BIN=$ICC_FS_BIN $ICC_BIN run -it --name seed debian:bookworm bash; sleep 600" &&
	sleep 2 &&
	keys "apt-get update" Enter && wait_status "apt-get update" &&
	keys "apt-get install -y figlet" Enter && wait_status "apt-get install -y figlet" &&
	keys "ls /nonexistent" Enter && wait_status "ls /nonexistent" &&
	keys "cd /tmp" Enter &&
	keys "passwd" Enter && keys "hunter2secret" Enter && keys "hunter2secret" Enter &&
	wait_status passwd &&
	keys "#save first" Enter &&
	keys "exit" Enter &&
	screen >scr && grep -q "^\[icc\] saved snapshot first" scr
'

test_expect_success 'history --commands: each command with its status and directory; no password' '
	icc history --commands seed >h && cat h &&
	grep -Eq "^seed/first +0 +/ +apt-get update$" h &&
	grep -Eq "^seed/first +0 +/ +apt-get install -y figlet$" h &&
	grep -Eq "^seed/first +2 +/ +ls /nonexistent$" h &&
	grep -Eq "^seed/first +- +/ +cd /tmp$" h &&
	grep -Eq "^seed/first +0 +/tmp +passwd$" h &&
	! grep -rq hunter2secret "$ICC_ROOT/containers" h
'

test_expect_success 'icc dockerfile of the snapshot: FROM, the RUNs, what was left out and why' '
	mkdir -p "$T/ctx" &&
	icc dockerfile --ignore /etc/shadow seed/first >"$T/ctx/Dockerfile" && cat "$T/ctx/Dockerfile" &&
	grep -qx "FROM debian:bookworm" "$T/ctx/Dockerfile" &&
	grep -qx "RUN apt-get update" "$T/ctx/Dockerfile" &&
	grep -qx "RUN apt-get install -y figlet" "$T/ctx/Dockerfile" &&
	grep -qx "# failed (exit 2): ls /nonexistent" "$T/ctx/Dockerfile" &&
	grep -q "^# interactive.*: passwd$" "$T/ctx/Dockerfile" &&
	! grep -q "cd /tmp" "$T/ctx/Dockerfile" && grep -qx "#   /etc/shadow" "$T/ctx/Dockerfile" &&
	test "$(grep -c "^RUN" "$T/ctx/Dockerfile")" -eq 2
'

test_expect_success 'icc build of it; icc diff of both images: only the expected paths differ' '
	icc promote seed/first hand:1 >/dev/null &&
	timeout 900 "$ICC_BIN" build -q -t replay:1 "$T/ctx" >id 2>err || { cat err; false; } &&
	icc run --rm replay:1 figlet ok | grep -qF "|_|" &&
	icc diff hand:1 replay:1 >d &&
	sed -n "s/^#   //p" "$T/ctx/Dockerfile" | tr " " "\n" | grep . >expected &&
	grep -qx /var/lib/apt/lists expected && grep -qx /etc/shadow expected &&
	{ grep "figlet" d || { echo "no figlet in the diff:"; head -40 d; false; }; } &&
	h=$ICC_ROOT/images/$(icc images -q --no-trunc hand:1 | sed s/sha256://)/rootfs &&
	b=$ICC_ROOT/images/$(icc images -q --no-trunc replay:1 | sed s/sha256://)/rootfs &&
	while read -r kind path; do
		ok=0
		while read -r pat; do
			case $path in $pat | $pat/*) ok=1 ;; esac
		done <expected
		[ $ok = 1 ] && continue
		# in both, written twice: the same file is no difference
		if [ "$kind" = C ] && { [ -d "$h$path" ] && [ -d "$b$path" ] ||
			{ cmp -s "$h$path" "$b$path" &&
			  [ "$(stat -c %a:%u:%g "$h$path")" = "$(stat -c %a:%u:%g "$b$path")" ]; } ||
			{ [ -L "$h$path" ] && [ "$(readlink "$h$path")" = "$(readlink "$b$path")" ]; }; }; then
			continue
		fi
		echo "unexpected difference: $kind $path"; exit 1
	done <d
'

test_expect_success '--no-record: nothing is recorded; an image without a session says so' '
	tmux -S "$TMUX_SOCK" new-session -d -s quiet -x 120 -y 30 \
		"ICC_ROOT=$ICC_ROOT ICC_FS_BIN=$ICC_FS_BIN $ICC_BIN run -it --no-record --name quiet debian:bookworm bash; sleep 600" &&
	sleep 2 &&
	tmux -S "$TMUX_SOCK" send-keys -t quiet "touch /unrecorded" Enter && sleep 0.8 &&
	tmux -S "$TMUX_SOCK" send-keys -t quiet "exit" Enter && sleep 1.5 &&
	icc history --commands quiet >h 2>err && ! grep -q unrecorded h &&
	expect_error_line err "^icc: history: quiet: no recorded session$" &&
	icc dockerfile debian:bookworm >df 2>err &&
	expect_error_line err "^icc: dockerfile: debian:bookworm: no recorded session" &&
	grep -qx "FROM debian:bookworm" df && grep -q "^ENV PATH=" df
'
test_done
