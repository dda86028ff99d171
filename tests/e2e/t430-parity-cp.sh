#!/bin/bash
# t430-parity-cp.sh - icc cp both ways, tar streams, -a, running or stopped; container symlinks never lead to the host
. "$(dirname "$0")/../lib.sh"
setup_store
make_image busybox
icc create --name box busybox sleep 300 >/dev/null
R=$(icc inspect -f '{{.Icc.Subvolume}}' box)

# host sentinels a hostile container points at
mkdir -p "$T/host/secretdir"
echo "root:SECRET-HASH:19000::::::" >"$T/host/shadow"
chmod 600 "$T/host/shadow"
touch -d '2001-01-01' "$T/host/shadow"
sentinel_sum=$(sha256sum <"$T/host/shadow")
sentinel_untouched() {
	test "$(sha256sum <"$T/host/shadow")" = "$sentinel_sum" &&
	test "$(stat -c %Y "$T/host/shadow")" = "$(date -d 2001-01-01 +%s)" &&
	test -z "$(ls -A "$T/host/secretdir")" && test ! -e "$T/host/evil" && test ! -e /evil-icc-cp-$$
}
# what the container plants: absolute and relative links to the host's files
ln -s "$T/host/shadow" "$R/leak"
ln -s "$T/host" "$R/hostdir"
ln -s ../../../../../../../.. "$R/up"
mkdir -p "$R/data/sub"
echo one >"$R/data/a"
echo two >"$R/data/sub/b"
chown 1234:5678 "$R/data/a"

test_expect_success 'container file and directory to the host, with docker cp naming rules' '
	icc cp box:/data/a "$T/a.out" && test "$(cat "$T/a.out")" = one &&
	test "$(stat -c %u:%g "$T/a.out")" = 0:0 &&
	mkdir "$T/into" && icc cp box:/data "$T/into" && test "$(cat "$T/into/data/sub/b")" = two &&
	icc cp box:/data "$T/newname" && test "$(cat "$T/newname/sub/b")" = two &&
	mkdir "$T/contents" && icc cp box:/data/. "$T/contents" && test "$(cat "$T/contents/a")" = one &&
	icc cp -a box:/data/a "$T/a.keep" && test "$(stat -c %u:%g "$T/a.keep")" = 1234:5678 &&
	icc cp box:/etc/motd "$T/into/" && test -f "$T/into/motd"
'

test_expect_success 'host to container: owners root unless -a, modes and times kept' '
	mkdir -p "$T/src/d" && echo payload >"$T/src/d/f" && chmod 640 "$T/src/d/f" &&
	chown 4321:8765 "$T/src/d/f" && touch -d "2010-05-05 12:00" "$T/src/d/f" &&
	icc cp "$T/src/d" box:/tmp/ && test "$(cat "$R/tmp/d/f")" = payload &&
	test "$(stat -c %u:%g:%a "$R/tmp/d/f")" = 0:0:640 &&
	test "$(stat -c %Y "$R/tmp/d/f")" = "$(stat -c %Y "$T/src/d/f")" &&
	icc cp -a "$T/src/d/f" box:/tmp/kept && test "$(stat -c %u:%g "$R/tmp/kept")" = 4321:8765 &&
	icc cp "$T/src/d/f" box:/tmp/d/f && test "$(cat "$R/tmp/d/f")" = payload
'

test_expect_success 'a container symlink to a host file is copied as a symlink, never read' '
	icc cp box:/leak "$T/leak.out" && test -L "$T/leak.out" &&
	test "$(readlink "$T/leak.out")" = "$T/host/shadow" &&
	rm "$T/leak.out" && sentinel_untouched
'

test_expect_success 'paths through container symlinks and .. resolve inside the container (openat2 RESOLVE_IN_ROOT)' '
	test_must_fail icc cp box:/hostdir/shadow "$T/x1" 2>err && expect_error_line err "^icc: cp: no such file or directory in container .box." &&
	test_must_fail icc cp "box:/../../../../../../$T/host/shadow" "$T/x2" 2>err && expect_error_line err "no such file" &&
	test_must_fail icc cp "box:/up/$T/host/shadow" "$T/x3" 2>err && expect_error_line err "no such file" &&
	test ! -e "$T/x1" && test ! -e "$T/x2" && test ! -e "$T/x3" &&
	icc cp box:/up/etc/motd "$T/motd.via.up" && test "$(cat "$T/motd.via.up")" = "hello from icc" &&
	sentinel_untouched
'

test_expect_success 'writes where a container symlink would redirect them onto the host stay inside' '
	echo overwritten >"$T/evil" &&
	icc cp "$T/evil" box:/leak && test ! -L "$R/leak" && test "$(cat "$R/leak")" = overwritten &&
	test_must_fail icc cp "$T/evil" box:/hostdir/secretdir/evil 2>err && expect_error_line err "no such directory" &&
	test_must_fail icc cp "$T/evil" box:/hostdir/ 2>err && expect_error_line err "no such directory" &&
	icc cp "$T/evil" "box:/up/evil-icc-cp-$$" && test -f "$R/evil-icc-cp-$$" &&
	rm "$T/evil" && sentinel_untouched &&
	ln -sf "$T/host/shadow" "$R/leak"
'

test_expect_success 'tar streams: CONTAINER:PATH - and - CONTAINER:DIR; hostile members refused' '
	icc cp box:/data - >"$T/data.tar" && tar tf "$T/data.tar" | sort >list &&
	printf "data/\ndata/a\ndata/sub/\ndata/sub/b\n" >exp && diff exp list &&
	icc cp box:/leak - | tar tvf - | grep -q "leak -> $T/host/shadow" &&
	mkdir -p "$T/tin/x" && echo in >"$T/tin/x/y" && chown 77:88 "$T/tin/x/y" &&
	tar -C "$T/tin" -cf - x | icc cp - box:/tmp && test "$(cat "$R/tmp/x/y")" = in &&
	test "$(stat -c %u:%g "$R/tmp/x/y")" = 0:0 &&
	tar -C "$T/tin" -cf - x | icc cp -a - box:/srv 2>err; test ! -e "$R/srv" && grep -q "must be an existing directory" err &&
	mkdir "$R/srv" && tar -C "$T/tin" -cf - x | icc cp -a - box:/srv && test "$(stat -c %u:%g "$R/srv/x/y")" = 77:88 &&
	tar -C "$T/tin" -P -cf - --transform "s|^x|../../../../../$T/host/secretdir/x|" x | test_must_fail icc cp - box:/tmp 2>err &&
	grep -q "outside" err && test -z "$(ls -A "$T/host/secretdir")" &&
	tar -C "$T/tin" -cf - x | test_must_fail icc cp - box:/hostdir 2>err &&
	test -z "$(ls "$ICC_ROOT/tmp")" && sentinel_untouched
'

test_expect_success 'a running container: writes go through its icc-fs mount and show at once' '
	icc start box >/dev/null && at_exit "icc rm -f box" &&
	test_must_fail icc exec box cat /tmp/fresh 2>/dev/null &&
	echo fresh >"$T/fresh" && icc cp "$T/fresh" box:/tmp/fresh &&
	test "$(icc exec box cat /tmp/fresh)" = fresh &&
	icc exec box sh -c "echo made-inside >/tmp/inside; ln -s $T/host/shadow /tmp/l2" &&
	icc cp box:/tmp/inside "$T/inside" && test "$(cat "$T/inside")" = made-inside &&
	echo hi >"$T/hi" && icc cp "$T/hi" box:/tmp/l2 && test "$(icc exec box cat /tmp/l2)" = hi &&
	test_must_fail icc cp "$T/hi" box:/.icc/save 2>err && expect_error_line err "control directory" &&
	icc snapshots -q box >snaps && test ! -s snaps &&
	sentinel_untouched
'

test_expect_success 'bad input: one line, docker exit codes, nothing copied' '
	test_must_fail icc cp nosuch:/etc "$T/n" 2>err && expect_error_line err "^icc: cp: no such container" && test ! -e "$T/n" &&
	test_must_fail icc cp box:/no/such "$T/n" 2>err && expect_error_line err "no such file or directory in container" &&
	test_must_fail icc cp "$T/nonexistent" box:/tmp 2>err && expect_error_line err "^icc: cp: cannot copy" &&
	icc cp "$T/a.out" "$T/b.out" 2>err; test $? -eq 125 && expect_error_line err "CONTAINER:PATH" &&
	icc cp box:/a box:/b 2>err; test $? -eq 125 && expect_error_line err "between containers" &&
	icc cp box:/etc 2>err; test $? -eq 125 && expect_error_line err "^icc: cp: usage: icc cp " &&
	icc cp --bogus a b 2>err; test $? -eq 125 && expect_error_line err "^icc: cp: unknown option .--bogus." &&
	test_must_fail icc cp box:/data "$T/a.out" 2>err && expect_error_line err "directory to a file" &&
	test_must_fail icc cp box:/data/a/ "$T/q" 2>err && expect_error_line err "not a directory"
'

test_done
