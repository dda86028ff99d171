#!/bin/bash
# t810-help-man.sh - --help / help CMD for every command, the man pages agree, exit codes, make install
. "$(dirname "$0")/../lib.sh"
SRC=$(cd "$TESTS_DIR/.." && pwd)
MAN="$SRC/docs/man"
commands=$(icc --help | sed -n '/^Commands:/,/^$/p' | awk 'NF > 1 {print $1}')

test_expect_success 'icc --help lists every command; exit 0' '
	icc --help >out && test $(echo "$commands" | wc -l) -ge 30 &&
	grep -q "^  promote " out && grep -q "^  system " out
'

test_expect_success 'icc help CMD and icc CMD --help print the same usage for every command' '
	for c in $commands; do
		icc help $c >a && icc $c --help >b && cmp a b &&
		head -n1 a | grep -q "^Usage: icc $c" || { echo "bad help for $c"; cat a; exit 1; }
	done
'

test_expect_success 'every command has a man page whose synopsis is the --help usage' '
	for c in $commands; do
		page="$MAN/icc-$c.1"
		test -f "$page" && test -f "$page.scd" || { echo "no man page for $c"; exit 1; }
		usage=$(icc help $c | head -n1 | sed "s/^Usage: //")
		MANWIDTH=1000 man -l "$page" 2>/dev/null | sed -n "/^SYNOPSIS/,/^DESCRIPTION/p" |
			sed "s/^ *//" | grep -qxF -- "$usage" || { echo "synopsis of icc-$c(1) differs from: $usage"; exit 1; }
		# every option named in --help is in the page
		for o in $(icc help $c | grep -oE "^ +-[a-z-]+(, --[a-z-]+)?" | grep -oE -- "--?[a-z-]+"); do
			grep -qF -- "$o" "$page.scd" || { echo "icc-$c(1) lacks $o"; exit 1; }
		done
	done &&
	test -f "$MAN/icc.1" && test -f "$MAN/icc-ctl.7" && test -f "$MAN/icc-fs.8" &&
	man -l "$MAN/icc.1" | grep -q "icc-promote(1)"
'

# The page date (third field of .TH) is the day `make man` ran; everything
# else must be byte for byte what scdoc makes of the source, on any day.
mask_date() { sed '/^\.TH /s/ "[0-9-]*"$/ "DATE"/' "$@"; }
if command -v scdoc >/dev/null; then
test_expect_success 'the committed roff is what scdoc makes of the sources (any day)' '
	for s in "$MAN"/*.scd; do
		scdoc <"$s" | mask_date >made && mask_date "${s%.scd}" >committed &&
		cmp made committed || { echo "${s%.scd} is stale: run make man"; exit 1; }
	done
'
test_expect_success 'the roff check holds a year from now (SOURCE_DATE_EPOCH)' '
	s="$MAN/icc-commit.1.scd" &&
	SOURCE_DATE_EPOCH=$(( $(date +%s) + 366 * 86400 )) scdoc <"$s" >future &&
	! cmp -s future "${s%.scd}" && mask_date future >made && mask_date "${s%.scd}" >committed &&
	cmp made committed
'
else
	test_skip 'the committed roff is what scdoc makes of the sources' 'scdoc not installed'
fi

test_expect_success 'unknown commands suggest the closest and exit 125' '
	test_expect_code() { "$@"; test $? -eq 125; }
	icc imgs 2>err; test $? -eq 125 && expect_error_line err "did you mean .images." &&
	icc snap 2>err; test $? -eq 125 && grep -q "did you mean .snapshot" err &&
	icc help imags 2>err; test $? -eq 125 && grep -q "did you mean .images" err &&
	icc xyzzyq 2>err; test $? -eq 125 && expect_error_line err "unknown command .xyzzyq." &&
	icc zz 2>err; test $? -eq 125 && expect_error_line err "^icc: unknown command .zz. \(see" &&
	icc cq 2>err; test $? -eq 125 && expect_error_line err "did you mean .cp.\?"
'

test_expect_success 'usage errors exit 125, with the table synopsis' '
	icc images --bogus 2>err; test $? -eq 125 && grep -q "usage: icc images \[-a\]" err &&
	icc tag 2>err; test $? -eq 125 &&
	icc system nonsense 2>err; test $? -eq 125 &&
	icc --bogus 2>err; test $? -eq 125 &&
	icc 2>err; test $? -eq 125
'

test_expect_success 'run: --help after the image belongs to the command; bad options exit 125' '
	icc run --help | grep -q "^Usage: icc run" &&
	icc run --no-such-option x 2>err; test $? -eq 125
'

test_expect_success 'make install / uninstall with DESTDIR and PREFIX' '
	D=$T/destdir &&
	make -s -C "$SRC" install DESTDIR="$D" PREFIX=/opt/icc BUILD="$BUILD_DIR" >/dev/null &&
	test -x "$D/opt/icc/bin/icc" && test -x "$D/opt/icc/sbin/icc-fs" &&
	test -f "$D/opt/icc/share/man/man1/icc.1" && test -f "$D/opt/icc/share/man/man1/icc-run.1" &&
	test -f "$D/opt/icc/share/man/man7/icc-ctl.7" && test -f "$D/opt/icc/share/man/man8/icc-fs.8" &&
	test -f "$D/opt/icc/share/bash-completion/completions/icc" &&
	MANPATH="$D/opt/icc/share/man" man -w icc-promote | grep -q icc-promote.1 &&
	make -s -C "$SRC" uninstall DESTDIR="$D" PREFIX=/opt/icc BUILD="$BUILD_DIR" >/dev/null &&
	test -z "$(find "$D" -type f)"
'

test_done
