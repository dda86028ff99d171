#!/bin/bash
# t610-debian-apt.sh - seed 002 on a real Debian: apt-get update && apt-get install
# figlet in a container with the default (bridge) network.  The one test whose
# traffic leaves the machine: apt-get reaching the Debian archive, as the host's apt does.
. "$(dirname "$0")/../lib.sh"
[ -x /usr/lib/podman/netavark ] || [ -x /usr/libexec/podman/netavark ] ||
	skip_all "netavark is not installed (apt-get install netavark aardvark-dns)"
tree=$(sh "$TESTS_DIR/debian-tree.sh") || skip_all "no Debian tree (debootstrap failed or is missing)"
setup_store 4G

test_expect_success 'icc init of a debootstrap minbase bookworm tree' '
	icc init -q "$tree" debian:bookworm >/dev/null &&
	icc images | grep -q "^debian .*bookworm"
'

test_expect_success 'seed 002 as typed: apt-get update && apt-get install -y figlet, then figlet hi' '
	timeout 600 "$ICC_BIN" run --rm debian:bookworm sh -c "apt-get update && apt-get install -y figlet && figlet hi" >out 2>&1 ||
		{ tail -n 20 out; false; } &&
	grep -q "Setting up figlet" out &&
	tail -n 6 out >art && grep -qF "| |__ (_)" art && grep -qF "|_| |_|_|" art
'

test_expect_success 'the run left no container network behind; network rm takes the bridge down' '
	test -z "$(grep -l -F "\"root\":\"$ICC_ROOT\"" /run/icc/net/*.json 2>/dev/null)" &&
	test "$(ls "/sys/class/net/$TEST_BRIDGE/brif" | wc -l)" -eq 1 &&
	icc network rm bridge >/dev/null &&
	! test -e "/sys/class/net/$TEST_BRIDGE" && ! test -e "/run/icc/net/$TEST_BRIDGE.anchor"
'
test_done
