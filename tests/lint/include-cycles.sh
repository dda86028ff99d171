#!/bin/sh
# include-cycles.sh BUILD_DIR - fail when source files depend on each other in a
# cycle: a.c calls a function defined in b.c while b.c (directly or through
# others) calls one defined in a.c.  Read from the objects' symbol tables
# (nm), so it sees what the code uses, not what it happens to #include.
# A cycle means the two files are one module in two pieces: move the shared
# function to the file both may depend on (e.g. fill_attr in inode.c), or put
# both files in one folder if they are one subsystem.
# Known ones are listed, with why, in include-cycles.allow next to this file.
BUILD=${1:-build}
allow=$(dirname "$0")/include-cycles.allow
objs=$(find "$BUILD/fs" "$BUILD/cli" -name '*.o' 2>/dev/null | sort)
[ -n "$objs" ] || { echo "include-cycles: no objects under $BUILD (build first)" >&2; exit 2; }
for o in $objs; do
	f=${o#"$BUILD"/}
	nm -g --defined-only "$o" | awk -v f="${f%.o}.c" 'NF == 3 && $2 == "T" {print "D", f, $3}'
	nm -u "$o" | awk -v f="${f%.o}.c" '{print "U", f, $NF}'
done | awk -v allow="$allow" '
BEGIN { while ((getline l < allow) > 0) if (l !~ /^#/ && split(l, a, " ") == 3) ok[a[1] SUBSEP a[2] SUBSEP a[3]] = 1 }
$1 == "D" { def[$3] = $2; next }
$1 == "U" { use[++n] = $2 " " $3 }
END {
	for (i = 1; i <= n; i++) {
		split(use[i], u, " ")
		if ((u[2] in def) && def[u[2]] != u[1] && !((u[1] SUBSEP def[u[2]] SUBSEP u[2]) in ok) &&
		    folder(u[1]) != folder(def[u[2]])) {
			e = u[1] SUBSEP def[u[2]]
			if (!(e in edge)) { edge[e] = u[2]; out[u[1]] = out[u[1]] " " def[u[2]] }
		}
	}
	for (f in out) state[f] = 0
	bad = 0
	for (f in out) if (!state[f]) visit(f, "")
	exit bad
}
# files of one folder (fs/store, fs/network, ...) are one module: they may call each other
function folder(f) { sub(/\/[^\/]*$/, "", f); return f }
function visit(f, path,   k, m, t, i, p) {
	state[f] = 1
	m = split(out[f], t, " ")
	for (i = 1; i <= m; i++) {
		if (state[t[i]] == 1) {
			p = path " " f
			printf "include cycle:%s -> %s (via %s)\n", substr(p, index(p, t[i]) - 1), t[i], edge[f SUBSEP t[i]]
			bad = 1
		} else if (!state[t[i]])
			visit(t[i], path " " f)
	}
	state[f] = 2
}'
