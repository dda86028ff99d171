#!/bin/sh
# run.sh BUILD_DIR - run every unit test and end-to-end test; last line
# "N passed, N failed, N skipped".  Select e2e scripts with TESTS='t3* t4*'
# (globs).  A test that cannot run says "ok N # SKIP reason" (or a script
# "1..0 # SKIP reason"): counted as skipped, never as passed.
BUILD=${1:-build}
BUILD=$(cd "$BUILD" && pwd)
cd "$(dirname "$0")" || exit 2
export BUILD_DIR="$BUILD"
passed=0
failed=0
skipped=0
log=$(mktemp)

for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	echo "== unit: $(basename "$t")"
	"$t" >"$log" 2>&1
	rc=$?
	cat "$log"
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n1)
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n1)
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${f:-0}))
	if [ $rc -ne 0 ] && [ -z "$f" ]; then failed=$((failed + 1)); fi
done

scripts=""
set -f # split TESTS into patterns without expanding them here
for pattern in ${TESTS:-t*}; do
	set +f
	for t in e2e/$pattern.sh; do
		[ -f "$t" ] && scripts="$scripts $t"
	done
	set -f
done
set +f
for t in $scripts; do
	echo "== e2e: $t"
	start=$(date +%s)
	timeout -k 10 900 bash "$t" >"$log" 2>&1
	rc=$?
	cat "$log"
	p=$(grep '^ok ' "$log" | grep -vc '# SKIP')
	s=$(grep -Ec '^(ok .*# SKIP|1\.\.0 # SKIP)' "$log")
	f=$(grep -c '^not ok ' "$log")
	passed=$((passed + p))
	skipped=$((skipped + s))
	failed=$((failed + f))
	if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $t exited with $rc"
		failed=$((failed + 1))
	fi
	echo "   ($(( $(date +%s) - start ))s)"
done
rm -f "$log"
echo "$passed passed, $failed failed, $skipped skipped"
[ $failed -eq 0 ]
