#!/bin/sh
# demo.sh - icc's main job on the embedded default store (make demo).
#
# Builds a busybox base image (no network), then replays the story icc is
# for: a container, a change, a save from inside, browsing the snapshot,
# promoting it to an image.  On a terminal (and when `icc run` exists) it
# ends in an interactive shell in a fresh container.
set -eu
ICC=${ICC:-icc}
say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
run() { say "$*"; "$@"; }

# A base image from busybox-static, made on the spot (or DIR from $ICC_DEMO_ROOTFS).
base=$($ICC images -q busybox:demo 2>/dev/null || true)
if [ -z "$base" ]; then
	rootfs=${ICC_DEMO_ROOTFS:-}
	if [ -z "$rootfs" ]; then
		rootfs=$(mktemp -d /tmp/icc-demo-rootfs.XXXXXX)
		trap 'rm -rf "$rootfs"' EXIT
		chmod 755 "$rootfs"
		mkdir -p "$rootfs/bin" "$rootfs/etc" "$rootfs/tmp" "$rootfs/root" "$rootfs/proc" "$rootfs/sys" "$rootfs/dev"
		cp /bin/busybox "$rootfs/bin/busybox"
		for a in $("$rootfs/bin/busybox" --list); do
			[ "$a" = busybox ] || ln -sf busybox "$rootfs/bin/$a"
		done
		echo 'root:x:0:0:root:/root:/bin/sh' >"$rootfs/etc/passwd"
		echo 'root:x:0:' >"$rootfs/etc/group"
		chmod 1777 "$rootfs/tmp"
	fi
	run $ICC init -c 'CMD ["/bin/sh"]' -m "busybox base image" "$rootfs" busybox:demo
fi
run $ICC images

# On a terminal: a shell in the demo's own container, demo-shell.  A second
# `make demo` goes back into the same container, so the saves made there stay
# and the store does not grow a container per run.
if $ICC run --help >/dev/null 2>&1 && [ -t 0 ] && [ -t 1 ]; then
	name=demo-shell
	echo
	echo "Type '#save NAME' to save, 'ls /.icc/snapshots' to browse saves, 'exit' to leave;"
	echo "then 'icc promote $name/NAME IMAGE' turns a save into an image."
	if $ICC inspect --type container "$name" >/dev/null 2>&1; then
		echo "Back into your container $name (icc start -ai $name)."
		exec $ICC start -ai "$name"
	fi
	echo "Dropping you into a shell in a fresh container, $name."
	exec $ICC run -it --name "$name" busybox:demo /bin/sh
fi

# Without a terminal: the story of seed 000, scripted.  What an earlier run
# of this script made (its container and its image) is replaced, so running
# it twice leaves the store as running it once.
name=demo
if $ICC inspect --type container "$name" >/dev/null 2>&1; then
	$ICC rm -f "$name" >/dev/null
fi
if $ICC inspect --type image demo:first >/dev/null 2>&1; then
	$ICC rmi demo:first >/dev/null
fi
say "icc run --name $name busybox:demo sh -c '...'   # change a file and save from inside"
$ICC run --name "$name" busybox:demo sh -c '
	echo "I was here" > /I-was-here
	echo "$ echo first > /.icc/save"
	printf "first\nadded I-was-here\n" > /.icc/save
	echo "$ cat /.icc/save"; cat /.icc/save
	echo "$ ls /.icc/snapshots/"; ls /.icc/snapshots/
	echo "$ cat /.icc/snapshots/first/I-was-here"; cat /.icc/snapshots/first/I-was-here'
run $ICC ps -a
run $ICC snapshots "$name"
run $ICC promote "$name/first" demo:first
run $ICC run --rm demo:first cat /I-was-here
run $ICC history demo:first
run $ICC images
echo
echo "Done. The store is $($ICC system info | sed -n 's/^Root: *//p'); on a terminal, 'make demo' opens a shell; see 'icc --help'."
