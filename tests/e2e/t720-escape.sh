#!/bin/bash
# t720-escape.sh - from inside a container, as root and as nobody: snapshots
# cannot be written, linked, moved or removed through any path; /.icc cannot
# be removed; host devices made with mknod cannot be used; symlink/rename races
# against icc-fs never reach a sentinel on the host outside the store.
# ICC_STRESS_ROUNDS=N makes the race last N x 8 s.
. "$(dirname "$0")/../lib.sh"

[ "$(id -u)" = 0 ] || skip_all "needs root"
setup_store
make_image busybox
ROUNDS=${ICC_STRESS_ROUNDS:-1}
SECS=$((8 * ROUNDS))

setup_outside
mkdir "$O/dir" && echo inner >"$O/dir/f"
touch -d "2000-01-01 UTC" "$O/dir/f" "$O/dir"
sentinel() {
	stat -c "%n %a %s %X %Y %Z %h %i" "$O/secret" "$O/dir/f"
	stat -c "%n %a %s %Y %Z %h %i" "$O" "$O/dir"
	ls -A "$O" "$O/dir" | md5sum
}
sentinel >"$T/sentinel.before"
unchanged() { sentinel >"$T/sentinel.after" && diff "$T/sentinel.before" "$T/sentinel.after"; }

test_expect_success 'setup: a running container with a snapshot' '
	icc run -d --name esc busybox sleep 3600 >/dev/null &&
	at_exit "icc rm -f esc" &&
	icc exec esc sh -c "mkdir -p /race/d && echo inside >/race/d/secret && chmod -R 777 /race &&
		busybox --install -s /bin 2>/dev/null; echo orig >/data && echo s1 > /.icc/save" &&
	icc exec esc cat /.icc/snapshots/s1/data | grep -qx orig
'
C=$(icc inspect esc | sed -n 's/^[[:space:]]*"Id":[[:space:]]*"\([0-9a-f]*\)".*/\1/p' | head -n1)
SNAP="$ICC_ROOT/containers/$C/snapshots/s1/rootfs"
snap_intact() {
	test "$(cat "$SNAP/data")" = orig && test "$(cat "$SNAP/etc/motd")" = "hello from icc" &&
	test "$(stat -c %a "$SNAP/data")" = 644 && test ! -e "$SNAP/new" &&
	test "$(btrfs property get -ts "$SNAP" ro)" = "ro=true"
}

for user in 0 65534; do
	test_expect_success "uid $user: snapshots refuse write, create, chmod, truncate, unlink, rename, link" "
		icc exec -u $user esc sh -c '
			fail=0
			try() { if \"\$@\" 2>/dev/null; then echo \"WORKED: \$*\"; fail=1; fi; }
			S=/.icc/snapshots/s1
			try sh -c \"echo x >> \$S/data\"
			try sh -c \"echo x > \$S/new\"
			try touch \$S/data
			try chmod 777 \$S/data
			try chown 65534 \$S/data
			try truncate -s 0 \$S/data
			try rm \$S/data
			try rm -rf \$S/etc
			try mkdir \$S/dir
			try mv \$S/data \$S/data2
			try mv \$S/data /tmp/stolen
			try mv \$S /s1moved
			try mv \$S/etc /etcmoved
			try ln \$S/data /tmp/hl
			try ln \$S/data \$S/hl
			try ln /etc/motd \$S/hl
			try ln -s /etc \$S/sl
			try mknod \$S/node c 1 3
			exit \$fail
		' &&
		snap_intact && test ! -e '$ICC_ROOT/containers/$C/rootfs/tmp/hl'
	"

	test_expect_success "uid $user: rm -rf /.icc and moving .icc or snapshots/ away fail" "
		for cmd in 'rm -rf /.icc' 'mv /.icc /icc2' 'mv /.icc/snapshots /snaps' 'ln /.icc/save /tmp/save' \\
			   'rm -rf /.icc/snapshots/s1/etc' 'mv /.icc/snapshots/s1 /s1moved'; do
			if icc exec -u $user esc sh -c \"\$cmd\" 2>/dev/null; then echo \"WORKED: \$cmd\"; exit 1; fi
		done &&
		if [ $user != 0 ]; then ! icc exec -u $user esc rmdir /.icc/snapshots/s1 2>/dev/null; fi &&
		icc exec esc ls /.icc/snapshots | grep -qx s1 && snap_intact
	"
done

test_expect_success 'mknod of host block devices: allowed by MKNOD, refused by the device cgroup' '
	for dev in /dev/loop0 /dev/vda /dev/sda; do
		[ -b "$dev" ] || continue
		maj=$((0x$(stat -c %t "$dev"))) && min=$((0x$(stat -c %T "$dev"))) &&
		before=$(stat -c "%X %Y %Z" "$dev") &&
		icc exec esc sh -c "mknod /tmp/blk b $maj $min 2>/dev/null; true" &&
		! icc exec esc sh -c "head -c 512 /tmp/blk >/dev/null" 2>/dev/null &&
		! icc exec esc sh -c "echo x >/tmp/blk" 2>/dev/null &&
		! icc exec -u 65534 esc sh -c "head -c 512 /tmp/blk >/dev/null" 2>/dev/null &&
		icc exec esc rm -f /tmp/blk &&
		test "$(stat -c "%X %Y %Z" "$dev")" = "$before" || exit 1
	done
'

racer='
	end=$(($(date +%s) + SECS))
	cd /race
	while [ $(date +%s) -lt $end ]; do
		cat d/secret l/secret d/dir/f 2>/dev/null
		echo pwn >d/secret; echo pwn >>d/secret
		chmod 777 d/secret d 2>/dev/null; truncate -s 0 d/secret
		touch d/new$$; mkdir d/sub$$; mv d/new$$ d/moved$$; rm -f d/moved$$ d/secret
		rmdir d/sub$$ d/dir; ln d/secret hl$$; rm -f hl$$
		ln -s / d/root$$; cat d/root$$/etc/motd; rm -f d/root$$
		echo inside >d/secret
	done >/dev/null 2>&1
'
swapper='
	end=$(($(date +%s) + SECS))
	cd /race
	while [ $(date +%s) -lt $end ]; do
		mv d real 2>/dev/null; ln -s "$TARGET" d; rm -f d; mv real d 2>/dev/null
		ln -s / d2; mv -f d2 d 2>/dev/null; rm -f d2 d 2>/dev/null; mkdir -p d
	done >/dev/null 2>&1
'
test_expect_success "symlink/rename race for ${SECS}s (root and nobody): host sentinel unread, unchanged" '
	for target in "$O" /; do
		icc exec -d -e SECS=$SECS -e TARGET="$target" esc sh -c "$swapper" || exit 1
	done &&
	for u in 0 0 65534 65534; do
		icc exec -d -u $u -e SECS=$SECS esc sh -c "$racer" || exit 1
	done &&
	sleep $((SECS + 2)) &&
	for i in $(seq 1 20); do
		[ "$(icc exec esc ps | grep -c "sh -c")" -le 1 ] && break; sleep 1
	done &&
	unchanged && snap_intact && test -e "$O/secret" && test -d "$O/dir"
'

test_expect_success 'snapshots stay read-only from the host view too, check is clean' '
	snap_intact &&
	icc exec esc sh -c "echo after > /.icc/save" &&
	icc system check | grep -q "is consistent" && unchanged
'

test_done
