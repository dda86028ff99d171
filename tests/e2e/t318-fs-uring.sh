#!/bin/bash
# t318-fs-uring.sh - FUSE over io_uring (fs/daemon/uring.c): requests come from the
# per-CPU ring queues and are served right (data both ways, replies from the saver
# thread, notifications), fuse's enable_uring is put back as icc-fs found it, the
# daemon exits cleanly on SIGTERM and on umount, and -o uring=off / ICC_FS_URING=0
# give the /dev/fuse reads back.
. "$(dirname "$0")/../lib.sh"
. "$TESTS_DIR/lib-fs.sh"

setup_fs_vol

PARAM=/sys/module/fuse/parameters/enable_uring
[ -e "$PARAM" ] || skip_all "this kernel has no FUSE over io_uring (no $PARAM)"
# read under the lock icc-fs holds while it has the parameter at Y (another
# icc-fs starting meanwhile must not make this test see its Y)
param() { flock "$PARAM" cat "$PARAM"; }
before=$(param)

mount_debug_needing io_uring "the kernel did not offer io_uring"

test_expect_success 'every CPU queue is registered and requests come from the ring' '
	stat "$M" >/dev/null && ls -la "$M" >/dev/null &&
	grep -q "io_uring: [0-9]* queues registered, [0-9]* entries" "$T/d.log" &&
	grep -q "io_uring: the first request from the ring" "$T/d.log" &&
	! grep -q "io_uring: .*cannot register" "$T/d.log"
'

test_expect_success 'fuse enable_uring is as icc-fs found it' '
	[ "$(param)" = "$before" ]
'

test_expect_success 'files are written, listed, renamed and removed through the ring' '
	mkdir "$M/d" && for k in $(seq 200); do echo "$k" >"$M/d/f$k"; done &&
	[ "$(ls "$M/d" | wc -l)" = 200 ] && [ "$(cat "$M/d/f77")" = 77 ] &&
	mv "$M/d/f1" "$M/d/g1" && [ "$(cat "$V/d/g1")" = 1 ] &&
	rm -r "$M/d" && [ ! -e "$V/d" ]
'

test_expect_success 'a save (replied later by the saver thread) and its snapshot' '
	echo kept >"$M/k" && echo s1 >"$M/.icc/save" &&
	[ "$(cat "$M/.icc/snapshots/s1/k")" = kept ]
'

test_expect_success 'an fsync in one thread does not hold the requests of others' '
	dd if=/dev/zero of="$M/big" bs=1M count=64 conv=fsync 2>/dev/null &
	for k in $(seq 50); do stat "$M/k" >/dev/null || exit 1; done &&
	wait && [ "$(stat -c %s "$V/big")" = 67108864 ]
'

umount "$M"
wait

test_expect_success 'data through READ and WRITE requests (passthrough off): payloads in the ring' '
	mount_debug passthrough=off &&
	dd if=/dev/urandom of="$T/data" bs=1M count=20 2>/dev/null &&
	cp "$T/data" "$M/data" && [ "$(requests WRITE)" -ge 1 ] && cmp "$T/data" "$V/data" &&
	echo 3 >/proc/sys/vm/drop_caches && cmp "$T/data" "$M/data" &&
	[ "$(requests READ)" -ge 1 ] &&
	grep -q "io_uring: the first request from the ring" "$T/d.log" &&
	umount "$M"
'

test_expect_success 'SIGTERM: the daemon stops its ring threads and unmounts' '
	wait; mount_debug && stat "$M" >/dev/null &&
	pid=$FS_DEBUG_PID && kill -TERM "$pid" &&
	for k in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done &&
	! kill -0 "$pid" 2>/dev/null && ! mountpoint -q "$M"
'

test_expect_success '-o uring=off: requests by read(2) on /dev/fuse' '
	mount_debug uring=off &&
	grep -q "transport: .*io_uring off (turned off)" "$T/d.log" &&
	echo hi >"$M/off" && [ "$(cat "$M/off")" = hi ] &&
	! grep -q "io_uring: the first request" "$T/d.log" &&
	umount "$M"
'

test_expect_success 'ICC_FS_URING=0 does the same, and icc system info says which' '
	wait; ICC_FS_URING=0 mount_debug &&
	grep -q "transport: .*io_uring off (turned off)" "$T/d.log" &&
	umount "$M" &&
	icc system info | grep -q "^FUSE io_uring: on" &&
	ICC_FS_URING=0 icc system info | grep -q "^FUSE io_uring: off (ICC_FS_URING=0)"
'

test_done
