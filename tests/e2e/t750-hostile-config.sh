#!/bin/bash
# t750-hostile-config.sh - an image's config never reaches the host: configs
# holding Mounts, Hostname, Network, devices ... come in by load (OCI and
# docker-archive), pull, receive, import -c, promote, and as an image already
# in the store; `icc run` sees none of it and a host sentinel stays unread and
# unwritten.  Received digests do not make a later `icc load` reuse a forged
# tree; a tag `icc load` moves is reported, the old image stays untagged.
. "$(dirname "$0")/../lib.sh"

[ "$(id -u)" = 0 ] || skip_all "needs root"
command -v jq >/dev/null || skip_all "jq missing"
setup_store
make_image busybox
export TMPDIR="$T/tmpdir"
mkdir -p "$TMPDIR"

# a second store, to make the send streams in
setup_store2 1G

setup_outside # the host directory the configs aim at
sentinel() {
	stat -c "%n %a %s %X %Y %Z %h %i" "$O/secret"
	stat -c "%n %a %s %Y %Z %h" "$O"
	ls -A "$O" | md5sum
}
sentinel >"$T/sentinel.before"
unchanged() { sentinel >"$T/sentinel.after" && diff "$T/sentinel.before" "$T/sentinel.after"; }

# What an attacker's config says, besides what an image may say (Env, Labels, Volumes).
HOSTILE=$(jq -nc --arg o "$O" '{
	Cmd: ["/bin/sh"], Env: ["PATH=/bin", "FROM_IMAGE=yes"], Labels: {kept: "label"},
	Volumes: {"/vol": {Source: $o, Type: "bind"}},
	Mounts: [{Source: "/", Destination: "/host", RW: true}, {Source: $o, Destination: "/o", RW: true}],
	Hostname: "evilhost", Network: "host", Runtime: "runc", Privileged: true,
	Devices: [{PathOnHost: "/dev/loop0"}], Binds: [($o + ":/b")], HostConfig: {Binds: [($o + ":/hc")]},
	CapAdd: ["ALL"], SecurityOpt: ["seccomp=unconfined"]}')

# The stored config holds only whitelisted members (FROM_IMAGE, the label, /vol as a key).
# stored OBJECT: the config icc keeps in the object's meta.json (inspect shows
# Docker's view of it, with every key present)
stored() {
	local id kind=containers
	id=$(icc inspect -f "{{.Id}}" "$1") || return 1
	case $id in sha256:*) kind=images id=${id#sha256:} ;; esac
	jq '[.config]' "$ICC_ROOT/$kind/$id/meta.json"
}
clean_config() {
	stored "$1" >"$T/insp" &&
	jq -e '.[0] | (keys - ["Cmd","Entrypoint","Env","ExposedPorts","Labels","StopSignal","User","Volumes","WorkingDir"]) == []' "$T/insp" >/dev/null &&
	jq -e '.[0] | .Env == ["PATH=/bin","FROM_IMAGE=yes"] and .Labels.kept == "label" and .Volumes == {"/vol": {}}' "$T/insp" >/dev/null ||
	{ cat "$T/insp"; return 1; }
}
# A container of IMAGE sees no host mount, no host network, not the image's hostname.
runs_confined() {
	icc run --rm "$1" sh -c 'hostname; ls -A /host /o /b /hc /vol; cat /o/secret /vol/secret;
		echo pwned >/o/pwned; echo pwned >/vol/pwned; cat /proc/net/dev' >"$T/run.out" 2>&1
	cat "$T/run.out"
	! grep -q SENTINEL "$T/run.out" && ! grep -qx evilhost "$T/run.out" &&
	# /proc/net/dev: the container's own namespace (lo, and eth0 on the default
	# bridge), never the host's interfaces
	grep -q "^ *lo: *[0-9]" "$T/run.out" &&
	test -z "$(sed -n "s/^ *\([a-z0-9@.-]*\): *[0-9].*/\1/p" "$T/run.out" | grep -vx -e lo -e eth0)" &&
	unchanged
}

sha() { sha256sum "$1" | cut -d" " -f1; }
# mk_layout docker|oci DIR ROOTFS CONFIG TAG: a one-layer docker-archive or OCI layout
mk_layout() {
	local fmt=$1 d=$2 root=$3 cfg=$4 tag=$5 diff c m
	mkdir -p "$d"
	tar -C "$root" --numeric-owner -cf "$d/layer.tar" . || return 1
	diff=$(sha "$d/layer.tar")
	jq -nc --argjson c "$cfg" --arg d "sha256:$diff" \
		'{architecture: "amd64", os: "linux", config: $c, rootfs: {type: "layers", diff_ids: [$d]}}' \
		| tr -d '\n' >"$d/config.json"
	c=$(sha "$d/config.json")
	if [ "$fmt" = docker ]; then
		mv "$d/config.json" "$d/$c.json"
		jq -nc --arg c "$c.json" --arg t "$tag" '[{Config: $c, RepoTags: [$t], Layers: ["layer.tar"]}]' >"$d/manifest.json"
		return
	fi
	mkdir -p "$d/blobs/sha256"
	jq -nc --arg c "sha256:$c" --argjson cs "$(stat -c %s "$d/config.json")" \
		--arg l "sha256:$diff" --argjson ls "$(stat -c %s "$d/layer.tar")" \
		'{schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
		  config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $c, size: $cs},
		  layers: [{mediaType: "application/vnd.oci.image.layer.v1.tar", digest: $l, size: $ls}]}' \
		| tr -d '\n' >"$d/manifest"
	m=$(sha "$d/manifest")
	mv "$d/layer.tar" "$d/blobs/sha256/$diff"
	mv "$d/config.json" "$d/blobs/sha256/$c"
	jq -nc --arg m "sha256:$m" --argjson ms "$(stat -c %s "$d/manifest")" --arg t "$tag" \
		'{schemaVersion: 2, manifests: [{mediaType: "application/vnd.oci.image.manifest.v1+json",
		  digest: $m, size: $ms, annotations: {"org.opencontainers.image.ref.name": ($t | sub(".*:"; "")),
		  "io.containerd.image.name": $t}}]}' >"$d/index.json"
	mv "$d/manifest" "$d/blobs/sha256/$m"
	echo '{"imageLayoutVersion":"1.0.0"}' >"$d/oci-layout"
}
# forge_stream IN OUT JQ-FILTER [JQ ARGS...]: an icc send stream with its JSON header rewritten
forge_stream() {
	local in=$1 out=$2 filter=$3 len hdr
	shift 3
	len=$(head -c 21 "$in" | tail -c 10)
	hdr=$(tail -c +23 "$in" | head -c $((10#$len)) | jq -c "$@" "$filter" | tr -d '\n') || return 1
	{ printf 'ICC-SEND 1\n%010d\n%s' "$(printf %s "$hdr" | wc -c)" "$hdr"
	  tail -c +$((23 + 10#$len)) "$in"; } >"$out"
}
rootfs_of() { icc inspect -f '{{.Icc.Subvolume}}' "$1"; }

make_rootfs "$T/root"
mk_layout oci "$T/hostile-oci" "$T/root" "$HOSTILE" hostile:oci
mk_layout docker "$T/hostile-docker" "$T/root" "$HOSTILE" hostile:docker
tar -C "$T/hostile-oci" -cf "$T/hostile.oci.tar" .
tar -C "$T/hostile-docker" -cf "$T/hostile.docker.tar" .

test_expect_success 'load of an OCI archive whose config says Mounts: only the whitelist is kept' '
	icc load -q -i "$T/hostile.oci.tar" >out && grep -q "Loaded image: hostile:oci" out &&
	clean_config hostile:oci && runs_confined hostile:oci
'

test_expect_success 'load of a docker-archive whose config says Mounts' '
	icc load -q -i "$T/hostile.docker.tar" >out && grep -q "Loaded image: hostile:docker" out &&
	clean_config hostile:docker && runs_confined hostile:docker
'

if command -v skopeo >/dev/null; then
	test_expect_success 'pull (skopeo from an OCI layout) of such an image' '
		icc pull -q "oci:$T/hostile-oci:oci" hostile:pulled >out 2>err &&
		grep -q "Loaded image: hostile:pulled" out &&
		clean_config hostile:pulled && runs_confined hostile:pulled
	'
else
	test_count=$((test_count + 1))
	echo "ok $test_count # SKIP pull: skopeo missing"
fi

test_expect_success 'receive of a stream whose header config says Mounts' '
	icc2 init "$T/root" plain:1 >/dev/null && icc2 send -o "$T/plain.send" plain:1 &&
	forge_stream "$T/plain.send" "$T/hostile.send" ".meta.config = \$c" --argjson c "$HOSTILE" &&
	icc receive -i "$T/hostile.send" hostile:recv >out && grep -q "^Received image" out &&
	clean_config hostile:recv && runs_confined hostile:recv
'

test_expect_success 'receive of a snapshot of a container run with -v: the mount stays with the sender' '
	icc2 create --name withvol -v "$O:/o" -e FROM_IMAGE=yes -e PATH=/bin --hostname evilhost \
		--network host plain:1 >/dev/null &&
	icc2 inspect withvol | jq -e ".[0].Mounts[0].Destination == \"/o\"" >/dev/null &&
	icc2 snapshot withvol s1 >/dev/null &&
	icc2 send withvol/s1 | icc receive snap:1 >/dev/null &&
	stored snap:1 >insp && ! grep -q "Mounts\|evilhost\|$O" insp &&
	runs_confined snap:1
'

test_expect_success 'import -c: change lines make only whitelisted members; others are refused' '
	tar -C "$T/root" -cf "$T/root.tar" . &&
	for c in "VOLUME /:/host" "MOUNT /:/host" "HOSTNAME evilhost" "NETWORK host"; do
		test_must_fail icc import -c "$c" "$T/root.tar" bad:1 2>err &&
		expect_error_line err "unknown instruction" || exit 1
	done &&
	icc import -c "CMD [\"/bin/sh\"], \"Mounts\": [{\"Source\": \"$O\", \"Destination\": \"/o\"}]" \
		-c "LABEL Mounts=$O:/o" -c "ENV Hostname=evilhost" "$T/root.tar" imp:1 >/dev/null &&
	stored imp:1 >insp &&
	jq -e ".[0] | has(\"Mounts\") or has(\"Hostname\") | not" insp >/dev/null &&
	jq -e ".[0].Cmd == [\"/bin/sh\"]" insp >/dev/null &&
	runs_confined imp:1
'

test_expect_success 'promote and commit of a container run with -v: the image has no mounts' '
	icc create --name pv -v "$O:/o" --hostname evilhost --network host busybox >/dev/null &&
	icc snapshot pv s1 >/dev/null && icc promote pv/s1 prom:1 >/dev/null &&
	icc commit pv com:1 >/dev/null &&
	for i in prom:1 com:1; do
		stored $i >insp && ! grep -q "Mounts\|evilhost\|\"Network\"\|$O" insp &&
		runs_confined $i || exit 1
	done
'

test_expect_success 'an image poisoned before the whitelist (meta.json says Mounts): run ignores it' '
	icc init "$T/root" old:1 >/dev/null &&
	id=$(icc inspect old:1 | jq -r ".[0].Id" | sed "s/^sha256://") &&
	meta=$ICC_ROOT/images/$id/meta.json && test -f "$meta" &&
	jq --argjson c "$HOSTILE" ".config = \$c" "$meta" >"$T/meta.new" && cat "$T/meta.new" >"$meta" &&
	stored old:1 | jq -e ".[0].Mounts[1].Destination == \"/o\"" >/dev/null &&
	icc create --name oldc old:1 >/dev/null &&
	stored oldc >insp && ! grep -q "Mounts\|evilhost\|$O" insp &&
	grep -q FROM_IMAGE=yes insp &&
	runs_confined old:1
'

# ---- received digests: a forged chain id must not stand in for a genuine archive
mkdir -p "$T/genuine" && make_rootfs "$T/genuine" && echo genuine >"$T/genuine/etc/motd"
mk_layout docker "$T/genuine-docker" "$T/genuine" '{"Cmd":["/bin/sh"]}' genuine:1
tar -C "$T/genuine-docker" -cf "$T/genuine.tar" .
GDIFF=sha256:$(sha "$T/genuine-docker/layer.tar")
GCFG=sha256:$(ls "$T/genuine-docker" | grep -v manifest | sed -n "s/\.json$//p")

test_expect_success 'receive drops the digests a stream claims (layer_chain_id, config_digest)' '
	mkdir -p "$T/evil" && make_rootfs "$T/evil" && echo evil >"$T/evil/etc/motd" &&
	icc2 init "$T/evil" evil:1 >/dev/null && icc2 send -o "$T/evil.send" evil:1 &&
	forge_stream "$T/evil.send" "$T/forged.send" \
		".meta += {layer_chain_id: \$d, layer_diff_id: \$d, config_digest: \$c, source: {type: \"load\"}}" \
		--arg d "$GDIFF" --arg c "$GCFG" &&
	tail -c +23 "$T/forged.send" | head -c 2000 | grep -q "$GDIFF" &&
	icc receive -i "$T/forged.send" evil:1 >/dev/null &&
	id=$(icc inspect evil:1 | jq -r ".[0].Id" | sed "s/^sha256://") &&
	! grep -q "layer_chain_id\|config_digest\|layer_diff_id" "$ICC_ROOT/images/$id/meta.json"
'

test_expect_success 'a later load of the genuine archive imports the genuine tree' '
	icc load -i "$T/genuine.tar" >out 2>err && cat out err &&
	! grep -q "already in the store" err && grep -q "Loaded image: genuine:1" out &&
	test "$(cat "$(rootfs_of genuine:1)/etc/motd")" = genuine &&
	test "$(icc inspect genuine:1 | jq -r ".[0].Id")" != "$(icc inspect evil:1 | jq -r ".[0].Id")"
'

test_expect_success 'an image received before the fix (digests kept in meta.json) is not reused either' '
	icc rmi genuine:1 >/dev/null &&
	id=$(icc inspect evil:1 | jq -r ".[0].Id" | sed "s/^sha256://") &&
	meta=$ICC_ROOT/images/$id/meta.json &&
	jq --arg d "$GDIFF" --arg c "$GCFG" ". + {layer_chain_id: \$d, config_digest: \$c, source: {type: \"load\"}}" \
		"$meta" >"$T/meta.new" && cat "$T/meta.new" >"$meta" &&
	icc load -i "$T/genuine.tar" >out 2>err &&
	! grep -q "already in the store" err &&
	test "$(cat "$(rootfs_of genuine:1)/etc/motd")" = genuine
'

test_expect_success 'loading the genuine archive again reuses what load itself made' '
	icc load -i "$T/genuine.tar" >out 2>err &&
	grep -q "already in the store" err && ! grep -q "renaming" out
'

# ---- a tag load moves
test_expect_success 'load over an existing tag says so, as Docker; the old image stays, untagged' '
	icc init "$T/root" base:1 >/dev/null &&
	old=$(icc inspect base:1 | jq -r ".[0].Id") &&
	icc load -q -i "$T/genuine.tar" base:1 >out &&
	cat out &&
	grep -qx "The image base:1 already exists, renaming the old one with ID $old to empty string" out &&
	grep -qx "Loaded image: base:1" out &&
	test "$(icc inspect base:1 | jq -r ".[0].Id")" != "$old" &&
	icc images -a --no-trunc >imgs && grep "$old" imgs | grep -q "<none>"
'

test_expect_success 'nothing left behind; the store is consistent' '
	icc rm -f pv oldc >/dev/null &&
	icc system check >out && grep -q "is consistent" out &&
	test -z "$(ls -A "$ICC_ROOT/tmp")" && unchanged
'
test_done
