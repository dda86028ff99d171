#!/bin/bash
# t430-parity-format.sh - --format as Docker users write it; inspect in Docker's shape; seed 001's nsenter line
. "$(dirname "$0")/../lib.sh"
setup_store
make_image busybox
icc tag busybox bb:2 >/dev/null
icc create --name idle -e A=1 -e B=2 -w /tmp -v "$T:/host:ro" busybox sleep 1 >/dev/null
icc snapshot idle first -m "the first" >/dev/null

test_expect_success 'seed 001: nsenter --target $(icc inspect --format {{.State.Pid}} C) works' '
	icc run -d --name web busybox sleep 300 >/dev/null &&
	at_exit "icc rm -f web" &&
	pid=$(icc inspect --format "{{.State.Pid}}" web) &&
	test "$pid" -gt 1 && kill -0 "$pid" &&
	nsenter --target $(icc inspect --format "{{.State.Pid}}" web) --mount --uts --ipc --net --pid true &&
	nsenter --target "$pid" --uts hostname >out &&
	test "$(cat out)" = "$(icc inspect -f "{{.Config.Hostname}}" web)" &&
	test "$(icc inspect -f "{{.State.Status}} {{.State.Running}}" web)" = "running true"
'

test_expect_success 'inspect of a container has Docker keys, State capitalised, /name, icc facts under Icc' '
	icc inspect idle >out &&
	head -n2 out | tr -d " \n" | grep -qx "\[{" &&
	for k in Id Created Path Args State Image Name RestartCount HostConfig Mounts Config NetworkSettings Icc \
		Status Running Paused Restarting OOMKilled Dead Pid ExitCode Error StartedAt FinishedAt \
		Binds NetworkMode PortBindings Memory NanoCpus PidsLimit CapAdd CapDrop Privileged ReadonlyRootfs \
		Hostname User Env Cmd Entrypoint WorkingDir Labels ExposedPorts Subvolume Snapshots; do
		grep -q "^ *\"$k\": " out || { echo "no $k"; exit 1; }
	done &&
	test "$(icc inspect -f "{{.Name}}|{{.Path}}|{{.Args}}|{{.State.Status}}|{{.State.Pid}}" idle)" = "/idle|sleep|[1]|created|0" &&
	test "$(icc inspect -f "{{.HostConfig.Binds}}|{{.Config.WorkingDir}}|{{join .Config.Env \",\"}}" idle)" = \
		"[$T:/host:ro]|/tmp|PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin,A=1,B=2" &&
	test "$(icc inspect -f "{{range .Mounts}}{{.Source}}>{{.Destination}} {{.RW}}{{end}}" idle)" = "$T>/host false" &&
	test "$(icc inspect -f "{{range .Icc.Snapshots}}{{.Name}}: {{.Message}}{{end}}" idle)" = "first: the first" &&
	test -d "$(icc inspect -f "{{.Icc.Subvolume}}" idle)" &&
	test "$(icc inspect -f "{{.State.StartedAt}}" idle)" = "0001-01-01T00:00:00Z"
'

test_expect_success 'inspect of an image: Id RepoTags RepoDigests Parent Config Architecture Os Size RootFS Metadata' '
	icc inspect busybox >out &&
	for k in Id RepoTags RepoDigests Parent Comment Created Author Config Architecture Os Size RootFS Metadata Icc; do
		grep -q "^        \"$k\": " out || { echo "no $k"; exit 1; }
	done &&
	test "$(icc inspect -f "{{len .RepoTags}} {{.Os}} {{.RootFS.Type}}" busybox)" = "2 linux layers" &&
	icc inspect -f "{{range .RepoTags}}{{.}} {{end}}" busybox | tr " " "\n" | grep -qx bb:2 &&
	test "$(icc inspect -f "{{index .RepoTags 0}}" busybox | grep -c :)" = 1 &&
	icc inspect -f "{{json .Config}}" busybox | grep -q "^{\"Hostname\":\"\"" &&
	icc inspect -f "{{json .Config.Cmd}} {{.Config.Entrypoint}} {{.Size}}" busybox | grep -qE "^null <no value> [0-9]+$" &&
	icc inspect -f "{{.Id}}" busybox | grep -qE "^sha256:[0-9a-f]{64}$"
'

test_expect_success 'templates: range, if/else, printf, upper/lower, len, nested, variables' '
	test "$(icc inspect -f "{{range \$i, \$e := .Config.Env}}{{if \$i}},{{end}}{{lower \$e}}{{end}}" idle)" = \
		"path=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin,a=1,b=2" &&
	test "$(icc inspect -f "{{if .State.Running}}up{{else}}{{upper .State.Status}}{{end}}" idle)" = "CREATED" &&
	test "$(icc inspect -f "{{printf \"%s=%d\" .Name .RestartCount}}" idle)" = "/idle=0" &&
	test "$(icc inspect -f "{{with .HostConfig}}{{.NetworkMode}}{{end}} {{len .Config.Env}}" idle)" = "bridge 3" &&
	test "$(icc inspect -f "{{.Id}}" idle web busybox | wc -l)" = 3 &&
	test_must_fail icc inspect -f "{{.Name}}" idle busybox >out 2>err && test ! -s out && expect_error_line err "no entry for key .Name."
'

test_expect_success 'ps/images/history/snapshots/system df/diff all take the same templates' '
	test "$(icc ps -a --format "{{.Names}}:{{.State}}" | sort | tr "\n" " ")" = "idle:created web:running " &&
	icc ps -a --format "{{json .}}" | head -n1 | grep -q "^{\"ID\":" &&
	test "$(icc images --format "{{.Repository}}:{{.Tag}}" | sort | tr "\n" " ")" = "bb:2 busybox:latest " &&
	icc history --format "{{upper .CreatedBy}}" busybox | grep -q "^ICC INIT" &&
	test "$(icc snapshots --format "{{.Name}} {{.Message}}" idle)" = "first the first" &&
	icc system df --format "{{.Type}}={{.TotalCount}}" | grep -qx "Images=1" &&
	icc exec web touch /newfile && icc diff --format "{{.Kind}} {{.Path}}" web | grep -qx "A /newfile"
'

test_expect_success 'table TEMPLATE prints Docker titles and aligns columns' '
	icc ps -a --format "table {{.ID}}\t{{.Names}}\t{{.Status}}" >out &&
	head -n1 out | grep -qE "^CONTAINER ID +NAMES +STATUS$" &&
	test $(wc -l <out) -eq 3 &&
	col=$(head -n1 out | sed "s/NAMES.*//" | wc -c) &&
	for i in 2 3; do test "$(sed -n "${i}p" out | cut -c$col- | cut -c1-3)" != "   " || exit 1; done &&
	icc images --format "table {{.Repository}}\t{{.Tag}}\t{{.Size}}" | head -n1 | grep -qE "^REPOSITORY +TAG +SIZE$" &&
	icc snapshots --format "table {{.Name}}\t{{.Message}}" idle | head -n1 | grep -qE "^NAME +MESSAGE$" &&
	icc ps --format table | head -n1 | grep -q "^CONTAINER ID"
'

test_expect_success 'an unknown field is an error: one line, non-zero, nothing on stdout' '
	for cmd in "inspect idle" "ps -a" "images" "history busybox" "snapshots idle" "system df"; do
		icc $cmd --format "{{.NoSuchField}}" >out 2>err && { echo "$cmd passed"; exit 1; }
		test ! -s out && expect_error_line err "^icc: .*template: :1:2: .*NoSuchField" || exit 1
	done &&
	test_must_fail icc inspect -f "{{.State.Nope}}" web 2>err && expect_error_line err "<.State.Nope>" &&
	test_must_fail icc inspect -f "{{.Config.Cmd.X}}" web 2>err && expect_error_line err "can.t evaluate field X"
'

test_expect_success 'a malformed template is an error before anything runs: one line, non-zero' '
	test_must_fail icc inspect --format "{{.Id" idle >out 2>err && test ! -s out &&
	expect_error_line err "^icc: inspect: template: .*unclosed action" &&
	test_must_fail icc ps --format "{{if .ID}}x" >out 2>err && test ! -s out && expect_error_line err "missing \{\{end\}\}" &&
	test_must_fail icc images --format "{{nosuch .ID}}" 2>err && expect_error_line err "function not defined" &&
	test_must_fail icc inspect -f "{{index .RepoTags 9}}" busybox 2>err && expect_error_line err "index out of range" &&
	test_must_fail icc inspect -f "{{.Id}}" no-such-thing 2>err && expect_error_line err "no such object"
'

test_done
