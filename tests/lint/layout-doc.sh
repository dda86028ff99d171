#!/bin/sh
# layout-doc.sh - every source file of fs/ and cli/ is listed in docs/architecture.md's
# "Layout" under its own folder, and every file listed there exists: the map a
# newcomer reads stays true.
cd "$(dirname "$0")/../.." || exit 2
doc=docs/architecture.md
status=0
for f in fs/*/*.c cli/*.c; do
	dir=${f%/*}
	# the file's line follows its folder's heading, before the next folder's
	awk -v dir="**$dir/**" -v name="\`${f##*/}\`" '
		index($0, "- " dir) == 1 { inside = 1; next }
		/^- \*\*/ { inside = 0 }
		inside && index($0, "  - " name " ") == 1 { found = 1 }
		END { exit !found }' "$doc" || { echo "layout-doc: $f is not listed under $dir/ in $doc"; status=1; }
done
awk '/^- \*\*/ { d = $2; gsub(/\*/, "", d) } /^  - `[a-z_]+\.c`/ && d { n = $2; gsub(/`/, "", n); print d n }' "$doc" |
while read -r f; do
	[ -f "$f" ] || { echo "layout-doc: $doc lists $f, which does not exist"; exit 1; }
done || status=1
exit $status
