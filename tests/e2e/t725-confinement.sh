#!/bin/bash
# t725-confinement.sh - what confines a container beyond its filesystem: the
# host reads the container's /etc/passwd and /etc/group only inside its root
# (a symlink or a FIFO made by the container leads nowhere).
. "$(dirname "$0")/../lib.sh"

[ "$(id -u)" = 0 ] || skip_all "needs root"
setup_store
make_image busybox

# a host file that looks like a passwd with a user no container has
H=$T/hostetc
mkdir -p "$H"
echo 'hostonly4242:x:4242:4242::/:/bin/sh' >"$H/passwd"
echo 'hostgrp4343:x:4343:' >"$H/group"
touch -d "2000-01-01 UTC" "$H/passwd" "$H/group"
host_unread() { test "$(stat -c %X "$H/passwd") $(stat -c %X "$H/group")" = "946684800 946684800"; }

test_expect_success 'setup: a running container' '
	icc run -d --name pw busybox sleep 3600 >/dev/null &&
	at_exit "icc rm -f pw" &&
	icc exec -u nobody pw id -u >out && test "$(cat out)" = 65534
'

test_expect_success 'exec -u: an /etc symlink to a host path resolves inside the container' '
	icc exec pw sh -c "mv /etc /etc.real && ln -s $H /etc" &&
	test_must_fail timeout 20 icc exec -u hostonly4242 pw id -u 2>err &&
	expect_error_line err "^icc: unable to find user hostonly4242: no matching entries in passwd file$" &&
	test_must_fail timeout 20 icc exec -u 65534:hostgrp4343 pw id -u 2>err &&
	expect_error_line err "^icc: unable to find group hostgrp4343: no matching entries in group file$" &&
	host_unread &&
	icc exec pw sh -c "rm /etc && mv /etc.real /etc"
'

test_expect_success 'exec -u: a FIFO as /etc/passwd or /etc/group is refused, not waited on' '
	# the container swaps FIFOs in for a while (runc itself would wait on them)
	icc run -d --name ff busybox sh -c "cd /etc && mv passwd passwd.real && mv group group.real &&
		mkfifo passwd group && touch /tmp/fifos && sleep 8 && rm passwd group &&
		mv passwd.real passwd && mv group.real group && rm /tmp/fifos && sleep 3600" >id &&
	at_exit "icc rm -f ff" &&
	M=$ICC_ROOT/containers/$(cat id)/rootfs &&
	for i in $(seq 50); do test -e "$M/tmp/fifos" && break; sleep 0.2; done &&
	test -p "$M/etc/passwd" && test -p "$M/etc/group" &&
	test_must_fail timeout 5 icc exec -u nobody ff id -u 2>err &&
	expect_error_line err "^icc: unable to find user nobody: no matching entries in passwd file$" &&
	test_must_fail timeout 5 icc exec -u 65534:nogroup ff id -u 2>err &&
	expect_error_line err "^icc: unable to find group nogroup: no matching entries in group file$" &&
	for i in $(seq 100); do test -e "$M/tmp/fifos" || break; sleep 0.2; done &&
	test -f "$M/etc/passwd" && test -f "$M/etc/group" &&
	icc exec -u nobody:nogroup ff id -u >out && test "$(cat out)" = 65534
'

test_expect_success 'run -u: an image whose /etc is a symlink to a host path' '
	make_rootfs "$T/symetc" &&
	mv "$T/symetc/etc" "$T/symetc/etc.real" && ln -s "$H" "$T/symetc/etc" &&
	icc init "$T/symetc" symetc >/dev/null &&
	test_must_fail timeout 20 icc run --rm -u hostonly4242 symetc id -u 2>err &&
	expect_error_line err "^icc: unable to find user hostonly4242" &&
	host_unread
'

test_expect_success 'uid 1000 truncating a set-ID file of root drops the bits, as on a local filesystem' '
	icc exec pw sh -c "echo data >/tmp/suid && chmod 4777 /tmp/suid && echo data >/tmp/sgid && chmod 2777 /tmp/sgid &&
		echo data >/tmp/keep && chmod 6777 /tmp/keep" &&
	icc exec -u 1000:1000 pw sh -c ": >/tmp/suid; : >/tmp/sgid" &&
	icc exec pw sh -c ": >/tmp/keep" &&
	icc exec pw stat -c "%a %s %n" /tmp/suid /tmp/sgid /tmp/keep >out &&
	printf "777 0 /tmp/suid\n777 0 /tmp/sgid\n6777 0 /tmp/keep\n" >expect &&
	diff expect out
'

test_done
