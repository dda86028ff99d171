#!/bin/bash
# t726-confinement.sh - what confines a container beyond its filesystem: the
# host reads the container's /etc/passwd and /etc/group only inside its root
# (a symlink or a FIFO made by the container leads nowhere); set-ID bits go
# on a non-owner's truncate; seccomp (the default profile, unconfined, a
# FILE), no_new_privs and a cgroup namespace confine what runs inside.
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

# ---- seccomp, no_new_privs, cgroup namespace ----
PROBE_OK=
if cc -static -O1 -Wall -Wextra -Werror -o "$T/sysprobe" "$TESTS_DIR/helpers/sysprobe.c" 2>"$T/cc.err"; then
	make_rootfs "$T/probe" && cp "$T/sysprobe" "$T/probe/bin/sysprobe" &&
		icc init "$T/probe" probe >/dev/null && PROBE_OK=1
fi
probe_test() {
	if [ -n "$PROBE_OK" ]; then test_expect_success "$@"
	else test_count=$((test_count + 1)); echo "ok $test_count # SKIP $1 (no static C build: $(head -n1 "$T/cc.err"))"; fi
}
refused="keyctl EPERM
add_key EPERM
request_key EPERM
io_uring_setup ENOSYS
userfaultfd EPERM
unshare_newuser EPERM
unshare_newuts EPERM"

for rt in runc crun; do
	probe_test "$rt: the default profile, no_new_privs and a cgroup namespace" '
		icc run --rm --runtime '$rt' probe sh -c "grep -E \"^(Seccomp|NoNewPrivs):\" /proc/self/status;
			readlink /proc/self/ns/cgroup; sysprobe; busybox unshare -U true 2>&1; echo unshare=\$?" >out &&
		grep -qx "Seccomp:.2" out && grep -qx "NoNewPrivs:.1" out &&
		! grep -qx "$(readlink /proc/self/ns/cgroup)" out &&
		echo "$refused" >expect && grep -E "^[a-z_0-9]+ [A-Z]+$" out >got && diff expect got &&
		grep -q "unshare(0x10000000): Operation not permitted" out && grep -qx "unshare=1" out
	'
done

probe_test 'exec in a running container gets the same filter' '
	icc run -d --name sc probe sleep 3600 >/dev/null && at_exit "icc rm -f sc" &&
	icc exec -u nobody sc sh -c "grep -E \"^(Seccomp|NoNewPrivs):\" /proc/self/status; sysprobe" >out &&
	grep -qx "Seccomp:.2" out && grep -qx "NoNewPrivs:.1" out &&
	grep -qx "keyctl EPERM" out && grep -qx "unshare_newuser EPERM" out &&
	icc rm -f sc >/dev/null
'

probe_test '--security-opt seccomp=unconfined and no-new-privileges=false lift them' '
	icc run --rm --security-opt seccomp=unconfined --security-opt no-new-privileges=false probe \
		sh -c "grep -E \"^(Seccomp|NoNewPrivs):\" /proc/self/status; sysprobe" >out &&
	grep -qx "Seccomp:.0" out && grep -qx "NoNewPrivs:.0" out && grep -qx "io_uring_setup ok" out &&
	icc run --rm --security-opt no-new-privileges probe grep -x "NoNewPrivs:.1" /proc/self/status
'

probe_test '--security-opt seccomp=FILE applies a Docker-format profile as given' '
	cat >"$T/nomkdir.json" <<-\EOP &&
	{"defaultAction": "SCMP_ACT_ALLOW",
	 "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13},
	              {"names": ["unshare"], "action": "SCMP_ACT_ERRNO", "includes": {"caps": ["CAP_CHOWN"]}}]}
	EOP
	icc create --name filed --security-opt "seccomp=$T/nomkdir.json" probe sh -c "mkdir /x; echo mkdir=\$?; grep ^Seccomp: /proc/self/status; sysprobe" >/dev/null &&
	at_exit "icc rm -f filed" &&
	rm "$T/nomkdir.json" &&
	icc start -a filed >out 2>&1 &&
	grep -q "mkdir: can.t create directory ./x.: Permission denied" out && grep -qx "mkdir=1" out &&
	grep -qx "Seccomp:.2" out && grep -qx "unshare_newuts EPERM" out && grep -qx "keyctl ok" out
'

test_expect_success 'a bad seccomp FILE or security option: one line, nothing created' '
	n=$(ls "$ICC_ROOT/containers" | wc -l) &&
	echo "{\"defaultAction\": \"SCMP_ACT_BOGUS\"}" >"$T/bad1.json" &&
	echo "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], \"action\": \"SCMP_ACT_%n%s\"}]}" >"$T/bad2.json" &&
	printf "{" >"$T/bad3.json" &&
	test_must_fail icc run --security-opt "seccomp=$T/bad1.json" busybox true 2>err &&
	expect_error_line err "^icc: run: invalid seccomp profile .*bad1.json.: defaultAction: missing or unknown: SCMP_ACT_BOGUS$" &&
	test_must_fail icc create --security-opt "seccomp=$T/bad2.json" busybox true 2>err &&
	expect_error_line err "^icc: create: invalid seccomp profile .*bad2.json.: syscalls\[0\]: unknown action SCMP_ACT_%n%s$" &&
	test_must_fail icc run --security-opt "seccomp=$T/bad3.json" busybox true 2>err &&
	expect_error_line err "^icc: run: invalid seccomp profile .*bad3.json.: not a JSON object$" &&
	test_must_fail icc run --security-opt "seccomp=$T/none.json" busybox true 2>err &&
	expect_error_line err "^icc: run: cannot read the seccomp profile .*none.json.: No such file or directory$" &&
	test_must_fail icc run --security-opt apparmor=unconfined busybox true 2>err &&
	expect_error_line err "^icc: run: unsupported security option .apparmor=unconfined." &&
	test_must_fail icc run --security-opt no-new-privileges=maybe busybox true 2>err &&
	expect_error_line err "^icc: run: invalid security option .no-new-privileges=maybe." &&
	test "$(ls "$ICC_ROOT/containers" | wc -l)" = "$n"
'

test_done
