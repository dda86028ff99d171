# lib.sh - shared helpers for icc's end-to-end tests (sourced, POSIX sh + bash)
#
# A test script:
#     . "$(dirname "$0")/../lib.sh"
#     setup_store                     # loop-file btrfs made for this test
#     test_expect_success 'what' '
#         icc images >out &&
#         grep busybox out
#     '
#     test_done
#
# Everything the script made (mounts, loop devices, daemons, temp dirs) is
# removed on exit, also when a test fails or the script is killed.

set -u
TEST_NAME=$(basename "$0" .sh)
TESTS_DIR=$(cd "$(dirname "$0")/.." && pwd)
: "${BUILD_DIR:=$TESTS_DIR/../build}"
BUILD_DIR=$(cd "$BUILD_DIR" && pwd)
ICC_BIN="$BUILD_DIR/icc"
ICCFS_BIN="$BUILD_DIR/icc-fs"
export ICC_FS_BIN="$ICCFS_BIN"
PATH="$BUILD_DIR:$PATH"
export PATH

T=$(mktemp -d "/tmp/icc-test.$TEST_NAME.XXXXXX")
cd "$T" || exit 1  # tests write scratch files (out, err) here
test_count=0
test_failures=0
test_skipped=0

icc() { "$ICC_BIN" "$@"; }

# Run "$*" at exit (last registered runs first).  Kept in a file, so that
# test bodies, which run in subshells, can register clean-ups too.
at_exit() { printf '%s\n' "$*" >>"$T/.cleanup"; }

_cleanup() {
	set +e
	cd /
	# Containers a failed test body left running (their monitors, daemons and
	# processes would outlive the store and pin its loop device).
	if [ -n "${ICC_ROOT:-}" ] && mountpoint -q "$ICC_ROOT" 2>/dev/null; then
		for c in $(timeout 20 "$ICC_BIN" ps -aq --no-trunc 2>/dev/null); do
			timeout 30 "$ICC_BIN" rm -f --snapshots "$c" >/dev/null 2>&1
		done
	fi
	[ -f "$T/.cleanup" ] && tac "$T/.cleanup" | while IFS= read -r c; do
		[ -n "$c" ] && eval "$c" >/dev/null 2>&1
	done
	# Any FUSE or btrfs mount still below $T: lazily detach, deepest first.
	awk -v t="$T" 'index($2, t) == 1 {print $2}' /proc/mounts | sort -r |
		while read -r m; do umount -l "$m" 2>/dev/null; done
	for l in $(losetup -j "$T/store.img" -O NAME -n 2>/dev/null); do
		losetup -d "$l" 2>/dev/null
	done
	rm -rf "$T" 2>/dev/null
}
trap _cleanup EXIT
trap 'exit 130' INT TERM HUP PIPE

# test_skip 'what' REASON: a test that cannot run here, reported as skipped.
test_skip() {
	test_count=$((test_count + 1))
	test_skipped=$((test_skipped + 1))
	echo "ok $test_count - $1 # SKIP $2"
}

skip_all() {
	echo "1..0 # SKIP $*"
	exit 0
}

# setup_store [SIZE]: a fresh loop-file btrfs mounted at $T/store, ICC_ROOT set.
setup_store() {
	local size=${1:-2G}
	truncate -s "$size" "$T/store.img"
	mkfs.btrfs -q "$T/store.img" >/dev/null
	mkdir -p "$T/store"
	mount -o loop "$T/store.img" "$T/store"
	at_exit "umount -l '$T/store'"
	ICC_ROOT="$T/store"
	export ICC_ROOT
	setup_test_bridge
}

# setup_tmux: for tests that type at a terminal: skip when tmux is missing;
# TMUX_SOCK, the socket of a tmux server killed at exit.
setup_tmux() {
	command -v tmux >/dev/null || skip_all "tmux not installed"
	TMUX_SOCK="$T/tmux.sock"
	at_exit "tmux -S '$TMUX_SOCK' kill-server"
}
# wait_screen PANE FILE PATTERN: the tmux pane shows PATTERN within 10 s (a loaded
# machine is slow: wait for what the screen should show, never a fixed sleep)
wait_screen() {
	local i
	for i in $(seq 50); do
		tmux -S "$TMUX_SOCK" capture-pane -t "$1" -p >"$2" && grep -q -- "$3" "$2" && return 0
		sleep 0.2
	done
	cat "$2"; return 1
}

# setup_outside: $O, a host directory that escapes aim at: a strictatime
# tmpfs (so a read shows) holding $O/secret, "SENTINEL", dated 2000-01-01.
setup_outside() {
	O=$T/outside
	mkdir -p "$O"
	mount -t tmpfs -o strictatime,mode=755 tmpfs "$O"
	at_exit "umount -l '$O'"
	echo SENTINEL >"$O/secret"
	touch -d "2000-01-01 UTC" "$O/secret"
}

# setup_store2 SIZE: a second loop-file btrfs at $T/store2 (no network), for
# send/receive and transfers between stores; icc2 runs icc on it.
setup_store2() {
	truncate -s "$1" "$T/store2.img"
	mkfs.btrfs -q "$T/store2.img" >/dev/null
	mkdir -p "$T/store2"
	mount -o loop "$T/store2.img" "$T/store2"
	at_exit "umount -l '$T/store2'"
}
icc2() { "$ICC_BIN" --root "$T/store2" "$@"; }

# start_registry PORT: a local docker-registry (storage in $T/reg) serving
# 127.0.0.1:PORT until exit; waits up to 5 s for it to answer.
start_registry() {
	local i regpid
	mkdir -p "$T/reg"
	cat >"$T/reg.yml" <<-YML
	version: 0.1
	log:
	  level: error
	storage:
	  filesystem:
	    rootdirectory: $T/reg
	http:
	  addr: 127.0.0.1:$1
	YML
	docker-registry serve "$T/reg.yml" >"$T/reg.log" 2>&1 &
	regpid=$!
	at_exit "kill $regpid"
	for i in $(seq 50); do curl -s "http://127.0.0.1:$1/v2/" >/dev/null 2>&1 && break; sleep 0.1; done
}

# setup_test_bridge: the store's default network "bridge" on a bridge and a
# subnet of this test alone (icct<pid>, 10.X.Y.0/24 from the pid), so that
# parallel tests and the machine's own networks (Podman's 10.88.0.0/16) never
# meet.  TEST_BRIDGE, TEST_SUBNET and TEST_GATEWAY say which.
setup_test_bridge() {
	local x=$((100 + ($$ / 256) % 100)) y=$(($$ % 256)) i
	TEST_BRIDGE="icct$$"
	for i in 0 1 2 3 4 5 6 7; do
		TEST_SUBNET="10.$(((x + i * 13) % 100 + 100)).$y.0/24"
		"$ICC_BIN" network create --subnet "$TEST_SUBNET" --interface-name "$TEST_BRIDGE" bridge \
			>/dev/null 2>&1 && break
	done
	TEST_GATEWAY="${TEST_SUBNET%.0/24}.1"
	# whatever a failing test left on the host: records, namespaces, the bridge
	at_exit "ip link del '$TEST_BRIDGE'"
	# again after the repair: a record the repair dropped (a killed start) may
	# have kept the first rm from removing the network and its anchor, which
	# would outlive the store and be reported by the next test's check
	at_exit "'$ICC_BIN' network rm bridge"
	at_exit "'$ICC_BIN' system check --repair"
	# the bridge is kept up between containers: it goes with its network
	at_exit "'$ICC_BIN' network rm bridge"
	at_exit "'$ICC_BIN' rm -f \$('$ICC_BIN' ps -aq)"
}

# make_rootfs DIR: a tiny busybox root filesystem, no network needed.
make_rootfs() {
	local d=$1 a
	mkdir -p "$d/bin" "$d/etc" "$d/tmp" "$d/root" "$d/proc" "$d/sys" "$d/dev"
	cp /bin/busybox "$d/bin/busybox"
	for a in sh ls cat echo touch mkdir rm mv cp sleep true false id env \
		 grep sed head tail wc stat ln chmod chown test printf hostname \
		 ps kill mount df find sync readlink; do
		ln -sf busybox "$d/bin/$a"
	done
	echo 'root:x:0:0:root:/root:/bin/sh' >"$d/etc/passwd"
	echo 'nobody:x:65534:65534:nobody:/:/bin/sh' >>"$d/etc/passwd"
	echo 'root:x:0:' >"$d/etc/group"
	echo 'nogroup:x:65534:' >>"$d/etc/group"
	echo 'hello from icc' >"$d/etc/motd"
	chmod 1777 "$d/tmp"
}

# Import a busybox image as NAME (default busybox:latest).
make_image() {
	make_rootfs "$T/rootfs.$$"
	icc init "$T/rootfs.$$" "${1:-busybox}" >/dev/null
}

test_expect_success() {
	test_count=$((test_count + 1))
	_log="$T/test-$test_count.log"
	if (eval "$2") >"$_log" 2>&1; then
		echo "ok $test_count - $1"
	else
		test_failures=$((test_failures + 1))
		echo "not ok $test_count - $1"
		sed 's/^/#   /' "$_log" | tail -n 40
	fi
}

# test_must_fail CMD...: CMD exits non-zero (but was not killed by a signal).
test_must_fail() {
	local rc
	"$@"
	rc=$?
	if [ $rc -eq 0 ]; then
		echo "test_must_fail: '$*' succeeded" >&2
		return 1
	elif [ $rc -gt 128 ] && [ $rc -ne 255 ]; then
		echo "test_must_fail: '$*' died by signal $((rc - 128))" >&2
		return 1
	fi
	return 0
}

# expect_error_line FILE REGEX: FILE holds exactly one line, matching REGEX.
expect_error_line() {
	local n
	n=$(wc -l <"$1")
	[ "$n" -eq 1 ] || { echo "expected one line in $1, got $n:"; cat "$1"; return 1; }
	grep -Eq "$2" "$1" || { echo "'$(cat "$1")' does not match '$2'"; return 1; }
}

# Store checks of the crash and disk-full tests.  consistent: `icc system check`
# finds nothing (else its report is shown); repair: --repair, then consistent.
consistent() {
	icc system check >"$T/check.out" && grep -q "is consistent" "$T/check.out" ||
		{ cat "$T/check.out"; return 1; }
}
repair() { icc system check --repair >/dev/null; consistent; }
# check_reports N REGEX: check fails and lists exactly N problems, all matching REGEX
check_reports() {
	test_must_fail icc system check >"$T/check.out" || return 1
	local n
	n=$(grep -vc "problems\? found" "$T/check.out")
	[ "$n" = "$1" ] || { echo "expected $1 problem lines:"; cat "$T/check.out"; return 1; }
	if grep -v "problems\? found" "$T/check.out" | grep -Evq "$2"; then
		echo "unexpected lines:"; cat "$T/check.out"; return 1
	fi
}
# killed RC: RC is that of a process killed by SIGKILL (an ICC_FAULT point)
killed() { [ "$1" = 137 ] || { echo "expected death by SIGKILL, got $1"; return 1; }; }

test_done() {
	echo "# $TEST_NAME: $((test_count - test_failures - test_skipped)) passed, $test_failures failed, $test_skipped skipped"
	[ $test_failures -eq 0 ]
}
