#!/bin/bash
# t110-bad-input.sh - every bad input gets one clear line, a non-zero exit, and loses nothing
. "$(dirname "$0")/../lib.sh"
setup_store
make_image busybox

count_objects() { ls "$ICC_ROOT/images" | wc -l; }
tmp_empty() { test -z "$(ls -A "$ICC_ROOT/tmp")"; }

test_expect_success 'unknown image' '
	test_must_fail icc inspect --type image nosuch:1 2>err &&
	expect_error_line err "^icc: no such image .nosuch:1.$" &&
	test_must_fail icc history nosuch 2>err &&
	expect_error_line err "^icc: no such image .nosuch.$"
'

test_expect_success 'ambiguous id prefix' '
	for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18; do icc init "$T/rootfs.$$" >/dev/null || exit 1; done &&
	# with 19 images some one-digit prefix is shared by two of them
	p=$(ls "$ICC_ROOT/images" | cut -c1 | sort | uniq -d | head -n1) &&
	test -n "$p" &&
	test_must_fail icc tag "$p" x:y 2>err &&
	expect_error_line err "^icc: ambiguous image id prefix .$p."
'

test_expect_success 'invalid names and tags' '
	for bad in Upper "a b" "x:" ":y" "-x" "x:-t" "x@sha256:00" "$(printf "%0300d" 0)"; do
		test_must_fail icc tag busybox "$bad" 2>err || exit 1
		expect_error_line err "^icc: invalid (reference format|tag)" || exit 1
	done
'

test_expect_success 'init of a missing dir, a file and an empty dir' '
	n=$(count_objects) &&
	test_must_fail icc init "$T/missing" x 2>err &&
	expect_error_line err "cannot use directory .*missing.*No such file" &&
	echo hi >"$T/afile" &&
	test_must_fail icc init "$T/afile" x 2>err &&
	expect_error_line err "not a directory" &&
	mkdir "$T/empty" &&
	test_must_fail icc init "$T/empty" x 2>err &&
	expect_error_line err "is empty" &&
	test_must_fail icc init "$T/rootfs.$$" "Bad:Name" 2>err &&
	expect_error_line err "invalid reference format" &&
	test "$(count_objects)" = "$n" && tmp_empty
'

test_expect_success 'import of a truncated stream, a non-tar and an empty file' '
	n=$(count_objects) &&
	tar -C "$T/rootfs.$$" -cf "$T/full.tar" . &&
	head -c 100000 "$T/full.tar" >"$T/trunc.tar" &&
	test_must_fail icc import "$T/trunc.tar" t:1 2>err &&
	expect_error_line err "cannot import .*trunc.tar" &&
	head -c 5000 /dev/urandom >"$T/junk" &&
	test_must_fail icc import "$T/junk" t:2 2>err &&
	expect_error_line err "cannot import .*junk" &&
	: >"$T/empty.tar" &&
	test_must_fail icc import "$T/empty.tar" t:3 2>err &&
	expect_error_line err "cannot import" &&
	test_must_fail icc import "$T/nonexistent.tar" t:4 2>err &&
	expect_error_line err "cannot import .*No such file" &&
	test "$(count_objects)" = "$n" && tmp_empty &&
	test_must_fail icc inspect t:1
'

# Hostile archives are made with python's tarfile, which writes what we ask.
mk_tar() {
	python3 - "$@" <<'PY'
import io, sys, tarfile
out, kind = sys.argv[1], sys.argv[2]
with tarfile.open(out, "w") as t:
    def add_file(name, data=b"x"):
        i = tarfile.TarInfo(name); i.size = len(data); t.addfile(i, io.BytesIO(data))
    def add(name, type, target=""):
        i = tarfile.TarInfo(name); i.type = type; i.linkname = target; t.addfile(i)
    add_file("ok")
    if kind == "dotdot":
        add_file("../escaped")
    elif kind == "deepdotdot":
        add_file("a/../../escaped")
    elif kind == "absolute":
        add_file("/tmp/icc-abs-escape")
    elif kind == "symlink-then-write":
        add("link", tarfile.SYMTYPE, sys.argv[3])
        add_file("link/escaped")
    elif kind == "hardlink-out":
        add("hl", tarfile.LNKTYPE, "../../../../etc/passwd")
    elif kind == "hardlink-abs":
        add("hl", tarfile.LNKTYPE, "/etc/passwd")
    elif kind == "longname":
        add_file("d/" + "n" * 300)
PY
}

for kind in dotdot deepdotdot absolute symlink-then-write hardlink-out hardlink-abs longname; do
	test_expect_success "hostile tar ($kind) writes nothing outside and leaves nothing" "
		mkdir -p '$T/outside' &&
		mk_tar '$T/$kind.tar' $kind '$T/outside' &&
		n=\$(count_objects) &&
		test_must_fail icc import '$T/$kind.tar' hostile:$kind 2>err &&
		expect_error_line err 'cannot import' &&
		test -z \"\$(ls -A '$T/outside')\" &&
		! test -e '$T/escaped' && ! test -e /tmp/icc-abs-escape &&
		! test -e '$ICC_ROOT/escaped' && ! test -e '$ICC_ROOT/tmp/escaped' &&
		test \"\$(count_objects)\" = \"\$n\" && tmp_empty &&
		test_must_fail icc inspect hostile:$kind
	"
done

test_expect_success 'a corrupt metadata file only breaks its own object' '
	icc init "$T/rootfs.$$" victim:1 >/dev/null &&
	id=$(icc inspect victim:1 | grep -o "sha256:[0-9a-f]*" | head -n1) && id=${id#sha256:} &&
	echo "{not json" >"$ICC_ROOT/images/$id/meta.json" &&
	test_must_fail icc inspect victim:1 2>err &&
	expect_error_line err "image ${id:0:12}: corrupt metadata" &&
	test_must_fail icc images >out 2>err &&
	grep -q "corrupt metadata" err &&
	grep -q "^busybox " out &&
	icc inspect busybox >/dev/null &&
	icc system check >out; test $? = 1 && grep -q "corrupt metadata" out
'

test_expect_success 'unknown command suggests the closest one' '
	test_must_fail icc imagess 2>err &&
	expect_error_line err "did you mean .images."
'

test_expect_success 'usage errors exit 125 (as Docker)' '
	icc tag onlyone 2>err; test $? = 125 &&
	expect_error_line err "usage: icc tag"
'

test_expect_success 'format directives in option values are text, not formats' '
	n=$(ls "$ICC_ROOT/containers" | wc -l) &&
	test_must_fail icc run -v "/x%n%n%s:/c" busybox true 2>err &&
	expect_error_line err "^icc: run: invalid volume ./x%n%n%s:/c.: host path ./x%n%n%s. does not exist$" &&
	test_must_fail icc create -v "/%s%s%s%s%n:/c" busybox true 2>err &&
	expect_error_line err "^icc: create: invalid volume ./%s%s%s%s%n:/c." &&
	test_must_fail icc run -w "%n%n%s" busybox true 2>err &&
	expect_error_line err "^icc: run: the working directory .%n%n%s. is invalid" &&
	test "$(ls "$ICC_ROOT/containers" | wc -l)" = "$n"
'

test_expect_success 'not root: says so' '
	test_must_fail setpriv --reuid=65534 --regid=65534 --clear-groups "$ICC_BIN" images 2>err &&
	expect_error_line err "^icc: icc must run as root" &&
	test_must_fail setpriv --reuid=65534 --regid=65534 --clear-groups "$ICC_BIN" mount x "$T" 2>err &&
	expect_error_line err "must run as root"
'

test_expect_success 'store root that cannot be made: clear error' '
	echo file >"$T/notadir" &&
	test_must_fail icc --root "$T/notadir/store" images 2>err &&
	expect_error_line err "cannot create store root" &&
	test_must_fail icc --root relative/path images 2>err &&
	expect_error_line err "must be an absolute path"
'

test_done
