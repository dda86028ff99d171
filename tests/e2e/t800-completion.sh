#!/bin/bash
# t800-completion.sh - cli/icc.bash: commands, options, image/container/snapshot names via compgen
. "$(dirname "$0")/../lib.sh"
setup_store
make_image busybox
icc tag busybox base:2 >/dev/null
icc create --name web busybox >/dev/null
icc create --name worker busybox >/dev/null
icc snapshot web first >/dev/null
icc snapshot web second >/dev/null

COMPLETION="$TESTS_DIR/../cli/icc.bash"

# complete WORD... : run _icc as bash would for the command line "WORD..." (last word = cursor),
# print COMPREPLY sorted, one per line.  BASH_COMPLETION=1 also loads the bash-completion package.
complete_line() {
	bash -c '
		[ -n "${BASH_COMPLETION:-}" ] && [ -f /usr/share/bash-completion/bash_completion ] &&
			. /usr/share/bash-completion/bash_completion
		. "$0"
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
		COMPREPLY=()
		_icc icc "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
		[ ${#COMPREPLY[@]} -eq 0 ] || printf "%s\n" "${COMPREPLY[@]}" | sort
	' "$COMPLETION" "$@"
}

test_expect_success 'the script parses and registers the icc completion' '
	bash -n "$COMPLETION" &&
	bash -c ". \"$COMPLETION\"; complete -p icc" | grep -q "_icc icc"
'

test_expect_success 'commands' '
	complete_line icc im >out &&
	printf "images\nimport\n" >exp && diff exp out &&
	complete_line icc sn >out &&
	printf "snapshot\nsnapshots\n" >exp && diff exp out &&
	complete_line icc "" >out && test $(wc -l <out) -ge 30 && grep -qx system out
'

test_expect_success 'options per command' '
	complete_line icc images -- >out && grep -qx -- --format out && grep -qx -- --no-trunc out &&
	complete_line icc ps -- >out && grep -qx -- --all out && grep -qx -- --latest out &&
	complete_line icc run --r >out && printf -- "--read-only\n--restart\n--rm\n--runtime\n" >exp && diff exp out &&
	complete_line icc save --format "" >out && grep -qx docker-archive out &&
	complete_line icc system prune - >out && grep -qx -- -f out && grep -qx -- -a out &&
	complete_line icc snapshot prune --k >out && grep -qx -- --keep out
'

test_expect_success 'run/create: values of --restart, --cap-add, --ulimit; -m and -l take one' '
	complete_line icc run --restart "" >out &&
	printf "always\nno\non-failure\non-failure:\nunless-stopped\n" >exp && diff exp out &&
	complete_line icc create --cap-drop NET_ >out &&
	printf "NET_ADMIN\nNET_BIND_SERVICE\nNET_BROADCAST\nNET_RAW\n" >exp && diff exp out &&
	complete_line icc run --ulimit nof >out && echo nofile= >exp && diff exp out &&
	complete_line icc run -m 64m "" >out && printf "base:2\nbusybox:latest\n" >exp && diff exp out &&
	complete_line icc run -l a=b --init --cpus 1 "" >out && diff exp out &&
	complete_line icc run --p >out && grep -qx -- --privileged out && grep -qx -- --pids-limit out
'

test_expect_success 'image names (icc images --format)' '
	complete_line icc run "" >out &&
	printf "base:2\nbusybox:latest\n" >exp && diff exp out &&
	complete_line icc run -it --rm b >out && diff exp out &&
	complete_line icc rmi ba >out && echo base:2 >exp && diff exp out
'

test_expect_success 'container names (icc ps -a --format {{.Names}})' '
	complete_line icc rm w >out &&
	printf "web\nworker\n" >exp && diff exp out &&
	complete_line icc snapshots "" >out && diff exp out &&
	complete_line icc stop "" >out && test ! -s out
'

test_expect_success 'snapshot names CONTAINER/NAME (icc snapshots -q)' '
	complete_line icc promote we >out &&
	echo web/ >exp && diff exp out &&
	complete_line icc promote web/ >out &&
	printf "web/first\nweb/second\n" >exp && diff exp out &&
	complete_line icc snapshot rm web/s >out && echo web/second >exp && diff exp out &&
	complete_line icc rollback web "" >out && printf "first\nsecond\n" >exp && diff exp out
'

test_expect_success '--root on the command line is used for the names' '
	complete_line icc --root "$ICC_ROOT" snapshots wo >out &&
	echo worker >exp && diff exp out &&
	(unset ICC_ROOT; complete_line icc --root "$T/store" rm we) >out && echo web >exp && diff exp out
'

test_expect_success 'every command in icc --help completes, with its options' '
	complete_line icc "" >out &&
	for c in $(icc --help | sed -n "/^Commands:/,/^$/p" | awk "NF > 1 {print \$1}"); do
		grep -qx "$c" out || { echo "no completion for $c"; exit 1; }
	done
'

test_expect_success 'every option --help shows is offered, for each command and subcommand' '
	for c in $(icc --help | sed -n "/^Commands:/,/^$/p" | awk "NF > 1 {print \$1}"); do
		subs=$(icc help $c | sed -n "s/^icc $c \([a-z]*\).*/\1/p")
		for s in ${subs:-""}; do
			if [ -n "$s" ]; then
				icc $c $s --help >help && complete_line icc $c $s - >out
			else
				icc help $c >help && complete_line icc $c - >out
			fi
			for o in $(grep -oE "^ +(-[a-zA-Z], )?--[a-z-]+" help | grep -oE -- "--[a-z-]+"); do
				grep -q -- "^$o\(=false\)\?\$" out || { echo "icc $c $s: $o not offered"; exit 1; }
			done
		done
	done &&
	complete_line icc network create --d >out && printf -- "--disable-dns\n--driver\n" >exp && diff exp out &&
	complete_line icc stats --no >out && echo --no-stream >exp && diff exp out
'

test_expect_success 'a value of an option is not an operand: the subcommand and its options follow' '
	complete_line icc run --net host --name x -e A=1 "" >out && printf "base:2\nbusybox:latest\n" >exp && diff exp out &&
	complete_line icc system "" >out && printf "check\ndf\ninfo\nprune\n" >exp && diff exp out &&
	complete_line icc snapshot prune --keep 2 "" >out && printf "web\nworker\n" >exp && diff exp out
'

test_expect_success 'cp: container names with a colon, then host files; -a' '
	complete_line icc cp w >out && printf "web:\nworker:\n" >exp && diff exp out &&
	complete_line icc cp - >out && grep -qx -- --archive out && grep -qx -- -a out
'

if [ -f /usr/share/bash-completion/bash_completion ]; then
	test_expect_success 'with the bash-completion package loaded too' '
		BASH_COMPLETION=1 complete_line icc run b >out &&
		printf "base:2\nbusybox:latest\n" >exp && diff exp out &&
		BASH_COMPLETION=1 complete_line icc promote web/f >out && echo web/first >exp && diff exp out
	'
fi

test_done
