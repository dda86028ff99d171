#!/bin/bash
# t420 - the seed stories (../shared/seeds) replayed, one test each
. "$(dirname "$0")/../lib.sh"
command -v runc >/dev/null || skip_all "runc not installed"
setup_store
make_image ubuntu
setup_tmux
S=$TMUX_SOCK
tm() { tmux -S "$S" "$@"; }
ICC_RUN="ICC_ROOT=$ICC_ROOT ICC_FS_BIN=$ICC_FS_BIN $ICC_BIN"

test_expect_success 'seed 000: #save typed in the shell, exit, run the saved image' '
	tm new-session -d -x 100 -y 24 "$ICC_RUN run -it --name story0 ubuntu; sleep 60" && sleep 1 &&
	tm send-keys "touch FILENAME" Enter && sleep 0.3 &&
	tm send-keys "#save" Enter && sleep 0.6 &&
	tm send-keys "exit" Enter && sleep 0.6 &&
	tm capture-pane -p | grep -q "^\[icc\] saved snapshot" &&
	snap=$(icc snapshots -q story0) &&
	icc promote "story0/$snap" ubuntu-saved >/dev/null &&
	icc images | grep -q "^ubuntu-saved " &&
	icc run --rm ubuntu-saved ls / >out && grep -x FILENAME out
'
test_expect_success 'seed 001: two containers, enter one (exec), commit it by ps -q, run the image' '
	icc run -d --name one ubuntu sh -c "echo htop >/bin/htop; chmod +x /bin/htop; sleep 100" >/dev/null &&
	icc run --rm --name two ubuntu sh -c "test ! -e /bin/htop && hostname" >out2 &&
	sleep 0.3 &&
	icc exec one sh -c "ps | grep -c sleep" >n && test "$(cat n)" -ge 1 &&
	test "$(icc exec one hostname)" != "$(cat out2)" &&
	icc commit $(icc ps -q) ubuntu-htop >id && grep -q ^sha256: id &&
	icc run --rm ubuntu-htop cat /bin/htop | grep -x htop &&
	icc rm -f one >/dev/null
'
test_expect_success 'seed 003: import a tar, images, run, start -ai' '
	(cd "$T/rootfs.$$" && tar -c .) | icc import - container:1.0 >id &&
	icc images | grep -q "^container  *1.0 " &&
	icc run --name c3 -i container:1.0 sh -c "cat /etc/motd; hostname" >out </dev/null &&
	grep -x "hello from icc" out &&
	echo "echo from-stdin" | icc start -ai c3 >out2 && grep -x "hello from icc" out2
'
test_expect_success 'seed 004: change, exit, diff, commit with a tag, run, history' '
	tm new-session -d -x 100 -y 24 "$ICC_RUN run -it --name story4 ubuntu; sleep 60" && sleep 1 &&
	tm send-keys "mkdir -p /usr/bin && echo figlet >/usr/bin/figlet && chmod +x /usr/bin/figlet && echo hi >/root/.ash_history" Enter && sleep 0.4 &&
	tm send-keys "exit" Enter && sleep 0.6 &&
	icc ps -lq >last && test "$(cat last)" = "$(icc ps -aq --no-trunc | head -c 12)" &&
	icc diff story4 >out && cat out &&
	grep -x "C /root" out && grep -x "A /root/.ash_history" out &&
	grep -x "A /usr" out && grep -x "A /usr/bin/figlet" out &&
	icc commit story4 figlet >/dev/null &&
	icc run --rm figlet cat /usr/bin/figlet | grep -x figlet &&
	icc history figlet >h && test "$(wc -l <h)" -ge 3
'
test_done
