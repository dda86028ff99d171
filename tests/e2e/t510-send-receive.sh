#!/bin/bash
# t510-send-receive.sh - btrfs send/receive between two stores; push/pull through a local registry
. "$(dirname "$0")/../lib.sh"
setup_store
setup_store2 2G
rootfs_of() { "$ICC_BIN" --root "$1" inspect -f '{{.Icc.Subvolume}}' "$2"; }
same_tree() {
	diff -r "$1" "$2" &&
	(cd "$1" && find . -printf '%p %U %G %m %y %l\n' | LC_ALL=C sort) >"$T/ma" &&
	(cd "$2" && find . -printf '%p %U %G %m %y %l\n' | LC_ALL=C sort) >"$T/mb" && diff "$T/ma" "$T/mb"
}

make_rootfs "$T/rootfs"
head -c 20000000 /dev/urandom >"$T/rootfs/big"
icc init -c 'CMD ["/bin/sh"]' "$T/rootfs" base:1 >/dev/null
icc create --name c1 base:1 >/dev/null
R=$ICC_ROOT/containers/$(ls "$ICC_ROOT/containers")/rootfs

test_expect_success 'full send of an image, receive into a second store' '
	icc send -o "$T/full.send" base:1 &&
	icc2 receive -i "$T/full.send" base:1 >out &&
	grep -q "^Received image sha256:" out &&
	icc2 inspect base:1 >insp && grep -q "/bin/sh" insp &&
	same_tree "$(rootfs_of "$ICC_ROOT" base:1)" "$(rootfs_of "$T/store2" base:1)"
'

test_expect_success 'incremental send of a snapshot (-p image): only the change travels' '
	head -c 1048576 /dev/urandom >"$R/change" && rm "$R/etc/motd" &&
	icc snapshot c1 s1 >/dev/null &&
	icc send -p base:1 c1/s1 >"$T/inc.send" &&
	full=$(stat -c %s "$T/full.send") && inc=$(stat -c %s "$T/inc.send") &&
	echo "full $full incremental $inc" &&
	test "$inc" -lt 1300000 && test "$full" -gt 20000000 &&
	icc2 receive snap:1 <"$T/inc.send" >out &&
	icc2 history snap:1 >h && test $(grep -c "icc " h) = 2 &&
	same_tree "$R" "$(rootfs_of "$T/store2" snap:1)" &&
	test ! -e "$(rootfs_of "$T/store2" snap:1)/etc/motd"
'

test_expect_success 'a received image can be run from (create) and promoted from' '
	icc2 create --name r1 snap:1 >/dev/null &&
	icc2 snapshot r1 t1 >/dev/null && icc2 promote r1/t1 again:1 >/dev/null &&
	icc2 system check >out && grep -q consistent out
'

test_expect_success 'second incremental: snapshot over snapshot' '
	echo more >"$R/more" && icc snapshot c1 s2 >/dev/null &&
	icc send -p c1/s1 c1/s2 | icc2 receive snap:2 >/dev/null &&
	same_tree "$R" "$(rootfs_of "$T/store2" snap:2)"
'

test_expect_success 'receive without the parent, twice, or garbage: clear error, nothing left' '
	truncate -s 1G "$T/store3.img" && mkfs.btrfs -q "$T/store3.img" >/dev/null && mkdir "$T/store3" &&
	mount -o loop "$T/store3.img" "$T/store3" &&
	test_must_fail "$ICC_BIN" --root "$T/store3" receive -i "$T/inc.send" 2>err &&
	grep -q "not in this store" err &&
	test_must_fail icc2 receive -i "$T/full.send" 2>err && expect_error_line err "image [0-9a-f]{12} is already in this store" &&
	echo garbage | test_must_fail icc2 receive 2>err && grep -q "not an icc send stream" err &&
	test -z "$(ls "$T/store3/tmp")" && test -z "$(ls "$T/store2/tmp")" &&
	umount "$T/store3"
'

port=$((20000 + $$ % 20000))
if command -v docker-registry >/dev/null; then
	start_registry "$port"
	test_expect_success 'push to a local registry, pull into the second store; digests agree' '
		icc promote c1/s1 local:1 >/dev/null &&
		icc push --tls-verify=false local:1 127.0.0.1:$port/test/local:1 >out 2>err &&
		d=$(sed -n "s/.*digest: //p" out) &&
		test "$d" = "$(skopeo inspect --tls-verify=false --format "{{.Digest}}" docker://127.0.0.1:$port/test/local:1)" &&
		icc2 pull --tls-verify=false 127.0.0.1:$port/test/local:1 >out 2>err &&
		grep -q "Loaded image: 127.0.0.1:$port/test/local:1" out &&
		same_tree "$(rootfs_of "$ICC_ROOT" local:1)" "$(rootfs_of "$T/store2" 127.0.0.1:$port/test/local:1)"
	'
	test_expect_success 'a registry that is down: clear error' '
		test_must_fail icc push --tls-verify=false local:1 127.0.0.1:1/x:1 2>err &&
		grep -q "skopeo failed" err
	'
fi
test_done
