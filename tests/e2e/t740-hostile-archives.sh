#!/bin/bash
# t740-hostile-archives.sh - tar and OCI inputs made to escape or exhaust:
# ../ and absolute names, symlink-then-write, hard links out, device nodes,
# setuid bits, 4 KiB names, non-UTF-8 names, many entries, zip bombs.
# Nothing is written outside the new image, each refusal is one clear line,
# nothing is left behind (`icc system check` clean, no icc-load-* temp dirs).
# ICC_STRESS_ROUNDS>1: 1,000,000 entries instead of 100,000.
. "$(dirname "$0")/../lib.sh"

[ "$(id -u)" = 0 ] || skip_all "needs root"
setup_store 1G
make_image busybox
ROUNDS=${ICC_STRESS_ROUNDS:-1}
export TMPDIR="$T/tmpdir"
mkdir -p "$TMPDIR"

setup_outside # the host directory the archives aim at
mkdir "$O/dir"
touch -d "2000-01-01 UTC" "$O/dir"
sentinel() {
	stat -c "%n %a %s %X %Y %Z %h %i" "$O/secret"
	stat -c "%n %a %s %Y %Z %h" "$O" "$O/dir"
	ls -A "$O" "$O/dir" | md5sum
	[ -e /etc/icc-pwned ] && echo "/etc/icc-pwned exists"
	true
}
sentinel >"$T/sentinel.before"
unchanged() { sentinel >"$T/sentinel.after" && diff "$T/sentinel.before" "$T/sentinel.after"; }
clean() { consistent && test -z "$(ls -A "$ICC_ROOT/tmp")" && test -z "$(ls -A "$TMPDIR")" && unchanged; }

cat >"$T/mk.py" <<'EOF'
# mk.py KIND OUT [ARG]: write a hostile archive
import gzip, hashlib, io, json, os, sys, tarfile
kind, out = sys.argv[1], sys.argv[2]
arg = sys.argv[3] if len(sys.argv) > 3 else ""

def ti(name, type=tarfile.REGTYPE, data=b"", **kw):
    t = tarfile.TarInfo(name)
    t.type = type
    t.size = len(data) if type == tarfile.REGTYPE else 0
    t.mode = kw.get("mode", 0o755 if type == tarfile.DIRTYPE else 0o644)
    t.uid = kw.get("uid", 0)
    t.gid = kw.get("gid", 0)
    t.linkname = kw.get("linkname", "")
    t.devmajor = kw.get("major", 0)
    t.devminor = kw.get("minor", 0)
    t.mtime = 946684800
    return t, data

def tar_bytes(members, fmt=tarfile.GNU_FORMAT):
    b = io.BytesIO()
    with tarfile.open(fileobj=b, mode="w", format=fmt, encoding="utf-8", errors="surrogateescape") as t:
        for m, data in members:
            t.addfile(m, io.BytesIO(data) if m.type == tarfile.REGTYPE else None)
    return b.getvalue()

def zeros_layer(count, size):
    # a gzip'd layer of COUNT members of SIZE zero bytes each, and its diff_id computed as it is made
    mb = gzip.compress(b"\0" * (1 << 20), 9)
    h, z, parts = hashlib.sha256(), b"\0" * (1 << 20), []
    for k in range(count):
        hdr = tarfile.TarInfo("zeros%d" % k)
        hdr.size = size
        hb = hdr.tobuf(format=tarfile.GNU_FORMAT)
        parts.append(gzip.compress(hb)); h.update(hb)
        for _ in range(size >> 20):
            parts.append(mb); h.update(z)
        tail = b"\0" * ((size & ((1 << 20) - 1)) + (512 - size % 512) % 512)
        parts.append(gzip.compress(tail)); h.update(tail)
    parts.append(gzip.compress(b"\0" * 1024)); h.update(b"\0" * 1024)
    return b"".join(parts), h.hexdigest()

base = [ti("./", tarfile.DIRTYPE), ti("etc", tarfile.DIRTYPE), ti("etc/motd", data=b"hostile\n"),
        ti("bin", tarfile.DIRTYPE), ti("bin/busybox", data=open("/bin/busybox", "rb").read(), mode=0o755)]
base += [ti("bin/" + a, tarfile.SYMTYPE, linkname="busybox") for a in
         ("sh", "ls", "cat", "stat", "head", "grep", "od", "find", "wc")]
cases = {
    "dotdot": [ti("../../../../../../" + arg.lstrip("/") + "/dotdot", data=b"x")],
    "dotdot2": [ti("etc/../../../" + arg.lstrip("/") + "/dotdot2", data=b"x")],
    "absolute": [ti(arg + "/absolute", data=b"x")],
    "abs-etc": [ti("/etc/icc-pwned", data=b"x")],
    "symlink-then-write": [ti("l", tarfile.SYMTYPE, linkname=arg), ti("l/pwned", data=b"x")],
    "relsymlink-then-write": [ti("etc/l", tarfile.SYMTYPE, linkname="../../../../../../../../" + arg.lstrip("/")),
                              ti("etc/l/pwned", data=b"x")],
    "symlink-then-overwrite": [ti("s", tarfile.SYMTYPE, linkname=arg + "/secret"), ti("s", data=b"pwned\n")],
    "hardlink-abs": [ti("h", tarfile.LNKTYPE, linkname=arg + "/secret")],
    "hardlink-dotdot": [ti("h", tarfile.LNKTYPE, linkname="../../../../../../../" + arg.lstrip("/") + "/secret")],
    "hardlink-via-symlink": [ti("s", tarfile.SYMTYPE, linkname=arg), ti("h", tarfile.LNKTYPE, linkname="s/secret")],
    "devices": [ti("devs", tarfile.DIRTYPE), ti("devs/loop0", tarfile.BLKTYPE, major=7, minor=0, mode=0o660),
                ti("devs/null", tarfile.CHRTYPE, major=1, minor=3, mode=0o666),
                ti("devs/mem", tarfile.CHRTYPE, major=1, minor=1, mode=0o640)],
    "setuid": [ti("bin/suid", data=b"#!/bin/sh\n", mode=0o4755),
               ti("bin/sgid", data=b"#!/bin/sh\n", mode=0o2755, gid=50),
               ti("bin/plain", data=b"#!/bin/sh\n", mode=0o755, uid=1234, gid=1234),
               ti("bin/worldw", data=b"#!/bin/sh\n", mode=0o777)],
    "nonutf8": [ti("caf\udce9", data=b"latin1\n"), ti("bad\udcff\udcfe", tarfile.DIRTYPE)],
}
if kind in cases:
    data = tar_bytes(base + cases[kind])
elif kind == "longname":
    comps = ["d%03d" % i + "x" * 240 for i in range(16)]  # 16 x 244 + 15 = 3919
    path = "/".join(comps)
    name = path + "/" + "f" * (4096 - len(path) - 2)
    data = tar_bytes(base + [ti(name, data=b"deep\n")], tarfile.PAX_FORMAT)
elif kind == "longcomponent":
    data = tar_bytes(base + [ti("x" * 4096, data=b"x")], tarfile.PAX_FORMAT)
elif kind == "many":
    n = int(arg)
    b = io.BytesIO()
    with tarfile.open(fileobj=b, mode="w", format=tarfile.GNU_FORMAT) as t:
        for m, d in base:
            t.addfile(m, io.BytesIO(d))
        for i in range(n):
            if i % 1000 == 0:
                t.addfile(ti("m%04d" % (i // 1000), tarfile.DIRTYPE)[0])
            t.addfile(ti("m%04d/f%06d" % (i // 1000, i))[0])
    data = b.getvalue()
elif kind == "bomb":
    # concatenated gzip members of zeros: a few MB that expand to COUNT x SIZE bytes
    count, size = (int(x) for x in arg.split("x"))
    mb = gzip.compress(b"\0" * (1 << 20), 9)
    with open(out, "wb") as f:
        for k in range(count):
            hdr = tarfile.TarInfo("zeros%d" % k)
            hdr.size = size
            f.write(gzip.compress(hdr.tobuf(format=tarfile.GNU_FORMAT)))
            for _ in range(size >> 20):
                f.write(mb)
            rest = size & ((1 << 20) - 1)
            f.write(gzip.compress(b"\0" * (rest + (512 - size % 512) % 512)))
        f.write(gzip.compress(b"\0" * 1024))
    sys.exit(0)
elif kind == "layerbomb":
    # a gzip'd layer of COUNT members of SIZE zero bytes each
    count, size = (int(x) for x in arg.split("x"))
    data, diff_id = zeros_layer(count, size)
    gz = True
elif kind == "bigthenbomb":
    # docker-archive: a layer of BIG zero bytes, then a layer of one BOMB-byte member
    big, bomb = (int(x) for x in arg.split(":"))
    layers = [zeros_layer(1, big), zeros_layer(1, bomb)]
    cfg = json.dumps({"architecture": "amd64", "os": "linux", "config": {"Cmd": ["/bin/sh"]},
                      "rootfs": {"type": "layers", "diff_ids": ["sha256:" + d for _, d in layers]}}).encode()
    cname = hashlib.sha256(cfg).hexdigest() + ".json"
    man = json.dumps([{"Config": cname, "RepoTags": ["bigthenbomb:1"],
                       "Layers": ["l%d.tar.gz" % i for i in range(len(layers))]}]).encode()
    files = [(cname, cfg), ("manifest.json", man)] + [("l%d.tar.gz" % i, l) for i, (l, _) in enumerate(layers)]
    open(out, "wb").write(tar_bytes([ti(n, data=b) for n, b in files]))
    sys.exit(0)
elif kind in ("symlink-blob", "fifo-blob", "symlink-config", "symlink-layer"):
    # layouts whose files lead out of the archive (arg: the outside directory)
    secret = b"SENTINEL\n"  # what the test put in arg/secret (not read here: atime is watched)
    sh = hashlib.sha256(secret).hexdigest()
    b = io.BytesIO()
    with tarfile.open(fileobj=b, mode="w", format=tarfile.GNU_FORMAT) as t:
        def add(n, d=b"", type=tarfile.REGTYPE, **kw):
            m, d = ti(n, type, data=d, **kw)
            t.addfile(m, io.BytesIO(d) if m.type == tarfile.REGTYPE else None)
        if kind in ("symlink-blob", "fifo-blob"):
            add("oci-layout", b'{"imageLayoutVersion":"1.0.0"}')
            add("index.json", json.dumps({"schemaVersion": 2, "manifests": [{
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "digest": "sha256:" + sh, "size": len(secret)}]}).encode())
            add("blobs", type=tarfile.DIRTYPE)
            add("blobs/sha256", type=tarfile.DIRTYPE)
            if kind == "symlink-blob":
                add("blobs/sha256/" + sh, type=tarfile.SYMTYPE, linkname=arg + "/secret")
            else:
                add("blobs/sha256/" + sh, type=tarfile.FIFOTYPE)
        elif kind == "symlink-config":
            add("manifest.json", json.dumps([{"Config": "cfg.json", "RepoTags": ["evil:1"],
                                              "Layers": ["l.tar"]}]).encode())
            add("cfg.json", type=tarfile.SYMTYPE, linkname=arg + "/secret")
        else:
            c = json.dumps({"rootfs": {"type": "layers", "diff_ids": ["sha256:" + sh]}}).encode()
            cfg = hashlib.sha256(c).hexdigest() + ".json"
            add("manifest.json", json.dumps([{"Config": cfg, "RepoTags": ["evil:1"],
                                              "Layers": ["l.tar"]}]).encode())
            add(cfg, c)
            add("l.tar", type=tarfile.SYMTYPE, linkname=arg + "/secret")
    open(out, "wb").write(b.getvalue())
    sys.exit(0)
else:
    raise SystemExit("unknown kind " + kind)

if out.endswith(".oci.tar") or out.endswith(".docker.tar"):
    # wrap `data` as the one layer of an OCI layout / docker-archive
    def sha(b): return hashlib.sha256(b).hexdigest()
    layer = data
    if kind != "layerbomb":
        diff_id, gz = sha(layer), False
    cfg = json.dumps({"architecture": "amd64", "os": "linux", "config": {"Cmd": ["/bin/sh"]},
                      "rootfs": {"type": "layers", "diff_ids": ["sha256:" + diff_id]}}).encode()
    files = {}
    if out.endswith(".oci.tar"):
        man = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                          "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                                     "digest": "sha256:" + sha(cfg), "size": len(cfg)},
                          "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar" + ("+gzip" if gz else ""),
                                      "digest": "sha256:" + sha(layer), "size": len(layer)}]}).encode()
        idx = json.dumps({"schemaVersion": 2, "manifests": [{
            "mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": "sha256:" + sha(man),
            "size": len(man), "annotations": {"io.containerd.image.name": "docker.io/library/hostile:" + kind}}]}).encode()
        for b in (layer, cfg, man):
            files["blobs/sha256/" + sha(b)] = b
        files["index.json"] = idx
        files["oci-layout"] = b'{"imageLayoutVersion":"1.0.0"}'
    else:
        files[sha(cfg) + ".json"] = cfg
        files["layer.tar"] = layer
        files["manifest.json"] = json.dumps([{"Config": sha(cfg) + ".json", "RepoTags": ["hostile:" + kind],
                                              "Layers": ["layer.tar"]}]).encode()
    data = tar_bytes([ti(n, data=b) for n, b in sorted(files.items())])
with open(out, "wb") as f:
    f.write(data)
EOF
mk() { python3 "$T/mk.py" "$@"; }
imgid() { icc inspect "$1" | sed -n 's/.*"Id":[[:space:]]*"\(sha256:\)\{0,1\}\([0-9a-f]\{64\}\)".*/\2/p' | head -n1; }

for kind in dotdot dotdot2 absolute abs-etc symlink-then-write relsymlink-then-write \
	    symlink-then-overwrite hardlink-abs hardlink-dotdot hardlink-via-symlink; do
	for how in import oci docker; do
		test_expect_success "$kind ($how): refused or confined, one-line error, nothing left" "
			case $how in
			import) f='$T/$kind.tar' ;;
			oci) f='$T/$kind.oci.tar' ;;
			docker) f='$T/$kind.docker.tar' ;;
			esac &&
			mk $kind \"\$f\" '$O' &&
			if [ $how = import ]; then
				icc import \"\$f\" hostile:$kind >out 2>err; rc=\$?
			else
				icc load -q -i \"\$f\" hostile:$kind >out 2>err; rc=\$?
			fi
			if [ \$rc = 0 ]; then
				# accepted: whatever it made is inside the image only
				icc run --rm hostile:$kind sh -c 'ls -la / /etc; cat /s /h 2>/dev/null; true' &&
				icc rmi hostile:$kind >/dev/null
			else
				test \$rc = 1 && expect_error_line err '^icc: cannot (import|load|apply) '
			fi &&
			cat err && clean
		"
	done
done

test_expect_success 'symlink-then-overwrite replaces the link inside the image, never the target' '
	mk symlink-then-overwrite "$T/so.tar" "$O" &&
	if icc import "$T/so.tar" so:1 >/dev/null 2>err; then
		test "$(icc run --rm so:1 cat /s)" = pwned && icc rmi so:1 >/dev/null
	else
		expect_error_line err "^icc: cannot import"
	fi && clean
'

for how in import oci; do
	test_expect_success "device nodes ($how) are kept as in the source, inside the image only" "
		loop_before=\$(stat -c '%t:%T %X %Y' /dev/loop0 2>/dev/null) &&
		if [ $how = import ]; then
			mk devices '$T/dev.tar' && icc import '$T/dev.tar' dev:$how >/dev/null
		else
			mk devices '$T/dev.oci.tar' && icc load -q -i '$T/dev.oci.tar' dev:$how >/dev/null
		fi &&
		icc run --rm dev:$how stat -c '%n %F %t:%T %a' /devs/loop0 /devs/null /devs/mem >out &&
		cat out &&
		id=\$(imgid dev:$how) && test -n \"\$id\" &&
		R='$ICC_ROOT'/images/\$id/rootfs &&
		test \"\$(stat -c '%F %t:%T %a' \$R/devs/loop0)\" = 'block special file 7:0 660' &&
		test \"\$(stat -c '%F %t:%T %a' \$R/devs/null)\" = 'character special file 1:3 666' &&
		test \"\$(stat -c '%F %t:%T %a' \$R/devs/mem)\" = 'character special file 1:1 640' &&
		# and the container cannot use them (device cgroup), host loop0 untouched
		! icc run --rm dev:$how sh -c 'head -c 512 /devs/loop0 >/dev/null' 2>/dev/null &&
		! icc run --rm dev:$how sh -c 'head -c 16 /devs/mem >/dev/null' 2>/dev/null &&
		test \"\$(stat -c '%t:%T %X %Y' /dev/loop0 2>/dev/null)\" = \"\$loop_before\" &&
		icc rmi dev:$how >/dev/null && clean
	"
done

test_expect_success 'setuid and setgid bits are kept only where the source has them' '
	mk setuid "$T/suid.tar" && icc import "$T/suid.tar" suid:1 >/dev/null &&
	icc run --rm suid:1 stat -c "%n %a %u %g" /bin/suid /bin/sgid /bin/plain /bin/worldw >out &&
	cat out &&
	grep -qx "/bin/suid 4755 0 0" out && grep -qx "/bin/sgid 2755 0 50" out &&
	grep -qx "/bin/plain 755 1234 1234" out && grep -qx "/bin/worldw 777 0 0" out &&
	icc rmi suid:1 >/dev/null && clean
'

test_expect_success 'a 4 KiB name: imported whole or one clear error' '
	mk longname "$T/long.tar" &&
	if icc import "$T/long.tar" long:1 >/dev/null 2>err; then
		id=$(imgid long:1) && test -n "$id" &&
		find "$ICC_ROOT/images/$id/rootfs" -name "fff*" | grep -q . && icc rmi long:1 >/dev/null
	else
		expect_error_line err "^icc: cannot import .*(too long|File name)"
	fi && clean &&
	mk longcomponent "$T/longc.tar" &&
	test_must_fail icc import "$T/longc.tar" longc:1 2>err &&
	expect_error_line err "^icc: cannot import .*(too long|File name)" && clean
'

test_expect_success 'non-UTF-8 names are kept as bytes' '
	mk nonutf8 "$T/nonutf8.tar" && icc import "$T/nonutf8.tar" nonutf8:1 >/dev/null &&
	id=$(imgid nonutf8:1) && ls "$ICC_ROOT/images/$id/rootfs" >out &&
	grep -q "$(printf "^caf\351\$")" out && grep -q "$(printf "^bad\377\376\$")" out &&
	icc run --rm nonutf8:1 sh -c "cat /caf*" | grep -q latin1 &&
	icc rmi nonutf8:1 >/dev/null && clean
'

if [ "$ROUNDS" -gt 1 ]; then N=1000000; else N=100000; fi
test_expect_success "$N entries" "
	mk many '$T/many.tar' $N && ls -la '$T/many.tar' &&
	icc import '$T/many.tar' many:1 >/dev/null &&
	rm -f '$T/many.tar' &&
	test \"\$(icc run --rm many:1 sh -c 'ls /m* | grep -c ^f')\" = $N &&
	icc rmi many:1 >/dev/null && clean
"

test_expect_success 'zip bombs: refused before filling the store, one line, nothing left' '
	df -h "$ICC_ROOT" | tail -n1 &&
	mk bomb "$T/bomb1.tgz" 1x$((3 << 30)) && ls -la "$T/bomb1.tgz" &&
	test_must_fail icc import "$T/bomb1.tgz" bomb:1 2>err && cat err &&
	expect_error_line err "^icc: cannot import .*expands beyond the free space" && clean &&
	# each member fits, all of them do not
	mk bomb "$T/bomb2.tgz" 12x$((100 << 20)) &&
	test_must_fail icc import "$T/bomb2.tgz" bomb:2 2>err && cat err &&
	expect_error_line err "^icc: cannot import .*expands beyond the free space" && clean &&
	ICC_IMPORT_MAX_BYTES=$((50 << 20)) test_must_fail icc import "$T/bomb2.tgz" bomb:3 2>err &&
	expect_error_line err "expands beyond ICC_IMPORT_MAX_BYTES" && clean &&
	# a gzip of zeros that is not a tar at all
	head -c $((200 << 20)) /dev/zero | gzip -1 >"$T/zeros.gz" &&
	test_must_fail icc import "$T/zeros.gz" bomb:4 2>err && expect_error_line err "^icc: cannot import" && clean &&
	# the store still works
	mk bomb "$T/ok.tgz" 1x$((1 << 20)) && icc import "$T/ok.tgz" ok:1 >/dev/null && icc rmi ok:1 >/dev/null && clean
'

test_expect_success 'an OCI archive that is a bomb (outer tar) is refused too' '
	mk bomb "$T/bomb.oci.tgz" 1x$((3 << 30)) &&
	df -h "$TMPDIR" | tail -n1 &&
	ICC_IMPORT_MAX_BYTES=$((100 << 20)) test_must_fail icc load -q -i "$T/bomb.oci.tgz" 2>err && cat err &&
	expect_error_line err "expands beyond" && clean
'

test_expect_success 'a layer bomb inside an OCI archive / docker-archive is refused before filling the store' '
	df -h "$ICC_ROOT" | tail -n1 &&
	# one member larger than the free space: refused from its header
	mk layerbomb "$T/lbomb1.oci.tar" 1x$((1200 << 20)) && ls -la "$T/lbomb1.oci.tar" &&
	test_must_fail icc load -q -i "$T/lbomb1.oci.tar" 2>err && cat err &&
	expect_error_line err "^icc: cannot apply .*expands beyond the free space .* at member .zeros0." && clean &&
	# each member fits, all of them do not: counted as written
	mk layerbomb "$T/lbomb2.docker.tar" 12x$((100 << 20)) &&
	test_must_fail icc load -q -i "$T/lbomb2.docker.tar" 2>err && cat err &&
	expect_error_line err "^icc: cannot apply .*expands beyond the free space" && clean &&
	ICC_IMPORT_MAX_BYTES=$((50 << 20)) test_must_fail icc load -q -i "$T/lbomb2.docker.tar" 2>err &&
	expect_error_line err "^icc: cannot apply .*expands beyond ICC_IMPORT_MAX_BYTES" && clean &&
	rm -f "$T"/lbomb*.tar &&
	# a small layer of the same kind loads
	mk layerbomb "$T/lok.oci.tar" 2x$((1 << 20)) && icc load -q -i "$T/lok.oci.tar" lok:1 >/dev/null &&
	icc rmi lok:1 >/dev/null && clean
'

avail() { stat -f -c "%a %S" "$ICC_ROOT" | awk "{ print \$1 * \$2 }"; }
test_expect_success 'a load right after a refused one has the space back (not told the store is full)' '
	consistent && free=$(avail) && echo "free before: $free" &&
	# layer 1 takes 60% of the store and reaches the disk (layer 2 is its
	# snapshot, which flushes it); layer 2 is refused: both are deleted
	big=$((free / 10 * 6 / 1048576 * 1048576)) &&
	mk bigthenbomb "$T/btb.docker.tar" $big:$((1200 << 20)) &&
	test_must_fail icc load -q -i "$T/btb.docker.tar" 2>err && cat err &&
	expect_error_line err "^icc: cannot apply .*expands beyond the free space .* at member .zeros0." &&
	echo "free after the refusal: $(avail)" &&
	# what the refused load wrote is free again when it returns
	mk layerbomb "$T/big.oci.tar" 1x$big &&
	icc load -q -i "$T/big.oci.tar" big:1 >/dev/null &&
	rm -f "$T/btb.docker.tar" "$T/big.oci.tar" && icc rmi big:1 >/dev/null && clean
'

test_expect_success 'OCI/docker layouts whose blobs, configs or layers are symlinks out or fifos are refused' '
	for k in symlink-blob fifo-blob symlink-config symlink-layer; do
		mk $k "$T/$k.tar" "$O" &&
		timeout 20 icc load -q -i "$T/$k.tar" >out 2>err; rc=$?
		cat err
		test $rc = 1 && expect_error_line err "^icc: cannot load .*(outside the archive|not a regular file)" &&
		clean || exit 1
	done
'

test_expect_success 'a load killed midway leaves its unpacked archive in the store: check finds it, --repair removes it' '
	mk setuid "$T/crash.oci.tar" &&
	{ ICC_FAULT=load-after-layer icc load -q -i "$T/crash.oci.tar" crash:1; test $? = 137; } &&
	test -z "$(ls -A "$TMPDIR")" &&
	ls "$ICC_ROOT/tmp" | grep -Eq "^load-[A-Za-z0-9]{6}$" &&
	test_must_fail icc system check >out && cat out &&
	grep -Eq "^tmp/load-[A-Za-z0-9]{6}: left over" out &&
	test "$(grep -vc "problems\? found" out)" = 2 &&
	icc system check --repair >/dev/null && clean &&
	test_must_fail icc inspect crash:1 >/dev/null 2>&1 &&
	icc load -q -i "$T/crash.oci.tar" crash:1 >/dev/null && icc rmi crash:1 >/dev/null && clean
'

test_expect_success 'OCI: manifests naming paths outside the layout are refused' '
	mkdir -p "$T/evil" && cd "$T/evil" &&
	printf "[{\"Config\":\"../../../%s/secret\",\"RepoTags\":[\"evil:1\"],\"Layers\":[\"x\"]}]" "$O" >manifest.json &&
	tar -cf "$T/evil1.tar" manifest.json &&
	test_must_fail icc load -q -i "$T/evil1.tar" 2>err && expect_error_line err "^icc: cannot load" &&
	printf "[{\"Config\":\"%s/secret\",\"RepoTags\":[\"evil:1\"],\"Layers\":[\"x\"]}]" "$O" >manifest.json &&
	tar -cf "$T/evil2.tar" manifest.json &&
	test_must_fail icc load -q -i "$T/evil2.tar" 2>err && expect_error_line err "^icc: cannot load" &&
	rm manifest.json && echo "{\"imageLayoutVersion\":\"1.0.0\"}" >oci-layout &&
	printf "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:../../../../%s/secret\",\"size\":9}]}" "$O" >index.json &&
	tar -cf "$T/evil3.tar" oci-layout index.json &&
	test_must_fail icc load -q -i "$T/evil3.tar" 2>err && expect_error_line err "^icc: cannot load" &&
	cd "$T" && clean
'

test_done
