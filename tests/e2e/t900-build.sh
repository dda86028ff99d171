#!/bin/bash
# t900-build.sh - icc build: the instructions, multi-stage and COPY --from,
# .dockerignore, the cache (hits, misses, --no-cache, builder prune), history,
# and the bad input the issue lists (each one line, exit status, nothing published).
. "$(dirname "$0")/../lib.sh"
setup_store
make_image busybox

ctx="$T/ctx"
mkdir -p "$ctx/dir/sub"
echo one >"$ctx/a.txt"
echo two >"$ctx/dir/b.txt"
echo three >"$ctx/dir/sub/c.txt"
echo secret >"$ctx/secret.key"
mkdir -p "$ctx/junk" && echo x >"$ctx/junk/x"
printf '*.key\njunk\n' >"$ctx/.dockerignore"

images() { ls "$ICC_ROOT/images" | wc -l; }

test_expect_success 'a Dockerfile with the common instructions builds and its config is set' '
	cat >"$ctx/Dockerfile" <<-"DF" &&
	# a comment
	FROM busybox
	ARG GREETING=hello
	ENV APP_HOME=/app \
	    MODE="two words"
	WORKDIR $APP_HOME
	COPY a.txt ./
	COPY dir /app/dir/
	COPY --chown=65534:65534 --chmod=0600 a.txt /owned
	RUN echo "$GREETING from RUN" > /app/greeting && cat /app/greeting
	RUN ["/bin/sh", "-c", "echo exec form > /app/exec"]
	LABEL org.example.name="my app" version=1
	EXPOSE 8080 53/udp
	VOLUME /data
	USER nobody
	STOPSIGNAL SIGTERM
	ENTRYPOINT ["/bin/sh", "-c"]
	CMD ["cat /app/greeting"]
	DF
	icc build -t app:1 "$ctx" >out 2>err &&
	grep -q "^Step 1/16 : FROM busybox" out &&
	grep -q "^hello from RUN" out &&
	grep -q "^Successfully built [0-9a-f]\{12\}" out &&
	grep -qx "Successfully tagged localhost/app:1\|Successfully tagged app:1" out &&
	icc run --rm app:1 >run.out &&
	test "$(cat run.out)" = "hello from RUN" &&
	icc run --rm -u 0 app:1 "cat /app/exec /app/a.txt /app/dir/b.txt /app/dir/sub/c.txt" >files &&
	grep -qx "exec form" files && grep -qx one files && grep -qx three files
'

test_expect_success 'the image config: Env, WorkingDir, User, Labels, ports, volumes, signal' '
	icc inspect --type image -f "{{json .Config}}" app:1 >cfg &&
	grep -q "\"APP_HOME=/app\"" cfg && grep -q "\"MODE=two words\"" cfg &&
	grep -q "\"WorkingDir\":\"/app\"" cfg && grep -q "\"User\":\"nobody\"" cfg &&
	grep -q "\"org.example.name\":\"my app\"" cfg && grep -q "\"8080/tcp\"" cfg &&
	grep -q "\"53/udp\"" cfg && grep -q "\"/data\"" cfg && grep -q "\"StopSignal\":\"SIGTERM\"" cfg &&
	! grep -q GREETING cfg
'

test_expect_success 'COPY --chown/--chmod set owner and mode; .dockerignore keeps files out' '
	icc run --rm -u 0 app:1 "stat -c %u:%g:%a /owned; ls /app" >st &&
	grep -qx "65534:65534:600" st &&
	cat >"$ctx/Dockerfile.ign" <<-"DF" &&
	FROM busybox
	COPY . /ctx
	DF
	icc build -q -f "$ctx/Dockerfile.ign" -t ign "$ctx" >/dev/null &&
	icc run --rm ign ls -a /ctx >ls &&
	grep -qx a.txt ls && grep -qx dir ls && ! grep -q secret.key ls && ! grep -qx junk ls
'

test_expect_success 'history: one row per step with its instruction' '
	icc history --no-trunc app:1 >h &&
	grep -q "RUN echo \"\$GREETING from RUN\"" h &&
	grep -q "COPY a.txt ./" h && grep -q "WORKDIR \$APP_HOME" h &&
	test "$(grep -c "sha256:" h)" -ge 16
'

test_expect_success 'a rebuild with nothing changed: every step from the cache, same image' '
	id1=$(icc images -q --no-trunc app:1) &&
	n=$(images) &&
	icc build -t app:1 "$ctx" >out &&
	test "$(grep -c "Using cache" out)" -eq 15 && ! grep -q "Running in" out &&
	test "$(images)" -eq "$n" &&
	test "$(icc images -q --no-trunc app:1)" = "$id1"
'

test_expect_success 'a changed source file rebuilds from its COPY on; a changed build arg from the RUN' '
	echo changed >"$ctx/dir/sub/c.txt" &&
	icc build -t app:2 "$ctx" >out &&
	test "$(grep -c "Using cache" out)" -eq 4 &&
	icc build -t app:3 --build-arg GREETING=hi "$ctx" >out3 &&
	grep -q "^hi from RUN" out3 &&
	icc build -q --no-cache -t app:4 "$ctx" >id4 && grep -q "^sha256:" id4 &&
	test "$(icc images -q --no-trunc app:4)" != "$(icc images -q --no-trunc app:2)"
'

test_expect_success 'a changed last line: only that step runs' '
	sed -i "\$ s/cat \/app\/greeting/cat \/app\/exec/" "$ctx/Dockerfile" &&
	icc build -t app:5 "$ctx" >out &&
	test "$(grep -c "Using cache" out)" -eq 14 &&
	icc run --rm app:5 | grep -qx "exec form"
'

test_expect_success 'multi-stage: COPY --from a stage, --target, FROM a stage, scratch' '
	cat >"$ctx/Dockerfile.ms" <<-"DF" &&
	FROM busybox AS builder
	RUN mkdir /out && echo built >/out/artifact
	FROM busybox AS unused
	RUN echo should-not-run
	FROM scratch AS final
	COPY --from=builder /out/artifact /artifact
	COPY --from=0 /bin/busybox /bin/busybox
	FROM final AS runner
	CMD ["/bin/busybox", "cat", "/artifact"]
	DF
	icc build -f "$ctx/Dockerfile.ms" -t ms "$ctx" >out &&
	! grep -q should-not-run out &&
	icc run --rm ms >r && test "$(cat r)" = built &&
	icc build -q --target builder -f "$ctx/Dockerfile.ms" -t msb "$ctx" >/dev/null &&
	icc run --rm msb cat /out/artifact | grep -qx built
'

test_expect_success 'ADD extracts a local tar archive; SHELL changes how RUN runs' '
	mkdir -p "$T/tarsrc/pkg" && echo inside >"$T/tarsrc/pkg/file" &&
	tar -C "$T/tarsrc" -czf "$ctx/pkg.tar.gz" pkg &&
	cat >"$ctx/Dockerfile.add" <<-"DF" &&
	FROM busybox
	ADD pkg.tar.gz /opt/
	ADD a.txt /opt/plain.txt
	SHELL ["/bin/sh", "-e", "-c"]
	RUN test -f /opt/pkg/file && echo shell-ok
	DF
	icc build -f "$ctx/Dockerfile.add" -t add "$ctx" >out &&
	grep -qx shell-ok out &&
	icc run --rm add cat /opt/pkg/file /opt/plain.txt >r && grep -qx inside r && grep -qx one r
'

bad() { # bad NAME REGEX: the Dockerfile $ctx/NAME fails with one line, status 125, no image made
	local n rc
	n=$(images)
	icc build -f "$ctx/$1" -t broken "$ctx" >out 2>err
	rc=$?
	test $rc -eq 125 || { echo "exit $rc"; cat err; return 1; }
	expect_error_line err "$2" && test "$(images)" -eq "$n" && test_must_fail icc inspect --type image broken
}

test_expect_success 'bad input: unknown instruction, bad continuation, ARG before declared' '
	printf "FROM busybox\nFORM x\n" >"$ctx/D1" && bad D1 "^icc: build: line 2: unknown instruction: FORM$" &&
	printf "FROM busybox\nRUN echo \\\\\n" >"$ctx/D2" && bad D2 "^icc: build: line 2: the line continuation" &&
	printf "FROM busybox\nWORKDIR /\$DIR\nARG DIR=x\n" >"$ctx/D3" &&
	bad D3 "^icc: build: line 2: WORKDIR: .DIR. is used before it is declared \(ARG on line 3\)$" &&
	printf "RUN true\n" >"$ctx/D4" && bad D4 "before the first FROM" &&
	printf "FROM busybox\nHEALTHCHECK NONE\n" >"$ctx/D5" && bad D5 "HEALTHCHECK is not supported"
'

test_expect_success 'bad input: COPY outside the context (../x, a symlink out), a missing source' '
	echo outside >"$T/outside" && ln -sf "$T/outside" "$ctx/link-out" && ln -sf ../outside "$ctx/link-rel" &&
	printf "FROM busybox\nCOPY ../outside /x\n" >"$ctx/C1" && bad C1 "line 2: COPY: .\.\./outside.: outside the build context$" &&
	printf "FROM busybox\nCOPY link-out /x\n" >"$ctx/C2" && bad C2 "line 2: COPY: .link-out.: a symlink that leads outside the build context$" &&
	printf "FROM busybox\nCOPY link-rel /x\n" >"$ctx/C3" && bad C3 "a symlink that leads outside the build context$" &&
	printf "FROM busybox\nCOPY nosuch /x\n" >"$ctx/C4" && bad C4 "line 2: COPY: .nosuch.: no such file" &&
	printf "FROM busybox\nCOPY secret.key /x\n" >"$ctx/C5" && bad C5 "excluded by .dockerignore" &&
	rm -f "$ctx/link-out" "$ctx/link-rel"
'

test_expect_success 'bad input: FROM an unknown image' '
	printf "FROM nosuch/image:1\nRUN true\n" >"$ctx/F1" &&
	n=$(images) &&
	{ icc build -f "$ctx/F1" "$ctx" >out 2>err; rc=$?; } && test $rc -eq 125 &&
	test "$(grep -c "^icc: " err)" -eq 1 && test "$(images)" -eq "$n"
'

test_expect_success 'a failing RUN: its status and output, nothing half-published, earlier steps cached' '
	cat >"$ctx/R1" <<-"DF" &&
	FROM busybox
	RUN echo step-one >/one
	RUN echo about-to-fail; exit 7
	RUN echo never
	DF
	n=$(images) &&
	{ icc build -f "$ctx/R1" -t broken "$ctx" >out 2>err; rc=$?; } && test $rc -eq 7 &&
	grep -qx about-to-fail out && ! grep -q never out &&
	expect_error_line err "^icc: build: line 3: RUN: the command .* returned a non-zero code: 7$" &&
	test "$(images)" -eq $((n + 1)) && test_must_fail icc inspect --type image broken &&
	test -z "$(icc ps -aq)" &&
	{ icc build -q -f "$ctx/R1" "$ctx" >out 2>err; rc=$?; } && test $rc -eq 7 &&
	grep -qx about-to-fail err && test ! -s out &&
	{ icc build -f "$ctx/R1" "$ctx" >out 2>err; true; } && grep -q "Using cache" out
'

test_expect_success 'a context of 100,000 files: a COPY of one file, and of a tree the .dockerignore trims' '
	big="$T/big" && mkdir -p "$big/many" && echo small >"$big/small" &&
	(cd "$big/many" && seq 100000 | xargs touch) &&
	printf "many\n" >"$big/.dockerignore" &&
	printf "FROM busybox\nCOPY small /small\nCOPY . /all\n" >"$big/Dockerfile" &&
	icc build -q -t big "$big" >/dev/null &&
	icc run --rm big sh -c "cat /small; ls /all" >r && grep -qx small r && ! grep -qx many r &&
	rm "$big/.dockerignore" &&
	printf "FROM busybox\nCOPY many /many\nRUN ls /many | wc -l\n" >"$big/Dockerfile" &&
	icc build -t big2 "$big" >out && grep -qx "100000" out
'

test_expect_success 'builder prune: removes step images nothing uses, keeps what tags need' '
	icc rmi app:2 app:3 app:4 >/dev/null &&
	icc builder prune -f >out &&
	grep -q "^Deleted build cache objects:" out && grep -q "^Total reclaimed space:" out &&
	icc run --rm app:5 >/dev/null && icc run --rm ms >/dev/null &&
	icc build -t app:5 "$ctx" >out && test "$(grep -c "Using cache" out)" -eq 15 &&
	test_must_fail icc builder prune </dev/null 2>err && grep -q "use -f" err
'

test_done
