#!/bin/bash
# t450-placeholders.sh - the runtime's placeholders (empty /etc/hostname,
# /etc/hosts, /etc/resolv.conf mount points; /etc/mtab -> /proc/mounts) are
# there inside a container but never in a commit, a promoted save, an image
# tar or an exported layer of an image whose base had none; a base's own files
# of those names are kept.
. "$(dirname "$0")/../lib.sh"

[ "$(id -u)" = 0 ] || skip_all "needs root"
setup_store
make_rootfs "$T/bare"
icc init "$T/bare" bare >/dev/null
make_rootfs "$T/full"
echo "10.9.9.9 mine" >"$T/full/etc/hosts"
echo "mtab of the image" >"$T/full/etc/mtab"
icc init "$T/full" full >/dev/null

cid() { icc inspect "$1" | sed -n 's/^[[:space:]]*"Id":[[:space:]]*"\([0-9a-f]*\)".*/\1/p' | head -n1; }
iid() { icc inspect "$1" | sed -n 's/^[[:space:]]*"Id":[[:space:]]*"\(sha256:\)\{0,1\}\([0-9a-f]*\)".*/\2/p' | head -n1; }
none_in() { # DIR: no placeholder in DIR/etc
	local f
	for f in hostname hosts resolv.conf mtab; do
		if [ -e "$1/etc/$f" ] || [ -L "$1/etc/$f" ]; then echo "$1/etc/$f leaked"; return 1; fi
	done
}

test_expect_success 'inside: /etc/mtab -> /proc/mounts, the three mount points answer' '
	icc run --name c1 bare sh -c "readlink /etc/mtab; head -n1 /etc/mtab | grep -q . && echo mounts; cat /etc/hostname; echo > /.icc/save; echo x > /kept" >out &&
	sed -n 1p out | grep -qx /proc/mounts && sed -n 2p out | grep -qx mounts && test -n "$(sed -n 3p out)"
'

test_expect_success 'the container tree holds them; the commit has none of them' '
	id=$(cid c1) &&
	test -L "$ICC_ROOT/containers/$id/rootfs/etc/mtab" && test -f "$ICC_ROOT/containers/$id/rootfs/etc/hosts" &&
	icc commit c1 c1:img >/dev/null && img=$(iid c1:img) && test -n "$img" &&
	none_in "$ICC_ROOT/images/$img/rootfs" &&
	test "$(cat "$ICC_ROOT/images/$img/rootfs/kept")" = x
'

test_expect_success 'a promoted save has none of them' '
	s=$(icc snapshots -q c1) &&
	icc promote "c1/$s" c1:saved >/dev/null &&
	none_in "$ICC_ROOT/images/$(iid c1:saved)/rootfs"
'

test_expect_success 'image tar and exported layers have none of them' '
	icc export -q c1:img | tar -tf - >list &&
	grep -qx kept list && ! grep -Eq "^(\./)?etc/(hostname|hosts|resolv\.conf|mtab)$" list &&
	icc save -q --format oci-dir -o "$T/oci" c1:img &&
	for b in "$T"/oci/blobs/sha256/*; do
		tar -tf "$b" >l 2>/dev/null || continue
		! grep -Eq "^(\./)?etc/(\.wh\.)?(hostname|hosts|resolv\.conf|mtab)$" l || { cat l; exit 1; }
	done
'

test_expect_success 'icc diff lists no placeholder' '
	icc diff c1 >out && cat out && printf "A /kept\n" >want && diff -u want out
'

test_expect_success 'a base that has /etc/hosts and /etc/mtab keeps its own' '
	icc run --name c2 full sh -c "cat /etc/mtab | head -n1 >/seen" >/dev/null &&
	icc commit c2 c2:img >/dev/null && d="$ICC_ROOT/images/$(iid c2:img)/rootfs" &&
	test "$(cat "$d/etc/hosts")" = "10.9.9.9 mine" && test "$(cat "$d/etc/mtab")" = "mtab of the image" &&
	test ! -e "$d/etc/hostname" && test ! -e "$d/etc/resolv.conf"
'

test_done
