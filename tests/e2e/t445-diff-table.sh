#!/bin/bash
# t445-diff-table.sh - icc diff prints what docker diff would, whatever way a
# file was written: one container per operation, its exact expected lines.
# Also: the same between a container and its snapshot, and the export layer
# of a commit made by rename-over holds the new file (no whiteout for it).
. "$(dirname "$0")/../lib.sh"

[ "$(id -u)" = 0 ] || skip_all "needs root"
setup_store
make_rootfs "$T/rootfs"
mkdir -p "$T/rootfs/srv/dir/sub" "$T/rootfs/srv/emptydir"
echo data >"$T/rootfs/srv/dir/file"
echo deep >"$T/rootfs/srv/dir/sub/deep"
echo other >"$T/rootfs/srv/other"
icc init "$T/rootfs" base >/dev/null

# case NAME 'SHELL COMMAND' 'EXPECTED LINES' (\n-separated, sorted)
n=0
case_() {
	n=$((n + 1))
	local name=$1 cmd=$2 want=$3
	test_expect_success "diff: $name" "
		icc run --name d$n base sh -c '$cmd' >/dev/null &&
		icc diff d$n >out &&
		{ if [ -n '$want' ]; then printf '$want\n'; fi; } >want &&
		diff -u want out
	"
}

case_ 'rename over an existing file' \
	'echo x > /etc/p.new && mv /etc/p.new /etc/passwd' \
	'C /etc\nC /etc/passwd'
case_ 'rename over, as sed -i does' \
	'sed -i s/root/toor/ /etc/group' \
	'C /etc\nC /etc/group'
case_ 'append in place' \
	'echo more >> /etc/motd' \
	'C /etc\nC /etc/motd'
case_ 'hard link over an existing file' \
	'ln -f /etc/group /etc/passwd' \
	'C /etc\nC /etc/passwd'
case_ 'new hard link' \
	'ln /etc/group /etc/group2' \
	'C /etc\nA /etc/group2'
case_ 'type change: file becomes a directory' \
	'rm /etc/motd && mkdir /etc/motd && echo x > /etc/motd/x' \
	'C /etc\nC /etc/motd\nA /etc/motd/x'
case_ 'type change: file becomes a symlink' \
	'rm /etc/motd && ln -s /etc/group /etc/motd' \
	'C /etc\nC /etc/motd'
case_ 'mode only' \
	'chmod 600 /etc/motd' \
	'C /etc\nC /etc/motd'
case_ 'owner only' \
	'chown 65534:65534 /etc/motd' \
	'C /etc\nC /etc/motd'
case_ 'new file' \
	'echo n > /srv/new' \
	'C /srv\nA /srv/new'
case_ 'deleted file' \
	'rm /srv/other' \
	'C /srv\nD /srv/other'
case_ 'deleted directory stands for its contents' \
	'rm -r /srv/dir' \
	'C /srv\nD /srv/dir'
case_ 'made and removed: only the directory changed' \
	'echo t > /srv/tmpfile && rm /srv/tmpfile' \
	'C /srv'
case_ 'a new directory with contents' \
	'mkdir -p /srv/n/m && echo z > /srv/n/m/z' \
	'C /srv\nA /srv/n\nA /srv/n/m\nA /srv/n/m/z'
case_ 'directory renamed: gone, and new with all it holds' \
	'mv /srv/dir /srv/moved' \
	'C /srv\nD /srv/dir\nA /srv/moved\nA /srv/moved/file\nA /srv/moved/sub\nA /srv/moved/sub/deep'
case_ 'file renamed to a new name' \
	'mv /srv/other /srv/renamed' \
	'C /srv\nD /srv/other\nA /srv/renamed'
case_ 'swap two files' \
	'mv /srv/other /srv/t && mv /srv/dir/file /srv/other && mv /srv/t /srv/dir/file' \
	'C /srv\nC /srv/dir\nC /srv/dir/file\nC /srv/other'
case_ 'replace a directory by a file' \
	'rm -r /srv/emptydir && echo f > /srv/emptydir' \
	'C /srv\nC /srv/emptydir'
case_ 'read only: nothing' \
	'cat /etc/motd /srv/dir/file >/dev/null' \
	''

test_expect_success 'diff: xattr only (set from the host: busybox has no setfattr)' '
	command -v setfattr >/dev/null || { echo "setfattr (attr) missing"; exit 1; }
	icc create --name dx base >/dev/null &&
	id=$(icc inspect dx | sed -n "s/^[[:space:]]*\"Id\":[[:space:]]*\"\([0-9a-f]*\)\".*/\1/p" | head -n1) &&
	setfattr -n user.k -v v "$ICC_ROOT/containers/$id/rootfs/etc/motd" &&
	icc diff dx >out && printf "C /etc\nC /etc/motd\n" >want && diff -u want out
'

test_expect_success 'container against its own snapshot: rename over is C' '
	icc run --name snapd base sh -c "echo > /.icc/save && echo x > /etc/p.new && mv /etc/p.new /etc/passwd" >/dev/null &&
	s=$(icc snapshots -q snapd) &&
	icc diff "snapd/$s" snapd >out && printf "C /etc\nC /etc/passwd\n" >want && diff -u want out
'

test_expect_success 'the commit of a rename-over exports a layer with the new file, no whiteout' '
	icc commit d1 ren:1 >/dev/null &&
	icc save -q --format oci-dir -o "$T/oci" ren:1 &&
	found=0 &&
	for b in "$T"/oci/blobs/sha256/*; do
		tar -tf "$b" >list 2>/dev/null || continue
		grep -qx "bin/busybox" list && continue # the base layer
		if grep -qx "etc/passwd" list; then
			found=1
			! grep -q "\.wh\." list || { cat list; exit 1; }
			test "$(tar -xOf "$b" etc/passwd)" = x || exit 1
		fi
	done &&
	test $found = 1
'

test_done
