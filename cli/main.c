/* main.c - icc's entry point: global options and the command table */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define ICC_VERSION "0.1.0"

#define FORMAT_HELP "table (default), json (one object per line), a Go template, or table TEMPLATE\n"
#define FORMAT_OPT "      --format FORMAT  table (default), json (one object per line), a Go template, or table TEMPLATE\n"

#define CHANGE_HELP "Dockerfile-like line: CMD, ENTRYPOINT, ENV, WORKDIR, USER, LABEL, EXPOSE, STOPSIGNAL"

/* a command that parses its own argv: name, fn, synopsis, summary, option help */
#define CLI_CMD(n, f, syn, sum, opt) {.name = n, .fn = f, .synopsis = syn, .summary = sum, .options = opt}

static const struct cli_command commands[] = {
	/* images */
	{.name = "init", .run = cmd_init, .synopsis = "[-q] [-m MSG] [-c CHANGE]... DIR [NAME[:TAG]]",
	 .summary = "Create an image from a directory (reflink copy)",
	 .opts = (const struct cli_opt[]){
		 {'m', "message", "MSG", "comment recorded in the image's history"},
		 {'c', "change", "CHANGE", CHANGE_HELP},
		 {'q', "quiet", NULL, "no progress output"},
		 {0}},
	 .min = 1, .max = 2, .flags = CLI_STORE | CLI_IN_ORDER},
	{.name = "import", .run = cmd_import, .synopsis = "[-q] [-m MSG] [-c CHANGE]... FILE|- [NAME[:TAG]]",
	 .summary = "Create an image from a tar archive",
	 .opts = (const struct cli_opt[]){
		 {'m', "message", "MSG", "comment (default \"Imported from FILE\")"},
		 {'c', "change", "CHANGE", CHANGE_HELP},
		 {'q', "quiet", NULL, "no progress line (shown only when stderr is a terminal)"},
		 {0}},
	 .min = 1, .max = 2, .check = cmd_import_check, .flags = CLI_STORE | CLI_IN_ORDER},
	{.name = "images", .run = cmd_images,
	 .synopsis = "[-a] [-q] [--no-trunc] [-f|--filter KEY=VALUE]... [--format FORMAT] [REPOSITORY[:TAG]]",
	 .summary = "List images",
	 .opts = (const struct cli_opt[]){
		 {'a', "all", NULL, "also untagged parents of other images"},
		 {'f', "filter", "K=V", "dangling=true|false (untagged or not), reference=PATTERN (a glob\n"
					"on NAME or NAME:TAG); the same key ORs, different keys AND"},
		 {'q', "quiet", NULL, "only image ids"},
		 {0, "no-trunc", NULL, "full ids"},
		 {0, "format", "FORMAT", FORMAT_HELP "fields: ID Repository Tag CreatedAt CreatedSince Size SizeBytes"},
		 {0}},
	 .max = 1, .flags = CLI_STORE},
	{.name = "tag", .run = cmd_tag, .synopsis = "SOURCE NAME[:TAG]", .summary = "Give an image another name",
	 .min = 2, .max = 2, .flags = CLI_LOCK | CLI_IN_ORDER}, /* "icc tag busybox -x": an invalid name */
	{.name = "rmi", .run = cmd_rmi, .synopsis = "[-f] IMAGE...", .summary = "Remove images",
	 .opts = (const struct cli_opt[]){
		 {'f', "force", NULL, "remove an image with several tags, or one stopped containers use"},
		 {0}},
	 .min = 1, .max = -1, .flags = CLI_LOCK},
	{.name = "history", .run = cmd_history,
	 .synopsis = "[--no-trunc] [-q] [--format FORMAT] IMAGE | --commands IMAGE|CONTAINER|C/SNAP",
	 .summary = "Show the lineage of an image",
	 .opts = (const struct cli_opt[]){
		 {'q', "quiet", NULL, "only image ids"},
		 {0, "commands", NULL, "the commands recorded at the shell prompt, per #save/commit (docs/build.md)"},
		 {0, "no-trunc", NULL, "full ids and commands"},
		 {0, "format", "FORMAT", FORMAT_HELP "fields: ID CreatedAt CreatedSince CreatedBy Size Comment"},
		 {0}},
	 .min = 1, .max = 1, .flags = CLI_STORE},
	{.name = "inspect", .run = cmd_inspect, .synopsis = "[--type image|container|snapshot] [-f FORMAT] OBJECT...",
	 .summary = "Show objects' metadata as JSON",
	 .opts = (const struct cli_opt[]){
		 {0, "type", "TYPE", "look OBJECT up only as an image, container or snapshot"},
		 {'f', "format", "FORMAT", "a Go template run for each object ({{.State.Pid}}, {{json .Config}})"},
		 {0}},
	 .min = 1, .max = -1, .check = cmd_inspect_check, .flags = CLI_STORE},
	/* containers and their filesystem */
	CLI_CMD("create", cmd_create, "[OPTIONS] IMAGE [CMD...]", "Create a container (a writable copy of an image)",
	 "  Takes the options of 'icc run' (without starting anything).\n"),
	CLI_CMD("run", cmd_run,
	 "[-i] [-t] [-d] [--rm] [--name N] [-e K=V] [-w DIR] [-u USER] [-h HOST] [-v HOSTDIR:CDIR[:ro]] "
	 "[--network bridge|none|host|NAME] [-p [IP:][HPORT:]CPORT[/PROTO]]... [-P] [--pull missing|always|never] "
	 "[--runtime runc|crun] [--security-opt OPT] [-m SIZE] [--cpus N] [--restart POLICY] [--exclude PATH]... [OPTION...] IMAGE [CMD...]",
	 "Run a command in a new container",
	 "  -i, --interactive      keep stdin open\n"
	 "  -t, --tty              allocate a terminal (type #save at a shell prompt to snapshot)\n"
	 "  -d, --detach           run in the background, print the id\n"
	 "      --rm               remove the container when it ends\n"
	 "      --name NAME        container name (default: adjective_surname)\n"
	 "  -e, --env K=V          environment variable (-e K takes K from icc's environment)\n"
	 "  -w, --workdir DIR      working directory inside the container\n"
	 "  -u, --user USER        user[:group] or uid[:gid]\n"
	 "  -h, --hostname HOST    container host name\n"
	 "  -v, --volume H:C[:ro]  bind mount host directory H at C\n"
	 "      --network NET      bridge (default: own namespace, NAT, DNS), none, host, or a network\n"
	 "                         made with 'icc network create' (containers find each other by name)\n"
	 "  -p, --publish SPEC     [IP:][HOSTPORT:]PORT[/tcp|/udp]: publish a container port on the host\n"
	 "  -P, --publish-all      publish every EXPOSE'd port on a free host port\n"
	 "      --pull POLICY      missing (default: pull an image not in the store), always, never\n"
	 "      --runtime NAME     runc (default) or crun\n"
	 "      --security-opt OPT seccomp=unconfined, seccomp=FILE (a Docker-format profile),\n"
	 "                         no-new-privileges=false (default: the default profile and\n"
	 "                         no-new-privileges)\n"
	 "      --entrypoint CMD   run CMD instead of the image's entrypoint (\"\": none); drops its Cmd\n"
	 "      --env-file FILE    KEY=VALUE lines (# comments; KEY alone: from icc's environment)\n"
	 "  -l, --label K=V        a label (Config.Labels), added to the image's\n"
	 "  -m, --memory SIZE      memory limit (b, k, m, g; at least 6m); the OOM killer ends the hog\n"
	 "      --cpus N           CPU quota, N CPUs' worth (0.5: 50 ms per 100 ms)\n"
	 "      --pids-limit N     at most N processes (0 or -1: no limit)\n"
	 "      --ulimit L=S[:H]   resource limit L (nofile, nproc, core, ...) soft S, hard H\n"
	 "      --shm-size SIZE    size of /dev/shm (default 64m)\n"
	 "      --tmpfs DIR[:OPT]  a tmpfs at DIR (noexec,nosuid,nodev; OPT e.g. size=64m,mode=1777)\n"
	 "      --read-only        the root filesystem is read-only (/.icc/save still saves)\n"
	 "      --init             run tini as PID 1: it reaps zombies and passes signals on\n"
	 "      --cap-add CAP      add a capability (NET_ADMIN or CAP_NET_ADMIN; ALL)\n"
	 "      --cap-drop CAP     drop a capability (ALL: every one)\n"
	 "      --privileged       every capability, the host's devices, no seccomp, writable /sys\n"
	 "      --add-host H:IP    a line \"IP H\" in the container's /etc/hosts\n"
	 "      --restart POLICY   no (default), on-failure[:N], always, unless-stopped: the container's\n"
	 "                         monitor starts it again (not after a host reboot, see icc-run(1))\n"
	 "      --detach-keys KEYS with -it: keys that detach, leaving it running (ctrl-p,ctrl-q)\n"
	 "      --no-record        do not record the commands typed at an -it shell (icc dockerfile)\n"
	 "      --exclude PATH     keep PATH out of every save, commit and export (its own\n"
	 "                         subvolume, empty in snapshots; adds to the image's Exclude)\n"
	 "Exit status: the command's, or 125 (icc failed), 126 (cannot execute), 127 (not found).\n"),
	CLI_CMD("start", cmd_start, "[-a] [-i] [--detach-keys KEYS] CONTAINER...", "Start a stopped container again",
	 "  -a, --attach           attach to its output (one container)\n"
	 "  -i, --interactive      attach stdin too (one container)\n"
	 "      --detach-keys KEYS with a terminal: keys that detach, leaving it running (ctrl-p,ctrl-q)\n"
	 "      --no-record        do not record the commands typed at its shell (icc dockerfile)\n"),
	CLI_CMD("stop", cmd_stop, "[-t SECS] CONTAINER...", "Stop running containers (SIGTERM, then SIGKILL)",
	 "  -t, --time SECS        seconds to wait before SIGKILL (default 10)\n"),
	CLI_CMD("kill", cmd_kill, "[-s SIGNAL] CONTAINER...", "Send a signal to running containers",
	 "  -s, --signal SIGNAL    name or number (default KILL)\n"),
	CLI_CMD("exec", cmd_exec, "[-i] [-t] [-d] [-e K=V] [-w DIR] [-u USER] CONTAINER CMD...",
	 "Run a command in a running container",
	 "  -i, --interactive      keep stdin open\n"
	 "  -t, --tty              allocate a terminal\n"
	 "      --no-record        do not record the commands typed at an -it shell (icc dockerfile)\n"
	 "  -d, --detach           run in the background\n"
	 "  -e, --env K=V          environment variable\n"
	 "  -w, --workdir DIR      working directory\n"
	 "  -u, --user USER        user[:group] or uid[:gid]\n"
	 "Exit status: the command's, or 125 (icc failed), 126 (cannot execute), 127 (not found).\n"),
	CLI_CMD("logs", cmd_logs, "[-f] [-t] [--since WHEN] [--until WHEN] [-n|--tail N] CONTAINER",
	 "Show a container's output (every run, foreground ones too)",
	 "  -f, --follow           keep printing until the container ends\n"
	 "  -t, --timestamps       each line after its time (RFC 3339, ns)\n"
	 "      --since WHEN       only lines from WHEN: 2024-05-01T10:00:00Z, Unix seconds, or 10m ago\n"
	 "      --until WHEN       only lines up to WHEN\n"
	 "  -n, --tail N           only the last N lines (all: every line)\n"
	 "Usage errors exit 125.\n"),
	CLI_CMD("ps", cmd_ps, "[-a] [-q] [-l] [-n N] [-s] [--no-trunc] [-f|--filter KEY=VALUE]... [--format FORMAT]", "List containers",
	 "  -a, --all              also stopped containers\n"
	 "  -q, --quiet            only container ids\n"
	 "  -l, --latest           the newest container\n"
	 "  -n, --last N           the N newest containers (any state)\n"
	 "  -f, --filter K=V       status=created|running|paused|exited|dead|..., name=REGEX,\n"
	 "                         ancestor=IMAGE (or an image made from it), label=KEY[=VALUE],\n"
	 "                         id=PREFIX; the same key ORs, different keys AND\n"
	 "  -s, --size             fill the Size field (apparent size of the container's files)\n"
	 "      --no-trunc         full ids and commands\n" FORMAT_OPT
	 "                         fields: ID Names Image ImageID Command CreatedAt CreatedSince\n"
	 "                         RunningFor State Status Size Ports\n"),
	CLI_CMD("port", cmd_port, "CONTAINER [PORT[/PROTO]]", "List the host ports a running container publishes", ""),
	CLI_CMD("restart", cmd_restart, "[-t SECS] CONTAINER...", "Stop and start containers again",
	 "  -t, --time SECS        seconds to wait before SIGKILL (default 10)\n"
	 "A container made with -t starts with its terminal kept by icc: 'icc attach' reaches it.\n"),
	CLI_CMD("wait", cmd_wait, "CONTAINER...", "Wait until containers stop, print their exit codes", ""),
	CLI_CMD("top", cmd_top, "CONTAINER [PS OPTIONS]", "Show the processes of a running container",
	 "  PS OPTIONS             given to the host's ps (default -ef); rows of the container's\n"
	 "                         cgroup are kept (ps must print a PID column)\n"),
	CLI_CMD("rename", cmd_rename, "CONTAINER NEW_NAME", "Rename a container", ""),
	CLI_CMD("stats", cmd_stats, "[-a] [--no-stream] [--format FORMAT] [CONTAINER...]",
	 "Show containers' CPU, memory, network, block I/O and pids",
	 "  -a, --all              also stopped containers (default: the running ones)\n"
	 "      --no-stream        print one sample and exit (default: refresh every second)\n" FORMAT_OPT
	 "                         fields: ID Container Name CPUPerc MemUsage MemPerc NetIO BlockIO PIDs\n"),
	CLI_CMD("pause", cmd_pause, "CONTAINER...", "Freeze every process of containers (cgroup freezer)", ""),
	CLI_CMD("unpause", cmd_unpause, "CONTAINER...", "Thaw paused containers", ""),
	CLI_CMD("attach", cmd_attach, "[--detach-keys KEYS] [--no-stdin] [--sig-proxy=false] CONTAINER",
	 "Attach the terminal to a running container",
	 "      --detach-keys KEYS keys that detach and leave it running (default ctrl-p,ctrl-q)\n"
	 "      --no-stdin         do not send what is typed (only show the output)\n"
	 "      --sig-proxy=BOOL   forward SIGINT, SIGTERM, SIGHUP, SIGQUIT (default true)\n"
	 "Exit status: the container's when it ends while attached, 0 after a detach.\n"),
	CLI_CMD("network", cmd_network,
	 "create [--subnet CIDR] [--gateway IP] [--interface-name BR] [--internal] [--disable-dns] NAME | "
	 "ls [-q] [--format FORMAT] | inspect NET... | rm NET...",
	 "Manage bridge networks (netavark, aardvark-dns)",
	 "  create                 a bridge network; containers on it resolve each other's names\n"
	 "      --subnet CIDR      IPv4 subnet (default: the first free 10.89.N.0/24)\n"
	 "      --gateway IP       gateway address (default: the subnet's first)\n"
	 "      --interface-name BR  host bridge name (default: the first free iccN)\n"
	 "      --internal         no outbound NAT\n"
	 "      --disable-dns      no aardvark-dns name resolution\n"
	 "  ls                     list networks (fields: ID Name Driver Scope Subnet Bridge)\n"
	 "  inspect NET...         networks as JSON, with their running containers\n"
	 "  rm NET...              remove networks no container uses\n"),
	CLI_CMD("rm", cmd_rm, "[-f] [--snapshots] CONTAINER...", "Remove containers (their snapshots are kept unless --snapshots)",
	 "  -f, --force            kill a running container first\n"
	 "      --snapshots        delete the container's snapshots too (else kept: icc snapshots --all)\n"),
	{.name = "commit", .run = cmd_commit, .synopsis = "[-m MSG] [-a AUTHOR] [-c CHANGE]... CONTAINER [IMAGE[:TAG]]",
	 .summary = "Make an image of a container (O(1) snapshot)",
	 .opts = (const struct cli_opt[]){
		 {'m', "message", "MSG", "commit message"},
		 {'a', "author", "AUTHOR", "author"},
		 {'c', "change", "CHANGE", "Dockerfile-like line applied to the config"},
		 {'p', "pause", NULL, NULL}, /* Docker's; nothing to pause: a snapshot is atomic */
		 {0}},
	 .min = 1, .max = 2, .flags = CLI_STORE},
	{.name = "diff", .run = cmd_diff, .synopsis = "[--format json] A [B]",
	 .summary = "Show changed files (A/C/D) of a container, or between two objects",
	 .opts = (const struct cli_opt[]){
		 {0, "format", "json", "one {\"Kind\", \"Path\"} object per line"},
		 {0}},
	 .min = 1, .max = 2, .flags = CLI_STORE},
	CLI_CMD("cp", cmd_cp, "[-a] CONTAINER:PATH HOSTPATH|- | [-a] HOSTPATH|- CONTAINER:PATH",
	 "Copy files between a container and the host",
	 "  -a, --archive          keep uid/gid (default: root in the container, you on the host)\n"
	 "  -                      a tar stream on stdout (from the container) or stdin (into a directory)\n"),
	CLI_CMD("rollback", cmd_rollback, "CONTAINER SNAP", "Reset a container's files to a snapshot (live if running)",
	 "  A running container is rolled back live by its icc-fs (/.icc/rollback): its processes\n"
	 "  keep running, the tree before is saved as snapshot before-rollback-TIME.\n"),
	CLI_CMD("mount", cmd_mount, "CONTAINER|SUBVOLUME MOUNTPOINT", "Serve a container or subvolume through icc-fs", ""),
	CLI_CMD("umount", cmd_umount, "MOUNTPOINT", "Unmount an icc-fs mount", ""),
	/* snapshots */
	CLI_CMD("snapshot", cmd_snapshot,
	 "CONTAINER [NAME] [-m MSG] | rm SNAP... | rename SNAP NEWNAME | prune [-n] [--keep N] [--older-than DUR] CONTAINER",
	 "Save a container's state / manage snapshots",
	 "  -m MSG                 message stored with the snapshot\n"
	 "  prune --keep N         remove all but the newest N snapshots (oldest first)\n"
	 "  prune --older-than DUR  remove only snapshots older than DUR (90s, 30m, 2h, 7d, 1w)\n"
	 "  prune -n, --dry-run    only list what would be removed\n"),
	{.name = "snapshots", .run = cmd_snapshots,
	 .synopsis = "[-q] [--format FORMAT] CONTAINER | -a [-q] [--format FORMAT]",
	 .summary = "List a container's snapshots, or every snapshot in the store",
	 .opts = (const struct cli_opt[]){
		 {'a', "all", NULL, "every snapshot, of live and of removed containers"},
		 {'q', "quiet", NULL, "only names (with -a: CONTAINER/NAME)"},
		 {0, "format", "FORMAT", FORMAT_HELP "fields: Name Names ID Container ContainerName Removed CreatedAt CreatedSince\n"
					 "Size SizeBytes Message"},
		 {0}},
	 .max = 1, .check = cmd_snapshots_check, .flags = CLI_STORE},
	{.name = "promote", .run = cmd_promote, .synopsis = "[-m MSG] SNAP IMAGE[:TAG]", .summary = "Turn a snapshot into an image",
	 .opts = (const struct cli_opt[]){{'m', NULL, "MSG", "comment (default: the snapshot's message)"}, {0}},
	 .min = 2, .max = 2, .flags = CLI_STORE},
	/* images in and out: tar, OCI, registries, btrfs send streams */
	{.name = "export", .run = cmd_export, .synopsis = "[-q] [-o FILE] CONTAINER|IMAGE|SNAP",
	 .summary = "Write a filesystem tree as a tar archive",
	 .opts = (const struct cli_opt[]){
		 {'o', "output", "FILE", "write to FILE (default stdout, not a terminal)"},
		 {'q', "quiet", NULL, "no progress line"},
		 {0}},
	 .min = 1, .max = 1, .check = cli_check_output, .flags = CLI_STORE},
	{.name = "save", .run = cmd_save,
	 .synopsis = "[-q] [-o FILE] [--format oci-archive|docker-archive|oci-dir] [--compress none|gzip|zstd] IMAGE...",
	 .summary = "Save images as an OCI or Docker archive",
	 .opts = (const struct cli_opt[]){
		 {'o', "output", "FILE", "write to FILE (a directory for oci-dir)"},
		 {0, "format", "FORMAT", "oci-archive (default), docker-archive, oci-dir"},
		 {0, "compress", "ALG", "layer compression: gzip (default), zstd, none"},
		 {'q', "quiet", NULL, "no progress line"},
		 {0}},
	 .min = 1, .max = -1, .check = cmd_save_check, .flags = CLI_STORE},
	{.name = "load", .run = cmd_load, .synopsis = "[-q] [-i FILE|DIR|-] [NAME[:TAG]]",
	 .summary = "Load images from an OCI or Docker archive",
	 .opts = (const struct cli_opt[]){
		 {'i', "input", "FILE", "archive or OCI directory (default stdin)"},
		 {'q', "quiet", NULL, "no progress output"},
		 {0}},
	 .max = 1, .check = cmd_load_check, .flags = CLI_STORE},
	{.name = "push", .run = cmd_push, .synopsis = "[-q] [--tls-verify=false] [--compress gzip|zstd|none] IMAGE REF",
	 .summary = "Push an image to a registry (skopeo)",
	 .opts = (const struct cli_opt[]){
		 {0, "tls-verify", "=BOOL", "verify the registry's certificate (default true)"},
		 {0, "compress", "ALG", "layer compression (default gzip)"},
		 {'q', "quiet", NULL, "no progress output"},
		 {0}},
	 .min = 2, .max = 2, .flags = CLI_STORE},
	{.name = "pull", .run = cli_pull, .synopsis = "[-q] [--tls-verify=false] REF [NAME[:TAG]]",
	 .summary = "Pull an image from a registry (skopeo)",
	 .opts = (const struct cli_opt[]){
		 {0, "tls-verify", "=BOOL", "verify the registry's certificate (default true)"},
		 {'q', "quiet", NULL, "no progress output"},
		 {0}},
	 .min = 1, .max = 2, .flags = CLI_STORE},
	{.name = "send", .run = cmd_send, .synopsis = "[-q] [-p PARENT] [-o FILE] IMAGE|SNAP",
	 .summary = "Write an image or snapshot as a btrfs send stream",
	 .opts = (const struct cli_opt[]){
		 {'p', NULL, "PARENT", "incremental: only the changes since PARENT (the receiver has it)"},
		 {'o', NULL, "FILE", "write to FILE (default stdout, not a terminal)"},
		 {'q', NULL, NULL, "no progress line"},
		 {0}},
	 .min = 1, .max = 1, .check = cli_check_output, .flags = CLI_STORE},
	{.name = "receive", .run = cmd_receive, .synopsis = "[-q] [-i FILE] [NAME[:TAG]]",
	 .summary = "Receive a stream made by icc send",
	 .opts = (const struct cli_opt[]){
		 {'i', NULL, "FILE", "read FILE (default stdin)"},
		 {'q', NULL, NULL, "no progress line"},
		 {0}},
	 .max = 1, .check = cmd_receive_check, .flags = CLI_STORE},
	/* the store */
	CLI_CMD("system", cmd_system, "info [--format json] | check [--repair] [--quotas] | df [-v] [--format FORMAT] | prune [-a] [-f] [--snapshots]",
	 "Show, check, measure or clean up the store",
	 "  info                   root, backing device, size, counts\n"
	 "  check [--repair]       find (and fix) inconsistencies; exit 1 when problems remain\n"
	 "  df [-v]                space used by images, containers, snapshots (-v: per object)\n"
	 "  prune [-a] [-f]        remove stopped containers and dangling images (-a: all unused\n"
	 "                         images); asks first unless -f; snapshots are kept\n"
	 "  prune --snapshots      also delete the snapshots of removed containers\n"),
	CLI_CMD("version", cmd_version, "", "Show icc's version", ""),
	/* Dockerfiles */
	{.name = "build", .run = cmd_build,
	 .synopsis = "[-t NAME[:TAG]]... [-f DOCKERFILE] [--build-arg K=V]... [--no-cache] [--target STAGE] "
		     "[--network NET] [-q] [--progress plain|auto] CONTEXT",
	 .summary = "Build an image from a Dockerfile, each step a snapshot (docs/build.md)",
	 .opts = (const struct cli_opt[]){
		 {'t', "tag", "NAME[:TAG]", "name the result (repeatable)"},
		 {'f', "file", "FILE", "the Dockerfile (default CONTEXT/Dockerfile)"},
		 {0, "build-arg", "K=V", "value of an ARG (--build-arg K: from icc's environment)"},
		 {0, "no-cache", NULL, "run every step again"},
		 {0, "target", "STAGE", "build up to this stage (AS name)"},
		 {0, "network", "NET", "RUN's network (default bridge, as icc run)"},
		 {'q', "quiet", NULL, "print only the image id (RUN's output only when it fails)"},
		 {0, "progress", "MODE", "plain or auto (the same step lines)"},
		 {0}},
	 .min = 1, .max = 1},
	{.name = "dockerfile", .run = cmd_dockerfile, .synopsis = "[--ignore PATH]... IMAGE|CONTAINER|CONTAINER/SNAP",
	 .summary = "Write the recorded shell session as a Dockerfile that rebuilds it",
	 .opts = (const struct cli_opt[]){
		 {0, "ignore", "PATH", "add PATH to the closing note of what is expected to differ"},
		 {0}},
	 .min = 1, .max = 1, .check = cmd_dockerfile_check, .flags = CLI_STORE},
	CLI_CMD("builder", cmd_builder, "prune [-f]", "Remove build steps no image, tag or container uses",
	 "  -f, --force            do not ask first\n"),
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

void cli_print_help(const struct cli_command *c, FILE *out)
{
	fprintf(out, "Usage: icc %s%s%s\n\n%s\n", c->name, c->synopsis[0] ? " " : "", c->synopsis, c->summary);
	bool spec = c->opts && (c->opts[0].letter || c->opts[0].name);
	if ((c->options && c->options[0]) || spec || c->notes)
		fputc('\n', out);
	if (c->options)
		fputs(c->options, out);
	cli_print_options(c->opts, out);
	if (c->notes)
		fputs(c->notes, out);
	fprintf(out, "\nSee also: man icc-%s\n", c->name);
}

/* Levenshtein distance, for "did you mean". */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 32 || lb > 32)
		return 99;
	size_t d[33][33];
	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++)
		for (size_t j = 1; j <= lb; j++) {
			size_t sub = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
			size_t del = d[i - 1][j] + 1, ins = d[i][j - 1] + 1;
			d[i][j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
		}
	return d[la][lb];
}

static int unknown_command(const char *name)
{
	const char *best = NULL;
	size_t bestd = 3, prefixed = 0, len = strlen(name);
	/* the command that starts with it ("snap" -> "snapshot", which also begins
	 * "snapshots"); several unrelated ones ("re"): none of them */
	for (size_t k = 0; len >= 2 && k < NCOMMANDS; k++) {
		const char *c = commands[k].name;
		if (strncmp(c, name, len))
			continue;
		prefixed++;
		if (!best || (strlen(c) < strlen(best) && !strncmp(best, c, strlen(c))))
			best = c;
	}
	for (size_t k = 0; best && k < NCOMMANDS; k++)
		if (!strncmp(commands[k].name, name, len) && len >= 2 &&
		    strncmp(commands[k].name, best, strlen(best)))
			best = NULL;
	/* else the closest within 2 edits (as git), and at most half the typed
	 * letters wrong: "imgs" is images, "zz" is nothing */
	for (size_t k = 0; !best && !prefixed && k < NCOMMANDS; k++) {
		size_t d = distance(name, commands[k].name);
		if (d < bestd && d <= len / 2) {
			bestd = d;
			best = commands[k].name;
		}
	}
	if (best)
		cli_errorf("unknown command '%s': did you mean '%s'? (see 'icc --help')", name, best);
	else
		cli_errorf("unknown command '%s' (see 'icc --help')", name);
	return EXIT_USAGE;
}

/* Options of run/create/exec that take a separate value. */
static bool takes_value(const char *opt)
{
	static const char *const v[] = {"-e", "-w", "-u", "-h", "-v", "--name", "--env", "--workdir",
					"--user", "--hostname", "--volume", "--network", "--net", "--runtime",
					"-p", "--publish", "--pull", "--security-opt"};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		if (!strcmp(opt, v[i]))
			return true;
	return false;
}

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: icc [--root DIR] COMMAND [ARGS...]\n\n"
		"Interactive container commands: containers on btrfs that save themselves.\n"
		"Inside a container, 'echo > /.icc/save' takes a snapshot; /.icc/snapshots/ lists them.\n\n"
		"Commands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(out,
		"\nGlobal options:\n"
		"  --root DIR   store root (default $ICC_ROOT or " ICC_DEFAULT_ROOT ")\n"
		"  -h, --help   this help; 'icc help COMMAND' or 'icc COMMAND --help' for a command\n"
		"  -v, --version\n\n"
		"Environment: ICC_ROOT (store root), ICC_STORE_SIZE (size of a new loop file, default 20G),\n"
		"NO_COLOR (no colour).  Exit status: 0 ok, 1 error, 2 usage; run/exec: 125, 126, 127.\n"
		"See man icc(1), icc-COMMAND(1), icc-ctl(7), icc-fs(8).\n");
}

int cmd_version(int argc, char **argv)
{
	printf("icc version %s\n", ICC_VERSION);
	return 0;
}

int main(int argc, char **argv)
{
	cli_set_commands(commands, NCOMMANDS);
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--root") && i + 1 < argc) {
			cli_root = argv[++i];
		} else if (!strncmp(argv[i], "--root=", 7)) {
			cli_root = argv[i] + 7;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--version")) {
			return cmd_version(0, NULL);
		} else {
			cli_errorf("unknown option '%s' (see 'icc --help')", argv[i]);
			return EXIT_USAGE;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	const char *name = argv[i];
	if (!strcmp(name, "help")) {
		if (i + 1 >= argc || !strcmp(argv[i + 1], "help")) {
			usage(stdout);
			return 0;
		}
		const struct cli_command *c = cli_find_command(argv[i + 1]);
		if (!c)
			return unknown_command(argv[i + 1]);
		cli_print_help(c, stdout);
		return 0;
	}
	const struct cli_command *c = cli_find_command(name);
	if (!c)
		return unknown_command(name);
	/* run/create/exec: after IMAGE or CONTAINER the words belong to the command */
	bool takes_cmd = !strcmp(name, "run") || !strcmp(name, "create") || !strcmp(name, "exec");
	for (int k = i + 1; k < argc; k++) {
		if (!strcmp(argv[k], "--"))
			break;
		if (!strcmp(argv[k], "--help") || (!strcmp(argv[k], "-h") && !takes_cmd)) {
			cli_print_help(c, stdout);
			return 0;
		}
		if (takes_cmd && argv[k][0] != '-' && !takes_value(argv[k - 1]))
			break;
	}
	return cli_call(c, argc - i, argv + i);
}
