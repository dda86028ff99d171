#!/bin/bash
# t480-docker-script.sh - a shell script written for Docker runs unchanged with DOCKER=icc
. "$(dirname "$0")/../lib.sh"
setup_store
make_image busybox

# The script as a Docker user writes it: nothing icc-specific, errors stop it.
cat >"$T/deploy.sh" <<'EOF'
#!/bin/sh
set -eu
DOCKER=${DOCKER:-docker}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# a service in the background, found again by name
cid=$($DOCKER run -d --name app -e GREETING=hello busybox \
	sh -c 'echo "$GREETING from app"; trap "echo stopping; exit 0" TERM; while :; do sleep 0.2; done')
[ "$($DOCKER inspect -f '{{.Name}}' "$cid")" = /app ]
[ "$($DOCKER inspect --format '{{.State.Running}}' app)" = true ]
pid=$($DOCKER inspect -f '{{.State.Pid}}' app)
[ -n "$pid" ] && [ "$pid" -gt 0 ]
kill -0 "$pid"
echo "app runs as pid $pid, image $($DOCKER inspect -f '{{.Config.Image}}' app)"
# its hostname seen from the host through the container's namespaces
[ "$(nsenter --target "$pid" --uts hostname)" = "$($DOCKER inspect -f '{{.Config.Hostname}}' app)" ]

# configuration in, results out
printf 'key=value\n' >"$work/app.conf"
$DOCKER cp "$work/app.conf" app:/tmp/app.conf
$DOCKER exec app sh -c 'sed s/value/changed/ /tmp/app.conf >/tmp/result.txt'
$DOCKER cp app:/tmp/result.txt "$work/result.txt"
grep -qx 'key=changed' "$work/result.txt"
[ "$($DOCKER exec app cat /tmp/app.conf)" = key=value ]
$DOCKER exec -e X=1 -w /tmp app sh -c 'test "$X" = 1 && test "$(pwd)" = /tmp'

# what it said, with the usual filters
$DOCKER logs app 2>&1 | grep -q 'hello from app'
[ "$($DOCKER logs --tail 1 app)" = 'hello from app' ]
[ "$($DOCKER ps -q --filter name=app | wc -l)" -eq 1 ]
[ "$($DOCKER ps --filter status=running --format '{{.Names}}')" = app ]
$DOCKER top app | grep -q 'sleep'
$DOCKER stats --no-stream --format '{{.Name}}: {{.PIDs}} pids' app

# a batch job: wait for its code, watch it with attach
$DOCKER run -d --name job busybox sh -c 'sleep 1; echo job-output; exit 3' >/dev/null
out=$($DOCKER attach --no-stdin job) || code=$?
[ "${code:-0}" -eq 3 ]
[ "$out" = job-output ]
[ "$($DOCKER wait job)" -eq 3 ]
[ "$($DOCKER inspect -f '{{.State.ExitCode}}' job)" -eq 3 ]

# restart, rename, then stop and clean up
$DOCKER restart -t 2 app >/dev/null
$DOCKER rename app app-old
[ "$($DOCKER inspect -f '{{.State.Running}}' app-old)" = true ]
$DOCKER stop app-old >/dev/null
[ "$($DOCKER wait app-old)" -eq 0 ]
$DOCKER logs app-old | grep -q stopping
$DOCKER rm app-old job >/dev/null
[ -z "$($DOCKER ps -aq)" ]
echo "deploy script done"
EOF

test_expect_success 'the Docker user'"'"'s script runs unchanged with DOCKER=icc' '
	command -v nsenter >/dev/null || { echo "no nsenter"; exit 1; }
	DOCKER=icc sh "$T/deploy.sh" >out 2>&1; rc=$?; cat out; test $rc = 0 &&
	grep -q "^app runs as pid [0-9]*, image busybox$" out &&
	grep -Eq "^app: [12] pids$" out && grep -q "^deploy script done$" out
'

test_expect_success 'and leaves nothing behind' '
	test -z "$(icc ps -aq)" && test -z "$(ls "$ICC_ROOT/containers")"
'

test_done
