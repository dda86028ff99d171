#!/bin/bash
# quota-ab.sh - what btrfs quotas cost on writes: the bench's seq write (fio 256M
# bs=1M end_fsync) and untar (Debian minbase) with quotas off, full and simple,
# interleaved (the order flips each round) so that a busy machine's noise hits
# every mode alike.  Each sample gets a fresh loop btrfs with a base subvolume
# holding the minbase tree and two snapshots of it (containers on their image);
# one is written natively, the other through icc-fs.  docs/store.md, "Sizes".
#
#   sh tests/bench/quota-ab.sh [BUILD]     N=10 rounds, MODES="off full simple"
# Prints the median of each row per mode and its change against off;
# samples in BUILD/bench/quota-ab.csv.  Needs root, fio, the bench's tarball
# (make bench builds it once: /var/cache/icc-bench/minbase-bookworm.tar).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u
BUILD=$(cd "${1:-build}" && pwd) || exit 1
HERE=$(cd "$(dirname "$0")" && pwd)
TAR=/var/cache/icc-bench/minbase-bookworm.tar
N=${N:-10}
MODES=${MODES:-"off full simple"}
[ "$(id -u)" = 0 ] || { echo "quota-ab: must run as root" >&2; exit 1; }
[ -s "$TAR" ] || { echo "quota-ab: no $TAR (run make bench once)" >&2; exit 1; }
command -v fio >/dev/null || { echo "quota-ab: fio is missing" >&2; exit 1; }
mkdir -p "$BUILD/bench"
OUT=$BUILD/bench/quota-ab.csv
BT=$BUILD/bench/benchtool
cc -O2 -std=gnu11 -Wall -Wextra -o "$BT" "$HERE/benchtool.c" || exit 1
W=$(mktemp -d /var/tmp/icc-quota-ab.XXXXXX) || exit 1
FSPID=""
cleanup() {
	[ -n "$FSPID" ] && { fusermount3 -u "$W/f" 2>/dev/null; wait "$FSPID" 2>/dev/null; }
	mountpoint -q "$W/m" && umount "$W/m"
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
mkdir -p "$W/m" "$W/f"
echo "mode,rep,metric,value" >"$OUT"
cat "$TAR" >/dev/null

secs() { local a=$EPOCHREALTIME; "$@" >/dev/null 2>&1; awk -v a="$a" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", b - a }'; }
seqw() { fio --name=bench --filename="$1" --size=256M --ioengine=psync --invalidate=0 --fallocate=none \
	--rw=write --bs=1M --end_fsync=1; }
# sample MODE REP WHERE NAME: untar and seq write into WHERE
sample() {
	local s
	mkdir "$3/t" && sync
	s=$(secs tar -C "$3/t" --numeric-owner -xf "$TAR") && sync && echo "$1,$2,untar $4,$s" >>"$OUT"
	s=$(secs seqw "$3/data") && sync && echo "$1,$2,seq write $4,$(awk -v s="$s" 'BEGIN { printf "%.1f", 256 / s }')" >>"$OUT"
}
for r in $(seq "$N"); do
	ms=$MODES
	[ $((r % 2)) = 0 ] && ms=$(echo $MODES | tr ' ' '\n' | tac | tr '\n' ' ')
	for m in $ms; do
		rm -f "$W/img" && truncate -s 8G "$W/img" && mkfs.btrfs -q "$W/img" >/dev/null && mount -o loop "$W/img" "$W/m" || exit 1
		[ "$m" = off ] || "$BT" quota "$m" "$W/m" || exit 1
		btrfs -q subvolume create "$W/m/base" && tar -C "$W/m/base" --numeric-owner -xf "$TAR" && sync &&
			btrfs -q subvolume snapshot "$W/m/base" "$W/m/c1" && btrfs -q subvolume snapshot "$W/m/base" "$W/m/c2" || exit 1
		sample "$m" "$r" "$W/m/c1" native
		"$BUILD/icc-fs" -f "$W/m/c2" "$W/f" >/dev/null 2>&1 &
		FSPID=$!
		for k in $(seq 100); do mountpoint -q "$W/f" && break; sleep 0.1; done
		sample "$m" "$r" "$W/f" iccfs
		fusermount3 -u "$W/f"
		wait "$FSPID"
		FSPID=""
		umount "$W/m"
		echo "quota-ab: round $r $m done" >&2
	done
done
for metric in "seq write native" "seq write iccfs" "untar native" "untar iccfs"; do
	for m in $MODES; do
		awk -F, -v x="$metric" -v d="$m" '$3 == x && $1 == d { print $4 }' "$OUT" | sort -g |
			awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2, NR, a[1], a[NR] }' |
			{ read -r med n lo hi; echo "$metric|$m|$med|$n|$lo|$hi"; }
	done
done | awk -F'|' '$2 == "off" { off[$1] = $3 } { row[NR] = $0 } END { for (i = 1; i <= NR; i++) {
	split(row[i], f, "|"); printf "%-17s %-6s n=%-3s median %9.3f  vs off %+6.1f%%  (min %s, max %s)\n",
	f[1], f[2], f[4], f[3], (f[3] / off[f[1]] - 1) * 100, f[5], f[6] } }'
