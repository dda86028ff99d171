#!/bin/bash
# t330-fs-escape.sh - icc-fs never follows a path out of the subvolume:
# symlink-swap races, host mounts inside the tree
. "$(dirname "$0")/../lib.sh"
. "$TESTS_DIR/lib-fs.sh"

setup_fs_vol
setup_outside # the host directory the races aim at
mkdir "$O/dir"
touch -d "2000-01-01 UTC" "$O/dir"
# (listing the directories updates their atime: compare theirs without it)
before() {
	stat -c "%n %a %s %X %Y %Z %h" "$O/secret"
	stat -c "%n %a %s %Y %Z %h" "$O" "$O/dir"
	ls -A "$O" "$O/dir"
}
before >"$T/before"

make_rootfs "$V" # busybox, to run the racers chrooted in the mount
mkdir -p "$V/race/d" && echo inside >"$V/race/d/secret"
ln -s "$O" "$V/race/l"

test_expect_success 'mount' '
	mount_fs "$V" "$M"
'

test_expect_success 'symlink-swap race for 10 s: sentinel untouched, nothing created outside' '
	python3 - "$V/race" 10 <<-\EOF &
	import ctypes, os, sys, time
	libc = ctypes.CDLL(None, use_errno=True)
	d = sys.argv[1].encode()
	end = time.time() + float(sys.argv[2])
	n = 0
	while time.time() < end:
	    libc.renameat2(-100, d + b"/d", -100, d + b"/l", 2)  # RENAME_EXCHANGE
	    n += 1
	print("swaps", n)
	EOF
	swapper=$! &&
	for w in 1 2 3 4; do
		chroot "$M" /bin/busybox sh -c "
			end=\$((\$(date +%s) + 10))
			while [ \$(date +%s) -lt \$end ]; do
				cat /race/d/secret /race/l/secret
				echo pwn$w >/race/d/secret; echo pwn$w >>/race/l/secret
				chmod 777 /race/d/secret /race/d /race/l/secret
				truncate -s 0 /race/d/secret /race/l/secret
				touch /race/d/new$w /race/l/new$w; mkdir /race/d/sub$w /race/l/sub$w
				mv /race/d/secret /race/d/moved$w; mv /race/d/moved$w /race/d/secret
				mv /race/l/secret /race/l/moved$w
				ln /race/d/secret /race/hl$w; ln /race/l/secret /race/hl$w
				ln -s /etc /race/d/sl$w; rm -f /race/d/new$w /race/l/new$w /race/l/secret /race/l/dir/x
				rmdir /race/d/sub$w /race/l/sub$w /race/l/dir
				setfattr -n user.x -v 1 /race/d/secret 2>/dev/null
			done" >/dev/null 2>&1 &
	done &&
	wait &&
	before >"$T/after" &&
	diff "$T/before" "$T/after"
'

test_expect_success 'host-side swaps through the daemon: lookups never follow' '
	python3 - "$V/race" "$M/race" <<-\EOF &&
	import ctypes, os, sys, errno
	libc = ctypes.CDLL(None, use_errno=True)
	v, m = sys.argv[1].encode(), sys.argv[2]
	for i in range(300):
	    libc.renameat2(-100, v + b"/d", -100, v + b"/l", 2)
	    for p in ("/d", "/l"):
	        try:
	            st = os.lstat(m + p)
	            if os.path.islink(m + p):
	                continue
	            os.listdir(m + p)
	        except OSError:
	            pass
	EOF
	before >"$T/after" && diff "$T/before" "$T/after"
'

test_expect_success 'a host mount inside the tree is not crossed' '
	mkdir -p "$V/mnted" && mount -t tmpfs tmpfs "$V/mnted" && at_exit "umount -l $V/mnted" &&
	echo hostfile >"$V/mnted/f" &&
	! cat "$M/mnted/f" 2>/dev/null && ! ls "$M/mnted/" 2>/dev/null | grep -q f &&
	! touch "$M/mnted/g" 2>/dev/null && ! test -e "$V/mnted/g" &&
	ls "$M" | grep -q race &&
	before >"$T/after" && diff "$T/before" "$T/after" && [ "$(cat "$O/secret")" = SENTINEL ]
'

test_expect_success 'names with / or dot-dot are refused' '
	python3 - "$M" <<-\EOF &&
	import os, sys
	m = sys.argv[1]
	for bad in ("..", "."):
	    try:
	        os.mkdir(m + "/race/" + bad)
	        raise SystemExit("mkdir %s worked" % bad)
	    except FileExistsError:
	        pass
	    except OSError:
	        pass
	EOF
	test -d "$V/race" && ! test -e "$T/store/race"
'

test_done
