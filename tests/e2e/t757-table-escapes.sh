#!/bin/bash
# t757-table-escapes.sh - an image whose config Cmd and history carry
# terminal escapes ("\033]0;pwn\007\033[2J": set the title, clear the screen):
# history, ps, diff and error lines show them as '?', never as an ESC byte;
# --format json and a template into a pipe keep the exact strings.
. "$(dirname "$0")/../lib.sh"

[ "$(id -u)" = 0 ] || skip_all "needs root"
setup_store
make_image busybox
ESC=$(printf '\033')
# JSON text of the hostile string, and what a table shows instead
EVIL='\u001b]0;pwn\u0007\u001b[2J'
SHOWN='?]0;pwn??[2J'
no_esc() { ! grep -q "$ESC" "$1" || { echo "ESC in $1:"; od -c "$1" | head; return 1; }; }

# evil:1: busybox's layer, a config of its own (an archive's author writes what they like)
test_expect_success 'setup: load an image whose Cmd and history hold escapes' '
	icc tag busybox evil:1 &&
	icc save --format oci-dir -o "$T/L" evil:1 &&
	icc rmi evil:1 >/dev/null &&
	B=$T/L/blobs/sha256 &&
	m=$(sed -n "s/.*\"digest\":\"sha256:\([0-9a-f]*\)\".*/\1/p" "$T/L/index.json") &&
	c=$(sed -n "s/.*\"config\":{[^}]*\"digest\":\"sha256:\([0-9a-f]*\)\".*/\1/p" "$B/$m") &&
	diff_ids=$(sed -n "s/.*\"diff_ids\":\(\[[^]]*\]\).*/\1/p" "$B/$c") &&
	printf "%s" "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Cmd\":[\"/bin/sh\",\"-c\",\"echo $EVIL\"]},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":$diff_ids},\"history\":[{\"created_by\":\"$EVIL\",\"comment\":\"$EVIL\"}]}" >"$T/config" &&
	nc=$(sha256sum <"$T/config" | cut -d" " -f1) &&
	cp "$T/config" "$B/$nc" &&
	sed "s/$c/$nc/; s/\"size\":[0-9]*\(,\"digest\":\"sha256:$nc\"\)/\"size\":$(stat -c %s "$T/config")\1/" "$B/$m" >"$T/manifest" &&
	sed "s/\(\"digest\":\"sha256:$nc\",\"size\":\)[0-9]*/\1$(stat -c %s "$T/config")/" -i "$T/manifest" &&
	nm=$(sha256sum <"$T/manifest" | cut -d" " -f1) &&
	cp "$T/manifest" "$B/$nm" &&
	sed -i "s/$m/$nm/; s/\"size\":[0-9]*/\"size\":$(stat -c %s "$T/manifest")/" "$T/L/index.json" &&
	icc load -q -i "$T/L" >/dev/null &&
	icc create --name evilc evil:1 >/dev/null &&
	icc history --format json evil:1 >hist.json &&
	grep -qF "\"Comment\":\"$EVIL\"" hist.json
'

test_expect_success 'history: CREATED BY and COMMENT shown without ESC' '
	icc history evil:1 >out &&
	no_esc out && grep -qF "$SHOWN" out &&
	icc history --no-trunc evil:1 >out &&
	no_esc out && grep -qF "$SHOWN" out
'

test_expect_success 'ps -a: COMMAND shown without ESC; json keeps the exact string' '
	icc ps -a >out &&
	no_esc out && grep -qF "echo ?]0" out &&
	icc ps -a --no-trunc >out &&
	no_esc out && grep -qF "$SHOWN" out &&
	icc ps -a --format json >ps.json &&
	grep -qF "$EVIL" ps.json
'

test_expect_success 'a template: exact into a pipe, printable on a terminal' '
	icc history --format "{{.Comment}}" evil:1 >out &&
	grep -q "$ESC" out &&
	script -qec "icc history --format \"{{.Comment}}\" evil:1" /dev/null </dev/null >tty.out 2>&1 &&
	no_esc tty.out && grep -qF "$SHOWN" tty.out
'

test_expect_success 'diff and error lines: names made in the container show no ESC' '
	icc start evilc >/dev/null 2>&1; icc rm -f evilc >/dev/null &&
	icc run -d --name c2 busybox sleep 600 >/dev/null && at_exit "icc rm -f c2" &&
	icc exec c2 sh -c "touch \"/x$(printf "\033")]0;pwn\"" &&
	icc diff c2 >out &&
	no_esc out && grep -qF "A /x?]0;pwn" out &&
	icc diff --format json c2 >out.json && grep -qF "\\u001b" out.json &&
	test_must_fail icc inspect "$(printf "x\033[2J")" 2>err &&
	no_esc err
'

test_done
