#!/bin/sh
# run.sh - build the libFuzzer targets with clang and run each for
# FUZZ_SECONDS (default 60).  `make fuzz`.  Crashes are kept in tests/fuzz/out/.
set -eu
cd "$(dirname "$0")/../.."
secs=${FUZZ_SECONDS:-60}
out=build-fuzz
mkdir -p "$out" tests/fuzz/out
flags="-g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Iinclude $(pkg-config --cflags libcjson libarchive libbtrfsutil libcrypto)"
libs="$(pkg-config --libs libcjson libarchive libbtrfsutil libcrypto)"
srcs=$(ls fs/*/*.c | grep -v "^fs/daemon/")
status=0
for t in tests/fuzz/fuzz_*.c; do
	name=$(basename "$t" .c)
	clang $flags -o "$out/$name" "$t" $srcs $libs
	corpus="$out/corpus-$name"
	mkdir -p "$corpus"
	[ -d "tests/fuzz/seeds/$name" ] && cp -n tests/fuzz/seeds/"$name"/* "$corpus"/ 2>/dev/null || true
	echo "== $name ($secs s)"
	if ! "$out/$name" -max_total_time="$secs" -artifact_prefix=tests/fuzz/out/ "$corpus" >"$out/$name.log" 2>&1; then
		status=1
		tail -n 30 "$out/$name.log"
	else
		grep -E "^#[0-9]+.*DONE" "$out/$name.log" | tail -n1
	fi
done
exit $status
