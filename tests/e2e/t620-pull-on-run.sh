#!/bin/bash
# t620-pull-on-run.sh - run/create of an image not in the store pulls it
# (Docker's "Unable to find image"), --pull missing|always|never; a local
# docker-registry on 127.0.0.1 is the only registry.
. "$(dirname "$0")/../lib.sh"
command -v docker-registry >/dev/null || skip_all "docker-registry is not installed"
command -v skopeo >/dev/null || skip_all "skopeo is not installed"
setup_store
make_image busybox

port=$((40000 + $$ % 20000))
start_registry "$port"
REF=127.0.0.1:$port/test/bb:1

test_expect_success 'setup: the image is in the registry, not in the store' '
	icc push -q --tls-verify=false busybox "$REF" >/dev/null &&
	test_must_fail icc inspect --type image "$REF" 2>/dev/null
'

test_expect_success '--pull never: no such image, nothing made' '
	n=$(ls "$ICC_ROOT/containers" | wc -l) &&
	{ icc run --rm --pull never "$REF" true 2>err; rc=$?; } && test $rc -eq 125 &&
	expect_error_line err "no such image" &&
	test "$(ls "$ICC_ROOT/containers" | wc -l)" -eq "$n"
'

test_expect_success 'run of a missing image: "Unable to find image", pulled, run; stdout is the container'"'"'s' '
	icc run --rm "$REF" echo from-pulled >out 2>err &&
	test "$(cat out)" = from-pulled &&
	grep -qx "Unable to find image .$REF. locally" err &&
	icc inspect --type image "$REF" >/dev/null
'

test_expect_success 'present: no pull; --pull always pulls again' '
	icc run --rm "$REF" true 2>err && ! grep -q "Unable to find" err && ! grep -q Pulling err &&
	icc create --pull always --name c1 "$REF" >out 2>err && grep -q "Pulling" err &&
	! grep -q "Unable to find" err && icc rm c1 >/dev/null
'

test_expect_success 'a pull that fails: one line from the pull, exit 125, nothing made' '
	n=$(ls "$ICC_ROOT/containers" | wc -l) &&
	{ icc run --rm 127.0.0.1:$port/test/nosuch:1 true 2>err; rc=$?; } && test $rc -eq 125 &&
	grep -q "Unable to find image" err && test "$(grep -c "^icc: " err)" -eq 1 &&
	test "$(ls "$ICC_ROOT/containers" | wc -l)" -eq "$n"
'

test_expect_success 'bad --pull value' '
	{ icc run --pull sometimes busybox true 2>err; rc=$?; } && test $rc -eq 125 &&
	expect_error_line err "invalid --pull .sometimes."
'
test_done
