#!/bin/sh
# fresh/run.sh - `make fresh-check`: the README's two commands on a bare
# Debian 12, as a new user's machine would run them.
#
# A minbase bookworm tree (debootstrap, built once and cached under
# /var/cache/icc-fresh) is copied to a scratch directory and entered as the
# root of new mount and PID namespaces with pivot_root -- a machine, not a
# chroot, so icc's chroot refusal does not fire and runc's exec stays inside.
# There only `make` is installed; a clean clone of this repository (HEAD) then
# runs `make demo` and `make check`.  The namespaces take every mount, loop
# device and process with them; the scratch directory is removed at exit.
# FRESH_KEEP=1 keeps the scratch tree for a look; FRESH_TESTS='t3*' runs only
# those end-to-end scripts (to chase a failure; the real check runs them all).
set -eu
SRC=$(cd "$(dirname "$0")/../.." && pwd)
CACHE=${FRESH_CACHE:-/var/cache/icc-fresh}
TREE=$CACHE/bookworm-minbase
[ "$(id -u)" = 0 ] || { echo "fresh-check: needs root" >&2; exit 1; }

mirror=$(sed -n 's/^URIs: *\(http[^ ]*debian\)$/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n1)
[ -n "$mirror" ] || mirror=$(sed -n 's/^deb \(http[^ ]*\) bookworm .*/\1/p' /etc/apt/sources.list 2>/dev/null | head -n1)
: "${mirror:=http://deb.debian.org/debian}"

# 1. The bare tree, once (built beside the cache, published by rename).
if [ ! -x "$TREE/bin/sh" ]; then
	command -v debootstrap >/dev/null || {
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
	}
	mkdir -p "$CACHE"
	tmp=$(mktemp -d "$CACHE/.build.XXXXXX")
	echo "fresh-check: debootstrap --variant=minbase bookworm ($mirror), once" >&2
	debootstrap --variant=minbase bookworm "$tmp" "$mirror" >"$tmp.log" 2>&1 ||
		{ tail -n 20 "$tmp.log" >&2; rm -rf "$tmp" "$tmp.log"; exit 1; }
	rm -f "$tmp.log"
	chmod 755 "$tmp" # mktemp's 0700 would lock every other user out of /
	mv "$tmp" "$TREE"
fi

# 2. A scratch copy with a clean clone of HEAD (and shared/ beside it, as CI has).
W=$(mktemp -d /var/tmp/icc-fresh.XXXXXX) && chmod 755 "$W" # apt's _apt user reads below it
cleanup() {
	cd /
	# the namespaces are gone by now; detach any loop device left on the scratch tree
	for l in $(losetup -n -O NAME,BACK-FILE 2>/dev/null | awk -v w="$W" 'index($2, w) == 1 {print $1}'); do
		losetup -d "$l" 2>/dev/null || true
	done
	[ "${FRESH_KEEP:-0}" = 1 ] && { echo "fresh-check: kept $W" >&2; return; }
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
R=$W/root
cp -a "$TREE" "$R"
chmod 755 "$R"
git clone -q --no-local "$SRC" "$R/root/work/icc"
[ -d "$SRC/../shared" ] && cp -a "$SRC/../shared" "$R/root/work/shared"
cp /etc/resolv.conf "$R/etc/resolv.conf"

# 3. Enter it as a machine and run the README's commands.
cat >"$R/root/fresh-inside.sh" <<'INSIDE'
set -u
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null && apt-get install -y -qq make >/dev/null || exit 1
cd /root/work/icc
echo "== make demo (first time on a bare machine)"
make demo </dev/null >/root/demo.log 2>&1; demo=$?
tail -n 3 /root/demo.log
echo "== make check"
make check </dev/null >/root/check.log 2>&1; check=$?
grep -E -A12 '^not ok|exited with' /root/check.log | head -n 80
grep -E '^[0-9]+ passed, [0-9]+ failed' /root/check.log | tail -n 1
# the demo's default network keeps its bridge up between containers (as
# docker0): this machine shares the host's network, so take it down
# (its containers first: network rm refuses a network a container names)
for c in $(./build/icc ps -aq 2>/dev/null); do ./build/icc rm -f --snapshots "$c" >/dev/null 2>&1; done
./build/icc network rm bridge >/dev/null 2>&1 || echo "fresh-check: could not take down the demo's bridge icc0" >&2
echo "fresh-check: make demo exit $demo, make check exit $check"
[ $demo -eq 0 ] && [ $check -eq 0 ]
INSIDE
rc=0
unshare --mount --pid --fork --propagation private sh -c '
	R=$1
	mount --bind "$R" "$R"
	mount -t proc proc "$R/proc"
	mount --rbind /sys "$R/sys"
	mount --rbind /dev "$R/dev"
	mount -t tmpfs -o mode=755 tmpfs "$R/run"
	cd "$R" && mkdir -p .oldroot && pivot_root . .oldroot && umount -l /.oldroot && rmdir /.oldroot ||
		exit 1
	exec env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
		TERM=dumb LANG=C.UTF-8 ${2:+TESTS="$2"} sh /root/fresh-inside.sh' sh "$R" "${FRESH_TESTS:-}" || rc=$?
echo "fresh-check: $([ $rc -eq 0 ] && echo passed || echo FAILED) (exit $rc)"
exit $rc
