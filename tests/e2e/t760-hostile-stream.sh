#!/bin/bash
# t760-hostile-stream.sh - btrfs send streams made to escape: '..' and
# absolute paths, renames and links out, symlink-then-write, clones from
# subvolumes not declared, wrong or extra subvolumes, truncated, bad crc,
# unknown commands and versions.  Each is refused with one line before
# anything is written (host sentinels untouched, the store consistent, its
# tmp/ empty, no image added); what the check cannot know (a symlink the
# parent already holds) stays inside `btrfs receive --chroot`.
# The streams come from tests/hostile/mkstream.c (own crc32c).
. "$(dirname "$0")/../lib.sh"

[ "$(id -u)" = 0 ] || skip_all "needs root"
command -v cc >/dev/null || skip_all "needs cc"
cc -O1 -Wall -Wextra -Werror -o "$T/mkstream" "$TESTS_DIR/hostile/mkstream.c" || exit 1
setup_store 1G
setup_store2 1G
rootfs_of() { "$ICC_BIN" --root "$1" inspect -f '{{.Icc.Subvolume}}' "$2"; }
uuid_of() { btrfs subvolume show "$1" | sed -n "s/^[[:space:]]*$2:[[:space:]]*//p"; }

setup_outside # the host directory the streams aim at
sentinel() {
	stat -c "%n %a %s %Y %h" "$O/secret" && cat "$O/secret" && ls -A "$O"
}
sentinel >"$T/sentinel.before"
# from the staging directory (store2/tmp/ID/rootfs) up to / and back down to $O
UP=$(printf '../%.0s' $(seq 40))${O#/}

# the receiving store: a secret image, then a parent whose symlinks point out
make_rootfs "$T/secret-root"
echo "top secret" >"$T/secret-root/etc/secret"
icc2 init "$T/secret-root" secret:1 >/dev/null
sid=$(basename "$(dirname "$(rootfs_of "$T/store2" secret:1)")")
secret_uuid=$(uuid_of "$(rootfs_of "$T/store2" secret:1)" UUID)

make_rootfs "$T/base-root"
ln -s "$O" "$T/base-root/hl"
ln -s "../../$sid/rootfs/etc/secret" "$T/base-root/l2"
icc init "$T/base-root" base:1 >/dev/null
make_rootfs "$T/victim-root"
icc init "$T/victim-root" victim:1 >/dev/null
icc send -o "$T/base.send" base:1
icc send -o "$T/full.send" victim:1
icc create --name c1 base:1 >/dev/null
R=$(icc inspect -f '{{.Icc.Subvolume}}' c1)
[ -d "$R" ] || R=$ICC_ROOT/containers/$(ls "$ICC_ROOT/containers")/rootfs
echo change >"$R/etc/change"
cp --reflink=always "$R/bin/busybox" "$R/bin/bb3"
icc snapshot c1 s1 >/dev/null
icc send -p base:1 c1/s1 >"$T/inc.send"

images() { ls "$T/store2/images" | wc -l; }
clean() {
	sentinel >"$T/sentinel.after" && diff "$T/sentinel.before" "$T/sentinel.after" &&
	icc2 system check >"$T/check.out" && grep -q "is consistent" "$T/check.out" &&
	test -z "$(ls -A "$T/store2/tmp")" &&
	test "$(images)" = "$n_images"
}
# refused IN REGEX OP...: the stream made from IN is refused with one line matching REGEX
refused() {
	local in=$1 re=$2
	shift 2
	"$T/mkstream" "$in" "$T/h.send" "$@" &&
	test_must_fail icc2 receive -i "$T/h.send" 2>"$T/err" &&
	expect_error_line "$T/err" "^icc: cannot receive '$T/h.send': $re" && clean
}

test_expect_success 'a genuine full stream whose symlinks point out is received (symlinks are data)' '
	icc2 receive -i "$T/base.send" base:1 >out && grep -q "^Received image" out &&
	test "$(readlink "$(rootfs_of "$T/store2" base:1)/hl")" = "$O" &&
	icc2 system check | grep -q consistent
'
n_images=$(images)
base_ruuid=$(uuid_of "$(rootfs_of "$T/store2" base:1)" "Received UUID")

test_expect_success 'mkfile, write, chmod 04755 on a ../ path: refused' '
	refused "$T/full.send" "command 2 \(mkfile\): path .* has a .\.\.. component" \
		"mkfile:$UP/x-sentinel" "write:$UP/x-sentinel:pwned" "chmod:$UP/x-sentinel:4755" end
'
test_expect_success 'an absolute path: refused' '
	refused "$T/full.send" "command 2 \(mkfile\): path .$O/x-sentinel. is absolute" \
		"mkfile:$O/x-sentinel" "write:$O/x-sentinel:pwned" "chmod:$O/x-sentinel:4755" end
'
test_expect_success 'empty, "." and "a/../.." components: refused' '
	refused "$T/full.send" "command 2 \(mkfile\): path .etc//x. has an empty component" "mkfile:etc//x" end &&
	refused "$T/full.send" "command 2 \(mkfile\): path .etc/x/\.. has a .\.. component" "mkfile:etc/x/." end &&
	refused "$T/full.send" "command 2 \(mkfile\): path .etc/\.\./\.\./x. has a .\.\.. component" "mkfile:etc/../../x" end &&
	refused "$T/full.send" "command 2 \(mkfile\): path .. is empty" "mkfile:" end
'
test_expect_success 'a file made inside, then renamed to ../: refused' '
	refused "$T/full.send" "command 5 \(rename\): destination .* has a .\.\.. component" \
		mkfile:o1 write:o1:pwned chmod:o1:4755 "rename:o1:$UP/x-sentinel" end
'
test_expect_success 'a hard link out, and a hard link to a host file: refused' '
	refused "$T/full.send" "command 2 \(link\): path .* has a .\.\.. component" "link:$UP/x-sentinel:etc/motd" end &&
	refused "$T/full.send" "command 2 \(link\): link target .* has a .\.\.. component" "link:h:$UP/secret" end
'
test_expect_success 'a symlink to the host, then a write through it: refused' '
	refused "$T/full.send" "command 3 \(mkfile\): path .l/x-sentinel. goes through the symlink .l. the stream made" \
		"symlink:l:$O" mkfile:l/x-sentinel write:l/x-sentinel:pwned end
'
test_expect_success 'a symlink to a host file, then a write or chmod that follows it: refused' '
	refused "$T/full.send" "command 3 \(write\): path .s. is a symlink the stream made" \
		"symlink:s:$O/secret" write:s:pwned end &&
	refused "$T/full.send" "command 3 \(chmod\): path .s. is a symlink" "symlink:s:$O/secret" chmod:s:4755 end &&
	refused "$T/full.send" "command 3 \(truncate\): path .s. is a symlink" "symlink:s:$O/secret" truncate:s:0 end
'
test_expect_success 'a symlink renamed, or its directory renamed, is still followed by name' '
	refused "$T/full.send" "command 4 \(mkfile\): path .l2x/x. goes through the symlink .l2x." \
		"symlink:o9:$O" rename:o9:l2x mkfile:l2x/x end &&
	refused "$T/full.send" "command 5 \(mkfile\): path .e/l/x. goes through the symlink .e/l." \
		mkdir:d "symlink:d/l:$O" rename:d:e mkfile:e/l/x end &&
	refused "$T/full.send" "command 4 \(write\): path .h. is a symlink" \
		"symlink:s:$O/secret" link:h:s write:h:pwned end
'
test_expect_success 'a clone from a subvolume the stream does not declare: refused' '
	refused "$T/full.send" "command 3 \(clone\): clones from subvolume $base_ruuid .*neither this one nor its parent" \
		mkfile:f "clone:f:etc/motd:$base_ruuid" end
'
test_expect_success 'a subvolume other than rootfs, a second one, a snapshot in a full stream: refused' '
	refused "$T/full.send" "command 1 \(subvol\): makes subvolume .evil., not .rootfs." nofirst subvol:evil end &&
	refused "$T/full.send" "command 1 \(subvol\): makes subvolume .\.\./evil., not .rootfs." nofirst subvol:../evil end &&
	refused "$T/full.send" "command 2 \(subvol\): a second subvolume" subvol:rootfs end &&
	refused "$T/full.send" "command 1 \(snapshot\): a snapshot of another subvolume, but the header names no parent" \
		nofirst "snapshot:$base_ruuid" end
'
test_expect_success 'a header whose uuid is not the stream'"'"'s: refused' '
	sed "0,/\"uuid\":\"[0-9a-f-]*\"/s//\"uuid\":\"00000000-0000-0000-0000-00000000abcd\"/" "$T/full.send" >"$T/lie.send" &&
	test_must_fail icc2 receive -i "$T/lie.send" 2>err &&
	expect_error_line err "^icc: cannot receive .*: command 1 \(subvol\): the subvolume.s uuid .* is not the one the header names" &&
	clean
'
test_expect_success 'truncated streams: refused' '
	size=$(stat -c %s "$T/full.send") &&
	head -c $((size / 2)) "$T/full.send" >"$T/half.send" &&
	test_must_fail icc2 receive -i "$T/half.send" 2>err &&
	expect_error_line err "^icc: cannot receive .*half.send.: command [0-9]+ \(write\): truncated" && clean &&
	head -c $((size - 10)) "$T/full.send" >"$T/noend.send" &&
	test_must_fail icc2 receive <"$T/noend.send" 2>err &&
	expect_error_line err "^icc: cannot receive the stream on stdin: .*ends without an end command" && clean &&
	refused "$T/full.send" "command 2 \(mkfile\): the stream ends without an end command" mkfile:x
'
test_expect_success 'a bad crc32c (made, or one flipped byte of a genuine stream): refused' '
	refused "$T/full.send" "command 2 \(mkfile\): bad crc32c" badcrc mkfile:x end &&
	cp "$T/full.send" "$T/flip.send" && off=$(( $(stat -c %s "$T/flip.send") / 2 )) &&
	b=$(od -An -tu1 -j$off -N1 "$T/flip.send" | tr -d " ") &&
	printf "\\$(printf %o $((b ^ 1)))" | dd of="$T/flip.send" bs=1 seek=$off conv=notrunc 2>/dev/null &&
	test_must_fail icc2 receive -i "$T/flip.send" 2>err &&
	expect_error_line err "^icc: cannot receive .*flip.send.: command [0-9]+ \(write\): bad crc32c" && clean
'
test_expect_success 'unknown commands and versions, data after the end: refused' '
	refused "$T/full.send" "command 2: unknown command 99" raw:99 end &&
	refused "$T/full.send" "command 2: unknown command 23" raw:23 end &&
	refused "$T/full.send" "btrfs send stream version 3" version:3 end &&
	refused "$T/full.send" "command 2 \(end\): data after the end command" end mkfile:x &&
	refused "$T/full.send" "command 1 \(mkfile\): comes before the subvolume" nofirst mkfile:x end
'
test_expect_success 'incremental: a snapshot of another subvolume than the declared parent: refused' '
	refused "$T/inc.send" "command 1 \(snapshot\): snapshots subvolume $secret_uuid .*not the declared parent" \
		nofirst "snapshot:$secret_uuid" end
'
test_expect_success 'incremental: a clone from the parent through its symlink into another image: refused' '
	refused "$T/inc.send" "command 3 \(clone\): clone source .l2. is not a regular file of the parent" \
		mkfile:f clone:f:l2:parent end &&
	refused "$T/inc.send" "command 3 \(clone\): clone source .\.\./x. has a .\.\.. component" \
		mkfile:f clone:f:../x:parent end
'
test_expect_success 'incremental: a write through a symlink the parent holds stays inside the chroot' '
	"$T/mkstream" "$T/inc.send" "$T/h.send" mkfile:hl/x-sentinel write:hl/x-sentinel:pwned "chmod:hl/x-sentinel:4755" end &&
	test_must_fail icc2 receive -i "$T/h.send" 2>err &&
	expect_error_line err "^icc: btrfs failed: .*x-sentinel" && clean
'
test_expect_success 'a genuine incremental stream (with a clone from the parent) is still received' '
	grep -q . "$T/inc.send" && icc2 receive -i "$T/inc.send" s:1 >out && grep -q "^Received image" out &&
	S2=$(rootfs_of "$T/store2" s:1) &&
	cmp "$S2/bin/bb3" "$R/bin/busybox" && test "$(cat "$S2/etc/change")" = change &&
	icc2 system check | grep -q consistent && test -z "$(ls -A "$T/store2/tmp")"
'
test_expect_success 'a second stream claiming a uuid already in the store: refused' '
	"$T/mkstream" "$T/base.send" "$T/h.send" end &&
	sed "0,/\"id\":\"[0-9a-f]\{64\}\"/s//\"id\":\"$(printf "%064d" 7)\"/" "$T/h.send" >"$T/dup.send" &&
	n_images=$(images) &&
	test_must_fail icc2 receive -i "$T/dup.send" 2>err &&
	expect_error_line err "^icc: cannot receive .*: its subvolume \(uuid $base_ruuid\) is already image [0-9a-f]{12} in this store" &&
	clean
'
test_done
