#!/bin/bash
# t470-filters.sh - ps --filter/-n/-l, images --filter, usage errors in icc's form, did-you-mean
. "$(dirname "$0")/../lib.sh"
setup_store
make_image busybox
names() { icc ps "$@" --format '{{.Names}}' | sort | tr '\n' ' '; }
# names_are WANT PS-ARGS...: icc ps PS-ARGS lists the containers WANT (sorted, each followed by a blank)
names_are() {
	local want=$1 got
	shift
	got=$(names "$@") && [ "$got" = "$want" ] || { echo "icc ps $*: '$got', want '$want'"; return 1; }
}

test_expect_success 'setup: running, exited, created containers; a child image' '
	icc run -d --name web1 busybox sleep 300 >/dev/null &&
	icc run -d --name web2 busybox sleep 300 >/dev/null &&
	icc run --name job1 busybox sh -c "exit 2" >/dev/null; test $? = 2 &&
	icc create --name new1 busybox true >/dev/null &&
	icc commit -c "LABEL tier=front" web1 child:1 >/dev/null &&
	icc run -d --name kid1 child:1 sleep 300 >/dev/null
'

test_expect_success 'status=: one state, two states OR, implies -a' '
	names_are "kid1 web1 web2 " --filter status=running &&
	names_are "job1 " --filter status=exited &&
	names_are "new1 " --filter status=created &&
	names_are "job1 new1 " --filter status=exited --filter status=created
'

test_expect_success 'name= (a regular expression), id= (a prefix), different keys AND' '
	names_are "web1 web2 " -a --filter name=web &&
	names_are "web2 " -a --filter name=^web2$ &&
	names_are "job1 web1 " -a --filter name=web1 --filter name=job &&
	names_are "" --filter name=web --filter status=exited &&
	id=$(icc inspect -f "{{.Id}}" web2) &&
	names_are "web2 " -a --filter id=$(echo $id | cut -c1-8) &&
	names_are "web2 " -a --filter id=$id --filter name=web
'

test_expect_success 'ancestor= (the image or an image made from it), label=' '
	names_are "kid1 " -a --filter ancestor=child:1 &&
	names_are "job1 kid1 new1 web1 web2 " -a --filter ancestor=busybox &&
	names_are "" -a --filter ancestor=nosuchimage &&
	names_are "kid1 " -a --filter label=tier &&
	names_are "kid1 " -a --filter label=tier=front &&
	names_are "" -a --filter label=tier=back
'

test_expect_success 'ps -n N and -l: the newest containers, any state' '
	test "$(icc ps -n 2 --format "{{.Names}}" | tr "\n" " ")" = "kid1 new1 " &&
	test "$(icc ps -l --format "{{.Names}}")" = kid1 &&
	test "$(icc ps --last 1 -q | wc -l)" = 1 &&
	test "$(icc ps -n 2 --filter status=running --format "{{.Names}}" | tr "\n" " ")" = "kid1 web2 "
'

test_expect_success 'images --filter dangling= and reference=' '
	icc commit web2 >/dev/null &&
	icc images --filter dangling=true --format "{{.Repository}}:{{.Tag}}" >out && test "$(cat out)" = "<none>:<none>" &&
	icc images --filter dangling=false --format "{{.Repository}}" | sort | tr "\n" " " >out && test "$(cat out)" = "busybox child " &&
	test "$(icc images --filter "reference=chi*" --format "{{.Repository}}")" = child &&
	test "$(icc images --filter "reference=child:1" -q | wc -l)" = 1 &&
	test "$(icc images --filter "reference=*:latest" --format "{{.Repository}}")" = busybox &&
	test "$(icc images --filter "reference=nomatch*" | wc -l)" = 1
'

test_expect_success 'bad filters: one icc line each, nothing listed' '
	test_must_fail icc ps --filter color=red >out 2>err && test ! -s out &&
	expect_error_line err "^icc: ps: --filter .color=red.: unknown filter" &&
	test_must_fail icc ps --filter status 2>err && expect_error_line err "^icc: ps: --filter .status.: not KEY=VALUE" &&
	test_must_fail icc ps --filter status=sleeping 2>err && expect_error_line err "^icc: ps: --filter status=sleeping: invalid status" &&
	test_must_fail icc ps --filter "name=(" 2>err && expect_error_line err "not a regular expression" &&
	test_must_fail icc ps -n x 2>err && expect_error_line err "^icc: ps: --last x" &&
	test_must_fail icc images --filter dangling=maybe 2>err && expect_error_line err "^icc: images: --filter dangling=maybe: not a boolean" &&
	test_must_fail icc images --filter label=x 2>err && expect_error_line err "^icc: images: --filter .label=x.: unknown filter"
'

test_expect_success 'usage errors are icc: CMD: lines, never getopt'"'"'s own' '
	test_must_fail icc ps --bogus 2>err && expect_error_line err "^icc: ps: unknown option .--bogus.; usage: icc ps \[-a\] .* \(see .icc ps --help.\)$" &&
	test_must_fail icc ps -Z 2>err && expect_error_line err "^icc: ps: unknown option .-Z." &&
	test_must_fail icc stop -t 2>err && expect_error_line err "^icc: stop: option .-t. needs a value" &&
	test_must_fail icc images --format 2>err && expect_error_line err "^icc: images: option .--format. needs a value" &&
	test_must_fail icc ps --no-trunc=yes 2>err && expect_error_line err "^icc: ps: option .--no-trunc. takes no value" &&
	test_must_fail icc snapshot -x web1 2>err && expect_error_line err "^icc: snapshot: unknown option .-x." &&
	test_must_fail icc logs 2>err && expect_error_line err "^icc: logs: usage:" &&
	! grep -r "unrecognized option\|invalid option" err
'

test_expect_success 'did you mean: a unique prefix or at most 2 edits; cp is a command' '
	icc cp web1:/etc/passwd - >/dev/null &&
	test_must_fail icc cpp 2>err && expect_error_line err "did you mean .cp.\?" &&
	test_must_fail icc restat 2>err && expect_error_line err "did you mean .restart.\?" &&
	test_must_fail icc imgs 2>err && expect_error_line err "did you mean .images.\?" &&
	test_must_fail icc snap 2>err && expect_error_line err "did you mean .snapshot.\?" &&
	test_must_fail icc re 2>err && expect_error_line err "^icc: unknown command .re. \(see .icc --help.\)$" &&
	test_must_fail icc zz 2>err && expect_error_line err "^icc: unknown command .zz. \(see .icc --help.\)$" &&
	test_must_fail icc frobnicate 2>err && ! grep -q "did you mean" err
'

test_done
