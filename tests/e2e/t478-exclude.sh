#!/bin/bash
# t478-exclude.sh - excluded paths on a real Debian tree: --exclude
# /var/cache/apt (a nested subvolume made at create), apt-get download into
# it, a save holds an empty directory there, diff does not report under it,
# commit and export leave it out, inspect shows the list, a live rollback
# keeps the cache; EXCLUDE in commit -c and the image's /.icc/exclude.
. "$(dirname "$0")/../lib.sh"

[ "$(id -u)" = 0 ] || skip_all "needs root"
command -v runc >/dev/null || skip_all "runc not installed"
[ -x /usr/lib/podman/netavark ] || [ -x /usr/libexec/podman/netavark ] ||
	skip_all "netavark is not installed (apt-get install netavark aardvark-dns)"
tree=$(sh "$TESTS_DIR/debian-tree.sh") || skip_all "no Debian tree (debootstrap failed or is missing)"
setup_store 4G
at_exit 'for c in $(icc ps -aq --no-trunc); do icc rm -f $c; done'

# is_subvol HOSTPATH: a btrfs subvolume's root (inode 256 on a device of its own)
is_subvol() { test "$(stat -c %i "$1")" = 256 && test "$(stat -c %d "$1")" != "$(stat -c %d "$1/..")"; }

test_expect_success 'setup: the Debian image; a container excluding /var/cache/apt and /tmp' '
	icc init -q "$tree" debian:bookworm >/dev/null &&
	icc run -d --name ap --exclude /var/cache/apt --exclude /tmp debian:bookworm sleep 3600 >/dev/null &&
	C=$(icc inspect -f "{{.Id}}" ap) && echo "$C" >"$T/cid" &&
	is_subvol "$ICC_ROOT/containers/$C/rootfs/var/cache/apt" &&
	is_subvol "$ICC_ROOT/containers/$C/rootfs/tmp" &&
	test "$(stat -c %a "$ICC_ROOT/containers/$C/rootfs/tmp")" = 1777
'
C=$(cat "$T/cid")
R=$ICC_ROOT/containers/$C

test_expect_success 'inspect shows the list' '
	icc inspect ap >out && grep -q "\"/var/cache/apt\"" out && grep -q "\"/tmp\"" out
'

test_expect_success 'apt-get download into the excluded cache, then a save: an empty directory there' '
	timeout 600 "$ICC_BIN" exec ap sh -c "apt-get update -qq && cd /var/cache/apt && apt-get download -qq hello && ls /var/cache/apt/hello_*.deb && echo t >/tmp/t && echo kept >/etc/kept && echo s1 >/.icc/save" >out 2>&1 ||
		{ tail -n 20 out; false; } &&
	ls "$R"/rootfs/var/cache/apt/hello_*.deb &&
	test -d "$R/snapshots/s1/rootfs/var/cache/apt" &&
	test -z "$(ls -A "$R/snapshots/s1/rootfs/var/cache/apt")" &&
	test -z "$(ls -A "$R/snapshots/s1/rootfs/tmp")" &&
	test "$(cat "$R/snapshots/s1/rootfs/etc/kept")" = kept
'

test_expect_success 'diff does not report under an excluded path' '
	icc diff ap >out && cat out &&
	grep -qx "A /etc/kept" out &&
	! grep -q "^. /var/cache/apt" out && ! grep -q "^. /tmp" out
'

test_expect_success 'commit and export leave the cache out; the image keeps the list' '
	icc commit ap ap:1 >/dev/null &&
	icc run --rm ap:1 sh -c "ls -A /var/cache/apt | wc -l; ls -A /tmp | wc -l" >out && printf "0\n0\n" >exp && diff exp out &&
	icc inspect ap:1 | grep -q "\"/var/cache/apt\"" &&
	icc export ap >"$T/ap.tar" && tar -tf "$T/ap.tar" >list &&
	grep -q "^\(\./\)\?etc/kept$" list && ! grep -q "hello_.*\.deb" list && ! grep -q "tmp/t$" list
'

test_expect_success 'a live rollback keeps the cache (its subvolume moves to the new tree)' '
	icc exec ap sh -c "echo later >/etc/later && echo s1 >/.icc/rollback && ! test -e /etc/later && ls /var/cache/apt/hello_*.deb" &&
	is_subvol "$R/rootfs/var/cache/apt" && ls "$R"/rootfs/var/cache/apt/hello_*.deb &&
	! test -e "$R/rootfs.new"
'

test_expect_success 'stop and start: still subvolumes, the cache still there' '
	icc stop -t 1 ap >/dev/null && icc start ap >/dev/null &&
	is_subvol "$R/rootfs/var/cache/apt" && is_subvol "$R/rootfs/tmp" &&
	icc exec ap sh -c "ls /var/cache/apt/hello_*.deb"
'

test_expect_success 'commit -c EXCLUDE adds to the image list; its containers exclude it' '
	icc commit -c "EXCLUDE /var/cache/debconf" ap ap:2 >/dev/null &&
	icc create --name ap2 ap:2 >/dev/null &&
	C2=$(icc inspect -f "{{.Id}}" ap2) &&
	is_subvol "$ICC_ROOT/containers/$C2/rootfs/var/cache/debconf" &&
	is_subvol "$ICC_ROOT/containers/$C2/rootfs/var/cache/apt"
'

test_expect_success 'an image tree with /.icc/exclude' '
	make_rootfs "$T/rx" && mkdir -p "$T/rx/.icc" "$T/rx/cache/data" && echo big >"$T/rx/cache/data/f" &&
	printf "# caches\n/cache\n\n/var/tmp\n" >"$T/rx/.icc/exclude" &&
	icc init "$T/rx" rx:1 >/dev/null &&
	icc create --name rx rx:1 >/dev/null &&
	C3=$(icc inspect -f "{{.Id}}" rx) &&
	is_subvol "$ICC_ROOT/containers/$C3/rootfs/cache" &&
	is_subvol "$ICC_ROOT/containers/$C3/rootfs/var/tmp" &&
	test -z "$(ls -A "$ICC_ROOT/containers/$C3/rootfs/cache")" &&
	icc inspect rx | grep -q "\"/var/tmp\""
'

test_expect_success 'bad --exclude: one clear line, exit 125, nothing made' '
	n=$(icc ps -aq | wc -l) &&
	for p in relative /proc/x / /a/../b /a//b /dev; do
		{ icc create --exclude "$p" debian:bookworm 2>err; rc=$?; }
		test "$rc" = 125 || return 1
		expect_error_line err "invalid --exclude" || return 1
	done &&
	test_must_fail icc commit -c "EXCLUDE rel" ap ap:3 2>err && expect_error_line err "exclude path" &&
	test "$(icc ps -aq | wc -l)" = "$n"
'
test_done
