#!/bin/bash
# t320-fs-scale.sh - icc-fs on a 100,000-file tree with a small fd budget
. "$(dirname "$0")/../lib.sh"

[ "$(id -u)" = 0 ] || skip_all "needs root"
[ -e /dev/fuse ] || skip_all "needs /dev/fuse"
setup_store 4G

M=$T/mnt
V=$T/store/vol
btrfs subvolume create "$V" >/dev/null
mkdir -p "$M"

# A low open-file limit (2048) and fdcache=500: the tree is 50x the budget.
test_expect_success 'mount with a 2048 open-file limit' '
	prlimit --nofile=2048:2048 "$ICCFS_BIN" -o "pidfile=$T/pid,fdcache=500" "$V" "$M" &&
	at_exit "umount -l $M; kill -9 \$(cat $T/pid 2>/dev/null) 2>/dev/null" &&
	PID=$(cat "$T/pid") && kill -0 "$PID"
'
PID=$(cat "$T/pid" 2>/dev/null)
nfd() { ls "/proc/$PID/fd" | wc -l; }

test_expect_success 'create 100,000 files through the mount' '
	python3 - "$M" <<-\EOF &&
	import os, sys
	m = sys.argv[1]
	for d in range(100):
	    os.mkdir("%s/d%02d" % (m, d))
	    for f in range(1000):
	        fd = os.open("%s/d%02d/f%04d" % (m, d, f), os.O_CREAT | os.O_WRONLY, 0o644)
	        os.write(fd, b"%d" % f)
	        os.close(fd)
	EOF
	[ "$(nfd)" -lt 700 ]
'

test_expect_success 'stat and read all of them, cold: fds stay bounded' '
	sync && echo 3 >/proc/sys/vm/drop_caches &&
	[ "$(find "$M"/d* -type f | wc -l)" = 100000 ] &&
	python3 - "$M" "/proc/$PID/fd" <<-\EOF
	import os, sys
	m, fdd = sys.argv[1], sys.argv[2]
	peak = 0
	for d in range(100):
	    for f in range(1000):
	        p = "%s/d%02d/f%04d" % (m, d, f)
	        st = os.lstat(p)
	        assert st.st_size == len(b"%d" % f)
	        if f % 250 == 0:
	            assert open(p, "rb").read() == b"%d" % f
	    peak = max(peak, len(os.listdir(fdd)))
	assert peak < 700, peak
	print("peak fds", peak)
	EOF
'

test_expect_success 'ls -lR, du, and 600 files held open at once' '
	[ "$(ls -lR "$M" | grep -c "^-")" = 100000 ] && du -s "$M" >/dev/null &&
	python3 - "$M" <<-\EOF
	import os, sys
	m = sys.argv[1]
	fds = [os.open("%s/d07/f%04d" % (m, f), os.O_RDONLY) for f in range(600)]
	for f, fd in enumerate(fds):
	    assert os.pread(fd, 10, 0) == b"%d" % f
	for fd in fds:
	    os.close(fd)
	EOF
'

test_expect_success 'remove the tree; daemon alive, fds bounded' '
	rm -rf "$M"/d* && [ -z "$(ls "$M")" ] && kill -0 "$PID" && [ "$(nfd)" -lt 700 ]
'

test_done
