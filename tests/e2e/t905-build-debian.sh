#!/bin/bash
# t905-build-debian.sh - icc build on the real Debian tree: RUN apt-get from the
# archive over the default (bridge) network as icc run has it, COPY, ENV, WORKDIR,
# USER with a name from the image's /etc/passwd, and the cache on a rebuild.
. "$(dirname "$0")/../lib.sh"
[ -x /usr/lib/podman/netavark ] || [ -x /usr/libexec/podman/netavark ] ||
	skip_all "netavark is not installed (apt-get install netavark aardvark-dns)"
tree=$(sh "$TESTS_DIR/debian-tree.sh") || skip_all "no Debian tree (debootstrap failed or is missing)"
setup_store 4G

ctx="$T/ctx"
mkdir -p "$ctx/site"
echo "<h1>hi</h1>" >"$ctx/site/index.html"
cat >"$ctx/Dockerfile" <<'DF'
FROM debian:bookworm
ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update && apt-get install -y --no-install-recommends figlet && rm -rf /var/lib/apt/lists/*
RUN useradd -m -u 1234 app
WORKDIR /srv/site
COPY --chown=app:app site/ ./
USER app
CMD ["figlet", "built"]
DF

test_expect_success 'setup: the Debian tree as debian:bookworm' '
	icc init -q "$tree" debian:bookworm >/dev/null
'

test_expect_success 'RUN apt-get install from the archive, COPY --chown by name, USER' '
	timeout 900 "$ICC_BIN" build -t figlet:1 "$ctx" >out 2>&1 || { tail -n 30 out; false; } &&
	grep -q "Setting up figlet" out &&
	icc run --rm figlet:1 >art && grep -qF "|_.__/" art &&
	icc run --rm figlet:1 sh -c "id -un; pwd; stat -c %U:%G index.html" >who &&
	test "$(cat who)" = "app
/srv/site
app:app"
'

test_expect_success 'a rebuild is all cache hits; history shows the steps' '
	icc build -t figlet:1 "$ctx" >out 2>&1 &&
	test "$(grep -c "Using cache" out)" -eq 7 && ! grep -q "Running in" out &&
	icc history figlet:1 >h && grep -q "RUN useradd -m -u 1234 app" h &&
	grep -q "USER app" h
'

test_expect_success 'icc save of the built image: one layer per step (the base and 7 steps)' '
	icc save -o "$T/img.tar" figlet:1 >out 2>&1 &&
	grep -q "(8 layers)" out
'
test_done
