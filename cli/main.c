/* main.c - icc's entry point: global options and the command table */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define ICC_VERSION "0.1.0"

#define FORMAT_HELP CLI_FORMAT_HELP "\n"
#define EXIT_NOTE "Exit status: the command's, or 125 (icc failed), 126 (cannot execute), 127 (not found).\n"

#define CHANGE_HELP "Dockerfile-like line: CMD, ENTRYPOINT, ENV, WORKDIR, USER, LABEL, EXPOSE, STOPSIGNAL"


/* options several commands share */
#define OPT_QUIET {'q', "quiet", NULL, "no progress output"}
#define OPT_TLS_VERIFY {0, "tls-verify", "=BOOL", "verify the registry's certificate (default true)"}

/* init and import: a new image from a tree or an archive */
static const struct cli_opt new_image_opts[] = {
	{'m', "message", "MSG", "comment recorded in the image's history (import: \"Imported from FILE\")"},
	{'c', "change", "CHANGE", CHANGE_HELP},
	{'q', "quiet", NULL, "no progress output (shown only when stderr is a terminal)"},
	{0},
};

static const struct cli_command commands[] = {
	/* images */
	{.name = "init", .run = cmd_init, .opts = new_image_opts, .min = 1, .max = 2, .flags = CLI_STORE | CLI_IN_ORDER,
	 .synopsis = "[-q] [-m MSG] [-c CHANGE]... DIR [NAME[:TAG]]",
	 .summary = "Create an image from a directory (reflink copy)"},
	{.name = "import", .run = cmd_import, .check = cmd_import_check, .opts = new_image_opts, .min = 1, .max = 2,
	 .flags = CLI_STORE | CLI_IN_ORDER, .synopsis = "[-q] [-m MSG] [-c CHANGE]... FILE|- [NAME[:TAG]]",
	 .summary = "Create an image from a tar archive"},
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
	{.name = "create", .run = cmd_create, .opts = cli_run_opts, .max = -1, .flags = CLI_IN_ORDER,
	 .synopsis = "[OPTIONS] IMAGE [CMD...]", .summary = "Create a container (a writable copy of an image)",
	 .notes = "The options of 'icc run', without starting anything.\n" EXIT_NOTE},
	{.name = "run", .run = cmd_run, .opts = cli_run_opts, .max = -1, .flags = CLI_IN_ORDER,
	 .synopsis = "[-i] [-t] [-d] [--rm] [--name N] [-e K=V] [-w DIR] [-u USER] [-h HOST] [-v HOSTDIR:CDIR[:ro]] "
		     "[--network bridge|none|host|NAME] [-p [IP:][HPORT:]CPORT[/PROTO]]... [-P] [--pull missing|always|never] "
		     "[--runtime runc|crun] [--security-opt OPT] [-m SIZE] [--cpus N] [--restart POLICY] [--exclude PATH]... "
		     "[OPTION...] IMAGE [CMD...]",
	 .summary = "Run a command in a new container", .notes = EXIT_NOTE},
	{.name = "start", .run = cmd_start, .check = cmd_start_check, .opts = cmd_start_opts, .min = 1, .max = -1,
	 .flags = CLI_STORE, .synopsis = "[-a] [-i] [--detach-keys KEYS] CONTAINER...",
	 .summary = "Start a stopped container again"},
	{.name = "stop", .run = cmd_stop, .check = cli_time_check, .opts = cli_time_opts, .min = 1, .max = -1,
	 .flags = CLI_STORE, .synopsis = "[-t SECS] CONTAINER...",
	 .summary = "Stop running containers (SIGTERM, then SIGKILL)"},
	{.name = "kill", .run = cmd_kill, .check = cmd_kill_check, .opts = cmd_kill_opts, .min = 1, .max = -1,
	 .flags = CLI_STORE, .synopsis = "[-s SIGNAL] CONTAINER...", .summary = "Send a signal to running containers"},
	{.name = "exec", .run = cmd_exec, .check = cmd_exec_check, .opts = cmd_exec_opts, .max = -1,
	 .flags = CLI_IN_ORDER, .synopsis = "[-i] [-t] [-d] [-e K=V] [-w DIR] [-u USER] CONTAINER CMD...",
	 .summary = "Run a command in a running container", .notes = EXIT_NOTE},
	{.name = "logs", .run = cmd_logs, .check = cmd_logs_check, .opts = cmd_logs_opts, .min = 1, .max = 1,
	 .flags = CLI_STORE, .synopsis = "[-f] [-t] [--since WHEN] [--until WHEN] [-n|--tail N] CONTAINER",
	 .summary = "Show a container's output (every run, foreground ones too)", .notes = "Usage errors exit 125.\n"},
	{.name = "ps", .run = cmd_ps, .check = cmd_ps_check, .opts = cmd_ps_opts, .flags = CLI_STORE,
	 .synopsis = "[-a] [-q] [-l] [-n N] [-s] [--no-trunc] [-f|--filter KEY=VALUE]... [--format FORMAT]",
	 .summary = "List containers"},
	{.name = "port", .run = cmd_port, .min = 1, .max = 2, .flags = CLI_STORE | CLI_IN_ORDER,
	 .synopsis = "CONTAINER [PORT[/PROTO]]", .summary = "List the host ports a running container publishes"},
	{.name = "restart", .run = cmd_restart, .check = cli_time_check, .opts = cli_time_opts, .min = 1, .max = -1,
	 .flags = CLI_STORE, .synopsis = "[-t SECS] CONTAINER...", .summary = "Stop and start containers again",
	 .notes = "A container made with -t starts with its terminal kept by icc: 'icc attach' reaches it.\n"},
	{.name = "wait", .run = cmd_wait, .min = 1, .max = -1, .flags = CLI_STORE | CLI_IN_ORDER,
	 .synopsis = "CONTAINER...", .summary = "Wait until containers stop, print their exit codes"},
	{.name = "top", .run = cmd_top, .min = 1, .max = -1, .flags = CLI_STORE | CLI_IN_ORDER,
	 .synopsis = "CONTAINER [PS OPTIONS]", .summary = "Show the processes of a running container",
	 .notes = "PS OPTIONS: given to the host's ps (default -ef); rows of the container's cgroup are kept\n"
		  "(ps must print a PID column).\n"},
	{.name = "rename", .run = cmd_rename, .min = 2, .max = 2, .flags = CLI_STORE | CLI_IN_ORDER,
	 .synopsis = "CONTAINER NEW_NAME", .summary = "Rename a container"},
	{.name = "stats", .run = cmd_stats, .opts = cmd_stats_opts, .max = -1, .flags = CLI_STORE,
	 .synopsis = "[-a] [--no-stream] [--format FORMAT] [CONTAINER...]",
	 .summary = "Show containers' CPU, memory, network, block I/O and pids"},
	{.name = "pause", .run = cmd_pause, .min = 1, .max = -1, .flags = CLI_STORE | CLI_IN_ORDER,
	 .synopsis = "CONTAINER...", .summary = "Freeze every process of containers (cgroup freezer)"},
	{.name = "unpause", .run = cmd_pause, .min = 1, .max = -1, .flags = CLI_STORE | CLI_IN_ORDER,
	 .synopsis = "CONTAINER...", .summary = "Thaw paused containers"},
	{.name = "attach", .run = cmd_attach, .check = cmd_attach_check, .opts = cmd_attach_opts, .min = 1, .max = 1,
	 .flags = CLI_STORE, .synopsis = "[--detach-keys KEYS] [--no-stdin] [--sig-proxy=false] CONTAINER",
	 .summary = "Attach the terminal to a running container",
	 .notes = "Exit status: the container's when it ends while attached, 0 after a detach.\n"},
	{.name = "network", .fn = cmd_network, .subs = cli_network_subs,
	 .summary = "Manage bridge networks (netavark, aardvark-dns)"},
	{.name = "rm", .run = cmd_rm, .opts = cmd_rm_opts, .min = 1, .max = -1, .flags = CLI_STORE,
	 .synopsis = "[-f] [--snapshots] CONTAINER...",
	 .summary = "Remove containers (their snapshots are kept unless --snapshots)"},
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
	{.name = "cp", .run = cmd_cp, .check = cmd_cp_check, .opts = cmd_cp_opts, .min = 2, .max = 2,
	 .flags = CLI_STORE | CLI_IN_ORDER, .synopsis = "[-a] CONTAINER:PATH HOSTPATH|- | [-a] HOSTPATH|- CONTAINER:PATH",
	 .summary = "Copy files between a container and the host",
	 .notes = "A path '-' is a tar stream on stdout (from the container) or stdin (into a directory).\n"},
	{.name = "rollback", .run = cmd_rollback, .min = 2, .max = 2, .flags = CLI_STORE | CLI_IN_ORDER,
	 .synopsis = "CONTAINER SNAP", .summary = "Reset a container's files to a snapshot (live if running)",
	 .notes = "A running container is rolled back live by its icc-fs (/.icc/rollback): its processes\n"
		  "keep running, the tree before is saved as snapshot before-rollback-TIME.\n"},
	{.name = "mount", .run = cmd_mount, .min = 2, .max = 2, .flags = CLI_IN_ORDER,
	 .synopsis = "CONTAINER|SUBVOLUME MOUNTPOINT", .summary = "Serve a container or subvolume through icc-fs"},
	{.name = "umount", .run = cmd_umount, .min = 1, .max = 1, .flags = CLI_IN_ORDER,
	 .synopsis = "MOUNTPOINT", .summary = "Unmount an icc-fs mount"},
	/* snapshots */
	{.name = "snapshot", .subs = cli_snapshot_subs,
	 .summary = "Save a container's state / manage snapshots"},
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
		 OPT_QUIET,
		 {0}},
	 .min = 1, .max = 1, .check = cli_check_output, .flags = CLI_STORE},
	{.name = "save", .run = cmd_save,
	 .synopsis = "[-q] [-o FILE] [--format oci-archive|docker-archive|oci-dir] [--compress none|gzip|zstd] IMAGE...",
	 .summary = "Save images as an OCI or Docker archive",
	 .opts = (const struct cli_opt[]){
		 {'o', "output", "FILE", "write to FILE (a directory for oci-dir)"},
		 {0, "format", "FORMAT", "oci-archive (default), docker-archive, oci-dir"},
		 {0, "compress", "ALG", "layer compression: gzip (default), zstd, none"},
		 OPT_QUIET,
		 {0}},
	 .min = 1, .max = -1, .check = cmd_save_check, .flags = CLI_STORE},
	{.name = "load", .run = cmd_load, .synopsis = "[-q] [-i FILE|DIR|-] [NAME[:TAG]]",
	 .summary = "Load images from an OCI or Docker archive",
	 .opts = (const struct cli_opt[]){
		 {'i', "input", "FILE", "archive or OCI directory (default stdin)"},
		 OPT_QUIET,
		 {0}},
	 .max = 1, .check = cmd_load_check, .flags = CLI_STORE},
	{.name = "push", .run = cmd_push, .synopsis = "[-q] [--tls-verify=false] [--compress gzip|zstd|none] IMAGE REF",
	 .summary = "Push an image to a registry (skopeo)",
	 .opts = (const struct cli_opt[]){
		 OPT_TLS_VERIFY,
		 {0, "compress", "ALG", "layer compression (default gzip)"},
		 OPT_QUIET,
		 {0}},
	 .min = 2, .max = 2, .flags = CLI_STORE},
	{.name = "pull", .run = cli_pull, .synopsis = "[-q] [--tls-verify=false] REF [NAME[:TAG]]",
	 .summary = "Pull an image from a registry (skopeo)",
	 .opts = (const struct cli_opt[]){
		 OPT_TLS_VERIFY,
		 OPT_QUIET,
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
	{.name = "system", .subs = cli_system_subs,
	 .summary = "Show, check, measure or clean up the store"},
	{.name = "version", .run = cmd_version, .synopsis = "", .summary = "Show icc's version"},
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
	{.name = "builder", .subs = cli_builder_subs,
	 .summary = "Remove build steps no image, tag or container uses"},
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

/* "-a, --all ...", the notes */
static void print_options(const struct cli_command *c, FILE *out)
{
	if (c->opts && (c->opts[0].letter || c->opts[0].name)) {
		fputc('\n', out);
		cli_print_options(c->opts, out);
	}
	if (c->notes)
		fprintf(out, "\n%s", c->notes);
}

void cli_print_help(const struct cli_command *c, FILE *out)
{
	char buf[1024];
	const char *syn = cli_synopsis(c, buf, sizeof(buf));
	fprintf(out, "Usage: icc %s%s%s\n\n%s\n", c->name, syn[0] ? " " : "", syn, c->summary);
	print_options(c, out);
	for (const struct cli_command *s = c->subs; s && s->name; s++) {
		fprintf(out, "\nicc %s%s%s\n  %s\n", s->name, s->synopsis[0] ? " " : "", s->synopsis, s->summary);
		print_options(s, out);
	}
	fprintf(out, "\nSee also: man icc-%.*s\n", (int)strcspn(c->name, " "), c->name);
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

/* Does word (an option of c, "-e" or "--env") take the next word as its value? */
static bool takes_value(const struct cli_command *c, const char *word)
{
	for (const struct cli_opt *o = c->opts; word[0] == '-' && o && (o->letter || o->name); o++) {
		bool named = word[1] == '-' ? o->name && !strcmp(word + 2, o->name)
					    : o->letter == word[1] && !word[2];
		if (named)
			return o->arg && o->arg[0] != '[' && o->arg[0] != '=';
	}
	return false;
}

/* "icc system df --help": the subcommand's help */
static const struct cli_command *help_of(const struct cli_command *c, int argc, char **argv)
{
	for (const struct cli_command *s = c->subs; argc >= 2 && s && s->name; s++) {
		const char *word = strchr(s->name, ' ');
		if (word && !strcmp(word + 1, argv[1]))
			return s;
	}
	return c;
}

/*
 * icc --list-options (for cli/icc.bash): one line per command, "GROUP:SUB" for
 * a group's subcommands, then its options; "OPT=" when the next word is the
 * value, "~" before the ones --help does not show.
 */
static void list_spec(const struct cli_opt *opts)
{
	for (const struct cli_opt *o = opts; o && (o->letter || o->name); o++) {
		bool value = o->arg && o->arg[0] != '[' && o->arg[0] != '=';
		const char *hidden = o->help ? "" : "~";
		if (o->letter)
			printf(" %s-%c%s", hidden, o->letter, value ? "=" : "");
		if (o->name && o->arg && !value) /* --tls-verify=BOOL: the value that is not the default */
			printf(" %s--%s=false", hidden, o->name);
		else if (o->name)
			printf(" %s--%s%s", hidden, o->name, value ? "=" : "");
	}
}

static void list_options(void)
{
	for (size_t i = 0; i < NCOMMANDS; i++) {
		const struct cli_command *c = &commands[i];
		printf("%s", c->name);
		list_spec(c->opts);
		for (const struct cli_command *s = c->subs; s && s->name; s++)
			if (!strchr(s->name, ' ')) /* the group's own entry ("snapshot CONTAINER") */
				list_spec(s->opts);
		putchar('\n');
		for (const struct cli_command *s = c->subs; s && s->name; s++) {
			const char *word = strchr(s->name, ' ');
			if (!word)
				continue;
			printf("%s:%s", c->name, word + 1);
			list_spec(s->opts);
			putchar('\n');
		}
	}
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

int cmd_version(struct cli_ctx *ctx)
{
	(void)ctx;
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
		} else if (!strcmp(argv[i], "--list-options")) { /* hidden: for the completion */
			list_options();
			return 0;
		} else if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--version")) {
			return cmd_version(NULL);
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
			cli_print_help(help_of(c, argc - i, argv + i), stdout);
			return 0;
		}
		if (takes_cmd && argv[k][0] != '-' && !takes_value(c, argv[k - 1]))
			break;
	}
	return cli_call(c, argc - i, argv + i);
}
