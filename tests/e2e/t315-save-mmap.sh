#!/bin/bash
# t315-save-mmap.sh - a save holds every page written before it, also through
# a MAP_SHARED mapping kept dirty with no msync: a static C program dirties
# 64 MiB, keeps the file open and mapped, and waits for a signal; the test
# saves (/.icc/save) three times, one round of writes before each, and checks
# every page of every snapshot from the host.
. "$(dirname "$0")/../lib.sh"

[ "$(id -u)" = 0 ] || skip_all "needs root"
command -v cc >/dev/null || skip_all "no C compiler"
setup_store

cat >"$T/mapwriter.c" <<'CEOF'
/* mapwriter: "run FILE MIB": per round r (1..3) fill every 4 KiB page of a
 * MAP_SHARED mapping with the 64-bit word (r << 32 | page), no msync, then
 * write "r" to /status and wait for SIGUSR1.  "verify FILE MIB R": exit 1
 * (printing the count) if any page does not hold round R's words. */
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PAGE 4096

static void on_usr1(int s) { (void)s; }

int main(int argc, char **argv)
{
	if (argc < 4)
		return 2;
	size_t size = (size_t)atol(argv[3]) << 20;
	size_t pages = size / PAGE;
	if (argv[1][0] == 'v') {
		uint64_t r = (uint64_t)atol(argv[4]);
		int fd = open(argv[2], O_RDONLY);
		if (fd < 0) { perror("open"); return 2; }
		uint64_t *m = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
		if (m == MAP_FAILED) { perror("mmap"); return 2; }
		size_t bad = 0;
		for (size_t p = 0; p < pages; p++) {
			uint64_t want = r << 32 | p;
			for (size_t w = 0; w < PAGE / 8; w++)
				if (m[p * PAGE / 8 + w] != want) { bad++; break; }
		}
		if (bad) { printf("%zu of %zu pages stale in round %llu\n", bad, pages, (unsigned long long)r); return 1; }
		return 0;
	}
	struct sigaction sa = {0};
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	sigset_t usr1, old;
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, &old);
	int fd = open(argv[2], O_RDWR | O_CREAT, 0644);
	if (fd < 0 || ftruncate(fd, (off_t)size) < 0) { perror("open"); return 2; }
	uint64_t *m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED) { perror("mmap"); return 2; }
	for (uint64_t r = 1; r <= 3; r++) {
		for (size_t p = 0; p < pages; p++)
			for (size_t w = 0; w < PAGE / 8; w++)
				m[p * PAGE / 8 + w] = r << 32 | p;
		int s = open("/status", O_WRONLY | O_CREAT | O_TRUNC, 0644);
		char b[8];
		int n = snprintf(b, sizeof(b), "%llu\n", (unsigned long long)r);
		if (s < 0 || write(s, b, (size_t)n) != n) return 2;
		close(s);
		sigsuspend(&old); /* until SIGUSR1 */
	}
	pause(); /* stay, mapped and open, until killed */
	return 0;
}
CEOF
cc -static -O2 -o "$T/mapwriter" "$T/mapwriter.c" 2>"$T/cc.err" || skip_all "cannot link a static C program: $(head -n1 "$T/cc.err")"
make_rootfs "$T/rootfs"
cp "$T/mapwriter" "$T/rootfs/bin/mapwriter"
icc init "$T/rootfs" mm >/dev/null

cid() { icc inspect "$1" | sed -n 's/^[[:space:]]*"Id":[[:space:]]*"\([0-9a-f]*\)".*/\1/p' | head -n1; }
wait_status() {
	local i
	for i in $(seq 1 300); do
		[ "$(cat "$1" 2>/dev/null)" = "$2" ] && return 0
		sleep 0.1
	done
	echo "round $2 never reached"; return 1
}

test_expect_success 'three saves of 64 MiB dirtied through MAP_SHARED (no msync): every page right' '
	icc run -d --name mw mm /bin/mapwriter run /data 64 >/dev/null && at_exit "icc rm -f mw" &&
	id=$(cid mw) && R="$ICC_ROOT/containers/$id" &&
	for r in 1 2 3; do
		wait_status "$R/rootfs/status" $r || exit 1
		icc exec mw sh -c "echo round$r > /.icc/save" || exit 1
		icc kill -s USR1 mw >/dev/null || exit 1
	done &&
	for r in 1 2 3; do
		"$T/mapwriter" verify "$R/snapshots/round$r/rootfs/data" 64 $r || exit 1
	done
'

test_expect_success 'the same seen inside: /.icc/snapshots/NAME/data holds round 2' '
	icc exec mw sh -c "cat /.icc/snapshots/round2/data" >"$T/r2" &&
	"$T/mapwriter" verify "$T/r2" 64 2 &&
	icc rm -f mw >/dev/null
'

test_done
