#!/bin/bash
# t600-network.sh - the bridge network (netavark): addresses, NAT'd ports, DNS
# by name, bad input, and teardown after every kind of end.  Traffic goes only
# to 127.0.0.1 and to the test's own bridge and container addresses.
. "$(dirname "$0")/../lib.sh"
[ -x /usr/lib/podman/netavark ] || [ -x /usr/libexec/podman/netavark ] ||
	skip_all "netavark is not installed (apt-get install netavark aardvark-dns)"
command -v iptables-save >/dev/null || skip_all "iptables is not installed"
setup_store
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY no_proxy
make_rootfs "$T/rootfs"
mkdir -p "$T/rootfs/www"
echo "hello from httpd" >"$T/rootfs/www/index.html"
for a in httpd wget ip nslookup; do ln -sf busybox "$T/rootfs/bin/$a"; done
icc init -c 'EXPOSE 80' "$T/rootfs" web >/dev/null

NET=${TEST_SUBNET%.0/24}        # "10.X.Y": addresses of the test's bridge
P1=$((20000 + $$ % 20000)) P2=$((20000 + ($$ + 1) % 20000))
# a second network of the test alone, for name resolution
NET2="10.250.$(($$ % 256)).0/24"
BR2="icc2t$$"
at_exit "ip link del '$BR2'"

# What a container leaves on the host for this store: veths on the bridge
# (the bridge's anchor's aside), records, namespaces of our containers,
# firewall rules naming a container's address.  The bridge, its anchor and
# the rules naming the whole subnet stay on purpose until `icc network rm`.
leftovers() {
	local v r n=0 f id
	v=$(ip -o link show master "$TEST_BRIDGE" 2>/dev/null | wc -l)
	test -e "/run/icc/netns/anchor-$TEST_BRIDGE" && v=$((v - 1))
	r=$(grep -l -F "\"root\":\"$ICC_ROOT\"" /run/icc/net/*.json 2>/dev/null | wc -l)
	for id in $(cat "$T/ids" 2>/dev/null); do
		test -e "/run/icc/netns/$id" && n=$((n + 1))
	done
	f=$(iptables-save 2>/dev/null | grep -F -e "$NET." -e "${NET2%.0/24}." |
		grep -c -v -F -e "$TEST_SUBNET" -e "$NET2")
	echo "veths=$v records=$r netns=$n rules=$f"
}
# Everything of a network, bridge included, after `icc network rm`.
network_gone() {
	test ! -e "/sys/class/net/$1" && test ! -e "/run/icc/netns/anchor-$1" &&
	test ! -e "/run/icc/net/$1.anchor" &&
	test "$(iptables-save 2>/dev/null | grep -c -F "$2")" -eq 0 ||
	{ echo "left of $1: $(ls /sys/class/net/$1 2>&1 | head -1) $(iptables-save | grep -F "$2")"; return 1; }
}
none_left() {
	local l
	l=$(leftovers)
	test "$l" = "veths=0 records=0 netns=0 rules=0" || { echo "left: $l"; return 1; }
}
remember_ids() { icc ps -aq --no-trunc >>"$T/ids"; }
wait_http() {
	for i in $(seq 50); do busybox wget -q -O - "$1" >/dev/null 2>&1 && return 0; sleep 0.1; done
	return 1
}

test_expect_success 'default network: own namespace, an address on the bridge, hosts and resolv.conf' '
	none_left &&
	icc run --rm --name n1 web sh -c "ip -o -4 addr show eth0; cat /etc/hosts /etc/resolv.conf" >out &&
	grep -q "inet $NET\.[0-9]*/24" out &&
	ip=$(sed -n "s/.*inet \($NET\.[0-9]*\)\/24.*/\1/p" out) &&
	grep -q "^$ip[[:space:]].*n1" out &&
	grep -q "^nameserver " out &&
	! grep -q "^nameserver 127\." out &&
	none_left
'

test_expect_success 'a web server behind -p 127.0.0.1:PORT:80, fetched from the host' '
	icc run -d --name w1 -p 127.0.0.1:$P1:80 web httpd -f -p 80 -h /www >/dev/null && remember_ids &&
	wait_http "http://127.0.0.1:$P1/" &&
	busybox wget -q -O - "http://127.0.0.1:$P1/" >out && grep -qx "hello from httpd" out
'

test_expect_success 'a second copy on another host port; PORTS, icc port, inspect' '
	icc run -d --name w2 -p 127.0.0.1:$P2:80/tcp web httpd -f -p 80 -h /www >/dev/null && remember_ids &&
	wait_http "http://127.0.0.1:$P2/" &&
	icc ps >out && grep -q "127.0.0.1:$P1->80/tcp .* w1$" out && grep -q "127.0.0.1:$P2->80/tcp .* w2$" out &&
	icc port w2 >out && grep -qx "80/tcp -> 127.0.0.1:$P2" out &&
	test "$(icc port w2 80)" = "127.0.0.1:$P2" &&
	ip1=$(icc inspect -f "{{.NetworkSettings.IPAddress}}" w1) && case $ip1 in $NET.*) ;; *) false ;; esac &&
	test "$(icc inspect -f "{{.NetworkSettings.Gateway}}" w1)" = "$TEST_GATEWAY" &&
	icc inspect -f "{{.NetworkSettings.MacAddress}}" w1 | grep -Eq "^([0-9a-f]{2}:){5}[0-9a-f]{2}$" &&
	icc inspect w1 | grep -Eq "\"HostPort\":[[:space:]]*\"$P1\""
'

test_expect_success 'container to container by IP' '
	ip2=$(icc inspect -f "{{.NetworkSettings.IPAddress}}" w2) &&
	icc run --rm web wget -q -O - "http://$ip2/" >out && grep -qx "hello from httpd" out
'

test_expect_success '-P publishes the EXPOSEd port on a free host port' '
	icc run -d --name w3 -P web httpd -f -p 80 -h /www >/dev/null && remember_ids &&
	hp=$(icc port w3 80) && hp=${hp##*:} && test "$hp" -gt 0 &&
	wait_http "http://127.0.0.1:$hp/" &&
	icc rm -f w3 >/dev/null
'

test_expect_success 'bad input: one line, exit 125, nothing made' '
	n=$(ls "$ICC_ROOT/containers" | wc -l) && before=$(leftovers) &&
	{ icc run -p 99999:80 web true 2>err; rc=$?; } && test $rc -eq 125 &&
	expect_error_line err "invalid host port .99999." &&
	{ icc run -p 8080:80/sctp web true 2>err; rc=$?; } && test $rc -eq 125 &&
	expect_error_line err "invalid protocol .sctp." &&
	{ icc run -p 80:x web true 2>err; rc=$?; } && test $rc -eq 125 &&
	expect_error_line err "invalid port .x." &&
	{ icc run -p 127.0.0.1:$P1:80 web true 2>err; rc=$?; } && test $rc -eq 125 &&
	expect_error_line err "host port $P1/tcp is already in use by container .w1." &&
	{ icc run --network nosuch web true 2>err; rc=$?; } && test $rc -eq 125 &&
	expect_error_line err "no such network .nosuch." &&
	{ icc run --network host -p 80:80 web true 2>err; rc=$?; } && test $rc -eq 125 &&
	expect_error_line err "need a bridge network" &&
	test "$(ls "$ICC_ROOT/containers" | wc -l)" -eq "$n" &&
	test "$(leftovers)" = "$before"
'

test_expect_success 'a host port a host process holds: refused, named, nothing left' '
	hold=$((P1 + 2)) &&
	{ busybox nc -l -p $hold >/dev/null 2>&1 & } &&
	holder=$! &&
	sleep 0.2 && before=$(leftovers) && n=$(ls "$ICC_ROOT/containers" | wc -l) &&
	{ icc run -p $hold:80 web true 2>err; rc=$?; } && kill $holder && { wait $holder 2>/dev/null; :; } &&
	test $rc -eq 125 && expect_error_line err "host port $hold/tcp is already in use on the host" &&
	test "$(ls "$ICC_ROOT/containers" | wc -l)" -eq "$n" &&
	test "$(leftovers)" = "$before"
'

test_expect_success 'subnets: host route and overlap refused' '
	route=$(ip -4 route show scope link | awk "\$1 ~ /\\// && \$3 !~ /^icc/ {print \$1; exit}") &&
	if test -n "$route"; then
		test_must_fail icc network create --subnet "$route" --interface-name icc9t$$ clash 2>err &&
		expect_error_line err "collides with the host route"
	fi &&
	test_must_fail icc network create --subnet "$TEST_SUBNET" over 2>err &&
	expect_error_line err "overlaps the subnet of another network" &&
	test_must_fail icc network create --subnet 10.1.2.3/33 bad 2>err &&
	expect_error_line err "invalid subnet" &&
	! icc network ls | grep -q -e clash -e over
'

test_expect_success 'user network: containers reach each other by name (aardvark-dns)' '
	icc network create --subnet "$NET2" --interface-name "$BR2" tnet >/dev/null &&
	icc network ls >out && grep -q "tnet .*$NET2 *$BR2" out &&
	icc run -d --name srv --network tnet web httpd -f -p 80 -h /www >/dev/null && remember_ids &&
	for i in $(seq 30); do icc run --rm --network tnet web wget -q -O - http://srv/ >out 2>&1 && break; sleep 0.2; done &&
	grep -qx "hello from httpd" out &&
	icc network inspect tnet >out && grep -q "\"Name\":	\"srv\"" out
'

test_expect_success 'network rm of a network in use is refused' '
	test_must_fail icc network rm tnet 2>err &&
	expect_error_line err "network .tnet. is in use by container .srv." &&
	icc rm -f srv >/dev/null && icc network rm tnet >/dev/null &&
	network_gone "$BR2" "$NET2" &&
	test_must_fail icc network inspect tnet 2>err && expect_error_line err "no such network"
'

test_expect_success 'teardown: stop, rm -f, --rm, kill -9 of the container' '
	icc stop -t 1 w1 >/dev/null && icc rm w1 >/dev/null && icc rm -f w2 >/dev/null &&
	none_left &&
	icc run --rm web true && none_left &&
	icc run -d --name k1 web sleep 1000 >/dev/null && remember_ids &&
	kill -9 "$(icc inspect -f "{{.State.Pid}}" k1)" &&
	for i in $(seq 50); do icc ps -a | grep k1 | grep -q Exited && break; sleep 0.1; done &&
	sleep 0.3 && none_left && icc rm k1 >/dev/null
'

test_expect_success 'kill -9 of the monitor: the network stays while the container runs; rm -f removes it' '
	icc run -d --name m1 -p 127.0.0.1:$P1:80 web httpd -f -p 80 -h /www >/dev/null && remember_ids &&
	# the monitor records its pid as it starts: wait for it, under load too
	for i in $(seq 50); do
		mp=$(icc inspect -f "{{.Icc.State.monitor_pid}}" m1 2>/dev/null)
		case $mp in ""|0|"<no value>") sleep 0.1 ;; *) break ;; esac
	done &&
	kill -9 "$mp" && sleep 0.2 &&
	wait_http "http://127.0.0.1:$P1/" &&
	icc system check >out && grep -q "is consistent" out &&
	icc rm -f m1 >/dev/null && none_left
'

test_expect_success 'kill -9 of a foreground icc run, then of its container: check finds and repairs' '
	"$ICC_BIN" run --name f1 web sleep 1000 >/dev/null 2>&1 &
	runpid=$!
	for i in $(seq 50); do icc ps | grep -q f1 && break; sleep 0.1; done && remember_ids &&
	kill -9 $runpid && { wait $runpid 2>/dev/null; :; } &&
	kill -9 "$(icc inspect -f "{{.State.Pid}}" f1)" && sleep 0.3 &&
	test "$(leftovers)" != "veths=0 records=0 netns=0 rules=0" &&
	test_must_fail icc system check >out && grep -q "container .*: network left set up" out &&
	icc system check --repair >out && grep -q "network left set up .*\[repaired\]" out &&
	none_left && icc system check >out && grep -q "is consistent" out &&
	icc rm f1 >/dev/null
'

test_expect_success 'network none and host still work' '
	icc run --rm --network none web ip -o link >out && test "$(grep -c ": " out)" -eq 1 &&
	icc run --rm --network host web true && none_left
'

test_expect_success 'the bridge stays up between containers; network rm takes it down' '
	icc run --rm web true && none_left &&
	test -e "/sys/class/net/$TEST_BRIDGE" && test -e "/run/icc/netns/anchor-$TEST_BRIDGE" &&
	icc system check >out && grep -q "is consistent" out &&
	icc network rm bridge >/dev/null && network_gone "$TEST_BRIDGE" "$TEST_SUBNET" &&
	icc network create --subnet "$TEST_SUBNET" --interface-name "$TEST_BRIDGE" bridge >/dev/null &&
	icc run --rm web true && test -e "/sys/class/net/$TEST_BRIDGE" &&
	icc network rm bridge >/dev/null && network_gone "$TEST_BRIDGE" "$TEST_SUBNET" &&
	icc network create --subnet "$TEST_SUBNET" --interface-name "$TEST_BRIDGE" bridge >/dev/null
'

test_expect_success 'a bridge deleted by hand: the next start makes it and its anchor again' '
	icc run --rm web true && ip link del "$TEST_BRIDGE" &&
	icc run --rm web true && test -e "/sys/class/net/$TEST_BRIDGE" &&
	test "$(ls "/sys/class/net/$TEST_BRIDGE/brif" | wc -l)" -eq 1 && none_left
'

test_expect_success 'check --repair takes down the bridge of a network that is gone' '
	icc run --rm web true && test -e "/run/icc/net/$TEST_BRIDGE.anchor" &&
	rm "$ICC_ROOT/networks/bridge.json" &&
	test_must_fail icc system check >out && grep -q "bridge $TEST_BRIDGE: kept up for network .bridge., but its network no longer exists" out &&
	icc system check --repair >out && grep -q "no longer exists \\[repaired\\]" out &&
	network_gone "$TEST_BRIDGE" "$TEST_SUBNET"
'
test_done
