#!/bin/bash
# t820-progress.sh - progress lines on a terminal (script(1) gives icc a pty), none otherwise, -q, NO_COLOR
. "$(dirname "$0")/../lib.sh"
command -v script >/dev/null || skip_all "script(1) missing"
setup_store
make_rootfs "$T/rootfs"
head -c 20000000 /dev/urandom >"$T/rootfs/big"
tar -C "$T/rootfs" -cf "$T/big.tar" .

# on_tty CMD: run the shell command CMD with stdin/stdout/stderr on a pty; output in tty.out
# a terminal that can show colour, whatever TERM the suite was started with
on_tty() { TERM=xterm script -qec "$1" /dev/null </dev/null >"$T/tty.out" 2>&1; }

test_expect_success 'import on a terminal: one updating line with bytes, total, rate' '
	on_tty "icc import $T/big.tar big:1" &&
	grep -q "sha256:" tty.out &&
	tr "\r" "\n" <tty.out | grep -aE "Importing .*big.tar: [0-9.]+[kMG]?B / 2[0-9.]+MB \(100%\)" &&
	grep -qa "$(printf "\r")" tty.out
'

test_expect_success 'import from a pipe on a terminal: bytes and rate, no total' '
	on_tty "cat $T/big.tar | icc import - big:2" &&
	tr "\r" "\n" <tty.out | grep -aE "Importing stdin: [0-9.]+[kMG]?B +[0-9.]+[kMG]?B/s"
'

test_expect_success 'no progress when stderr is not a terminal' '
	icc import "$T/big.tar" big:3 >out 2>err &&
	test ! -s err && grep -q sha256: out
'

test_expect_success '-q: no progress on a terminal either' '
	on_tty "icc import -q $T/big.tar big:4" &&
	! grep -qa Importing tty.out && grep -q sha256: tty.out
'

test_expect_success 'colour on a terminal, none with NO_COLOR' '
	on_tty "icc export -o $T/x.tar big:1" &&
	grep -qa "$(printf "\033")\[32m" tty.out &&
	on_tty "NO_COLOR=1 icc export -o $T/y.tar big:1" &&
	tr "\r" "\n" <tty.out | grep -aq "Exporting big:1" &&
	! grep -qa "$(printf "\033")\[3[0-9]m" tty.out &&
	cmp "$T/x.tar" "$T/y.tar"
'

test_expect_success 'export, save, load, send, receive report progress and still produce the same bytes' '
	icc export big:1 >"$T/plain.tar" 2>err && test ! -s err &&
	on_tty "icc export big:1 >$T/tty.tar" && grep -qa "Exporting big:1" tty.out &&
	cmp "$T/plain.tar" "$T/tty.tar" &&
	on_tty "icc save -o $T/s.tar big:1" && grep -qa "Saving big:1" tty.out &&
	on_tty "icc load -i $T/s.tar loaded:1" && tr "\r" "\n" <tty.out | grep -aq "Loading .*s.tar: .*(100%)" &&
	grep -q "Loaded image: loaded:1" tty.out &&
	icc images --format "{{.Repository}}:{{.Tag}}" | grep -qx loaded:1 &&
	on_tty "icc send -o $T/snd big:1" && grep -qa "Sending big:1" tty.out &&
	icc rmi big:1 big:2 big:3 big:4 loaded:1 >/dev/null &&
	on_tty "icc receive -i $T/snd back:1" && tr "\r" "\n" <tty.out | grep -aq "Receiving .*snd: .*(100%)" &&
	icc export back:1 | cmp - "$T/plain.tar"
'

test_done
