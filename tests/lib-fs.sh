# lib-fs.sh - what the icc-fs tests (t3*) share; sourced after lib.sh:
#     . "$(dirname "$0")/../lib.sh"
#     . "$TESTS_DIR/lib-fs.sh"
#     setup_fs_vol

# setup_fs_vol: as root with /dev/fuse (else skip), a store with the empty
# subvolume $V to serve at $M; $SD is where its snapshots go, $USR runs a
# command as the unprivileged uid 1000 (which can reach $T and the store).
setup_fs_vol() {
	[ "$(id -u)" = 0 ] || skip_all "needs root"
	[ -e /dev/fuse ] || skip_all "needs /dev/fuse"
	setup_store
	M=$T/mnt
	V=$T/store/vol
	SD=$T/store/.vol.snapshots
	USR="setpriv --reuid=1000 --regid=1000 --clear-groups"
	btrfs subvolume create "$V" >/dev/null
	chmod 755 "$T" "$T/store"
	mkdir -p "$M"
}

# mount_fs SUBVOL MNT [OPTS]: mount, and unmount + kill (by pid) at exit
mount_fs() {
	local pidf="$T/$(basename "$2").pid"
	"$ICCFS_BIN" -o "pidfile=$pidf${3:+,$3}" "$1" "$2" || return 1
	at_exit "umount -l '$2'; kill -9 \$(cat '$pidf' 2>/dev/null) 2>/dev/null"
}

# mount_fs_debug LOG [OPTS]: icc-fs -d serving $V at $M in the background, its
# request log (stdout and stderr) in LOG; its pid in FS_DEBUG_PID; fails if it
# did not mount in 10 s
mount_fs_debug() {
	local log=$1 pid k
	"$ICCFS_BIN" -d ${2:+-o "$2"} "$V" "$M" >"$log" 2>&1 &
	pid=$!
	FS_DEBUG_PID=$pid
	at_exit "umount -l '$M'; kill -9 $pid 2>/dev/null"
	for k in $(seq 100); do mountpoint -q "$M" && return 0; sleep 0.1; done
	return 1
}

# mount_debug [OPTS]: icc-fs -d in the background, its request log in $T/d.log;
# requests OPCODE: how many OPCODE requests that log shows
mount_debug() { mount_fs_debug "$T/d.log" "$@"; }
requests() { grep -c "opcode: $1 " "$T/d.log"; }

# mount_debug_needing FEATURE WHY: mount_debug, and skip the whole test (saying
# WHY and what the daemon negotiated) unless its log says "FEATURE negotiated"
mount_debug_needing() {
	mount_debug || skip_all "icc-fs -d did not mount"
	grep -q "transport: .*$1 negotiated" "$T/d.log" && return 0
	umount "$M"
	skip_all "$2: $(grep -o 'transport: .*' "$T/d.log")"
}
