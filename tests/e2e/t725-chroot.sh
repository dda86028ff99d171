#!/bin/bash
# t725-chroot.sh - icc refuses to start or enter containers from inside a
# plain chroot (the runtime's exec would join the host's real root), with one
# line saying why; nothing is written to the host's / by the attempt.
. "$(dirname "$0")/../lib.sh"

[ "$(id -u)" = 0 ] || skip_all "needs root"
command -v runc >/dev/null || skip_all "runc not installed"
command -v unshare >/dev/null || skip_all "unshare not installed"
setup_store
make_image busybox

# A chroot tree that shares the host's programs, libraries and this test's
# directory (store, build) through bind mounts, made in a private mount
# namespace so they vanish with it.  Its root is a plain directory.
R=$T/chroot
in_chroot() {
	B=$BUILD_DIR unshare -m --propagation private sh -c '
		R=$1; shift
		for d in usr lib lib64 bin sbin etc dev proc sys run tmp; do
			[ -e "/$d" ] || continue
			if [ -L "/$d" ]; then ln -sfn "$(readlink "/$d")" "$R/$d"
			else mkdir -p "$R/$d" && mount --rbind "/$d" "$R/$d" || exit 99; fi
		done
		mkdir -p "$R$B" && mount --bind "$B" "$R$B" || exit 99
		exec chroot "$R" "$@"' sh "$R" "$@"
}
mkdir -p "$R"

test_expect_success 'setup: a running container' '
	icc run -d --name live busybox sleep 3600 >/dev/null &&
	at_exit "icc rm -f live"
'

test_expect_success 'icc run inside a chroot is refused in one line, exit 125' '
	in_chroot env ICC_ROOT="$ICC_ROOT" ICC_FS_BIN="$ICC_FS_BIN" "$ICC_BIN" run --rm busybox \
		sh -c "echo escaped >/chroot-escape" >out 2>err
	test $? -eq 125 && expect_error_line err "^icc: refusing to run containers inside a chroot" &&
	test ! -e /chroot-escape && test ! -e "$R/chroot-escape" &&
	test "$(icc ps -a -q | wc -l)" -eq 1
'

test_expect_success 'icc exec inside a chroot is refused; outside it works' '
	in_chroot env ICC_ROOT="$ICC_ROOT" "$ICC_BIN" exec live sh -c "echo escaped >/chroot-escape" 2>err
	test $? -eq 125 && expect_error_line err "refusing to run containers inside a chroot" &&
	test ! -e /chroot-escape &&
	icc exec live cat /etc/motd | grep -qx "hello from icc"
'

test_expect_success 'read-only commands still work inside a chroot' '
	in_chroot env ICC_ROOT="$ICC_ROOT" "$ICC_BIN" ps -a >out &&
	grep -q live out
'

test_expect_success 'a private mount namespace entered with pivot_root is not a chroot' '
	unshare -m --propagation private sh -c "
		mount --rbind / \"$R\" && cd \"$R\" && mkdir -p .old && pivot_root . .old &&
		umount -l /.old && exec env ICC_ROOT=\"$ICC_ROOT\" \"$ICC_BIN\" exec live true" 2>err ||
		{ cat err; false; }
'

test_done
