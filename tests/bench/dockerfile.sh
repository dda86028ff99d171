# dockerfile.sh - sourced by run.sh (BENCH_ONLY=dockerfile): a 10-step Dockerfile on the
# Debian minbase tree -- dpkg -i of a few cached .debs, COPY of a 1,000-file tree,
# ENV/WORKDIR steps -- built by icc build and by Debian's buildah (buildah bud), side by
# side (and podman build where it runs): the first build, a rebuild with nothing changed (every step a cache hit; goal
# <= 0.2 s) and a rebuild after the last line changed (only that step runs).
# Uses run.sh's W, B, ICC, REPS, rec, timeit, log, need_pkgs.

bench_dockerfile() {
	local tree ctx debs="$CACHE/debs" i v
	tree=$(sh "$HERE/../debian-tree.sh") || { log "no Debian tree: skipping dockerfile"; return 0; }
	# the packages' .debs, fetched once with the host's apt (the builds read them from the context)
	if ! ls "$debs"/figlet_*.deb "$debs"/tree_*.deb >/dev/null 2>&1; then
		mkdir -p "$debs"
		(cd "$debs" && apt-get download figlet tree >/dev/null 2>&1) ||
			{ log "apt-get download figlet tree failed: skipping dockerfile"; return 0; }
	fi
	ctx=$W/dfctx
	mkdir -p "$ctx/debs" "$ctx/files"
	cp "$debs"/*.deb "$ctx/debs/"
	for i in $(seq 0 9); do
		mkdir -p "$ctx/files/d$i"
		for k in $(seq 100); do echo "file $i/$k" >"$ctx/files/d$i/f$k"; done
	done
	write_df() { # LAST-LINE
		cat >"$ctx/Dockerfile" <<-DF
		FROM debian-bench
		ENV DEBIAN_FRONTEND=noninteractive
		WORKDIR /opt/app
		COPY debs /tmp/debs
		RUN dpkg -i /tmp/debs/*.deb
		COPY files /opt/app/files
		ENV APP=bench
		RUN figlet built >/opt/app/banner
		WORKDIR /opt/app/files
		$1
		DF
	}
	"$ICC" init -q "$tree" debian-bench >/dev/null || { log "icc init of the Debian tree failed"; return 0; }
	bench_network

	# buildah, in the bench's own storage (runc: crun refuses this host's hybrid cgroups);
	# its base image is the same tree
	need_pkgs buildah
	local BA=""
	if command -v buildah >/dev/null; then
		BA="buildah --root $B/buildah --runroot $W/buildah-run --storage-driver overlay"
		local c
		if c=$($BA from scratch 2>>"$W/cmd.err") && m=$($BA mount "$c" 2>>"$W/cmd.err") &&
			cp -a "$tree/." "$m/" && $BA umount "$c" >/dev/null && $BA commit -q "$c" debian-bench >/dev/null 2>>"$W/cmd.err"; then
			$BA rm "$c" >/dev/null 2>&1
		else
			log "buildah could not make its base image: skipping the buildah rows"
			BA=""
		fi
	else
		log "buildah is not installed (apt-get install buildah): skipping the buildah rows"
	fi

	# podman build (its own buildah inside), where it runs: the same storage options as run.sh's
	local PB=""
	if command -v podman >/dev/null; then
		PB="podman --root $B/podman-build --runroot $W/podman-build-run --storage-driver overlay --cgroup-manager cgroupfs --events-backend file --runtime runc"
		tar -C "$tree" -c . | $PB import - debian-bench >/dev/null 2>>"$W/cmd.err" ||
			{ log "podman import of the Debian tree failed: skipping the podman rows"; PB=""; }
	else
		log "podman is not installed: skipping the podman build rows"
	fi

	for i in $(seq "$REPS"); do
		write_df "RUN ls | wc -l >/opt/app/count"
		"$ICC" rmi -f df-icc >/dev/null 2>&1
		"$ICC" builder prune -f >/dev/null 2>&1
		v=$(timeit "$ICC" build -q ${BENCH_NET:+--network "$BENCH_NET"} -t df-icc "$ctx") && rec dockerfile "10-step build, first" icc "$i" "$v" s lower
		v=$(timeit "$ICC" build -q ${BENCH_NET:+--network "$BENCH_NET"} -t df-icc "$ctx") && rec dockerfile "10-step rebuild, nothing changed" icc "$i" "$v" s lower
		write_df "RUN ls | wc -l >/opt/app/count2"
		v=$(timeit "$ICC" build -q ${BENCH_NET:+--network "$BENCH_NET"} -t df-icc "$ctx") && rec dockerfile "10-step rebuild, last line changed" icc "$i" "$v" s lower
		if [ -n "$BA" ]; then
			write_df "RUN ls | wc -l >/opt/app/count"
			$BA rmi -f df-ba >/dev/null 2>&1
			$BA rmi --prune >/dev/null 2>&1
			v=$(timeit $BA bud --runtime runc --layers -q -t df-ba "$ctx") && rec dockerfile "10-step build, first" buildah "$i" "$v" s lower
			v=$(timeit $BA bud --runtime runc --layers -q -t df-ba "$ctx") && rec dockerfile "10-step rebuild, nothing changed" buildah "$i" "$v" s lower
			write_df "RUN ls | wc -l >/opt/app/count2"
			v=$(timeit $BA bud --runtime runc --layers -q -t df-ba "$ctx") && rec dockerfile "10-step rebuild, last line changed" buildah "$i" "$v" s lower
		fi
		if [ -n "$PB" ]; then
			write_df "RUN ls | wc -l >/opt/app/count"
			$PB rmi -f df-pb >/dev/null 2>&1
			$PB image prune -f >/dev/null 2>&1
			v=$(timeit $PB build --layers -q -t df-pb "$ctx") && rec dockerfile "10-step build, first" podman "$i" "$v" s lower
			v=$(timeit $PB build --layers -q -t df-pb "$ctx") && rec dockerfile "10-step rebuild, nothing changed" podman "$i" "$v" s lower
			write_df "RUN ls | wc -l >/opt/app/count2"
			v=$(timeit $PB build --layers -q -t df-pb "$ctx") && rec dockerfile "10-step rebuild, last line changed" podman "$i" "$v" s lower
		fi
	done
	[ -n "$BA" ] && $BA rm -a >/dev/null 2>&1 && $BA rmi -a -f >/dev/null 2>&1
	[ -n "$PB" ] && $PB rmi -a -f >/dev/null 2>&1
	return 0
}
