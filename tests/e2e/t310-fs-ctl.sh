#!/bin/bash
# t310-fs-ctl.sh - icc-fs /.icc: save, snapshots/ (browse, mkdir, rmdir, mv), info
. "$(dirname "$0")/../lib.sh"
. "$TESTS_DIR/lib-fs.sh"

setup_fs_vol

# wsave PYTHON-BYTES-LITERAL [FILE]: one write(2) to .icc/save; prints the
# errno name and fails if the write fails
wsave() {
	python3 - "${2:-$M/.icc/save}" "$1" <<'EOF'
import os, sys, errno
data = eval(sys.argv[2])
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_TRUNC)
try:
    n = os.write(fd, data)
    assert n == len(data), n
except OSError as e:
    print(errno.errorcode[e.errno]); sys.exit(1)
EOF
}

nsnaps() { ls "$M/.icc/snapshots" | wc -l; }
no_tmp() { ! ls -a "$SD" | grep -q '^\.tmp-'; }

test_expect_success 'mount; .icc/save reads empty before any save' '
	echo one >"$V/f" &&
	mount_fs "$V" "$M" && [ ! -s "$M/.icc/save" ] && [ "$(nsnaps)" = 0 ] &&
	ls "$M/.icc" | tr "\n" " " | grep -qx "info rollback save snapshots "
'

test_expect_success 'echo > .icc/save takes an automatic snapshot' '
	echo >"$M/.icc/save" &&
	read name id <"$M/.icc/save" &&
	echo "$name" | grep -Eq "^[0-9]{8}-[0-9]{6}$" && echo "$id" | grep -Eq "^[0-9a-f]{64}$" &&
	[ "$(ls "$M/.icc/snapshots")" = "$name" ] &&
	[ "$(btrfs property get "$SD/$name/rootfs" ro)" = ro=true ] &&
	grep -q "\"id\":.*\"$id\"" "$SD/$name/meta.json" &&
	[ "$(cat "$M/.icc/snapshots/$name/f")" = one ] && no_tmp
'

test_expect_success 'named save with a message, one write' '
	wsave "b\"v1\nfirst line\nsecond line\n\"" &&
	python3 -c "import json,sys; m=json.load(open(\"$SD/v1/meta.json\")); assert m[\"message\"]==\"first line\nsecond line\", m" &&
	[ "$(cut -d" " -f1 "$M/.icc/save")" = v1 ] &&
	echo v2 >"$M/.icc/save" && test -d "$M/.icc/snapshots/v2/"
'

test_expect_success 'a shell writing name and message line by line: one snapshot' '
	bash -c "printf \"shellmsg\\nline one\\nline two\\n\" > $M/.icc/save" &&
	(echo subshell; echo more) >"$M/.icc/save" &&
	python3 -c "import json,sys; m=json.load(open(sys.argv[1])); assert m[\"message\"]==\"line one\\nline two\", m" \
		"$SD/shellmsg/meta.json" &&
	grep -q "\"message\":.*\"more\"" "$SD/subshell/meta.json" &&
	! test -e "$SD/line" && ! test -e "$SD/more"
'

test_expect_success 'sendfile readers (busybox cat) see save and info' '
	busybox cat "$M/.icc/save" | grep -q "^subshell [0-9a-f]\{64\}$" &&
	busybox cat "$M/.icc/info" | python3 -m json.tool >/dev/null
'

test_expect_success 'bad names: EINVAL, nothing left behind' '
	n=$(nsnaps) &&
	for bad in "b\"../x\n\"" "b\"a/b\n\"" "b\"x\"*4096" "b\"\xff\xfe\n\"" "b\"ab\x00c\n\"" \
		   "b\" \"" "b\"\r\"" "b\".hidden\n\"" "b\"-x\n\"" "b\"ok\n\xff\"" "b\"x\"*129+b\"\n\""; do
		out=$(wsave "$bad") && { echo "accepted $bad"; exit 1; }
		[ "$out" = EINVAL ] || { echo "$bad: $out"; exit 1; }
	done &&
	[ "$(nsnaps)" = "$n" ] && no_tmp
'

test_expect_success 'existing name: EEXIST; truncate to 0 works' '
	out=$(wsave "b\"v1\n\"") ; [ "$out" = EEXIST ] &&
	truncate -s 0 "$M/.icc/save" && : >"$M/.icc/save"
'

test_expect_success '64 concurrent saves: 64 snapshots, unique names' '
	n=$(nsnaps) &&
	for i in $(seq 64); do (echo >"$M/.icc/save") & done; wait &&
	[ "$(nsnaps)" = $((n + 64)) ] &&
	[ -z "$(ls "$M/.icc/snapshots" | sort | uniq -d)" ] && no_tmp
'

test_expect_success 'snapshots listed oldest first, mtime = creation, host-made ones too' '
	mkdir "$SD/hostmade" && btrfs subvolume snapshot -r "$V" "$SD/hostmade/rootfs" >/dev/null &&
	python3 - "$M/.icc/snapshots" "$SD" <<-\EOF
	import os, sys, json, datetime
	d, sd = sys.argv[1], sys.argv[2]
	names = os.listdir(d)
	assert "hostmade" in names, names
	assert names[-1] == "hostmade", names[-3:]
	prev = 0
	for n in names[:-1]:
	    m = json.load(open(os.path.join(sd, n, "meta.json")))
	    c = datetime.datetime.strptime(m["created"][:26], "%Y-%m-%dT%H:%M:%S.%f").replace(tzinfo=datetime.timezone.utc).timestamp()
	    mt = os.stat(os.path.join(d, n)).st_mtime
	    assert abs(mt - c) < 0.001, (n, mt, c)
	    assert c >= prev, n
	    prev = c
	EOF
'

test_expect_success 'browse a snapshot: ls, cat, find, cp -a, diff -r' '
	mkdir -p "$M/tree/sub" && echo a >"$M/tree/sub/a" && ln -s a "$M/tree/sub/l" &&
	echo snap1 >"$M/.icc/save" &&
	echo changed >"$M/tree/sub/a" &&
	S="$M/.icc/snapshots/snap1" &&
	[ "$(cat "$S/tree/sub/a")" = a ] && [ "$(readlink "$S/tree/sub/l")" = a ] &&
	find "$S" >/dev/null && [ "$(find "$S/tree" | wc -l)" = 4 ] &&
	cp -a "$S/tree" "$T/copy" && [ "$(cat "$T/copy/sub/a")" = a ] &&
	! diff -r "$S/tree" "$M/tree" >/dev/null &&
	diff -r "$S/tree" "$T/copy" &&
	[ "$(stat -c %i "$S")" != "$(stat -c %i "$M")" ] &&
	[ "$(stat -c %i "$S/tree/sub/a")" != "$(stat -c %i "$M/tree/sub/a")" ]
'

test_expect_success 'everything under a snapshot is read-only' '
	S="$M/.icc/snapshots/snap1" &&
	for c in "touch $S/new" "touch $S/tree/sub/a" "rm $S/tree/sub/a" "mkdir $S/d" \
		 "mv $S/tree/sub/a $S/tree/b" "chmod 777 $S/tree" "chown 1:1 $S/tree/sub/a" \
		 "setfattr -n user.x -v y $S/tree/sub/a" "ln -s x $S/sl" "truncate -s0 $S/tree/sub/a" \
		 "mkfifo $S/ff" "rmdir $S/tree/sub" "ln $S/tree/sub/a $S/tree/hl" \
		 "sh -c \"echo x >>$S/tree/sub/a\"" "rm -rf $S/tree" "mv $S/tree $M/stolen" \
		 "ln $S/tree/sub/a $M/hl" "ln $M/f $S/hl2" "cp $M/f $S/f2"; do
		if eval "$c" 2>/dev/null; then echo "succeeded: $c"; exit 1; fi
	done &&
	touch "$S/tree/sub/a" 2>err; grep -q "Read-only" err &&
	[ "$(cat "$S/tree/sub/a")" = a ] && test -e "$S/tree/sub/l" && ! test -e "$M/stolen"
'

test_expect_success 'mkdir, mv, rmdir in .icc/snapshots' '
	mkdir "$M/.icc/snapshots/made" && test -f "$SD/made/meta.json" &&
	[ "$(cat "$M/.icc/snapshots/made/f")" = one ] &&
	mv "$M/.icc/snapshots/made" "$M/.icc/snapshots/renamed" &&
	! test -e "$SD/made" && test -d "$M/.icc/snapshots/renamed/tree" &&
	test_must_fail mv "$M/.icc/snapshots/renamed" "$M/.icc/snapshots/v1" &&
	rmdir "$M/.icc/snapshots/renamed" && ! test -e "$SD/renamed" &&
	! ls "$M/.icc/snapshots" | grep -q renamed &&
	test_must_fail mkdir "$M/.icc/snapshots/.x" && test_must_fail mkdir "$M/.icc/snapshots/a b" &&
	test_must_fail touch "$M/.icc/snapshots/file" &&
	test_must_fail ln -s x "$M/.icc/snapshots/sl" &&
	test_must_fail mkfifo "$M/.icc/snapshots/ff" &&
	test_must_fail mv "$M/f" "$M/.icc/snapshots/f" &&
	test_must_fail rmdir "$M/.icc/snapshots/nonexistent" && no_tmp
'

test_expect_success 'rm -rf .icc: EPERM, nothing lost' '
	n=$(nsnaps) &&
	! rm -rf "$M/.icc" 2>err && grep -q "Operation not permitted" err &&
	[ "$(nsnaps)" = "$n" ] && test -e "$M/.icc/save" && test -e "$M/.icc/info" &&
	[ "$(cat "$M/.icc/snapshots/snap1/tree/sub/a")" = a ] &&
	test_must_fail rm "$M/.icc/save" && test_must_fail mv "$M/.icc/info" "$M/.icc/x"
'

test_expect_success '.icc/info is valid JSON' '
	python3 -m json.tool "$M/.icc/info" >/dev/null &&
	python3 - "$M/.icc/info" "$(nsnaps)" <<-\EOF
	import json, sys
	j = json.load(open(sys.argv[1]))
	for k in ("id", "name", "image", "subvolume", "snapshots", "last_save", "fs"):
	    assert k in j, k
	assert j["snapshots"] == int(sys.argv[2]), j
	import os
	assert j["last_save"]["name"] == os.listdir(os.path.dirname(sys.argv[1]) + "/snapshots")[-1], j["last_save"]
	assert j["fs"]["size"] > 0 and j["fs"]["free"] > 0
	assert len(j["id"]) == 36
	assert j["subvolume"] == j["id"] and "/" not in j["subvolume"], j  # no host path
	EOF
'

test_expect_success 'data written to a still-open file is in the snapshot' '
	python3 - "$M" "$SD" <<-\EOF
	import os, sys
	m, sd = sys.argv[1], sys.argv[2]
	data = os.urandom(9 << 20)
	fd = os.open(m + "/open.bin", os.O_CREAT | os.O_WRONLY, 0o644)
	os.write(fd, data)
	s = os.open(m + "/.icc/save", os.O_WRONLY)
	os.write(s, b"stillopen\n")
	os.close(s)
	got = open(sd + "/stillopen/rootfs/open.bin", "rb").read()
	assert got == data, len(got)
	got = open(m + "/.icc/snapshots/stillopen/open.bin", "rb").read()
	assert got == data, len(got)
	os.close(fd)
	EOF
'

test_expect_success 'pages dirtied through a shared mmap are in the snapshot' '
	python3 - "$M" "$SD" <<-\EOF
	import mmap, os, sys
	m, sd = sys.argv[1], sys.argv[2]
	fd = os.open(m + "/mapped", os.O_CREAT | os.O_RDWR, 0o644)
	os.ftruncate(fd, 4 << 20)
	mm = mmap.mmap(fd, 4 << 20, mmap.MAP_SHARED)
	mm[0:5] = b"first"
	mm[(3 << 20):(3 << 20) + 4] = b"last"
	s = os.open(m + "/.icc/save", os.O_WRONLY)
	os.write(s, b"mapped\n")
	os.close(s)
	got = open(sd + "/mapped/rootfs/mapped", "rb").read()
	assert got[0:5] == b"first" and got[3 << 20:(3 << 20) + 4] == b"last"
	mm.close()
	os.close(fd)
	EOF
'

test_expect_success 'save= and delete= permissions' '
	test_must_fail $USR sh -c "echo >$M/.icc/save" &&
	test_must_fail $USR mkdir "$M/.icc/snapshots/byuser" &&
	test_must_fail $USR rmdir "$M/.icc/snapshots/v1" && test -d "$SD/v1" &&
	$USR cat "$M/.icc/save" >/dev/null && $USR ls "$M/.icc/snapshots/v1" >/dev/null &&
	btrfs subvolume create "$T/store/vol2" >/dev/null && chmod 777 "$T/store/vol2" &&
	mkdir -p "$T/mnt2" && mount_fs "$T/store/vol2" "$T/mnt2" "delete=writers,name=second,image=img:1" &&
	$USR sh -c "echo byuser >$T/mnt2/.icc/save" && $USR rmdir "$T/mnt2/.icc/snapshots/byuser" &&
	umount "$T/mnt2" &&
	chmod 755 "$T/store/vol2" && mount_fs "$T/store/vol2" "$T/mnt2" "save=all" &&
	$USR sh -c "echo all >$T/mnt2/.icc/save" && test -d "$T/store/.vol2.snapshots/all" &&
	grep -q "\"image\":.*\"\"" "$T/mnt2/.icc/info"
'

test_expect_success 'snapdir= and lock= options; lock serialises saves' '
	mkdir -p "$T/mnt3" && btrfs subvolume create "$T/store/vol3" >/dev/null &&
	mount_fs "$T/store/vol3" "$T/mnt3" "snapdir=$T/store/elsewhere,lock=$T/store/my.lock" &&
	{ flock "$T/store/my.lock" sleep 2 & } && sleep 0.5 &&
	{ (echo locked >"$T/mnt3/.icc/save") & } && sleep 1 &&
	! test -e "$T/store/elsewhere/locked" &&
	wait && test -d "$T/store/elsewhere/locked/rootfs"
'

test_done
