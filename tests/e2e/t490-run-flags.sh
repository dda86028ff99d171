#!/bin/bash
# t490-run-flags.sh - run/create's flags, each seen from inside the container:
# --entrypoint, --env-file, --label, --add-host, --tmpfs, --shm-size,
# --read-only (with /.icc/save still saving), --cap-add/--cap-drop (CapEff),
# --privileged, --ulimit, --init (tini as PID 1 in the real Debian tree), and
# every malformed value refused with one line, exit 125, nothing created.
. "$(dirname "$0")/../lib.sh"

[ "$(id -u)" = 0 ] || skip_all "needs root"
setup_store
make_image busybox

# CapEff of the container's process, as the kernel reports it
capeff() { icc run --rm "$@" busybox sh -c 'grep ^CapEff: /proc/self/status' | awk '{print $2}'; }

test_expect_success '--entrypoint replaces the image entrypoint and its Cmd' '
	icc run --rm --entrypoint /bin/echo busybox hello there >out &&
	test "$(cat out)" = "hello there" &&
	icc create --name ep --entrypoint /bin/true busybox >/dev/null &&
	test "$(icc inspect -f "{{json .Config.Entrypoint}} {{json .Config.Cmd}}" ep)" = "[\"/bin/true\"] []" &&
	icc start -a ep && icc rm ep >/dev/null
'

test_expect_success '--env-file: KEY=VALUE lines, comments, KEY from our environment' '
	printf "# a comment\nA=1\n\n  B=two words\nFROM_HOST\n" >envf &&
	FROM_HOST=yes icc run --rm --env-file envf -e C=3 busybox sh -c "echo \$A/\$B/\$FROM_HOST/\$C" >out &&
	test "$(cat out)" = "1/two words/yes/3"
'

test_expect_success '--label and -l land in Config.Labels' '
	icc create --name lb --label a=1 -l b busybox >/dev/null &&
	test "$(icc inspect -f "{{json .Config.Labels}}" lb)" = "{\"a\":\"1\",\"b\":\"\"}" &&
	icc rm lb >/dev/null
'

test_expect_success '--add-host adds lines to the /etc/hosts the runtime provides' '
	icc run --rm --add-host db.local:10.1.2.3 --add-host v6=fd00::1 busybox cat /etc/hosts >out &&
	grep -q "^10.1.2.3	db.local$" out && grep -q "^fd00::1	v6$" out &&
	icc create --name ah --add-host x:1.2.3.4 busybox >/dev/null &&
	test "$(icc inspect -f "{{json .HostConfig.ExtraHosts}}" ah)" = "[\"x:1.2.3.4\"]" &&
	icc rm ah >/dev/null
'

test_expect_success '--tmpfs mounts a tmpfs (noexec by default, options kept)' '
	icc run --rm --tmpfs /scratch:size=8m,mode=1770 busybox sh -c "grep \" /scratch \" /proc/mounts" >out &&
	grep -q "^tmpfs /scratch tmpfs .*noexec" out && grep -q "size=8192k" out && grep -q "mode=1770" out
'

test_expect_success '--shm-size sets the size of /dev/shm (default 64m)' '
	icc run --rm --shm-size 16m busybox sh -c "grep \" /dev/shm \" /proc/mounts" >out &&
	grep -q "size=16384k" out &&
	icc run --rm busybox sh -c "grep \" /dev/shm \" /proc/mounts" >out &&
	grep -q "size=65536k" out
'

test_expect_success '--read-only: the root refuses writes, tmpfs and /.icc/save still work' '
	icc run -d --name ro --read-only --tmpfs /tmp busybox sleep 3600 >/dev/null &&
	at_exit "icc rm -f ro" &&
	test_must_fail icc exec ro touch /etc/x 2>err && grep -q "Read-only file system" err &&
	icc exec ro touch /tmp/ok &&
	icc exec ro sh -c "echo ro-snap > /.icc/save" &&
	icc snapshots ro >out && grep -q ro-snap out &&
	test "$(icc inspect -f "{{.HostConfig.ReadonlyRootfs}}" ro)" = true &&
	icc rm -f ro >/dev/null
'

test_expect_success '--cap-drop / --cap-add change CapEff (names with or without CAP_, ALL)' '
	test "$(capeff)" = 00000000a80425fb &&
	test "$(capeff --cap-drop ALL)" = 0000000000000000 &&
	test "$(capeff --cap-drop chown --cap-drop CAP_KILL)" = 00000000a80425da &&
	test "$(capeff --cap-drop ALL --cap-add net_admin)" = 0000000000001000 &&
	icc create --name cp --cap-add sys_time --cap-drop ALL busybox >/dev/null &&
	test "$(icc inspect -f "{{json .HostConfig.CapAdd}} {{json .HostConfig.CapDrop}}" cp)" = "[\"CAP_SYS_TIME\"] [\"ALL\"]" &&
	icc rm cp >/dev/null
'

test_expect_success '--privileged: every capability, no seccomp, host devices, writable /sys' '
	icc run --rm --privileged busybox sh -c "grep -E \"^(CapEff|Seccomp|NoNewPrivs):\" /proc/self/status; ls /dev; grep \" /sys \" /proc/mounts" >out &&
	grep -q "^CapEff:	$(awk "/^CapBnd:/ {print \$2}" /proc/self/status)$" out &&
	grep -q "^Seccomp:	0" out && grep -q "^NoNewPrivs:	0" out &&
	grep -q "^loop-control$" out &&
	grep -q "^sysfs /sys sysfs rw" out &&
	icc run --rm busybox ls /dev >out && ! grep -q "^loop-control$" out
'

test_expect_success '--ulimit sets soft and hard limits' '
	icc run --rm --ulimit nofile=512:1024 --ulimit core=0 busybox sh -c "ulimit -n; ulimit -Hn; ulimit -c" >out &&
	test "$(tr "\n" " " <out)" = "512 1024 0 " &&
	icc create --name ul --ulimit nproc=100 busybox >/dev/null &&
	test "$(icc inspect -f "{{json .HostConfig.Ulimits}}" ul)" = "[{\"Name\":\"nproc\",\"Hard\":100,\"Soft\":100}]" &&
	icc rm ul >/dev/null
'

test_expect_success '--init: tini is PID 1 and reaps, busybox image' '
	icc run --rm --init busybox sh -c "cat /proc/1/cmdline | tr \"\\0\" \" \"; echo; readlink /proc/1/exe" >out &&
	head -n1 out | grep -q "^/dev/init -- sh -c" &&
	test "$(icc inspect -f "{{.HostConfig.Init}}" $(icc create --init busybox))" = true
'

if command -v crun >/dev/null; then
test_expect_success 'the same flags under crun: init, ulimit, caps, limits, read-only with a save' '
	icc run --rm --runtime crun --init --ulimit core=unlimited --cap-drop ALL -m 64m busybox \
		sh -c "ulimit -c; tr \"\\0\" \" \" </proc/1/cmdline; echo; grep ^CapEff /proc/self/status" >out &&
	test "$(sed -n 1p out)" = unlimited && sed -n 2p out | grep -q "^/dev/init -- sh -c" &&
	grep -q "^CapEff:	0000000000000000$" out &&
	id=$(icc run -d --runtime crun --read-only --pids-limit 20 busybox sleep 3600) && at_exit "icc rm -f $id" &&
	icc exec "$id" sh -c "echo crun-ro > /.icc/save" && icc snapshots "$id" | grep -q crun-ro &&
	test_must_fail icc exec "$id" touch /x &&
	icc rm -f "$id" >/dev/null
'
else
	test_skip 'the same flags under crun' "crun not installed"
fi

tree=$(sh "$TESTS_DIR/debian-tree.sh" 2>/dev/null) && icc init -q "$tree" debian:bookworm >/dev/null 2>&1 &&
	have_debian=1 || have_debian=
if [ -n "$have_debian" ]; then
test_expect_success 'real Debian: --init runs bash under tini, zombies are reaped, signals reach it' '
	icc run -d --name dinit --init debian:bookworm bash -c "(sleep 0.1 &) ; sleep 3600" >/dev/null &&
	at_exit "icc rm -f dinit" &&
	icc exec dinit cat /proc/1/cmdline | tr "\0" " " >out &&
	grep -q "^/dev/init -- bash -c" out &&
	sleep 1 &&
	icc exec dinit sh -c "grep -l \"^State:.*Z\" /proc/[0-9]*/status" >z || true &&
	test ! -s z &&
	icc stop -t 5 dinit >/dev/null &&
	test "$(icc inspect -f "{{.State.ExitCode}}" dinit)" = 143
'

test_expect_success 'real Debian: --read-only refuses writes, --cap-drop ALL --cap-add CHOWN leaves CapEff 1' '
	icc run --rm --read-only debian:bookworm sh -c "touch /var/x 2>&1; grep ^CapEff /proc/self/status" >out &&
	grep -q "Read-only file system" out &&
	icc run --rm --cap-drop ALL --cap-add CAP_CHOWN debian:bookworm grep ^CapEff /proc/self/status >out &&
	grep -q "0000000000000001$" out
'
else
	test_skip 'real Debian: --init, --read-only, --cap-drop' "no Debian tree"
fi

# bad values: one line naming the flag and the reason, exit 125, nothing created
bad() {
	local want=$1; shift
	icc ps -aq >before
	icc run --rm "$@" busybox true 2>err
	rc=$?
	[ $rc -eq 125 ] || { echo "exit $rc for $*"; return 1; }
	expect_error_line err "$want" &&
	icc ps -aq >after && cmp -s before after
}

test_expect_success 'malformed values: one line, exit 125, nothing created' '
	bad "^icc: run: --memory .12x.: invalid size" --memory 12x &&
	bad "^icc: run: --memory .1k.: the minimum memory limit is 6MB" -m 1k &&
	bad "^icc: run: --cpus .-1.: the range of CPUs is from 0.01 to" --cpus -1 &&
	bad "^icc: run: --cpus .x.: not a number" --cpus x &&
	bad "^icc: run: --pids-limit .ten.: not an integer" --pids-limit ten &&
	bad "^icc: run: --cap-add .NOT_A_CAP.: unknown capability" --cap-add NOT_A_CAP &&
	bad "^icc: run: --cap-drop .CAP_NOPE.: unknown capability" --cap-drop CAP_NOPE &&
	bad "^icc: run: --restart .sometimes.: use no, on-failure\[:N\], always or unless-stopped" --restart sometimes &&
	bad "^icc: run: --restart .always:3.: a maximum retry count goes only with on-failure" --restart always:3 &&
	bad "^icc: run: conflicting options: --restart and --rm" --restart always &&
	bad "^icc: run: --ulimit .nofile=x.: limits are integers or unlimited" --ulimit nofile=x &&
	bad "^icc: run: --ulimit .nofile=10:5.: the soft limit must be less than or equal" --ulimit nofile=10:5 &&
	bad "^icc: run: --ulimit .bogus=1.: unknown limit" --ulimit bogus=1 &&
	bad "^icc: run: --add-host .nohost.: use NAME:IP" --add-host nohost &&
	bad "^icc: run: --add-host .h:999.1.1.1.: invalid IP address" --add-host h:999.1.1.1 &&
	bad "^icc: run: --tmpfs .relative.: the mount point must be an absolute path" --tmpfs relative &&
	bad "^icc: run: --tmpfs .size=1m,rbind.: unknown tmpfs option .rbind." --tmpfs /x:size=1m,rbind &&
	bad "^icc: run: --label .=x.: a label needs a key" --label =x &&
	bad "^icc: run: --shm-size .0.: the size must be greater than 0" --shm-size 0 &&
	bad "^icc: run: --env-file .missing.: No such file or directory" --env-file missing &&
	printf "GOOD=1\nBAD KEY=2\n" >badenv &&
	bad "^icc: run: --env-file .badenv.: line 2: invalid variable name .BAD KEY." --env-file badenv
'

test_expect_success 'create records every flag under Docker keys in inspect' '
	icc create --name all -m 64m --cpus 0.5 --pids-limit 20 --restart on-failure:3 --read-only \
		--tmpfs /run:size=1m --shm-size 8m busybox >/dev/null &&
	test "$(icc inspect -f "{{.HostConfig.MemorySwap}}" all)" = 134217728 &&
	icc inspect -f "{{.HostConfig.Memory}} {{.HostConfig.NanoCpus}} {{.HostConfig.PidsLimit}} {{.HostConfig.RestartPolicy.Name}}:{{.HostConfig.RestartPolicy.MaximumRetryCount}} {{.HostConfig.ShmSize}} {{json .HostConfig.Tmpfs}}" all >out &&
	test "$(cat out)" = "67108864 500000000 20 on-failure:3 8388608 {\"/run\":\"size=1m\"}" &&
	icc inspect -f "{{.HostConfig.Memory}} {{.HostConfig.ShmSize}} {{.HostConfig.RestartPolicy.Name}}" $(icc create busybox) >out &&
	test "$(cat out)" = "0 67108864 no"
'

test_done
