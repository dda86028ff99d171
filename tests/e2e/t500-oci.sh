#!/bin/bash
# t500-oci.sh - export, save (OCI/docker), validation with skopeo/umoci/oci-image-tool, load, bad archives
. "$(dirname "$0")/../lib.sh"
command -v skopeo >/dev/null && command -v umoci >/dev/null || skip_all "skopeo/umoci missing"
setup_store

make_rootfs "$T/rootfs"
mkdir -p "$T/rootfs/data/dir" "$T/rootfs/data/gone"
echo a >"$T/rootfs/data/dir/a"
echo keep >"$T/rootfs/data/keep"
echo del >"$T/rootfs/data/del"
echo old >"$T/rootfs/data/gone/old"
ln "$T/rootfs/data/keep" "$T/rootfs/data/keep.link"
ln -s ../etc/motd "$T/rootfs/data/symlink"
mknod "$T/rootfs/data/null" c 1 3
mkfifo "$T/rootfs/data/fifo"
chown 1234:5678 "$T/rootfs/data/keep"
chmod 4750 "$T/rootfs/data/keep"
setfattr -n user.icc -v hello "$T/rootfs/data/dir/a"
setfattr -n security.capability -v 0sAQAAAgAgAAAAAAAAAAAAAAAAAAA= "$T/rootfs/bin/busybox"
icc init -c 'CMD ["/bin/sh"]' -c 'ENV FOO=bar' -c 'WORKDIR /data' "$T/rootfs" base:1 >/dev/null

rootfs_of() { icc inspect -f '{{.Icc.Subvolume}}' "$1"; }
same_tree() { diff -r -x fifo -x null "$1" "$2" && meta_list "$1" >"$T/ma" && meta_list "$2" >"$T/mb" && diff "$T/ma" "$T/mb"; }
meta_list() { (cd "$1" && find . -printf '%p %U %G %m %y %l\n' | LC_ALL=C sort); }

test_expect_success 'export writes owners, modes, hard links, xattrs, devices' '
	test_must_fail icc export nosuch >out 2>err &&
	icc export base:1 >"$T/x.tar" &&
	tar -tvf "$T/x.tar" >list &&
	grep -q "^-rwsr-x--- 1234/5678 .* data/keep$" list &&
	grep -q "^hrwsr-x--- 1234/5678 .* data/keep.link link to data/keep$" list &&
	grep -q "^lrwxrwxrwx .* data/symlink -> ../etc/motd$" list &&
	grep -q "^crw-r--r-- .* 1,3 .* data/null$" list &&
	grep -q "^prw-r--r-- .* data/fifo$" list &&
	tar --xattrs --xattrs-include="*" -tvvf "$T/x.tar" >xl 2>&1 &&
	grep -q "security.capability" xl && grep -q "user.icc" xl &&
	mkdir "$T/xu" && tar --xattrs --xattrs-include="*" -xpf "$T/x.tar" -C "$T/xu" &&
	same_tree "$(rootfs_of base:1)" "$T/xu" &&
	test "$(getfattr --only-values -n user.icc "$T/xu/data/dir/a")" = hello
'

test_expect_success 'two child images: a change, then deletions and a replaced directory' '
	icc create --name c1 base:1 >/dev/null &&
	R=$ICC_ROOT/containers/$(ls "$ICC_ROOT/containers")/rootfs &&
	echo new >"$R/data/new" && chown 7:8 "$R/data/new" &&
	echo changed >"$R/data/dir/a" &&
	icc snapshot c1 s1 >/dev/null && icc promote c1/s1 img:2 >/dev/null &&
	icc create --name c2 img:2 >/dev/null &&
	R2=$(ls -d "$ICC_ROOT"/containers/*/rootfs | grep -vx "$R") &&
	rm "$R2/data/del" && rm -rf "$R2/data/gone" && rm -rf "$R2/data/dir" &&
	mkdir "$R2/data/dir" && echo b >"$R2/data/dir/b" &&
	icc snapshot c2 s2 >/dev/null && icc promote c2/s2 img:3 >/dev/null &&
	icc history img:3 >out && test $(grep -c "icc " out) = 3
'

test_expect_success 'save --format oci-dir: three layers with whiteouts; skopeo and oci-image-tool accept it' '
	icc save --format oci-dir -o "$T/oci" img:3 2>err &&
	grep -q "(3 layers)" err &&
	skopeo inspect "oci:$T/oci:3" >insp &&
	test $(grep -c "sha256:" insp) -ge 4 &&
	grep -q "FOO=bar" insp &&
	skopeo inspect --config "oci:$T/oci:3" >cfg &&
	grep -q "\"WorkingDir\": \"/data\"" cfg && grep -q "icc promote c2/s2" cfg &&
	oci-image-tool validate --type image --ref name=3 "$T/oci" &&
	last=$(python3 -c "import json,sys;m=json.load(open(sys.argv[1]+\"/index.json\"))[\"manifests\"][0][\"digest\"][7:];print(json.load(open(sys.argv[1]+\"/blobs/sha256/\"+m))[\"layers\"][-1][\"digest\"][7:])" "$T/oci") &&
	tar -tzf "$T/oci/blobs/sha256/$last" >l3 &&
	grep -qx "data/.wh.del" l3 && grep -qx "data/.wh.gone" l3 &&
	grep -qx "data/dir/.wh..wh..opq" l3 && ! grep -q busybox l3
'

test_expect_success 'umoci unpack gives the image tree, byte for byte, owners and modes too' '
	umoci unpack --image "$T/oci:3" "$T/bundle" >/dev/null 2>&1 &&
	root=$(rootfs_of img:3) &&
	same_tree "$root" "$T/bundle/rootfs" &&
	meta_list "$root" >a && meta_list "$T/bundle/rootfs" >b && diff a b &&
	test ! -e "$T/bundle/rootfs/data/del" && test ! -e "$T/bundle/rootfs/data/gone" &&
	test ! -e "$T/bundle/rootfs/data/dir/a"
'

test_expect_success 'save is reproducible (same digests twice)' '
	icc save --format oci-dir -o "$T/oci2" img:3 2>/dev/null &&
	diff "$T/oci/index.json" "$T/oci2/index.json"
'

test_expect_success 'load of an oci-archive: same tree, config, history; layers shared' '
	icc save -o "$T/img3.tar" img:3 2>/dev/null &&
	icc load -q -i "$T/img3.tar" >out &&
	grep -qx "Loaded image: img:3" out &&
	icc inspect img:3 >insp && grep -q FOO=bar insp &&
	root=$(rootfs_of img:3) && same_tree "$root" "$T/bundle/rootfs" &&
	meta_list "$root" >c && diff a c &&
	icc history img:3 >h && test $(grep -c "icc " h) = 3 &&
	n=$(icc images -a -q | wc -l) &&
	icc save -o "$T/img3b.tar" --compress zstd img:3 2>/dev/null &&
	icc rmi img:3 >/dev/null &&
	icc load -q -i - <"$T/img3.tar" >out && grep -qx "Loaded image: img:3" out &&
	test $(icc images -a -q | wc -l) -le $n
'

test_expect_success 'load of a docker-archive (manifest.json only) with a new name' '
	icc save --format docker-archive -o "$T/d.tar" img:2 2>/dev/null &&
	mkdir "$T/d" && tar -xf "$T/d.tar" -C "$T/d" && rm "$T/d/index.json" "$T/d/oci-layout" &&
	grep -q RepoTags "$T/d/manifest.json" &&
	tar -C "$T/d" -cf "$T/d2.tar" . &&
	icc load -q -i "$T/d2.tar" other:7 >out &&
	grep -qx "Loaded image: img:2" out && grep -qx "Loaded image: other:7" out &&
	same_tree "$(rootfs_of other:7)" "$(rootfs_of img:2)"
'

test_expect_success 'corrupt blob, missing blob, truncated archive, escaping layer: error, nothing left' '
	before=$(ls "$ICC_ROOT/images" | wc -l) &&
	cp -a "$T/oci" "$T/bad" &&
	big=$(ls -S "$T/bad/blobs/sha256" | head -1) &&
	printf x | dd of="$T/bad/blobs/sha256/$big" bs=1 seek=100 conv=notrunc 2>/dev/null &&
	test_must_fail icc load -q -i "$T/bad" 2>err && grep -q "corrupt" err &&
	rm "$T/bad/blobs/sha256/$big" &&
	test_must_fail icc load -q -i "$T/bad" 2>err && grep -q "missing" err &&
	head -c 300000 "$T/img3.tar" >"$T/trunc.tar" &&
	test_must_fail icc load -q -i "$T/trunc.tar" 2>err &&
	mkdir -p "$T/evil/x" && echo pwned >"$T/evil/x/f" &&
	tar -C "$T/evil" --transform "s|^x|../../x|" -czf "$T/evil.tgz" x/f 2>/dev/null &&
	python3 - "$T/evil.tgz" "$T/evil-oci" <<-PY &&
	import hashlib, json, os, sys, gzip
	src, d = sys.argv[1], sys.argv[2]
	os.makedirs(d + "/blobs/sha256")
	def put(b):
	    h = hashlib.sha256(b).hexdigest(); open(d + "/blobs/sha256/" + h, "wb").write(b); return "sha256:" + h, len(b)
	lay = open(src, "rb").read(); ld, ls = put(lay)
	diff = "sha256:" + hashlib.sha256(gzip.decompress(lay)).hexdigest()
	cd, cs = put(json.dumps({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": [diff]}}).encode())
	md, ms = put(json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
	    "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cd, "size": cs},
	    "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": ld, "size": ls}]}).encode())
	json.dump({"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": md, "size": ms}]}, open(d + "/index.json", "w"))
	open(d + "/oci-layout", "w").write("{\"imageLayoutVersion\":\"1.0.0\"}")
	PY
	test_must_fail icc load -q -i "$T/evil-oci" 2>err && grep -q "outside" err &&
	test "$(ls "$ICC_ROOT/images" | wc -l)" = "$before" &&
	test -z "$(ls "$ICC_ROOT/tmp")" &&
	icc system check >out && grep -q consistent out
'

test_expect_success 'push and pull through skopeo (oci: transport), digest as skopeo reports' '
	icc push img:2 "oci:$T/pushed:v2" >out 2>err &&
	d=$(sed -n "s/.*digest: //p" out) &&
	test "$d" = "$(skopeo inspect --format "{{.Digest}}" "oci:$T/pushed:v2")" &&
	icc pull "oci:$T/pushed:v2" pulled:2 >out 2>err &&
	grep -qx "Loaded image: pulled:2" out &&
	same_tree "$(rootfs_of pulled:2)" "$(rootfs_of img:2)"
'

test_done
