#!/bin/bash
# t100-images.sh - init, import, images, tag, rmi, inspect, history on a real btrfs store
. "$(dirname "$0")/../lib.sh"
setup_store

make_rootfs "$T/rootfs"
# a tree with everything init must keep
mkdir -p "$T/rootfs/data/sub"
echo payload >"$T/rootfs/data/file"
ln "$T/rootfs/data/file" "$T/rootfs/data/hardlink"
ln -s ../etc/motd "$T/rootfs/data/symlink"
mknod "$T/rootfs/data/null" c 1 3
mkfifo "$T/rootfs/data/fifo"
chown 1234:5678 "$T/rootfs/data/file"
chmod 4750 "$T/rootfs/data/file"
touch -d '2001-02-03 04:05:06' "$T/rootfs/data/sub"
setfattr -n user.icc -v hello "$T/rootfs/data/file"

test_expect_success 'init makes an image and prints its id' '
	icc init "$T/rootfs" busybox >out &&
	grep -Eq "^sha256:[0-9a-f]{64}$" out
'

test_expect_success 'images lists it with Docker columns' '
	icc images >out &&
	head -n1 out | grep -Eq "^REPOSITORY +TAG +IMAGE ID +CREATED +SIZE$" &&
	grep -Eq "^busybox +latest +[0-9a-f]{12} +(Less than a second|[0-9]+ seconds?) ago +[0-9.]+[kM]B$" out
'

test_expect_success 'init keeps owners, modes, times, xattrs, hard links, symlinks, devices' '
	root=$(icc inspect -f "{{.Icc.Subvolume}}" busybox) &&
	test -d "$root/data" &&
	test "$(stat -c %u:%g:%a "$root/data/file")" = "1234:5678:4750" &&
	test "$(stat -c %i "$root/data/file")" = "$(stat -c %i "$root/data/hardlink")" &&
	test "$(readlink "$root/data/symlink")" = "../etc/motd" &&
	test -c "$root/data/null" && test -p "$root/data/fifo" &&
	test "$(stat -c %Y "$root/data/sub")" = "$(stat -c %Y "$T/rootfs/data/sub")" &&
	test "$(getfattr --only-values -n user.icc "$root/data/file")" = hello &&
	cmp "$root/bin/busybox" /bin/busybox
'

test_expect_success 'images are read-only subvolumes' '
	root=$(icc inspect -f "{{.Icc.Subvolume}}" busybox) &&
	test "$(btrfs property get -ts "$root" ro)" = "ro=true" &&
	test_must_fail touch "$root/newfile"
'

test_expect_success 'import from a file, gzip, xz, zstd and stdin' '
	tar -C "$T/rootfs" -cf "$T/plain.tar" . &&
	gzip -c "$T/plain.tar" >"$T/r.tar.gz" &&
	xz -c "$T/plain.tar" >"$T/r.tar.xz" &&
	zstd -q -c "$T/plain.tar" >"$T/r.tar.zst" &&
	icc import "$T/plain.tar" imp:plain &&
	icc import "$T/r.tar.gz" imp:gz &&
	icc import "$T/r.tar.xz" imp:xz &&
	icc import "$T/r.tar.zst" imp:zst &&
	tar -C "$T/rootfs" -c . | icc import - container:1.0 &&
	icc images >out &&
	for t in plain gz xz zst; do grep -Eq "^imp +$t " out || exit 1; done &&
	grep -Eq "^container +1.0 " out
'

test_expect_success 'import keeps content and applies -m and -c' '
	icc import -m "from the seed" -c "ENV FOO=bar" -c "CMD [\"/bin/sh\",\"-l\"]" -c "WORKDIR /srv" \
		"$T/plain.tar" conf:1 &&
	icc inspect conf:1 >out &&
	grep -q "\"Comment\":.*\"from the seed\"" out &&
	grep -q "FOO=bar" out &&
	grep -q "\"WorkingDir\":.*\"/srv\"" out &&
	tr -d " \t\n" <out | grep -q "\"Cmd\":\[\"/bin/sh\",\"-l\"\]" &&
	root=$(icc inspect -f "{{.Icc.Subvolume}}" conf:1) &&
	test "$(stat -c %u:%g:%a "$root/data/file")" = "1234:5678:4750" &&
	cmp "$root/bin/busybox" /bin/busybox
'

test_expect_success 'history shows import comment' '
	icc history imp:plain >out &&
	head -n1 out | grep -Eq "^IMAGE +CREATED +CREATED BY +SIZE +COMMENT$" &&
	grep -q "Imported from $T/plain.tar" out
'

test_expect_success 'tag, lookup by id prefix and sha256: id' '
	id=$(icc inspect busybox | grep -o "sha256:[0-9a-f]*" | head -n1) &&
	icc tag "${id#sha256:}" other/name:v2 &&
	icc tag "$id" again &&
	icc tag "$(echo ${id#sha256:} | cut -c1-8)" third:x &&
	icc images >out &&
	grep -Eq "^other/name +v2 " out && grep -Eq "^again +latest " out && grep -Eq "^third +x " out
'

test_expect_success 'images -q, --no-trunc and --format json' '
	icc images -q >out &&
	grep -Eq "^[0-9a-f]{12}$" out &&
	test "$(sort out | uniq -d | wc -l)" = 0 &&
	icc images --no-trunc | grep -Eq "sha256:[0-9a-f]{64}" &&
	icc images --format json >out &&
	while read -r line; do echo "$line" | python3 -m json.tool >/dev/null || exit 1; done <out &&
	grep -q "\"Repository\":\"busybox\"" out &&
	icc images --format "{{.Repository}}:{{.Tag}}" | grep -qx "busybox:latest"
'

test_expect_success 'images REPOSITORY[:TAG] lists only that name' '
	icc images busybox >out &&
	test "$(grep -vc "^REPOSITORY" out)" = 1 && grep -q "^busybox " out &&
	test "$(icc images -q imp:gz | wc -l)" = 1 &&
	test "$(icc images -q imp | wc -l)" = 4 &&
	icc images nosuch >out && test "$(wc -l <out)" = 1
'

test_expect_success 'rmi of one of several tags only untags' '
	icc rmi again >out &&
	grep -q "^Untagged: again:latest$" out &&
	icc inspect busybox >/dev/null
'

test_expect_success 'rmi by id with several tags needs -f' '
	id=$(icc inspect imp:gz | grep -o "sha256:[0-9a-f]*" | head -n1) &&
	icc tag imp:gz imp:gz2 &&
	test_must_fail icc rmi "${id#sha256:}" 2>err &&
	expect_error_line err "conflict: unable to delete [0-9a-f]{12} \(must be forced\)" &&
	icc rmi -f "${id#sha256:}" >out &&
	grep -q "^Deleted: $id$" out &&
	test_must_fail icc inspect imp:gz2
'

test_expect_success 'rmi refuses while a container uses the image' '
	icc create --name user1 imp:xz >/dev/null &&
	test_must_fail icc rmi imp:xz 2>err &&
	expect_error_line err "conflict: unable to remove image .*container" &&
	icc inspect imp:xz >/dev/null
'

test_expect_success 'system info counts objects and names the backing store' '
	icc system info >out &&
	grep -q "^Root: *$T/store$" out &&
	grep -q "btrfs on /dev/loop" out &&
	grep -Eq "^Images: +[0-9]+$" out &&
	grep -Eq "^Containers: +1$" out
'

test_done
