#!/bin/bash
# t440-kept-snapshots.sh - saves never die with their container: rm, run --rm
# and system prune keep a container's snapshots (and say so in one line);
# snapshots --all lists them, promote works on them, history keeps the
# lineage; only rm --snapshots, snapshot rm and prune --snapshots delete them.
. "$(dirname "$0")/../lib.sh"

[ "$(id -u)" = 0 ] || skip_all "needs root"
setup_store
make_image busybox

cid() { icc inspect "$1" | sed -n 's/^[[:space:]]*"Id":[[:space:]]*"\([0-9a-f]*\)".*/\1/p' | head -n1; }
# snapid CONTAINER/NAME: the snapshot's full id (from the JSON listing)
snapid() {
	icc snapshots --all --format json |
		sed -n "s|.*\"Names\":\"$1\",\"ID\":\"\([0-9a-f]*\)\".*|\1|p"
}

test_expect_success 'rm keeps the 3 snapshots and says so in one line' '
	icc run --name cc busybox sh -c "echo one >/f && echo s1 >/.icc/save &&
		echo two >/f && echo s2 >/.icc/save && echo three >/f && echo s3 >/.icc/save" >/dev/null &&
	C_ID=$(cid cc) && test -n "$C_ID" &&
	icc rm cc >out 2>err &&
	test "$(cat out)" = cc &&
	expect_error_line err "^kept 3 snapshots of '\''cc'\'': icc snapshots --all$" &&
	test_must_fail icc inspect --type container "$C_ID" >/dev/null 2>&1 &&
	test ! -e "$ICC_ROOT/containers/$C_ID" &&
	test -f "$ICC_ROOT/snapshots/$C_ID/.container.json" &&
	for s in s1 s2 s3; do test -d "$ICC_ROOT/snapshots/$C_ID/$s/rootfs" || exit 1; done &&
	test "$(cat "$ICC_ROOT/snapshots/$C_ID/s2/rootfs/f")" = two &&
	consistent
'

test_expect_success 'snapshots --all lists them (table and json), snapshots C too' '
	icc run -d --name live busybox sleep 600 >/dev/null && at_exit "icc rm -f live" &&
	icc snapshot live l1 -m "a live one" >/dev/null &&
	icc snapshots --all >out && cat out &&
	head -n1 out | grep -Eq "^NAME +CONTAINER +ID +CREATED +ORIGIN +SIZE +MESSAGE$" &&
	test "$(grep -c "cc (removed)" out)" = 3 &&
	grep -E "^l1 +live +[0-9a-f]{12} " out | grep -q "a live one" &&
	icc snapshots --all --format json >json && test "$(wc -l <json)" = 4 &&
	grep "\"Names\":\"cc/s1\"" json | grep -q "\"Removed\":true" &&
	grep "\"Names\":\"live/l1\"" json | grep -q "\"Removed\":false" &&
	grep "\"Names\":\"cc/s1\"" json | grep -q "\"ContainerName\":\"cc\"" &&
	icc snapshots -q --all | sort >q && printf "cc/s1\ncc/s2\ncc/s3\nlive/l1\n" >want && cmp q want &&
	icc snapshots -q cc >q && printf "s1\ns2\ns3\n" >want && cmp q want
'

test_expect_success 'promote SNAPSHOT-ID of a removed container; history shows the lineage' '
	id=$(snapid cc/s2) && test ${#id} = 64 &&
	icc promote "${id:0:12}" fromkept:1 >/dev/null &&
	test "$(icc run --rm fromkept:1 cat /f)" = two &&
	icc promote cc/s3 fromkept:3 >/dev/null &&
	test "$(icc run --rm fromkept:3 cat /f)" = three &&
	icc history fromkept:1 >out && cat out &&
	test "$(grep -c . out)" = 3 && sed -n 2p out | grep -q "icc promote cc/s2" &&
	sed -n 3p out | grep -q "icc init"
'

test_expect_success 'export, diff and send take a kept snapshot' '
	icc export -q cc/s1 | tar -xOf - f >got && test "$(cat got)" = one &&
	icc diff cc/s1 cc/s2 >out && grep -qx "C /f" out &&
	icc send -q -o "$T/s3.stream" cc/s3 && test -s "$T/s3.stream"
'

test_expect_success 'an ambiguous snapshot id prefix is a one-line error' '
	for i in $(seq 1 16); do icc snapshot live "x$i" >/dev/null || exit 1; done &&
	icc snapshots --all --format json | sed -n "s/.*\"ID\":\"\(.\).*/\1/p" | sort | uniq -d | head -n1 >dup &&
	p=$(cat dup) && test -n "$p" &&
	test_must_fail icc promote "$p" amb:1 2>err &&
	expect_error_line err "^icc: ambiguous snapshot id prefix '\''$p'\'': [0-9]+ snapshots match$" &&
	test_must_fail icc inspect amb:1 >/dev/null 2>&1 &&
	for i in $(seq 1 16); do icc snapshot rm "live/x$i" >/dev/null || exit 1; done
'

test_expect_success 'run --rm keeps its save and says so' '
	icc run --rm --name rr busybox sh -c "echo rr >/r && echo keep >/.icc/save" >out 2>err &&
	expect_error_line err "^kept 1 snapshot of '\''rr'\'': icc snapshots --all$" &&
	test_must_fail icc inspect --type container rr >/dev/null 2>&1 &&
	icc snapshots -q --all | grep -qx rr/keep &&
	icc promote rr/keep r:1 >/dev/null && test "$(icc run --rm r:1 cat /r)" = rr
'

test_expect_success 'rm of a container without snapshots says nothing more' '
	icc create --name ee busybox >/dev/null && icc rm ee >out 2>err &&
	test "$(cat out)" = ee && test ! -s err
'

test_expect_success 'snapshot rm deletes a kept snapshot; the last one takes the directory' '
	C_ID=$(grep -l "\"name\":[[:space:]]*\"cc\"" "$ICC_ROOT"/snapshots/*/.container.json |
		sed "s|.*/snapshots/\([0-9a-f]*\)/.*|\1|") &&
	test -n "$C_ID" &&
	icc snapshot rm cc/s1 >out && grep -qx "Deleted: s1" out &&
	icc snapshot rm "$(snapid cc/s2)" >/dev/null &&
	test -d "$ICC_ROOT/snapshots/$C_ID" &&
	icc snapshot rm cc/s3 >/dev/null &&
	test ! -e "$ICC_ROOT/snapshots/$C_ID" &&
	! icc snapshots -q --all | grep -q "^cc/" &&
	test "$(icc run --rm fromkept:1 cat /f)" = two &&
	test "$(icc run --rm fromkept:3 cat /f)" = three &&
	consistent
'

test_expect_success 'rm --snapshots deletes them; an image promoted from one keeps working' '
	icc run --name dd busybox sh -c "mkdir -p /d && echo dd >/d/file && echo d1 >/.icc/save" >/dev/null &&
	icc promote dd/d1 fromd:1 >/dev/null &&
	icc rm --snapshots dd >out 2>err && test "$(cat out)" = dd && test ! -s err &&
	! icc snapshots -q --all | grep -q "^dd/" &&
	test_must_fail icc promote dd/d1 again:1 2>err && expect_error_line err "^icc: no such container .dd.$" &&
	test "$(icc run --rm fromd:1 cat /d/file)" = dd &&
	icc history fromd:1 | grep -q "icc promote dd/d1" &&
	icc export fromd:1 | tar -tf - | grep -qx "d/file" &&
	consistent
'

test_expect_success 'system prune keeps snapshots of the containers it removes; a running one is untouched' '
	icc run --name pp busybox sh -c "echo > /.icc/save; echo >/.icc/save" >/dev/null &&
	icc exec live sh -c "echo u1 >/.icc/save" &&
	icc system prune -f >out 2>err && cat out err &&
	grep -q "^Deleted Containers:" out &&
	grep -qx "kept 2 snapshots of '\''pp'\'': icc snapshots --all" err &&
	test "$(icc snapshots -q --all | grep -c "^pp/")" = 2 &&
	icc ps | grep -q " live *$" && icc snapshots -q live | grep -qx u1 &&
	icc snapshots -q live | grep -qx l1
'

test_expect_success 'system prune --snapshots deletes the kept ones only' '
	n=$(icc snapshots -q --all | grep -c "^rr/") && test "$n" = 1 &&
	icc system prune -f --snapshots >out 2>err && cat out err &&
	grep -q "^Deleted Snapshots:" out && grep -q "^pp/" out && grep -q "^rr/keep " out &&
	! icc snapshots -q --all | grep -Eq "^(pp|rr)/" &&
	icc snapshots -q live | grep -qx u1 && icc snapshots -q live | grep -qx l1 &&
	test -z "$(ls -A "$ICC_ROOT/snapshots")" &&
	test "$(icc run --rm r:1 cat /r)" = rr &&
	icc rm -f live >/dev/null 2>err && grep -q "^kept 2 snapshots of .live." err && consistent
'

test_expect_success 'a removed container named like the start of a live one'\''s id: its name wins' '
	icc run -d --name idp busybox sleep 600 >/dev/null && at_exit "icc rm -f idp" &&
	icc snapshot idp mine >/dev/null &&
	p=$(cid idp | cut -c1-3) && test ${#p} = 3 &&
	icc run --name "$p" busybox sh -c "echo k1 >/.icc/save" >/dev/null &&
	test "$(icc snapshots -q "$p")" = k1 &&
	icc rm "$p" >/dev/null 2>err && grep -q "^kept 1 snapshot of .$p." err &&
	test "$(icc snapshots -q "$p")" = k1 &&
	test "$(icc snapshots -q "$(cid idp | cut -c1-12)")" = mine &&
	icc export -q "$p/k1" | tar -tf - >/dev/null &&
	icc snapshot rm "$p/k1" >/dev/null && test_must_fail icc snapshots -q "$p/k1" 2>/dev/null &&
	test "$(icc snapshots -q "$p")" = mine &&
	consistent
'

test_done
