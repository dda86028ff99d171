#!/bin/sh
# debian-tree.sh - a real Debian tree for tests: `debootstrap --variant=minbase bookworm`,
# built once and cached in /var/cache/icc-test/debian-bookworm (override with
# ICC_DEBIAN_TREE).  Prints the directory; exit 1 (with the reason on stderr)
# when it cannot be built.  Built in a temp directory next to the cache and
# renamed into place, so a half-made tree is never seen; concurrent callers
# wait on a flock and reuse the first one's tree.
set -u
tree=${ICC_DEBIAN_TREE:-/var/cache/icc-test/debian-bookworm}
cache=$(dirname "$tree")
mkdir -p "$cache" || exit 1
if [ ! -x "$tree/usr/bin/apt-get" ]; then
	command -v debootstrap >/dev/null ||
		{ echo "debian-tree: debootstrap is not installed (sh .ci/install-deps test)" >&2; exit 1; }
	exec 9>"$cache/.lock"
	flock 9
	if [ ! -x "$tree/usr/bin/apt-get" ]; then
		# the mirror the host's apt uses
		mirror=$(awk '/^URIs:/ {print $2; exit} /^deb / {print $2; exit}' \
			/etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null)
		tmp=$(mktemp -d "$cache/.build.XXXXXX") || exit 1
		echo "debian-tree: building $tree with debootstrap --variant=minbase bookworm (once)" >&2
		if debootstrap --variant=minbase bookworm "$tmp/root" ${mirror:-} >"$cache/debootstrap.log" 2>&1 &&
			[ -x "$tmp/root/usr/bin/apt-get" ]; then
			rm -rf "$tree"
			mv "$tmp/root" "$tree"
		else
			echo "debian-tree: debootstrap failed (see $cache/debootstrap.log)" >&2
		fi
		rm -rf "$tmp"
	fi
	flock -u 9
fi
[ -x "$tree/usr/bin/apt-get" ] || exit 1
echo "$tree"
