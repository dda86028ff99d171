#!/bin/bash
# t520-podman.sh - interoperability with podman: images saved by icc load into
# podman with their config and layers (whiteouts honoured), and images saved by
# podman load into icc with the same tree.
. "$(dirname "$0")/../lib.sh"
command -v podman >/dev/null || skip_all "podman missing"
setup_store

P="podman --root $T/podroot --runroot $T/podrun --storage-driver vfs"
at_exit "$P image umount -a -f; $P rmi -a -f"

make_rootfs "$T/rootfs"
icc init -c 'CMD ["/bin/sh","-c","cat /etc/motd"]' -c 'ENV FOO=bar' -c 'WORKDIR /root' "$T/rootfs" base:1 >/dev/null
c=$(icc create base:1)
echo added >"$ICC_ROOT/containers/$c/rootfs/etc/added"
rm "$ICC_ROOT/containers/$c/rootfs/etc/motd"
icc snapshot "$c" s1 >/dev/null
icc promote "$c/s1" child:1 >/dev/null

rootfs_of() { icc inspect -f '{{.Icc.Subvolume}}' "$1"; }
# owners, modes, types, sizes and link targets; directory sizes are the
# filesystem's own, and the root's mode is the image store's, so not compared
tree_list() {
	(cd "$1" && { find . -mindepth 1 ! -type d -printf '%p %U %G %m %y %s %l\n'
		      find . -mindepth 1 -type d -printf '%p %U %G %m d\n'; } | LC_ALL=C sort)
}

for fmt in oci-archive docker-archive; do
	test_expect_success "podman loads what icc save --format $fmt writes" "
		icc save --format $fmt -o '$T/child.$fmt' child:1 2>/dev/null &&
		$P load -i '$T/child.$fmt' >out 2>&1 && grep -q 'Loaded image.*child:1' out &&
		$P image inspect child:1 --format '{{.Config.Cmd}} {{.Config.Env}} {{.Config.WorkingDir}}' >cfg &&
		grep -q 'cat /etc/motd' cfg && grep -q 'FOO=bar' cfg && grep -q '/root' cfg &&
		m=\$($P image mount child:1) &&
		test -f \"\$m/etc/added\" && ! test -e \"\$m/etc/motd\" &&
		tree_list '$(rootfs_of child:1)' >a && tree_list \"\$m\" >b && diff a b &&
		$P image umount child:1 >/dev/null && $P rmi -f child:1 >/dev/null
	"
done

# podman 4.3 here: crun refuses the host's hybrid cgroups, and without
# CAP_SYS_RESOURCE its default ulimits exceed the hard limits.
test_expect_success 'podman runs the image icc promoted, with its config' '
	icc save -o "$T/run.tar" child:1 2>/dev/null &&
	$P load -i "$T/run.tar" >/dev/null 2>&1 &&
	timeout 120 $P run --rm --runtime runc --network none --ulimit nofile=20000:20000 \
		--ulimit nproc=4096:4096 child:1 sh -c "cat /etc/added; echo \$FOO; pwd" >out &&
	test "$(cat out)" = "$(printf "added\nbar\n/root")"
'

test_expect_success 'icc loads what podman save writes, with the same tree' '
	icc save --format oci-archive -o "$T/c.tar" child:1 2>/dev/null &&
	$P load -i "$T/c.tar" >/dev/null 2>&1 &&
	$P save --format docker-archive -o "$T/podman.tar" child:1 >/dev/null 2>&1 &&
	icc load -q -i "$T/podman.tar" >out &&
	grep -qx "Loaded image: localhost/child:1" out &&
	tree_list "$(rootfs_of localhost/child:1)" >a && tree_list "$(rootfs_of child:1)" >b && diff a b &&
	icc inspect localhost/child:1 | grep -q "FOO=bar"
'

test_done
