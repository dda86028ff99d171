#!/bin/bash
# t300-fs-basic.sh - icc-fs passthrough: file types, ownership, xattrs, ACLs,
# rename flags, holes, mmap, O_APPEND, unlinked files, locks, crash + remount
. "$(dirname "$0")/../lib.sh"
. "$TESTS_DIR/lib-fs.sh"

setup_fs_vol

py() { python3 -c "$@"; }

test_expect_success 'bad arguments: one line, exit 2' '
	"$ICCFS_BIN" 2>err; [ $? -eq 2 ] && expect_error_line err "^icc-fs: " &&
	"$ICCFS_BIN" -x a b 2>err; [ $? -eq 2 ] && expect_error_line err "^icc-fs: " &&
	"$ICCFS_BIN" -o delete=bogus "$V" "$M" 2>err; [ $? -eq 2 ] && expect_error_line err "^icc-fs: "
'

test_expect_success 'mount failure: one line, non-zero' '
	test_must_fail "$ICCFS_BIN" "$V" "$T/nonexistent" 2>err &&
	expect_error_line err "^icc-fs: cannot mount .*nonexistent" &&
	mkdir -p "$T/plain" &&
	test_must_fail "$ICCFS_BIN" "$T/plain" "$M" 2>err &&
	expect_error_line err "not a btrfs subvolume"
'

test_expect_success 'mount: live when icc-fs returns' '
	mount_fs "$V" "$M" &&
	grep -q " $M fuse.icc-fs " /proc/mounts &&
	grep " $M " /proc/mounts | grep -q default_permissions &&
	ls -a "$M" | grep -qx .icc
'

test_expect_success 'file types' '
	echo data >"$M/file" && mkdir "$M/dir" && ln -s file "$M/sym" &&
	mkfifo "$M/fifo" && mknod "$M/chr" c 1 3 && mknod "$M/blk" b 7 99 &&
	py "import socket; s=socket.socket(socket.AF_UNIX); s.bind(\"$M/sock\")" &&
	[ "$(stat -c %F "$M/file")" = "regular file" ] &&
	[ "$(stat -c %F "$M/dir")" = directory ] &&
	[ "$(stat -c %F "$M/sym")" = "symbolic link" ] &&
	[ "$(readlink "$M/sym")" = file ] &&
	[ "$(stat -c %F "$M/fifo")" = fifo ] &&
	[ "$(stat -c %F:%t:%T "$M/chr")" = "character special file:1:3" ] &&
	[ "$(stat -c %F:%t:%T "$M/blk")" = "block special file:7:63" ] &&
	[ "$(stat -c %F "$M/sock")" = socket ] &&
	[ "$(stat -c %F "$V/sock")" = socket ] &&
	cat "$M/sym" | grep -qx data &&
	head -c0 "$M/chr"
'

test_expect_success 'hard links share an inode' '
	ln "$M/file" "$M/hard" &&
	[ "$(stat -c %h "$M/file")" = 2 ] &&
	[ "$(stat -c %i "$M/file")" = "$(stat -c %i "$M/hard")" ] &&
	[ "$(stat -c %i "$M/file")" = "$(stat -c %i "$V/file")" ] &&
	rm "$M/hard" && [ "$(stat -c %h "$M/file")" = 1 ]
'

test_expect_success 'chmod, chown, touch -d' '
	chmod 4751 "$M/file" && [ "$(stat -c %a "$M/file")" = 4751 ] &&
	chown 1234:5678 "$M/file" && [ "$(stat -c %u:%g "$V/file")" = 1234:5678 ] &&
	touch -d "2001-02-03 04:05:06 UTC" "$M/file" &&
	[ "$(stat -c %Y "$M/file")" = 981173106 ] &&
	touch -h -d "2002-02-03 04:05:06 UTC" "$M/sym" &&
	[ "$(stat -c %Y "$V/sym")" = 1012709106 ] &&
	touch -a -d "2003-01-01 UTC" "$M/file" && [ "$(stat -c %Y "$M/file")" = 981173106 ] &&
	chown -h 7:7 "$M/sym" && [ "$(stat -c %u "$V/sym")" = 7 ] &&
	chown 0:0 "$M/file" && chmod 644 "$M/file"
'

test_expect_success 'objects made by a user belong to the user' '
	mkdir "$M/pub" && chmod 1777 "$M/pub" &&
	$USR touch "$M/pub/f" && $USR mkdir "$M/pub/d" && $USR ln -s f "$M/pub/s" &&
	$USR mkfifo "$M/pub/p" &&
	for o in f d s p; do [ "$(stat -c %u:%g "$V/pub/$o")" = 1000:1000 ] || exit 1; done &&
	test_must_fail $USR touch "$M/dir/x" &&
	test_must_fail $USR rm "$M/file"
'

test_expect_success 'umask and set-group-ID directories' '
	(umask 077 && $USR touch "$M/pub/private") &&
	[ "$(stat -c %a "$V/pub/private")" = 600 ] &&
	(umask 022 && $USR mkdir "$M/pub/m") && [ "$(stat -c %a "$V/pub/m")" = 755 ] &&
	mkdir "$M/sg" && chgrp 4242 "$M/sg" && chmod 2777 "$M/sg" &&
	$USR touch "$M/sg/f" && $USR mkdir "$M/sg/d" &&
	[ "$(stat -c %u:%g "$V/sg/f")" = 1000:4242 ] &&
	[ "$(stat -c %u:%g "$V/sg/d")" = 1000:4242 ] &&
	[ "$(stat -c %a "$V/sg/d")" = 2755 ] &&
	(umask 0 && $USR sh -c "touch $M/pub/x && chmod 6755 $M/pub/x") &&
	[ "$(stat -c %a "$V/pub/x")" = 4755 -o "$(stat -c %a "$V/pub/x")" = 6755 ]
'

test_expect_success 'writing a set-user-ID file as a user clears the bit' '
	$USR sh -c "echo a >$M/pub/su && chmod 4755 $M/pub/su && echo b >>$M/pub/su" &&
	[ "$(stat -c %a "$V/pub/su")" = 755 ]
'

test_expect_success 'xattrs, security.capability' '
	setfattr -n user.k -v hello "$M/file" &&
	getfattr -n user.k --only-values "$M/file" | grep -qx hello &&
	getfattr -n user.k --only-values "$V/file" | grep -qx hello &&
	getfattr -d "$M/file" | grep -q "user.k=" &&
	setfattr -x user.k "$M/file" && test_must_fail getfattr -n user.k "$M/file" &&
	cp /bin/true "$M/captrue" && setcap cap_net_raw+ep "$M/captrue" &&
	getcap "$M/captrue" | grep -q cap_net_raw &&
	getcap "$V/captrue" | grep -q cap_net_raw &&
	"$M/captrue"
'

test_expect_success 'POSIX ACLs are stored and enforced' '
	echo secret >"$M/acl" && chmod 600 "$M/acl" &&
	test_must_fail $USR cat "$M/acl" &&
	setfacl -m u:1000:r "$M/acl" &&
	getfacl -n "$V/acl" 2>/dev/null | grep -q "user:1000:r--" &&
	$USR cat "$M/acl" | grep -qx secret &&
	mkdir "$M/dacl" && setfacl -d -m u:1000:rwx "$M/dacl" && touch "$M/dacl/new" &&
	getfacl -n "$V/dacl/new" 2>/dev/null | grep -q "user:1000:rwx"
'

test_expect_success 'rename, RENAME_NOREPLACE and RENAME_EXCHANGE' '
	echo A >"$M/ra" && echo B >"$M/rb" &&
	py "
import ctypes, os, errno
libc = ctypes.CDLL(None, use_errno=True)
r = libc.renameat2(-100, b\"$M/ra\", -100, b\"$M/rb\", 1)
assert r == -1 and ctypes.get_errno() == errno.EEXIST, (r, ctypes.get_errno())
r = libc.renameat2(-100, b\"$M/ra\", -100, b\"$M/rb\", 2)
assert r == 0, ctypes.get_errno()
" &&
	grep -qx B "$M/ra" && grep -qx A "$M/rb" && grep -qx B "$V/ra" &&
	mv "$M/ra" "$M/dir/moved" && grep -qx B "$V/dir/moved" && ! test -e "$M/ra"
'

test_expect_success 'truncate, fallocate, sparse files and SEEK_HOLE' '
	echo 0123456789 >"$M/t" && truncate -s 4 "$M/t" && [ "$(cat "$M/t")" = 0123 ] &&
	truncate -s 0 "$M/t" && [ ! -s "$M/t" ] &&
	fallocate -l 1M "$M/fa" && [ "$(stat -c %s "$M/fa")" = 1048576 ] &&
	py "
import os
fd = os.open(\"$M/sparse\", os.O_CREAT|os.O_RDWR, 0o644)
os.pwrite(fd, b\"x\"*4096, 8<<20)
assert os.fstat(fd).st_size == (8<<20)+4096
assert os.lseek(fd, 0, os.SEEK_HOLE) == 0
assert os.lseek(fd, 0, os.SEEK_DATA) == 8<<20
os.ftruncate(fd, 100)
assert os.fstat(fd).st_size == 100
os.close(fd)
"
'

test_expect_success 'mmap shared and private, O_APPEND' '
	py "
import mmap, os
fd = os.open(\"$M/mm\", os.O_CREAT|os.O_RDWR, 0o644)
os.ftruncate(fd, 8192)
m = mmap.mmap(fd, 8192, mmap.MAP_SHARED)
m[0:5] = b\"hello\"; m.flush(); m.close()
p = mmap.mmap(fd, 8192, mmap.MAP_PRIVATE)
p[0:5] = b\"XXXXX\"; p.close()
os.close(fd)
assert open(\"$V/mm\",\"rb\").read(5) == b\"hello\"
" &&
	echo one >"$M/ap" && echo two >>"$M/ap" &&
	py "
import os
a = os.open(\"$M/ap\", os.O_WRONLY|os.O_APPEND); b = os.open(\"$M/ap\", os.O_WRONLY|os.O_APPEND)
os.write(a, b\"three\n\"); os.write(b, b\"four\n\"); os.close(a); os.close(b)
" &&
	printf "one\ntwo\nthree\nfour\n" | cmp - "$V/ap"
'

test_expect_success 'unlinked open files keep working' '
	py "
import os
fd = os.open(\"$M/gone\", os.O_CREAT|os.O_RDWR, 0o644)
os.write(fd, b\"abc\")
os.unlink(\"$M/gone\")
assert not os.path.exists(\"$M/gone\")
os.write(fd, b\"def\")
os.fchmod(fd, 0o600)
os.ftruncate(fd, 5)
st = os.fstat(fd)
assert st.st_size == 5 and st.st_nlink == 0 and (st.st_mode & 0o777) == 0o600, st
assert os.pread(fd, 10, 0) == b\"abcde\"
os.close(fd)
"
'

test_expect_success 'statfs, copy_file_range' '
	stat -f "$M" >/dev/null && df "$M" | grep -q icc-fs &&
	head -c 3000000 /dev/urandom >"$M/big" && cp "$M/big" "$M/big2" && cmp "$M/big" "$M/big2" &&
	py "
import os
a = os.open(\"$M/big\", os.O_RDONLY); b = os.open(\"$M/big3\", os.O_CREAT|os.O_WRONLY, 0o644)
n = os.copy_file_range(a, b, 3000000)
assert n > 0
" && cmp -n 4096 "$M/big" "$M/big3"
'

test_expect_success 'flock and fcntl locks' '
	touch "$M/lk" &&
	flock "$M/lk" sleep 2 & sleep 0.5 &&
	test_must_fail flock -n "$M/lk" true &&
	wait &&
	flock -n "$M/lk" true &&
	py "
import fcntl, os, subprocess
fd = os.open(\"$M/lk\", os.O_RDWR)
fcntl.lockf(fd, fcntl.LOCK_EX)
r = subprocess.run([\"python3\", \"-c\", \"import fcntl,os; fd=os.open(\\\"$M/lk\\\", os.O_RDWR); fcntl.lockf(fd, fcntl.LOCK_EX|fcntl.LOCK_NB)\"])
assert r.returncode != 0
"
'

test_expect_success 'long names: ENAMETOOLONG; deep paths' '
	long=$(printf "a%.0s" $(seq 300)) &&
	! touch "$M/$long" 2>err && grep -q "too long" err &&
	! ls "$M/$long" 2>err && grep -q "too long" err &&
	ok=$(printf "b%.0s" $(seq 255)) && touch "$M/$ok" && ls "$M/$ok" >/dev/null &&
	p="$M/deep" && for k in $(seq 120); do p="$p/dddddddddddddddd"; done &&
	mkdir -p "$p" && echo bottom >"$p/f" && [ "$(cat "$p/f")" = bottom ] &&
	[ $(find "$M/deep" -type d | wc -l) = 121 ]
'

test_expect_success 'a real .icc in the tree is hidden, .icc cannot be made' '
	mkdir "$V/.icc" && echo hidden >"$V/.icc/x" &&
	[ "$(ls -a "$M" | grep -c "^\.icc$")" = 1 ] && ! test -e "$M/.icc/x" &&
	test_must_fail mkdir "$M/.icc" 2>err &&
	test_must_fail rmdir "$M/.icc" && test_must_fail mv "$M/.icc" "$M/other" &&
	test_must_fail mv "$M/dir" "$M/.icc" && test_must_fail touch "$M/.icc/new" &&
	test_must_fail ln "$M/file" "$M/.icc" && test -e "$V/.icc/x" && rm -r "$V/.icc"
'

test_expect_success 'daemon killed: ENOTCONN, remount works' '
	pid=$(cat "$T/mnt.pid") && kill -9 "$pid" && sleep 0.3 &&
	! ls "$M" 2>err && grep -q "not connected" err &&
	umount -l "$M" && mount_fs "$V" "$M" && grep -qx data "$M/sym"
'

test_expect_success 'unmount: the daemon exits' '
	pid=$(cat "$T/mnt.pid") && umount "$M" &&
	for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done &&
	! kill -0 "$pid" 2>/dev/null
'

test_done
