#!/bin/bash
# run.sh - icc's benchmark: native btrfs vs icc-fs vs fuse-overlayfs, saves, containers, memory
#
#   make bench                       (= sh tests/bench/run.sh build)
#   BENCH_QUICK=1 make bench         fewer repetitions, smaller sizes (~5-8 minutes)
#   BENCH_ONLY='fio|tree' make bench only the workloads whose name matches the regex:
#                                    fio tree smallfiles build save promote rollback containers commit memory apt
#                                    dockerfile
#   BENCH_REPS=N                     repetitions per target (default 5, quick 3)
#   BENCH_KEEP_RAW=1                 keep build/bench/raw.csv of earlier runs (appends)
#   BENCH_QUOTA=full|simple          the same runs with btrfs quotas on (default off; docs/store.md)
#
# Everything runs on a loop-file btrfs made for this run under /var/tmp; it is
# unmounted and removed on exit (also on failure or Ctrl-C). Results:
# build/bench/results.md (the table printed at the end), results.csv,
# results.json, raw.csv (every sample). See docs/performance.md.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u
export LC_ALL=C

BUILD=$(cd "${1:-build}" && pwd) || exit 1
HERE=$(cd "$(dirname "$0")" && pwd)
ICC=$BUILD/icc
ICCFS=$BUILD/icc-fs
OUT=$BUILD/bench
BT=$OUT/benchtool
CACHE=/var/cache/icc-bench
TARBALL=$CACHE/minbase-bookworm.tar
QUICK=${BENCH_QUICK:-0}
ONLY=${BENCH_ONLY:-.}

if [ "$QUICK" = 1 ]; then
	REPS=${BENCH_REPS:-3}
	FIO_MB=256 FIO_RT=2 CPROJ_N=60 SMALL_N=10000
	SAVE_SIZES="10M 200M" SAVE_DIRTY="0 100M 1G" SAVE_N0=20 SAVE_N100=5 SAVE_N1G=3
	PROMOTE_N=5 RUN_N=6 COMMIT_SIZES="64" COMMIT_N=3
else
	REPS=${BENCH_REPS:-5}
	FIO_MB=1024 FIO_RT=6 CPROJ_N=200 SMALL_N=10000
	SAVE_SIZES="10M 200M 2G" SAVE_DIRTY="0 100M 1G" SAVE_N0=20 SAVE_N100=10 SAVE_N1G=5
	PROMOTE_N=10 RUN_N=10 COMMIT_SIZES="64 1024" COMMIT_N=3
fi
MEM_FILES=60000
# iccfs-nopt: icc-fs with kernel passthrough off (-o passthrough=off), to show what it buys;
# iccfs-nouring: icc-fs with FUSE over io_uring off (-o uring=off: requests by read(2) on
# /dev/fuse), in the metadata workloads (tree, smallfiles, build) and apt, where the round
# trip counts
TARGETS="native iccfs iccfs-nopt fuse-overlayfs"
META_TARGETS="native iccfs iccfs-nouring iccfs-nopt fuse-overlayfs"

die() { echo "bench: $*" >&2; exit 1; }
log() { echo "bench: $*" >&2; }
want() { echo "$1" | grep -Eq -- "$ONLY"; }

[ "$(id -u)" = 0 ] || die "must run as root (loop devices, mounts, drop_caches)"
[ -x "$ICC" ] && [ -x "$ICCFS" ] || die "build icc first (make all)"

# ---------------------------------------------------------------- packages
need_pkgs() {
	local missing="" p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
			missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	log "installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null 2>&1
	apt-get install -y -qq --no-install-recommends $missing >/dev/null 2>&1 ||
		log "could not install:$missing"
}
need_pkgs fio fuse-overlayfs debootstrap jq btrfs-progs busybox-static runc make gcc
want 'containers|commit' && need_pkgs podman
command -v fio >/dev/null || die "fio is missing"
command -v jq >/dev/null || die "jq is missing"
command -v fuse-overlayfs >/dev/null || die "fuse-overlayfs is missing"

mkdir -p "$OUT" || exit 1
cc -O2 -std=gnu11 -Wall -Wextra -o "$BT" "$HERE/benchtool.c" || die "cannot build benchtool"

# the Debian minbase tarball, built once with debootstrap and cached
if want tree && [ ! -s "$TARBALL" ]; then
	log "building $TARBALL with debootstrap --variant=minbase bookworm (once)"
	mkdir -p "$CACHE"
	d=$(mktemp -d /var/tmp/icc-bench-deboot.XXXXXX)
	mirror=$(awk '/^URIs:/ {print $2; exit} /^deb / {print $2; exit}' \
		/etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null)
	if debootstrap --variant=minbase bookworm "$d/root" ${mirror:-} >"$CACHE/debootstrap.log" 2>&1 &&
		tar -C "$d/root" --numeric-owner -cf "$TARBALL.tmp" . && mv "$TARBALL.tmp" "$TARBALL"; then
		:
	else
		log "debootstrap failed (see $CACHE/debootstrap.log)"
	fi
	rm -rf "$d"
	[ -s "$TARBALL" ] || die "no $TARBALL"
fi

# ---------------------------------------------------------------- scratch btrfs and clean-up
W=$(mktemp -d /var/tmp/icc-bench.XXXXXX) || exit 1
B=$W/btrfs
PIDS=""
P=""   # podman command line, once set up
BENCH_NET=""   # the bench's own bridge network (bench_network), once made

cleanup() {
	set +e
	trap - EXIT INT TERM HUP
	if [ -n "$P" ]; then
		$P rm -af >/dev/null 2>&1
	fi
	# the bench's bridge is kept up between containers: it goes with its network,
	# once no container names it (else its record outlives the store)
	# (only the bench's own store, never one ICC_ROOT named before it was set)
	if [ "${ICC_ROOT:-}" = "$B/store" ] && [ -d "$ICC_ROOT" ]; then
		for c in $("$ICC" ps -aq 2>/dev/null); do "$ICC" rm -f "$c" >/dev/null 2>&1; done
		[ -n "$BENCH_NET" ] && "$ICC" network rm "$BENCH_NET" >/dev/null 2>&1
	fi
	local m p k c
	for k in 1 2; do
		awk -v w="$W" 'index($2, w) == 1 {print $2}' /proc/mounts | sort -r |
			while read -r m; do
				umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null
			done
	done
	for p in $PIDS; do
		for k in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$p" 2>/dev/null || break; sleep 0.2; done
		kill "$p" 2>/dev/null
	done
	for p in $(losetup -j "$W/btrfs.img" -O NAME -n 2>/dev/null); do losetup -d "$p"; done
	rm -rf "$W"
}
trap cleanup EXIT
trap 'log interrupted; exit 130' INT TERM HUP

truncate -s 40G "$W/btrfs.img"
mkfs.btrfs -q "$W/btrfs.img" >/dev/null 2>&1 || die "mkfs.btrfs failed"
mkdir -p "$B" "$W/mi" "$W/mn" "$W/mu" "$W/mo" "$W/ms" "$W/mp"
mount -o loop "$W/btrfs.img" "$B" || die "cannot mount the loop btrfs"
case ${BENCH_QUOTA:-off} in
off) ;;
full | simple) "$BT" quota "$BENCH_QUOTA" "$B" || die "cannot enable $BENCH_QUOTA quotas" ;;
*) die "BENCH_QUOTA must be off, full or simple" ;;
esac

drop_caches() { sync; echo 3 >/proc/sys/vm/drop_caches; }

wait_mount() {
	local k
	for k in $(seq 100); do
		mountpoint -q "$1" && return 0
		sleep 0.1
	done
	die "mount on $1 did not appear"
}

# start_iccfs SUBVOL MNT [OPTS]: icc-fs in the foreground, as our child; sets LASTPID
start_iccfs() {
	"$ICCFS" -f ${3:+-o "$3"} "$1" "$2" >>"$W/iccfs.log" 2>&1 &
	LASTPID=$!
	PIDS="$PIDS $LASTPID"
	wait_mount "$2"
}

# start_ovl LOWER UPPER WORK MNT
start_ovl() {
	fuse-overlayfs -f -o "lowerdir=$1,upperdir=$2,workdir=$3" "$4" >>"$W/ovl.log" 2>&1 &
	LASTPID=$!
	PIDS="$PIDS $LASTPID"
	wait_mount "$4"
}

# ---------------------------------------------------------------- recording
RAW=$OUT/raw.csv
[ "${BENCH_KEEP_RAW:-0}" = 1 ] && [ -s "$RAW" ] || echo "group,metric,target,rep,value,unit,better" >"$RAW"

# rec GROUP METRIC TARGET REP VALUE UNIT lower|higher
rec() {
	echo "$1,${2//,/;},$3,$4,$5,$6,$7" >>"$RAW"
	printf 'bench: %-11s %-32s %-15s #%s %s %s\n' "$1" "$2" "$3" "$4" "$5" "$6" >&2
}

# timeit CMD...: run CMD (output discarded), print its wall time in seconds
timeit() {
	local t0 t1 rc
	t0=$EPOCHREALTIME
	"$@" >/dev/null 2>>"$W/cmd.err"
	rc=$?
	t1=$EPOCHREALTIME
	[ $rc -eq 0 ] || { log "failed ($rc): $*"; tail -n 3 "$W/cmd.err" >&2; }
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f\n", b - a }'
	return $rc
}

# ---------------------------------------------------------------- the three file-system targets
# fuse-overlayfs: lower, upper and work are directories of one subvolume of the same
# btrfs (fuse-overlayfs reports one st_dev for all layers, so layers on different
# subvolumes collide in inode numbers and `ls -lR` sees directory loops). The lower
# layer is a reflink copy of the subvolume served natively and by icc-fs.
btrfs -q subvolume create "$B/vol"
echo "bench" >"$B/vol/README"
btrfs -q subvolume create "$B/ovl"
mkdir -p "$B/ovl/upper" "$B/ovl/work"
cp -a --reflink=always "$B/vol" "$B/ovl/lower"
start_iccfs "$B/vol" "$W/mi"
ICCFS_PID=$LASTPID
start_iccfs "$B/vol" "$W/mn" passthrough=off
start_iccfs "$B/vol" "$W/mu" uring=off
start_ovl "$B/ovl/lower" "$B/ovl/upper" "$B/ovl/work" "$W/mo"

tdir() {
	case $1 in
	native) echo "$B/vol/t-native" ;;
	iccfs) echo "$W/mi/t-iccfs" ;;
	iccfs-nopt) echo "$W/mn/t-iccfs-nopt" ;;
	iccfs-nouring) echo "$W/mu/t-iccfs-nouring" ;;
	fuse-overlayfs) echo "$W/mo/t-ovl" ;;
	esac
}
for t in $META_TARGETS; do mkdir -p "$(tdir $t)"; done

# ---------------------------------------------------------------- fio
fio_run() { # FILE JSON ARGS...
	local f=$1 j=$2
	shift 2
	fio --name=bench --filename="$f" --size=${FIO_MB}M --ioengine=psync --invalidate=0 \
		--fallocate=none --output-format=json --output="$j" "$@" >/dev/null 2>>"$W/cmd.err"
}

wl_fio() { # TARGET REP
	local d f j s
	d=$(tdir "$1")/fio
	mkdir -p "$d"
	f=$d/data j=$W/fio.json
	rm -f "$f"
	sync
	s=$(timeit fio_run "$f" "$j" --rw=write --bs=1M --end_fsync=1) || return
	rec fio "seq write ${FIO_MB}M bs=1M fsync" "$1" "$2" \
		"$(awk -v s="$s" -v m=$FIO_MB 'BEGIN { printf "%.1f", m / s }')" MiB/s higher
	drop_caches
	fio_run "$f" "$j" --rw=read --bs=1M &&
		rec fio "seq read ${FIO_MB}M cold" "$1" "$2" \
			"$(jq '.jobs[0].read.bw_bytes / 1048576 | . * 10 | round / 10' "$j")" MiB/s higher
	fio_run "$f" "$j" --rw=read --bs=1M &&
		rec fio "seq read ${FIO_MB}M warm" "$1" "$2" \
			"$(jq '.jobs[0].read.bw_bytes / 1048576 | . * 10 | round / 10' "$j")" MiB/s higher
	drop_caches
	fio_run "$f" "$j" --rw=randread --bs=4k --time_based --runtime=$FIO_RT &&
		rec fio "4k rand read cold" "$1" "$2" "$(jq '.jobs[0].read.iops | round' "$j")" IOPS higher
	fio_run "$f" "$j" --rw=randwrite --bs=4k --fsync=1 --time_based --runtime=$FIO_RT &&
		rec fio "4k rand write fsync=1" "$1" "$2" "$(jq '.jobs[0].write.iops | round' "$j")" IOPS higher
	rm -rf "$d"
	sync
}

# ---------------------------------------------------------------- metadata on a Debian tree
wl_tree() { # TARGET REP
	local d s
	d=$(tdir "$1")/tree
	rm -rf "$d"
	mkdir -p "$d"
	sync
	s=$(timeit tar -C "$d" --numeric-owner -xf "$TARBALL") && rec tree "untar minbase" "$1" "$2" "$s" s lower
	sync
	drop_caches
	s=$(timeit find "$d") && rec tree "find cold" "$1" "$2" "$s" s lower
	s=$(timeit find "$d") && rec tree "find warm" "$1" "$2" "$s" s lower
	drop_caches
	s=$(timeit du -s "$d") && rec tree "du -s cold" "$1" "$2" "$s" s lower
	s=$(timeit du -s "$d") && rec tree "du -s warm" "$1" "$2" "$s" s lower
	drop_caches
	s=$(timeit ls -lR "$d") && rec tree "ls -lR cold" "$1" "$2" "$s" s lower
	s=$(timeit ls -lR "$d") && rec tree "ls -lR warm" "$1" "$2" "$s" s lower
	s=$(timeit rm -rf "$d") && rec tree "rm -rf (warm)" "$1" "$2" "$s" s lower
	sync
}

wl_smallfiles() {
	local d v
	# the FUSE round-trip floor: one GETATTR per stat of .icc/snapshots (attributes
	# never cached there), against a cached stat of the same mount's root
	local m=""
	case $1 in iccfs) m=$W/mi ;; iccfs-nouring) m=$W/mu ;; esac
	[ -n "$m" ] && v=$("$BT" rtt "$m/.icc/snapshots" 20000) &&
		rec smallfiles "no-op round trip (1 GETATTR)" "$1" "$2" "$v" s lower
	[ "$1" = native ] && v=$("$BT" rtt "$B/vol" 20000) &&
		rec smallfiles "no-op round trip (1 GETATTR)" native "$2" "$v" s lower
	d=$(tdir "$1")/small
	rm -rf "$d"
	mkdir -p "$d"
	sync
	"$BT" smallfiles "$d" $SMALL_N >"$W/small.out" 2>>"$W/cmd.err" || { log "smallfiles failed on $1"; return; }
	while read -r k v; do
		case $k in
		create) rec smallfiles "create ${SMALL_N} files" "$1" "$2" "$v" s lower ;;
		stat) rec smallfiles "stat ${SMALL_N} after write" "$1" "$2" "$v" s lower ;;
		restat) rec smallfiles "stat ${SMALL_N} warm" "$1" "$2" "$v" s lower ;;
		unlink) rec smallfiles "unlink ${SMALL_N} files" "$1" "$2" "$v" s lower ;;
		esac
	done <"$W/small.out"
	rmdir "$d"
	sync
}

wl_build() {
	local d s
	d=$(tdir "$1")/cproj
	rm -rf "$d"
	cp -r "$W/cproj" "$d"
	sync
	s=$(timeit make -C "$d" -j2 -s) && rec build "make -j2 (${CPROJ_N} .c files)" "$1" "$2" "$s" s lower
	rm -rf "$d"
	sync
}

for w in fio tree smallfiles build; do
	want "$w" || continue
	if [ $w = build ]; then
		mkdir -p "$W/cproj" && "$BT" cproj "$W/cproj" $CPROJ_N
	fi
	[ $w = tree ] && cat "$TARBALL" >/dev/null # the tarball itself comes from the page cache
	tg=$TARGETS
	[ $w = fio ] || tg=$META_TARGETS
	log "== $w ($REPS rounds over: $tg)"
	for r in $(seq "$REPS"); do
		for t in $tg; do
			wl_$w "$t" "$r"
		done
	done
done

# ---------------------------------------------------------------- save vs a raw snapshot
# one subvolume, served by icc-fs at $W/ms; the raw snapshot is the ioctl on the subvolume itself.
# Snapshots are deleted after each sample (not waiting for btrfs's cleaner: `btrfs subvolume
# sync` waits for a transaction commit, up to 30 s).
snap_cleanup() {
	local s
	for s in "$W"/ms/.icc/snapshots/*; do [ -e "$s" ] && rmdir "$s"; done
	for s in "$B"/raw/*; do [ -e "$s" ] && btrfs -q subvolume delete "$s" >/dev/null; done
	rm -f "$B"/savevol/dirty.*
	sync
}

if want save; then
	log "== save (echo > .icc/save vs BTRFS_IOC_SNAP_CREATE_V2 read-only)"
	btrfs -q subvolume create "$B/savevol"
	mkdir -p "$B/raw" "$B/savevol/tree"
	start_iccfs "$B/savevol" "$W/ms"
	have=0
	for size in $SAVE_SIZES; do
		# grow the tree to SIZE (64 KiB files, 256 per directory), then settle it
		rm -rf "$B/savevol/tree" && mkdir "$B/savevol/tree"
		"$BT" fill "$B/savevol/tree" "$size"
		sync
		btrfs filesystem sync "$B"
		for dirty in $SAVE_DIRTY; do
			case $dirty in 0) n=$SAVE_N0 ;; 100M) n=$SAVE_N100 ;; *) n=$SAVE_N1G ;; esac
			for i in $(seq "$n"); do
				[ "$dirty" = 0 ] || "$BT" dirty "$B/savevol/dirty.raw" "$dirty"
				v=$("$BT" snap "$B/savevol" "$B/raw" "s$i") &&
					rec save "save: tree $size + $dirty dirty" "raw-snapshot" "$i" "$v" s lower
				snap_cleanup
				[ "$dirty" = 0 ] || "$BT" dirty "$W/ms/dirty.icc" "$dirty"
				v=$("$BT" save "$W/ms/.icc/save") &&
					rec save "save: tree $size + $dirty dirty" "icc-save" "$i" "$v" s lower
				snap_cleanup
			done
		done
	done
	umount "$W/ms"
fi

# ---------------------------------------------------------------- promote / commit latency
ICC_ROOT=$B/store
export ICC_ROOT ICC_FS_BIN="$ICCFS"
mkdir -p "$ICC_ROOT"

if want promote; then
	log "== promote (and commit of a stopped container) by tree size"
	mkdir -p "$B/ptree"
	for size in $SAVE_SIZES; do
		rm -rf "$B/ptree" && mkdir "$B/ptree"
		"$BT" fill "$B/ptree" "$size"
		sync
		img=p$(echo "$size" | tr 'A-Z' 'a-z')
		"$ICC" init "$B/ptree" "$img" >/dev/null 2>>"$W/cmd.err" || { log "icc init failed"; continue; }
		"$ICC" create --name "c$img" "$img" >/dev/null 2>>"$W/cmd.err" || { log "icc create failed"; continue; }
		"$ICC" mount "c$img" "$W/mp" || { log "icc mount failed"; continue; }
		echo "s1" >"$W/mp/.icc/save"
		sync
		for i in $(seq "$PROMOTE_N"); do
			v=$(timeit "$ICC" promote "c$img/s1" "pr$img:$i") &&
				rec promote "promote: tree $size" icc "$i" "$v" s lower
		done
		"$ICC" umount "$W/mp"
		for i in $(seq "$PROMOTE_N"); do
			v=$(timeit "$ICC" commit "c$img" "cm$img:$i") &&
				rec promote "commit (stopped): tree $size" icc "$i" "$v" s lower
		done
		rm -rf "$B/ptree"
	done
fi

# ---------------------------------------------------------------- live rollback
# A running container's tree (SIZE of 64 KiB files) back to a snapshot: a write to
# its /.icc/rollback (keep=no: the swap alone; and with the save before it), the
# kernel knowing every inode of the tree (ls -lR through the mount first), against
# icc stop + icc rollback + icc start.
if want rollback; then
	log "== rollback: live (/.icc/rollback) vs stop + icc rollback + start"
	mkdir -p "$B/rtree"
	for size in $SAVE_SIZES; do
		rm -rf "$B/rtree" && mkdir -p "$B/rtree/bin" "$B/rtree/tree"
		cp /bin/busybox "$B/rtree/bin/busybox" && ln -s busybox "$B/rtree/bin/sleep"
		"$BT" fill "$B/rtree/tree" "$size"
		img=rb$(echo "$size" | tr 'A-Z' 'a-z')
		"$ICC" init "$B/rtree" "$img" >/dev/null 2>>"$W/cmd.err" || { log "icc init failed"; continue; }
		"$ICC" run -d --network none --name "c$img" "$img" sleep 100000 >/dev/null 2>>"$W/cmd.err" ||
			{ log "icc run failed"; continue; }
		cid=$("$ICC" inspect -f '{{.Id}}' "c$img")
		MP=$ICC_ROOT/containers/$cid/merged
		echo s1 >"$MP/.icc/save"
		for i in $(seq "$PROMOTE_N"); do
			ls -lR "$MP/tree" >/dev/null
			v=$("$BT" ctl "$MP/.icc/rollback" "s1 keep=no") &&
				rec rollback "rollback: tree $size" "live (swap only)" "$i" "$v" s lower
			ls -lR "$MP/tree" >/dev/null
			v=$("$BT" ctl "$MP/.icc/rollback" "s1") &&
				rec rollback "rollback: tree $size" "live (save first)" "$i" "$v" s lower
			for s in $("$ICC" snapshots -q "c$img" | grep '^before-rollback-'); do
				"$ICC" snapshot rm "c$img/$s" >/dev/null 2>>"$W/cmd.err"
			done
			v=$(timeit sh -c "'$ICC' stop -t 0 c$img && '$ICC' rollback c$img s1 && '$ICC' start c$img") &&
				rec rollback "rollback: tree $size" "stop+rollback+start" "$i" "$v" s lower
			v=$("$BT" save "$MP/.icc/save") && rec rollback "rollback: tree $size" "save (for scale)" "$i" "$v" s lower
			"$ICC" snapshots -q "c$img" | grep -v '^s1$' | while read -r s; do
				"$ICC" snapshot rm "c$img/$s" >/dev/null 2>>"$W/cmd.err"
			done
		done
		"$ICC" rm -f "c$img" >/dev/null 2>>"$W/cmd.err"
		rm -rf "$B/rtree"
	done
fi

# ---------------------------------------------------------------- containers
# bench_network: a bridge network of the bench alone (its own subnet and
# interface, not the store's default `bridge` on icc0, which a store of this
# machine may use; the default cannot be removed or made anew); sets BENCH_NET
bench_network() {
	[ -n "$BENCH_NET" ] && return 0
	if "$ICC" network create --subnet 10.251.0.0/24 --interface-name iccbench$$ benchnet \
		>/dev/null 2>>"$W/cmd.err"; then
		BENCH_NET=benchnet
	else
		log "icc network create failed: $(tail -n 1 "$W/cmd.err")"
	fi
}
have_run=0
"$ICC" --help 2>&1 | grep -q '^  run ' && have_run=1
if [ $have_run = 0 ] && want 'containers|commit'; then
	log "icc has no 'run' command: skipping containers and commit"
elif want 'containers|commit'; then
	log "== containers: icc run --rm vs runc run vs podman run --rm"
	R=$B/rootfs
	mkdir -p "$R/bin" "$R/etc" "$R/tmp" "$R/proc" "$R/sys" "$R/dev" "$R/root"
	cp /bin/busybox "$R/bin/busybox"
	for a in $(/bin/busybox --list); do [ "$a" = busybox ] || ln -sf busybox "$R/bin/$a"; done
	echo 'root:x:0:0:root:/root:/bin/sh' >"$R/etc/passwd"
	echo 'root:x:0:' >"$R/etc/group"
	chmod 1777 "$R/tmp"
	tar -C "$R" -cf "$W/rootfs.tar" .
	"$ICC" init "$R" bench-bb >/dev/null || log "icc init of busybox failed"
	# runc bundle: the same rootfs, default spec, no terminal, `true`
	mkdir -p "$B/bundle"
	cp -a "$R" "$B/bundle/rootfs"
	(cd "$B/bundle" && runc spec && jq '.process.terminal=false | .process.args=["/bin/true"] | .process.rlimits=[]' \
		config.json >c.json && mv c.json config.json)
	# the same rootfs with icc's own config.json (Docker's seccomp profile, masked paths,
	# tini, rlimits): what runc itself takes for what icc asks of it
	spec_id=$("$ICC" create --name bench-spec --network none bench-bb true 2>>"$W/cmd.err")
	if [ -n "$spec_id" ] && "$ICC" start bench-spec >/dev/null 2>>"$W/cmd.err"; then
		mkdir -p "$B/bundle-icc"
		jq --arg r "$B/bundle/rootfs" '.root.path=$r | .process.terminal=false' \
			"$ICC_ROOT/containers/$spec_id/bundle/config.json" >"$B/bundle-icc/config.json"
	fi
	if command -v podman >/dev/null; then
		# private storage; runc (crun refuses this host's hybrid cgroups); ulimits within
		# the hard limits (no CAP_SYS_RESOURCE here)
		P="podman --root $B/podman --runroot $W/podman-run --storage-driver overlay --cgroup-manager cgroupfs --events-backend file --runtime runc"
		PRUN="--network=none --ulimit nofile=20000:20000 --ulimit nproc=4096:4096"
		$P import "$W/rootfs.tar" bench-bb >/dev/null 2>>"$W/cmd.err" || { log "podman import failed"; P=""; }
	fi
	bench_network
	# crun run of icc's config.json, timed inside a mount namespace without the
	# cgroup2 tree (crun 1.8 refuses this host's hybrid layout; icc starts crun the same way)
	crun_alone() {
		unshare -m bash -c 'umount /sys/fs/cgroup/unified 2>/dev/null
			a=$EPOCHREALTIME; crun --root "$1" run -b "$2" "$3" >/dev/null 2>>"$4" || exit 1
			b=$EPOCHREALTIME; awk -v a="$a" -v b="$b" "BEGIN { printf \"%.6f\n\", b - a }"' \
			_ "$W/crun-state" "$B/bundle-icc" "$1" "$W/cmd.err"
	}
	if want containers; then
		for i in $(seq "$RUN_N"); do
			v=$(timeit runc --root "$W/runc-state" run -b "$B/bundle" "bench$i") &&
				rec containers "run --rm true" runc "$i" "$v" s lower
			[ -s "$B/bundle-icc/config.json" ] &&
				v=$(timeit runc --root "$W/runc-state" run -b "$B/bundle-icc" "benchi$i") &&
				rec containers "run --rm true" runc-iccspec "$i" "$v" s lower
			[ -s "$B/bundle-icc/config.json" ] && command -v crun >/dev/null &&
				v=$(crun_alone "benchc$i") &&
				rec containers "run --rm true" crun-iccspec "$i" "$v" s lower
			v=$(timeit "$ICC" run --rm --network none bench-bb true) &&
				rec containers "run --rm true" icc "$i" "$v" s lower
			v=$(timeit "$ICC" run --rm --network none --runtime runc bench-bb true) &&
				rec containers "run --rm true" icc-runc "$i" "$v" s lower
			[ -n "$P" ] && v=$(timeit $P run --rm $PRUN bench-bb /bin/true) &&
				rec containers "run --rm true" podman "$i" "$v" s lower
			# each on a bridge network: icc's (netavark; the bench's own, bench_network) vs podman's default
			v=$(timeit "$ICC" run --rm --network "${BENCH_NET:-bridge}" bench-bb true) &&
				rec containers "run --rm true, bridge network" icc "$i" "$v" s lower
			[ -n "$P" ] && v=$(timeit $P run --rm ${PRUN#--network=none } bench-bb /bin/true) &&
				rec containers "run --rm true, bridge network" podman "$i" "$v" s lower
		done
	fi
	if want commit; then
		log "== commit: icc commit vs podman commit after writing N MiB in the container"
		for mb in $COMMIT_SIZES; do
			for i in $(seq "$COMMIT_N"); do
				if "$ICC" run --name "ic$mb-$i" bench-bb dd if=/dev/zero of=/big bs=1M count=$mb \
					>/dev/null 2>>"$W/cmd.err"; then
					v=$(timeit "$ICC" commit "ic$mb-$i" "icm$mb:$i") &&
						rec commit "commit: ${mb} MiB changed" icc "$i" "$v" s lower
					"$ICC" rm "ic$mb-$i" >/dev/null 2>&1
					"$ICC" rmi "icm$mb:$i" >/dev/null 2>&1
				fi
				if [ -n "$P" ] && $P run $PRUN --name "pc$mb-$i" bench-bb dd if=/dev/zero of=/big bs=1M \
					count=$mb >/dev/null 2>>"$W/cmd.err"; then
					v=$(timeit $P commit -q "pc$mb-$i" "pcm$mb:$i") &&
						rec commit "commit: ${mb} MiB changed" podman "$i" "$v" s lower
					$P rm "pc$mb-$i" >/dev/null 2>&1
					$P rmi "pcm$mb:$i" >/dev/null 2>&1
				fi
				sync
			done
		done
	fi
fi

# ---------------------------------------------------------------- Dockerfiles: icc build vs buildah bud
if want dockerfile; then
	log "== dockerfile: icc build vs buildah bud (first build, no-change rebuild, last line changed)"
	. "$HERE/dockerfile.sh"
	bench_dockerfile
fi

# ---------------------------------------------------------------- a real workload: apt-get install python3
# The Debian minbase tree (tests/debian-tree.sh) with python3's .debs (fetched once with
# apt-get --download-only into $APT_DEBS) in /var/cache/apt/archives: `apt-get install
# --no-download -y python3` inside `icc run --rm` (every lever on, and with
# ICC_FS_PASSTHROUGH=0 or ICC_FS_URING=0) against the same in a chroot of a snapshot of the same tree on a
# native subvolume of the same btrfs, alternating.
APT_DEBS=/var/cache/icc-test/apt-python3
apt_debs() { # fetch python3's .debs once, resolved against the tree's own package lists
	local t=$1
	[ -s "$APT_DEBS/.complete" ] && return 0
	mkdir -p "$APT_DEBS/partial" || return 1
	apt-get -q -o Dir="$t" -o Dir::Cache::archives="$APT_DEBS" -o Dir::Cache::pkgcache= \
		-o Dir::Cache::srcpkgcache= -o Debug::NoLocking=1 -o APT::Sandbox::User=root \
		install --download-only -y python3 >"$W/apt-dl.log" 2>&1 || return 1
	ls "$APT_DEBS"/*.deb >"$APT_DEBS/.complete"
}
APT_CMD="apt-get install --no-download -y -q python3"
apt_native() { # REP
	local d=$B/apt-n$1 s
	btrfs -q subvolume snapshot "$B/aptbase" "$d" >/dev/null || return
	mount -t proc proc "$d/proc" && mount --rbind /dev "$d/dev" && mount --make-rslave "$d/dev"
	sync
	s=$(timeit chroot "$d" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		DEBIAN_FRONTEND=noninteractive $APT_CMD) && rec apt "apt-get install python3 (offline)" native "$1" "$s" s lower
	umount -R "$d/dev"; umount "$d/proc"
	btrfs -q subvolume delete "$d" >/dev/null
	sync
}
apt_icc() { # TARGET REP [ENV=VAL]
	local t=$1 r=$2 s
	shift 2
	sync
	s=$(timeit env "$@" "$ICC" run --rm --network none -e DEBIAN_FRONTEND=noninteractive aptimg $APT_CMD) &&
		rec apt "apt-get install python3 (offline)" "$t" "$r" "$s" s lower
	sync
}
if want apt; then
	log "== apt: apt-get install --no-download python3, icc run --rm vs chroot on native btrfs"
	if T=$(sh "$HERE/../debian-tree.sh") && apt_debs "$T"; then
		btrfs -q subvolume create "$B/aptbase"
		cp -a "$T/." "$B/aptbase/"
		cp "$APT_DEBS"/*.deb "$B/aptbase/var/cache/apt/archives/"
		"$ICC" init -q "$B/aptbase" aptimg >/dev/null 2>>"$W/cmd.err" || log "icc init of the Debian tree failed"
		sync
		for r in $(seq "$REPS"); do
			apt_native "$r"
			apt_icc iccfs "$r"
			apt_icc iccfs-nopt "$r" ICC_FS_PASSTHROUGH=0
			apt_icc iccfs-nouring "$r" ICC_FS_URING=0
		done
	else
		log "no Debian tree or python3 .debs (see $W/apt-dl.log): skipping apt"
	fi
fi

# ---------------------------------------------------------------- daemon memory
if want memory; then
	log "== memory: daemon RSS after ls -lR of $MEM_FILES files"
	btrfs -q subvolume create "$B/memvol"
	"$BT" mkfiles "$B/memvol" $MEM_FILES
	btrfs -q subvolume create "$B/memovl"
	mkdir -p "$B/memovl/upper" "$B/memovl/work" "$W/mmi" "$W/mmo"
	cp -a --reflink=always "$B/memvol" "$B/memovl/lower"
	sync
	start_iccfs "$B/memvol" "$W/mmi"
	mi_pid=$LASTPID
	start_ovl "$B/memovl/lower" "$B/memovl/upper" "$B/memovl/work" "$W/mmo"
	mo_pid=$LASTPID
	rss() { awk -v k="$2" '$1 == k":" { printf "%.1f\n", $2 / 1024 }' "/proc/$1/status"; }
	rec memory "daemon RSS at start" iccfs 1 "$(rss $mi_pid VmRSS)" MiB lower
	rec memory "daemon RSS at start" fuse-overlayfs 1 "$(rss $mo_pid VmRSS)" MiB lower
	for r in $(seq "$REPS"); do
		for t in native iccfs fuse-overlayfs; do
			case $t in native) d=$B/memvol ;; iccfs) d=$W/mmi ;; *) d=$W/mmo ;; esac
			drop_caches
			v=$(timeit ls -lR "$d") && rec memory "ls -lR ${MEM_FILES} files cold" "$t" "$r" "$v" s lower
		done
	done
	rec memory "daemon RSS after ls -lR" iccfs 1 "$(rss $mi_pid VmRSS)" MiB lower
	rec memory "daemon RSS after ls -lR" fuse-overlayfs 1 "$(rss $mo_pid VmRSS)" MiB lower
	rec memory "daemon peak RSS (VmHWM)" iccfs 1 "$(rss $mi_pid VmHWM)" MiB lower
	rec memory "daemon peak RSS (VmHWM)" fuse-overlayfs 1 "$(rss $mo_pid VmHWM)" MiB lower
	kill -0 "$ICCFS_PID" 2>/dev/null || log "icc-fs (pid $ICCFS_PID) died during the run"
fi

# ---------------------------------------------------------------- summary
MACHINE="$(uname -sr), $(nproc) CPUs ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(. /etc/os-release; echo "$PRETTY_NAME")"
DATE=$(date -u '+%Y-%m-%d %H:%M UTC')
REV=$(git -C "$HERE" rev-parse --short HEAD 2>/dev/null) && MACHINE="$MACHINE; icc at $REV"
sh "$HERE/summary.sh" "$RAW" "$OUT" "$MACHINE" "$DATE" "$QUICK" "$REPS"
cat "$OUT/results.md"
