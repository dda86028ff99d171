#!/bin/bash
# t120-check.sh - system check finds and repairs what crashes leave behind; concurrent writers
. "$(dirname "$0")/../lib.sh"
setup_store
make_image busybox

test_expect_success 'a clean store checks clean' '
	icc system check >out &&
	grep -q "is consistent" out
'

test_expect_success 'leftovers are found, then repaired' '
	id=$(icc inspect busybox | grep -o "sha256:[0-9a-f]*" | head -n1) && id=${id#sha256:} &&
	# a crash mid-import: staged subvolume in tmp/
	mkdir "$ICC_ROOT/tmp/deadbeef" && btrfs subvolume create "$ICC_ROOT/tmp/deadbeef/rootfs" >/dev/null &&
	# an image whose metadata was never written
	orphan=$(printf "%064d" 1) && mkdir "$ICC_ROOT/images/$orphan" &&
	btrfs subvolume create "$ICC_ROOT/images/$orphan/rootfs" >/dev/null &&
	# metadata whose subvolume is gone
	ghost=$(printf "%064d" 2) && mkdir "$ICC_ROOT/images/$ghost" &&
	echo "{\"id\":\"$ghost\"}" >"$ICC_ROOT/images/$ghost/meta.json" &&
	# a tag naming a missing image
	icc tag busybox dangling:1 &&
	sed -i "s/\"dangling:1\":[^,}]*/\"dangling:1\": \"$(printf "%064d" 3)\"/" "$ICC_ROOT/repositories.json" &&
	test_must_fail icc system check >out &&
	grep -q "tmp/deadbeef" out && grep -q "without metadata" out &&
	grep -q "metadata without a subvolume" out && grep -q "dangling:1" out &&
	icc system check --repair >out &&
	test "$(grep -c "\[repaired\]" out)" = 4 &&
	icc system check | grep -q "is consistent" &&
	test "$(btrfs subvolume list "$ICC_ROOT" | grep -c "$orphan\|deadbeef")" = 0 &&
	icc inspect busybox >/dev/null
'

test_expect_success 'parallel icc processes never corrupt the store' '
	for i in $(seq 1 8); do
		( icc tag busybox par$i:v && icc init "$T/rootfs.$$" img$i:v >/dev/null && icc rmi par$i:v >/dev/null ) &
	done; wait &&
	icc system check | grep -q "is consistent" &&
	for i in $(seq 1 8); do icc inspect img$i:v >/dev/null || exit 1; done &&
	python3 -m json.tool "$ICC_ROOT/repositories.json" >/dev/null
'

test_done
