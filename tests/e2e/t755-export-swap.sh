#!/bin/bash
# t755-export-swap.sh - `icc export` of a running container whose process
# keeps swapping regular files for a block-device node and a FIFO: the tar
# never holds the device's bytes, no export hangs or fails, and nothing is
# left in tmp/ (export reads a read-only snapshot of a container).
# With strace installed, every other export runs under it: its slowed system
# calls widen the lstat-to-open window from microseconds to milliseconds,
# so an export reading the live tree meets the race within a few rounds.
# ICC_STRESS_ROUNDS=N runs N x 30 exports.
. "$(dirname "$0")/../lib.sh"

[ "$(id -u)" = 0 ] || skip_all "needs root"
command -v cc >/dev/null || skip_all "needs cc"
setup_store
ROUNDS=$((30 * ${ICC_STRESS_ROUNDS:-1}))

cat >"$T/swap.c" <<'EOF_C'
/* swap.c MAJ MIN N: keep swapping /race/fK (K < N) between a regular file, a block device node and a FIFO */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static void regular(const char *path)
{
	static char buf[65536];
	memset(buf, 'r', sizeof(buf));
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd >= 0) {
		if (write(fd, buf, sizeof(buf)) < 0)
			perror("write");
		close(fd);
	}
}

int main(int argc, char **argv)
{
	if (argc != 4)
		return 2;
	dev_t dev = makedev(atoi(argv[1]), atoi(argv[2]));
	int n = atoi(argv[3]);
	char f[64];
	mkdir("/race", 0755);
	for (int k = 0; k < n; k++) {
		snprintf(f, sizeof(f), "/race/f%d", k);
		regular(f);
	}
	close(open("/race/ready", O_WRONLY | O_CREAT, 0644));
	for (;;) {
		for (int k = 0; k < n; k++) {
			snprintf(f, sizeof(f), "/race/f%d", k);
			mknod("/race/b", S_IFBLK | 0600, dev);
			rename("/race/b", f);
			regular("/race/r");
			rename("/race/r", f);
			mkfifo("/race/p", 0600);
			rename("/race/p", f);
			regular("/race/r");
			rename("/race/r", f);
		}
	}
}
EOF_C
make_rootfs "$T/rootfs"
cc -static -O2 -o "$T/rootfs/bin/swap" "$T/swap.c" || skip_all "cannot build a static helper"
icc init "$T/rootfs" busybox >/dev/null

# a block device of the test's own whose every byte is a marker
yes ICC-RAW-DEVICE-MARKER | head -c 1048576 >"$T/marker.img"
DEV=$(losetup -f --show "$T/marker.img") || skip_all "no free loop device"
at_exit "losetup -d '$DEV'"
MAJ=$((0x$(stat -c %t "$DEV")))
MIN=$((0x$(stat -c %T "$DEV")))
STRACE=
# (LeakSanitizer cannot run under ptrace: an ASan build is traced without it)
command -v strace >/dev/null && STRACE="env ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 strace -f -o /dev/null"


test_expect_success 'setup: a container swapping /race/f0..f3 between a file, a device and a FIFO' '
	icc run -d --name sw busybox swap $MAJ $MIN 4 >/dev/null &&
	at_exit "icc rm -f sw" &&
	for i in $(seq 50); do icc exec sw test -e /race/ready && break; sleep 0.2; done &&
	icc exec sw test -e /race/ready
'

test_expect_success "$ROUNDS exports: never the device's bytes, never a hang or a failure" '
	i=0 &&
	while [ $i -lt $ROUNDS ]; do
		i=$((i + 1))
		slow=
		[ $((i % 2)) = 0 ] && slow=$STRACE
		timeout -k 5 60 $slow "$ICC_BIN" export -o "$T/x.tar" sw 2>err
		rc=$?
		[ $rc -ne 124 ] && [ $rc -ne 137 ] || { echo "round $i: export hung"; exit 1; }
		[ $rc -eq 0 ] || { echo "round $i: export failed ($rc)"; cat err; exit 1; }
		if grep -aq ICC-RAW-DEVICE-MARKER "$T/x.tar"; then echo "round $i: device bytes in the tar"; exit 1; fi
		rm -f "$T/x.tar"
	done
'

test_expect_success 'the swapped entries are archived as nodes or files, a node header only' '
	icc export -o "$T/y.tar" sw &&
	tar -tvf "$T/y.tar" race/f0 race/f1 race/f2 race/f3 >list &&
	test $(grep -Ec "^(b|p|-)" list) = 4 &&
	! grep -aq ICC-RAW-DEVICE-MARKER "$T/y.tar"
'

test_expect_success 'nothing is left behind: tmp/ empty, store consistent' '
	test -z "$(ls -A "$ICC_ROOT/tmp")" &&
	consistent
'

test_expect_success 'check leaves a live export alone and cleans up after a killed one' '
	"$ICC_BIN" export sw > >(sleep 30) &
	pid=$! &&
	for i in $(seq 50); do ls "$ICC_ROOT/tmp" | grep -q "^read-" && break; sleep 0.1; done &&
	ls "$ICC_ROOT/tmp" | grep -q "^read-" &&
	consistent &&
	ls "$ICC_ROOT/tmp" | grep -q "^read-" &&
	kill -9 $pid && { wait $pid; :; } &&
	test_must_fail icc system check >out &&
	grep -q "tmp/read-.*left over" out &&
	icc system check --repair >out &&
	test -z "$(ls -A "$ICC_ROOT/tmp")" &&
	consistent
'

test_done
