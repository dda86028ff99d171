#!/bin/sh
# long-functions.sh [MAX] [FILE...] - list C functions longer than MAX lines
# (default 120, the project's rule), longest first: "LINES FILE:LINE NAME".
# A function is what runs from a line "{" or "...) {" at column 0 to the
# next "}" at column 0 (the project's style).  Exits 0: a list, not a verdict.
max=${1:-120}
[ $# -gt 0 ] && shift
[ $# -gt 0 ] || set -- $(find "$(dirname "$0")/../../fs" -name '*.c' | sort)
awk -v max="$max" '
FNR == 1 { start = 0 }
/^[A-Za-z_].*\(/ { sig = $0; sigline = FNR }
/^\{/ || (/^[A-Za-z_].*\) *\{$/) { if (!start) { start = FNR; name = sig; at = sigline } }
/^\}/ && start {
	n = FNR - at + 1
	if (n > max) {
		sub(/\(.*/, "", name); sub(/.*[ *]/, "", name)
		f = FILENAME; sub(/.*\/fs\//, "fs/", f)
		printf "%d %s:%d %s\n", n, f, at, name
	}
	start = 0
}' "$@" | sort -rn
