#!/bin/bash
# t710-concurrency.sh - 64 saves at once inside a container, while the host
# snapshots, promotes and removes other objects and a second container saves:
# every reported success has its snapshot, names are unique, the store checks clean.
# ICC_STRESS_ROUNDS=N repeats it (make stress).
. "$(dirname "$0")/../lib.sh"
setup_store
make_image busybox
ROUNDS=${ICC_STRESS_ROUNDS:-1}

BURST='for i in $(seq 1 64); do (if echo > /.icc/save; then echo ok; else echo fail; fi >> /tmp/results) & done; wait'

one_round() {
	local r=$1 c ok snaps
	icc run -d --name a$r busybox sleep 600 >/dev/null || return 1
	at_exit "icc rm -f a$r"
	icc run -d --name b$r busybox sleep 600 >/dev/null || return 1
	at_exit "icc rm -f b$r"
	icc create --name victim$r busybox >/dev/null || return 1
	icc snapshot a$r base >/dev/null || return 1

	icc exec a$r sh -c "$BURST" & local p1=$!
	icc exec b$r sh -c "$BURST" & local p2=$!
	( for i in 1 2 3 4 5 6 7 8; do icc snapshot a$r host$i >/dev/null || exit 1; done ) & local p3=$!
	( icc promote a$r/base promoted$r:1 >/dev/null && icc rm victim$r >/dev/null &&
	  icc rmi promoted$r:1 >/dev/null ) & local p4=$!
	wait $p1 && wait $p2 && wait $p3 && wait $p4 || { echo "a worker failed"; return 1; }

	for c in a$r b$r; do
		ok=$(icc exec $c grep -c ok /tmp/results)
		snaps=$(icc snapshots -q $c | grep -v -e '^base$' -e '^host[0-9]$' | wc -l)
		echo "$c: $ok saves reported ok, $snaps snapshots"
		[ "$ok" = 64 ] && [ "$snaps" = 64 ] || return 1
		[ "$(icc snapshots -q $c | sort | uniq -d | wc -l)" = 0 ] || return 1
		[ "$(icc exec $c ls /.icc/snapshots | wc -l)" = "$(icc snapshots -q $c | wc -l)" ] || return 1
	done
	[ "$(icc snapshots -q a$r | grep -c '^host')" = 8 ] || return 1
	! icc inspect victim$r >/dev/null 2>&1 || return 1
	icc system check | grep -q 'is consistent' || { icc system check; return 1; }
	icc rm -f a$r b$r >/dev/null
}

for round in $(seq 1 "$ROUNDS"); do
	test_expect_success "round $round: 2x64 saves inside containers while the host works" "one_round $round"
done

test_done
