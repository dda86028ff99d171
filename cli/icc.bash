# bash completion for icc (interactive container commands)        -*- shell-script -*-
# Installed as share/bash-completion/completions/icc.  Commands and their
# options come from icc --list-options (the specs of cli/main.c's table);
# names from the store: icc images / icc ps -a / icc snapshots, with the
# --root given on the command line (or $ICC_ROOT).

# icc with the same --root as the command line being completed; quiet, no store setup noise
_icc_q() {
	"${_icc_bin:-icc}" ${_icc_root:+--root "$_icc_root"} "$@" 2>/dev/null
}

_icc_images() {
	local names
	names=$(_icc_q images --format '{{.Repository}}:{{.Tag}}' | grep -v '^<none>')
	COMPREPLY+=($(compgen -W "$names" -- "$cur"))
}

_icc_containers() { # [all|running|stopped]
	local names
	case ${1:-all} in
	running) names=$(_icc_q ps --format '{{.Names}}') ;;
	stopped) names=$(_icc_q ps -a --format '{{.Names}} {{.State}}' | awk '$2 != "running" {print $1}') ;;
	*) names=$(_icc_q ps -a --format '{{.Names}}') ;;
	esac
	COMPREPLY+=($(compgen -W "$names" -- "$cur"))
}

# CONTAINER/NAME: containers with a slash first, then their snapshots
_icc_snapshots() {
	local c names=""
	if [[ $cur == */* ]]; then
		c=${cur%%/*}
		names=$(_icc_q snapshots -q "$c" | sed "s|^|$c/|")
		COMPREPLY+=($(compgen -W "$names" -- "$cur"))
	else
		names=$(_icc_q ps -a --format '{{.Names}}/')
		COMPREPLY+=($(compgen -W "$names" -- "$cur"))
		[[ ${#COMPREPLY[@]} -gt 0 ]] && compopt -o nospace 2>/dev/null
	fi
}

_icc_networks() {
	COMPREPLY+=($(compgen -W "$(_icc_q network ls --format '{{.Name}}')" -- "$cur"))
}

_icc_objects() { _icc_containers all; _icc_images; _icc_snapshots; }

# The options of a command come from icc itself (icc --list-options: the option
# specs that parse them and print --help): one line per command, GROUP:SUB for a
# group's subcommands, "OPT=" when the next word is its value, "~" when hidden.
_icc_list() { _icc_q --list-options; }
_icc_commands() { _icc_list | awk '$1 !~ /:/ {print $1}'; echo help; }
_icc_spec() { _icc_list | awk -v c="$1" '$1 == c {$1 = ""; print}'; }

# Does option $1 take the next word as its value (by the spec in $spec)?
# a group's subcommands (from the GROUP:SUB lines)
_icc_subs() {
	COMPREPLY+=($(compgen -W "$(awk -F'[: ]' -v c="$cmd" '$1 == c && NF > 1 && $0 ~ /^[^ ]*:/ {print $2}' <<<"$all")" -- "$cur"))
}

_icc_takes_value() {
	[[ " $spec " == *" $1= "* || " $spec " == *" ~$1= "* ]]
}

_icc() {
	local cur prev words cword
	if declare -F _init_completion >/dev/null; then
		_init_completion -n =: || return
	else
		cur=${COMP_WORDS[COMP_CWORD]}
		prev=${COMP_WORDS[COMP_CWORD - 1]}
		words=("${COMP_WORDS[@]}")
		cword=$COMP_CWORD
	fi
	COMPREPLY=()
	local _icc_bin=${words[0]} _icc_root=${ICC_ROOT:-}
	local i cmd="" cmdi=0 sub=""
	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		--root) _icc_root=${words[i + 1]}; ((i++)) ;;
		--root=*) _icc_root=${words[i]#--root=} ;;
		-*) ;;
		*) cmd=${words[i]}; cmdi=$i; break ;;
		esac
	done
	if [[ -z $cmd ]]; then
		case $prev in
		--root) _filedir -d 2>/dev/null || COMPREPLY=($(compgen -d -- "$cur")); return ;;
		esac
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "--root --help --version" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$(_icc_commands)" -- "$cur"))
		fi
		return
	fi
	# words after the command that are not options (and not option values); a
	# group's first word names the subcommand, whose spec it is from there on
	local nargs=0 spec all
	all=$(_icc_list)
	spec=$(awk -v c="$cmd" '$1 == c {$1 = ""; print}' <<<"$all")
	for ((i = cmdi + 1; i < cword; i++)); do
		case ${words[i]} in
		-*) _icc_takes_value "${words[i]}" && ((i++)) ;;
		*)
			if [[ -z $sub ]]; then
				sub=${words[i]}
				grep -q "^$cmd:$sub\b" <<<"$all" &&
					spec=$(awk -v c="$cmd:$sub" '$1 == c {$1 = ""; print}' <<<"$all")
			fi
			((nargs++)) ;;
		esac
	done

	local opts="" w
	for w in $spec; do
		[[ $w == "~"* ]] || opts+=" ${w%=}"
	done
	opts="$opts --help"

	# values of options
	case $prev in
	--format)
		case $cmd in
		save) COMPREPLY=($(compgen -W "oci-archive docker-archive oci-dir" -- "$cur")) ;;
		diff) COMPREPLY=($(compgen -W "json" -- "$cur")) ;;
		*) COMPREPLY=($(compgen -W "json table" -- "$cur")) ;;
		esac
		return ;;
	--compress) COMPREPLY=($(compgen -W "gzip zstd none" -- "$cur")); return ;;
	--type) COMPREPLY=($(compgen -W "image container snapshot" -- "$cur")); return ;;
	--network | --net) COMPREPLY=($(compgen -W "bridge host none" -- "$cur")); _icc_networks; return ;;
	--pull) COMPREPLY=($(compgen -W "missing always never" -- "$cur")); return ;;
	--progress) COMPREPLY=($(compgen -W "plain auto" -- "$cur")); return ;;
	--file) [[ $cmd == build ]] && { _filedir 2>/dev/null || COMPREPLY=($(compgen -f -- "$cur")); return; } ;;
	--runtime) COMPREPLY=($(compgen -W "runc crun" -- "$cur")); return ;;
	--restart) COMPREPLY=($(compgen -W "no on-failure on-failure: always unless-stopped" -- "$cur")); return ;;
	--cap-add | --cap-drop)
		COMPREPLY=($(compgen -W "ALL AUDIT_CONTROL AUDIT_READ AUDIT_WRITE BLOCK_SUSPEND BPF CHECKPOINT_RESTORE
			CHOWN DAC_OVERRIDE DAC_READ_SEARCH FOWNER FSETID IPC_LOCK IPC_OWNER KILL LEASE LINUX_IMMUTABLE
			MAC_ADMIN MAC_OVERRIDE MKNOD NET_ADMIN NET_BIND_SERVICE NET_BROADCAST NET_RAW PERFMON SETFCAP
			SETGID SETPCAP SETUID SYSLOG SYS_ADMIN SYS_BOOT SYS_CHROOT SYS_MODULE SYS_NICE SYS_PACCT
			SYS_PTRACE SYS_RAWIO SYS_RESOURCE SYS_TIME SYS_TTY_CONFIG WAKE_ALARM" -- "$cur")); return ;;
	--ulimit) COMPREPLY=($(compgen -W "nofile= nproc= core= stack= memlock= fsize= cpu= as= locks= msgqueue=
		nice= rtprio= rttime= sigpending= data= rss=" -- "$cur")); return ;;
	--env-file) [[ $cmd == run || $cmd == create ]] && { _filedir 2>/dev/null || COMPREPLY=($(compgen -f -- "$cur")); return; } ;;
	--security-opt) COMPREPLY=($(compgen -W "seccomp=unconfined seccomp= no-new-privileges=false" -- "$cur")); return ;;
	-s | --signal) [[ $cmd == kill ]] && { COMPREPLY=($(compgen -W "KILL TERM INT HUP QUIT USR1 USR2 STOP CONT" -- "$cur")); return; } ;;
	-f | --filter)
		case $cmd in
		ps) COMPREPLY=($(compgen -W "status= name= ancestor= label= id=" -- "$cur")); compopt -o nospace 2>/dev/null; return ;;
		images) COMPREPLY=($(compgen -W "dangling=true dangling=false reference=" -- "$cur")); compopt -o nospace 2>/dev/null; return ;;
		build) _filedir 2>/dev/null || COMPREPLY=($(compgen -f -- "$cur")); return ;;
		esac ;;
	--detach-keys) COMPREPLY=($(compgen -W "ctrl-p,ctrl-q" -- "$cur")); return ;;
	-o | --output | -i | --input)
		[[ $cmd == export || $cmd == save || $cmd == load || $cmd == send || $cmd == receive ]] && {
			_filedir 2>/dev/null || COMPREPLY=($(compgen -f -- "$cur"))
			return
		} ;;
	-p) [[ $cmd == send ]] && { _icc_images; _icc_snapshots; return; } ;;
	-v | --volume) [[ $cmd == run || $cmd == create ]] && { _filedir -d 2>/dev/null || COMPREPLY=($(compgen -d -- "$cur")); return; } ;;
	-*) _icc_takes_value "$prev" && return ;; # free text: NAME, MSG, K=V, ...
	esac

	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
		return
	fi

	case $cmd in
	help) ((nargs == 0)) && COMPREPLY=($(compgen -W "$(_icc_commands)" -- "$cur")) ;;
	build) ((nargs == 0)) && { _filedir -d 2>/dev/null || COMPREPLY=($(compgen -d -- "$cur")); } ;;
	builder) ((nargs == 0)) && _icc_subs ;;
	dockerfile) ((nargs == 0)) && { _icc_images; _icc_containers; _icc_snapshots; } ;;
	init) ((nargs == 0)) && { _filedir -d 2>/dev/null || COMPREPLY=($(compgen -d -- "$cur")); } ;;
	import) ((nargs == 0)) && { _filedir 2>/dev/null || COMPREPLY=($(compgen -f -- "$cur")); } ;;
	images | version | ps) ;;
	tag) ((nargs == 0)) && _icc_images ;;
	rmi) _icc_images ;;
	history | push) ((nargs == 0)) && _icc_images ;;
	inspect) _icc_objects ;;
	run | create) ((nargs == 0)) && _icc_images ;;
	start) _icc_containers stopped ;;
	stop | kill) _icc_containers running ;;
	exec) ((nargs == 0)) && _icc_containers running ;;
	logs | commit | snapshots) ((nargs == 0)) && _icc_containers ;;
	rm) _icc_containers ;;
	diff) ((nargs < 2)) && _icc_objects ;;
	cp)
		# CONTAINER: then its path is free text; host paths as files
		if [[ $cur == *:* ]]; then :
		else
			local names
			names=$(_icc_q ps -a --format '{{.Names}}:')
			COMPREPLY+=($(compgen -W "$names" -- "$cur"))
			[[ ${#COMPREPLY[@]} -gt 0 ]] && compopt -o nospace 2>/dev/null
			COMPREPLY+=($(compgen -f -- "$cur"))
		fi ;;
	rollback)
		if ((nargs == 0)); then _icc_containers stopped
		elif ((nargs == 1)); then
			local c=${words[cword - 1]}
			COMPREPLY=($(compgen -W "$(_icc_q snapshots -q "$c")" -- "$cur"))
		fi ;;
	mount)
		if ((nargs == 0)); then _icc_containers; else _filedir -d 2>/dev/null || COMPREPLY=($(compgen -d -- "$cur")); fi ;;
	umount) COMPREPLY=($(compgen -W "$(awk '$3 == "fuse.icc-fs" {print $2}' /proc/mounts)" -- "$cur")) ;;
	snapshot)
		if ((nargs == 0)); then
			_icc_subs
			_icc_containers
		else
			case $sub in
			rm) _icc_snapshots ;;
			rename) ((nargs == 1)) && _icc_snapshots ;;
			prune) ((nargs == 1)) && _icc_containers ;;
			esac
		fi ;;
	promote) ((nargs == 0)) && _icc_snapshots ;;
	export) ((nargs == 0)) && _icc_objects ;;
	save) _icc_images ;;
	send) ((nargs == 0)) && { _icc_images; _icc_snapshots; } ;;
	system)
		((nargs == 0)) && _icc_subs ;;
	network)
		if ((nargs == 0)); then
			_icc_subs
		elif [[ $sub == inspect || $sub == rm ]]; then
			_icc_networks
		fi ;;
	port) ((nargs == 0)) && _icc_containers running ;;
	restart | wait | stats) _icc_containers ;;
	top | attach | pause) ((nargs == 0 || cmd == pause)) && _icc_containers running ;;
	unpause) _icc_containers running ;;
	rename) ((nargs == 0)) && _icc_containers ;;
	esac
	return 0
} &&
	complete -F _icc icc
