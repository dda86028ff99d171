#!/bin/bash
# t317-fs-passthrough.sh - kernel FUSE passthrough (fs/daemon/passthrough.c): file data
# goes from the kernel to the backing btrfs file with no WRITE/READ requests; the
# backing file is the daemon's own fd, so a name swapped for a symlink after the open
# reaches nothing outside; set-ID bits are still cleared by unprivileged writes; and
# -o passthrough=off / ICC_FS_PASSTHROUGH=0 give the normal path back.
. "$(dirname "$0")/../lib.sh"
. "$TESTS_DIR/lib-fs.sh"

setup_fs_vol

mount_debug_needing passthrough "this kernel has no FUSE passthrough"

test_expect_success 'written data goes straight to the btrfs file: no WRITE requests' '
	dd if=/dev/urandom of="$T/data" bs=1M count=40 2>/dev/null &&
	cp "$T/data" "$M/data" && head -c 4096 "$T/data" >"$M/small" && sync &&
	cmp "$T/data" "$V/data" &&
	[ "$(requests WRITE)" = 0 ] && [ "$(requests CREATE)" -ge 2 ]
'

test_expect_success 'big files are read through too, small ones through the FUSE page cache' '
	echo 3 >/proc/sys/vm/drop_caches &&
	cmp "$T/data" "$M/data" && [ "$(requests READ)" = 0 ] &&
	head -c 4096 "$T/data" | cmp - "$M/small" && [ "$(requests READ)" -ge 1 ] &&
	n=$(requests READ) && cat "$M/small" >/dev/null && [ "$(requests READ)" = "$n" ]
'

test_expect_success 'pages cached before a passthrough write are not served stale' '
	echo old >"$M/st" && [ "$(cat "$M/st")" = old ] && [ "$(cat "$M/st")" = old ] &&
	echo new >"$M/st" && [ "$(cat "$M/st")" = new ] &&
	echo newer >>"$M/st" && [ "$(cat "$M/st")" = "new
newer" ]
'

test_expect_success 'a file swapped for a symlink after the open: the open file stays the old one' '
	mkdir -p "$T/outside" && echo secret >"$T/outside/secret" &&
	before=$(stat -c %Y.%s "$T/outside/secret") &&
	echo inside >"$M/f" && ln "$V/f" "$V/keep" &&
	exec 3<>"$M/f" &&
	ln -s "$T/outside/secret" "$V/swap" && mv -T "$V/swap" "$V/f" &&
	printf XXXXXXXX >&3 && exec 3>&- &&
	[ "$(cat "$T/outside/secret")" = secret ] &&
	[ "$(stat -c %Y.%s "$T/outside/secret")" = "$before" ] &&
	[ "$(cat "$V/keep")" = XXXXXXXX ] &&
	[ -L "$V/f" ]
'

test_expect_success 'a write through one open is seen by the next open and on btrfs' '
	printf "%4096s" "" | tr " " a >"$M/m" &&
	exec 4<>"$M/m" && printf b >&4 &&
	[ "$(head -c 1 "$M/m")" = b ] && [ "$(head -c 1 "$V/m")" = b ] &&
	exec 4>&-
'

test_expect_success 'set-ID bits as on btrfs: cleared by an unprivileged write, kept by root'"'"'s' '
	echo x >"$M/s1" && chmod 6777 "$M/s1" &&
	$USR sh -c "echo y >>\"$M/s1\"" &&
	[ "$(stat -c %a "$V/s1")" = 777 ] &&
	echo x >"$M/s2" && chmod 0777 "$M/s2" &&
	exec 5<"$M/s2" &&
	chmod 4777 "$M/s2" &&
	$USR sh -c "echo y >>\"$M/s2\"" &&
	exec 5<&- &&
	[ "$(stat -c %a "$V/s2")" = 777 ] &&
	echo x >"$M/s3" && exec 5<"$M/s3" && chmod 6777 "$M/s3" &&
	echo y >>"$M/s3" && exec 5<&- &&
	[ "$(stat -c %a "$V/s3")" = 6777 ]
'

test_expect_success 'a save holds what went through passthrough, open file included' '
	exec 6>"$M/open" && printf "still open" >&6 &&
	echo p1 >"$M/.icc/save" &&
	[ "$(cat "$M/.icc/snapshots/p1/open")" = "still open" ] &&
	exec 6>&-
'

test_expect_success 'icc system info names the FUSE transport (icc-fs --transport)' '
	icc system info >"$T/info" && grep -q "^FUSE passthrough: on" "$T/info" &&
	grep -q "^FUSE io_uring: \(on\|off\)" "$T/info" &&
	ICC_FS_PASSTHROUGH=0 icc system info | grep -q "^FUSE passthrough: off (ICC_FS_PASSTHROUGH=0)" &&
	icc system info --format json | grep -q "\"passthrough\":.*\"on "
'

umount "$M"
wait

test_expect_success '-o passthrough=off: the normal path (WRITE requests)' '
	mount_debug passthrough=off &&
	grep -q "transport: .*passthrough off (turned off)" "$T/d.log" &&
	echo hi >"$M/off" && [ "$(requests WRITE)" -ge 1 ] &&
	umount "$M"
'

test_expect_success 'ICC_FS_PASSTHROUGH=0 does the same' '
	wait; ICC_FS_PASSTHROUGH=0 mount_debug &&
	grep -q "transport: .*passthrough off (turned off)" "$T/d.log" &&
	echo hi >"$M/off2" && [ "$(requests WRITE)" -ge 1 ] &&
	umount "$M"
'

test_done
