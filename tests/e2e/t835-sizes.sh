#!/bin/bash
# t835-sizes.sh - sizes that add up: btrfs quota groups give each image,
# container and snapshot its exclusive bytes (what removing it frees) and its
# total; ps -s as Docker; system df RECLAIMABLE never above the store's usage;
# system prune's "Total reclaimed space" within 10 % of the measured drop of
# the store's usage once the btrfs cleaner has run.  Quotas off: apparent
# sizes, said so; check --quotas turns them on.  Also: kill -9 while removing
# a container with its snapshots.
. "$(dirname "$0")/../lib.sh"

[ "$(id -u)" = 0 ] || skip_all "needs root"
command -v jq >/dev/null || skip_all "jq not installed"
command -v btrfs >/dev/null || skip_all "btrfs-progs not installed"
setup_store 1G

# bytes of a go-units size ("16.4kB", "21.1MB", "0B")
bytes() { echo "$1" | awk '{ v = $0; u = v; sub(/[kMGT]?B$/, "", v); sub(/^[0-9.]+/, "", u);
	m = u == "kB" ? 1e3 : u == "MB" ? 1e6 : u == "GB" ? 1e9 : u == "TB" ? 1e12 : 1; printf "%.0f\n", v * m }'; }
# the store's usage once the cleaner has dropped every deleted subvolume
# (btrfs filesystem sync wakes it; subvolume sync waits for it)
usage() {
	btrfs filesystem sync "$ICC_ROOT" && btrfs subvolume sync "$ICC_ROOT" >/dev/null && sync &&
		stat -f -c '%b %f %S' "$ICC_ROOT" | awk '{ printf "%.0f\n", ($1 - $2) * $3 }'
}
# within10 FIGURE MEASURED: |FIGURE - MEASURED| <= 10 % of MEASURED
within10() {
	echo "reported $1, measured $2"
	awk -v f="$1" -v m="$2" 'BEGIN { d = f - m; if (d < 0) d = -d; exit !(m > 0 && d <= m / 10) }'
}
reclaimed() { bytes "$(sed -n 's/^Total reclaimed space: //p' "$1")"; }

# an image with 4 MiB of its own, so "virtual" and the image size are plain
make_rootfs "$T/rootfs"
head -c 4194304 /dev/urandom >"$T/rootfs/blob"
icc init "$T/rootfs" busybox >/dev/null

test_expect_success 'quotas off: apparent sizes, and every listing says so' '
	icc system df >out && grep -q "^Sizes are apparent sizes (quotas are off on this store" out &&
	icc system info | grep -q "^Quotas: *off (sizes are apparent sizes" &&
	icc system df --format json | jq -e "select(.Exact == false)" >/dev/null &&
	icc system check >out 2>err && grep -q "is consistent" out &&
	grep -q "^icc: note: Sizes are apparent sizes (quotas are off" err
'

test_expect_success 'check --quotas turns them on (an existing store upgrades)' '
	icc system check --quotas >out 2>err && grep -q "^quotas enabled on " out && test ! -s err &&
	btrfs qgroup show "$ICC_ROOT" >/dev/null &&
	icc system info | grep -q "^Quotas: *on (sizes are btrfs" &&
	test "$(icc system info --format json | jq -r .Quotas)" = on &&
	icc system check >out 2>err && test ! -s err &&
	icc system df >out && grep -q "^Sizes are exclusive bytes (what removing each frees)" out &&
	icc system df --format json | jq -e "select(.Exact == true)" >/dev/null
'

test_expect_success 'a store icc makes itself has quotas from the start' '
	mkdir "$T/own" && at_exit "umount -l \"$T/own\"" &&
	ICC_ROOT="$T/own" ICC_STORE_SIZE=256M icc system df >out 2>err &&
	grep -q "created a 256M sparse btrfs image" err && ! grep -q "quotas could not" err &&
	grep -q "^Sizes are exclusive bytes" out &&
	btrfs qgroup show "$T/own" | grep -q "^0/5 "
'

test_expect_success 'a failed import or load on a new store says only its error (no setup or sizes note)' '
	mkdir "$T/fresh" && at_exit "umount -l \"$T/fresh\"" &&
	echo "not a tar" >"$T/bad.tar" &&
	ICC_ROOT="$T/fresh" ICC_STORE_SIZE=256M test_must_fail icc import "$T/bad.tar" x:1 2>err &&
	expect_error_line err "^icc: cannot import" && ! grep -q "apparent\|sparse btrfs" err &&
	ICC_ROOT="$T/fresh" test_must_fail icc load -q -i "$T/bad.tar" 2>err &&
	expect_error_line err "^icc: " && ! grep -q "apparent\|btrfs image" err &&
	ICC_ROOT="$T/fresh" icc images -q >out 2>err && test ! -s out
'

test_expect_success 'a container with one new 8-byte file: small writable size, the image as virtual' '
	icc run --name eight busybox sh -c "echo 1234567 >/eight" >/dev/null &&
	icc ps -a -s --format json >ps.json &&
	rw=$(jq -r "select(.Names == \"eight\") | .SizeRw" ps.json) &&
	root=$(jq -r "select(.Names == \"eight\") | .SizeRootFs" ps.json) &&
	echo "rw $rw root $root" && test "$rw" -gt 0 && test "$rw" -lt 262144 &&
	test "$root" -gt 4194304 &&
	icc system df -v >out && grep -E "^[0-9a-f]{12} +busybox +eight " out >row &&
	size=$(awk "{print \$4}" row) && test "$(bytes "$size")" -lt 262144
'

test_expect_success 'ps -s: a SIZE column, "writable (virtual total)" as Docker' '
	icc ps -a -s >out && head -n1 out | grep -Eq "NAMES +SIZE$" &&
	grep -E " eight +[0-9.]+[kM]?B \(virtual [0-9.]+MB\)$" out &&
	icc ps -a -s --format "{{.Names}}: {{.Size}}" | grep -Eq "^eight: [0-9.]+[kM]?B \(virtual [0-9.]+MB\)$" &&
	icc ps -a >out && ! head -n1 out | grep -q SIZE
'

# what prune takes: stopped containers that wrote data (one of them saved
# first, so its save keeps part of it), a committed image no container uses;
# a running container and its image stay.
test_expect_success 'setup: containers that wrote data, a save, a commit, a running one' '
	icc run --name big busybox sh -c "head -c 12000000 /dev/urandom >/d" >/dev/null &&
	icc run --name saver busybox sh -c "head -c 8000000 /dev/urandom >/a && echo s1 >/.icc/save && head -c 6000000 /dev/urandom >/b" >/dev/null &&
	icc run --name com busybox sh -c "head -c 5000000 /dev/urandom >/c" >/dev/null &&
	icc commit com committed:1 >/dev/null &&
	icc run -d --name live busybox sleep 600 >/dev/null && at_exit "icc rm -f live"
'

test_expect_success 'system df: RECLAIMABLE never above the store usage, per type and in all' '
	icc system df --format json >df.json && cat df.json &&
	used=$(icc system info --format json | jq .Used) &&
	rec=$(jq -s "map(.ReclaimableBytes) | add" df.json) &&
	size=$(jq -s "map(.SizeBytes) | add" df.json) &&
	echo "reclaimable $rec size $size used $used" &&
	test "$rec" -le "$used" && test "$size" -le "$used" &&
	jq -e "select(.ReclaimableBytes > .SizeBytes)" df.json >bad; test ! -s bad &&
	icc snapshots --format json saver >snap.json && cat snap.json &&
	test "$(jq .SizeBytes snap.json)" -gt 8000000 && test "$(jq .UniqueSizeBytes snap.json)" -lt 1000000 &&
	icc system df -v >out &&
	head -n 20 out | grep -Eq "^REPOSITORY +TAG +IMAGE ID +CREATED +SIZE +SHARED SIZE +UNIQUE SIZE +CONTAINERS$"
'

test_expect_success 'system prune -a: Total reclaimed space within 10% of the measured drop' '
	before=$(usage) &&
	icc system prune -a -f >out 2>err && cat out err &&
	after=$(usage) && fig=$(reclaimed out) &&
	within10 "$fig" $((before - after)) &&
	! grep -q "apparent" out &&
	icc ps | grep -q " live *$" && icc exec live true &&
	icc images --format "{{.Repository}}" | grep -qx busybox &&
	! icc images --format "{{.Repository}}" | grep -qx committed &&
	icc snapshots -q --all | grep -qx saver/s1
'

test_expect_success 'system prune --snapshots: the kept save, measured the same way' '
	before=$(usage) &&
	icc system prune -f --snapshots >out 2>err && cat out err &&
	grep -q "^saver/s1 " out &&
	after=$(usage) && fig=$(reclaimed out) &&
	within10 "$fig" $((before - after))
'

test_expect_success 'rm --snapshots killed after the rename: nothing half-listed, check finds the rest' '
	icc run --name doomed busybox sh -c "head -c 3000000 /dev/urandom >/x && echo >/.icc/save && echo >/.icc/save" >/dev/null &&
	test "$(icc snapshots -q doomed | wc -l)" = 2 &&
	{ ICC_FAULT=remove-after-rename icc rm --snapshots doomed; test $? = 137; } &&
	test_must_fail icc inspect --type container doomed >/dev/null 2>&1 &&
	! icc snapshots -q --all | grep -q "^doomed/" &&
	test_must_fail icc system check >out && cat out &&
	grep -Eq "^tmp/rm-[0-9a-f]{64}: left over" out && test "$(grep -c "^tmp/" out)" = 1 &&
	icc system check --repair >/dev/null && icc system check | grep -q "is consistent" &&
	test -z "$(ls -A "$ICC_ROOT/tmp")"
'

# assigning a shared subvolume to a higher-level qgroup without a rescan is
# what btrfs marks inconsistent (its numbers cannot be updated in place)
test_expect_success 'quotas made inconsistent: apparent sizes, said so; --repair rescans' '
	img=$(ls "$ICC_ROOT/images" | head -n1) &&
	qid=$(btrfs inspect-internal rootid "$ICC_ROOT/images/$img/rootfs") &&
	btrfs qgroup create 1/100 "$ICC_ROOT" &&
	btrfs qgroup assign --no-rescan "0/$qid" 1/100 "$ICC_ROOT" &&
	icc system df >out && grep -q "^Sizes are apparent sizes (the store.s quota numbers are inconsistent" out &&
	icc system check >out 2>err && grep -q "inconsistent" err &&
	icc system check --repair >out 2>err && grep -q "^quota numbers of .* rescanned$" out &&
	icc system df | grep -q "^Sizes are exclusive bytes"
'

test_done
