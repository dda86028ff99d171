#!/bin/bash
# t756-deep-trees.sh - trees made 1,500 and 2,500 directories deep inside a
# container: export, diff, commit, save and push walk them without a crash.
# A path up to 4095 bytes is archived (also with 128 open files allowed);
# beyond that each refuses with one line naming the path, a non-zero exit,
# and no output file left behind.
. "$(dirname "$0")/../lib.sh"

[ "$(id -u)" = 0 ] || skip_all "needs root"
setup_store
# deep N: /d/d/.../d (N levels) with a file "end" at the bottom, built from
# chains of at most 1,000 levels moved below each other, as no single path
# may pass 4,096 bytes (so neither mkdir -p nor cd can make it in one go)
make_rootfs "$T/rootfs"
cat >"$T/rootfs/bin/deep" <<'EOF_SH'
#!/bin/sh
set -e
rest=$1 first=1
rm -rf /g /n
while [ "$rest" -gt 0 ]; do
	k=$rest
	[ "$k" -gt 1000 ] && k=1000
	p=$(printf 'd/%.0s' $(seq "$k"))
	mkdir -p "/n/$p"
	if [ $first = 1 ]; then echo bottom >"/n/${p}end"; else mv /g/d "/n/$p"; rmdir /g; fi
	mv /n /g
	first=0 rest=$((rest - k))
done
mv /g/d /d
rmdir /g
EOF_SH
chmod 755 "$T/rootfs/bin/deep"
icc init "$T/rootfs" busybox >/dev/null
export TMPDIR="$T/tmpdir"
mkdir -p "$TMPDIR"

no_output() { test -z "$(ls -A "$T/out")" && test -z "$(ls -A "$TMPDIR")"; }
mkdir -p "$T/out"
# 1,500 levels: "d/" x 1500 + "end" = 3003 bytes; 2,500 levels: 5003 bytes
BOTTOM=$(printf 'd/%.0s' $(seq 1500))end

test_expect_success 'setup: containers with 1,500 and 2,500 nested directories' '
	icc run -d --name ok busybox sleep 3600 >/dev/null && at_exit "icc rm -f ok" &&
	icc run -d --name deep busybox sleep 3600 >/dev/null && at_exit "icc rm -f deep" &&
	icc exec ok deep 1500 && icc exec deep deep 2500
'

test_expect_success 'export of 1,500 levels works, with only 128 open files allowed' '
	(ulimit -n 128 && icc export -o "$T/ok.tar" ok) &&
	tar -tf "$T/ok.tar" >list &&
	grep -qx "$BOTTOM" list &&
	test "$(tar -xOf "$T/ok.tar" "$BOTTOM")" = bottom
'

test_expect_success 'export of 2,500 levels: one line naming the path, nothing written' '
	test_must_fail icc export -o "$T/out/deep.tar" deep 2>err &&
	expect_error_line err "^icc: .d/d/d/d/.*too deep.*4095 bytes" &&
	no_output
'

test_expect_success 'diff of 1,500 levels (by btrfs send) lists the bottom' '
	icc diff ok >diff.out &&
	grep -qx "A /$BOTTOM" diff.out &&
	test -z "$(ls -A "$ICC_ROOT/tmp")"
'

test_expect_success 'diff by a full walk: 1,500 levels listed, 2,500 levels one line' '
	icc commit ok okimg >/dev/null &&
	icc commit deep deepimg >/dev/null &&
	icc init "$T/rootfs" other >/dev/null &&
	icc diff other okimg >diff2.out &&
	grep -qx "A /$BOTTOM" diff2.out &&
	test_must_fail icc diff other deepimg >diff3.out 2>err &&
	expect_error_line err "^icc: .d/d/d/d/.*too deep.*4095 bytes"
'

# btrfs send takes its time over 2,500 levels (its kernel side is quadratic in the depth)
if [ "${ICC_STRESS_ROUNDS:-1}" -gt 1 ]; then
	test_expect_success 'diff of 2,500 levels by btrfs send: one line' '
		test_must_fail icc diff deep >diff4.out 2>err &&
		expect_error_line err "^icc: .d/d/d/d/.*too deep.*4095 bytes" &&
		test -z "$(ls -A "$ICC_ROOT/tmp")"
	'
fi

test_expect_success 'save of 1,500 levels loads back whole' '
	(ulimit -n 128 && icc save -o "$T/ok.oci" okimg) &&
	icc rmi okimg >/dev/null &&
	icc load -i "$T/ok.oci" >/dev/null &&
	icc export okimg | tar -xO "$BOTTOM" | grep -qx bottom
'

test_expect_success 'save and push of 2,500 levels: one line, no file left' '
	test_must_fail icc save -o "$T/out/deep.oci" deepimg 2>err &&
	expect_error_line err "^icc: .*too deep.*4095 bytes" &&
	test_must_fail icc push -q deepimg "oci:$T/out/layout" 2>err &&
	expect_error_line err "^icc: .*too deep.*4095 bytes" &&
	no_output
'

test_expect_success 'the store is consistent, tmp/ empty' '
	test -z "$(ls -A "$ICC_ROOT/tmp")" &&
	consistent
'

test_done
