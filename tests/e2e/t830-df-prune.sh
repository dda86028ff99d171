#!/bin/bash
# t830-df-prune.sh - system df, system prune, snapshot prune, --format on listings
. "$(dirname "$0")/../lib.sh"
setup_store
make_image busybox
icc create --name keep busybox >/dev/null
icc create --name gone busybox >/dev/null
for s in a b c d; do icc snapshot keep $s >/dev/null; done
icc promote keep/a dangling:1 >/dev/null
icc rmi dangling:1 >/dev/null 2>&1 || true

test_expect_success 'system df: Docker columns and one row per type' '
	icc system df >out &&
	head -n1 out | grep -Eq "^TYPE +TOTAL +ACTIVE +SIZE +RECLAIMABLE$" &&
	grep -Eq "^Images +1 +1 +[0-9.]+[kMG]?B +0B \(0%\)$" out &&
	grep -Eq "^Containers +2 +0 " out &&
	grep -Eq "^Snapshots +4 +0 " out
'

test_expect_success 'system df -v lists every object; --format json and templates' '
	icc system df -v >out &&
	grep -q "Snapshots space usage:" out && grep -Eq "^keep/d " out && grep -Eq "^busybox +latest " out &&
	icc system df --format json >out && test $(wc -l <out) -eq 3 &&
	grep -q "\"Type\":\"Snapshots\",\"TotalCount\":\"4\"" out &&
	icc system df --format "{{.Type}}={{.TotalCount}}" >out &&
	printf "Images=1\nContainers=2\nSnapshots=4\n" >exp && diff exp out
'

test_expect_success 'listings take --format json and templates with the common fields' '
	icc images --format "{{.ID}} {{.Repository}} {{.Tag}} {{.Size}} {{.CreatedSince}}" | grep -Eq "^[0-9a-f]{12} busybox latest [0-9.]+[kMG]?B .+ ago|Less than" &&
	icc ps -a --format "{{.ID}} {{.Names}} {{.Image}} {{.Status}} {{.CreatedSince}}" | grep -Eq "^[0-9a-f]{12} keep busybox Created " &&
	icc ps -a -s --format "{{.Names}} {{.Size}}" | grep -Eq "^keep [0-9.]+[kMG]?B \(virtual [0-9.]+[kMG]?B\)$" &&
	icc snapshots --format "{{.Names}} {{.Size}}" keep | grep -Eq "^keep/a [0-9.]+[kMG]?B$" &&
	icc history --format json busybox | grep -q "\"CreatedSince\"" &&
	icc images --format json | head -n1 | grep -q "^{\"ID\":"
'

test_expect_success 'snapshot prune: --keep, --older-than, -n, bad durations' '
	icc snapshot prune -n --keep 2 keep >out && grep -q "Would delete: a" out && grep -q "Would delete: b" out &&
	test $(icc snapshots -q keep | wc -l) -eq 4 &&
	icc snapshot prune --keep 3 --older-than 1h keep >out && grep -q "Total reclaimed space: 0B" out &&
	test $(icc snapshots -q keep | wc -l) -eq 4 &&
	icc snapshot prune --keep 3 keep >out && grep -qx "Deleted: a" out && grep -q "^Total reclaimed space: " out &&
	icc snapshots -q keep >out && printf "b\nc\nd\n" >exp && diff exp out &&
	sleep 2 && icc snapshot prune --older-than 1s keep >out && test -z "$(icc snapshots -q keep)" &&
	test_must_fail icc snapshot prune --older-than 3x keep 2>err && grep -q "invalid --older-than" err &&
	test_must_fail icc snapshot prune keep 2>err && grep -q -- "--keep" err
'

test_expect_success 'system prune refuses without -f when stdin is not a terminal' '
	test_must_fail icc system prune </dev/null >out 2>err &&
	grep -q "WARNING! This will remove:" err && grep -q "use -f" err &&
	test $(icc ps -aq | wc -l) -eq 2
'

test_expect_success 'system prune -f: stopped containers and dangling images, Total reclaimed space' '
	icc commit keep >/dev/null &&
	icc system prune -f >out &&
	grep -q "^Deleted Containers:" out && grep -q "^Deleted Images:" out &&
	grep -Eq "^Total reclaimed space: [0-9.]+[kMG]?B$" out &&
	test -z "$(icc ps -aq)" &&
	icc images --format "{{.Repository}}" >out && echo busybox >exp && diff exp out
'

test_expect_success 'system prune -a -f removes unused tagged images too' '
	icc system prune -a -f >out && grep -q "untagged: busybox:latest" out &&
	test -z "$(icc images -q)"
'

if command -v script >/dev/null; then
test_expect_success 'system prune asks on a terminal; n keeps everything' '
	make_image busybox && icc create busybox >/dev/null &&
	{ echo n | script -qec "icc system prune" /dev/null >out 2>&1 || :; } &&
	grep -q "Are you sure you want to continue? \[y/N\]" out &&
	test $(icc ps -aq | wc -l) -eq 1
'
else
	test_skip 'system prune asks on a terminal' 'script(1) not installed'
fi

test_done
