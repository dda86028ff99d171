#!/bin/bash
# t340-fs-posix.sh - the POSIX behaviour suite (tests/posix/fsposix.c) on a
# native btrfs subvolume and on an icc-fs mount of a twin subvolume: the mount
# must fail no check that btrfs passes, but for the documented exception:
#   ficlone - the FICLONE ioctl needs the kernel's remap_file_range, which FUSE
#             does not have; copy_file_range (which reflinks on btrfs) does work.
. "$(dirname "$0")/../lib.sh"
setup_store
KNOWN_FUSE_LIMITS="ficlone"

cc -O1 -Wall -Wextra -Werror -o "$T/fsposix" "$TESTS_DIR/posix/fsposix.c" || exit 1
btrfs subvolume create "$T/store/native" >/dev/null
btrfs subvolume create "$T/store/vol" >/dev/null
chmod 755 "$T" "$T/store" "$T/store/native" "$T/store/vol"
mkdir -p "$T/mnt"

test_expect_success 'the suite on native btrfs' '
	"$T/fsposix" "$T/store/native" >"$T/native.out"; cat "$T/native.out" &&
	test "$(grep -c "^PASS" "$T/native.out")" -ge 20
'

test_expect_success 'the suite on icc-fs fails nothing btrfs passes' '
	"$ICCFS_BIN" -o "pidfile=$T/fs.pid" "$T/store/vol" "$T/mnt" &&
	{ "$T/fsposix" "$T/mnt" >"$T/mount.out"; true; } &&
	umount "$T/mnt" &&
	cat "$T/mount.out" &&
	for t in $(sed -n "s/^PASS //p" "$T/native.out"); do
		grep -q "^PASS $t\$" "$T/mount.out" && continue
		case " $KNOWN_FUSE_LIMITS " in *" $t "*) echo "known FUSE limit: $t"; continue;; esac
		echo "regression on icc-fs: $(grep "^FAIL $t" "$T/mount.out")"; exit 1
	done &&
	echo "native: $(grep -c ^PASS "$T/native.out") passed, icc-fs: $(grep -c ^PASS "$T/mount.out") passed"
'

test_done
