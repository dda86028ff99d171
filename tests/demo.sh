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

if $ICC run --help >/dev/null 2>&1 && [ -t 0 ] && [ -t 1 ]; then
	name=demo-$(date +%s)
	echo
	echo "Dropping you into a shell in a fresh container, $name."
	echo "Type '#save NAME' to save, 'ls /.icc/snapshots' to browse saves, 'exit' to leave;"
	echo "then 'icc promote $name/NAME IMAGE' turns a save into an image."
	exec $ICC run -it --name "$name" busybox:demo /bin/sh
fi

# Without a terminal: the story of seed 000, scripted.
name=demo-$(date +%s)
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
