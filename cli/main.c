/* main.c - icc's entry point: global options and the command table */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define ICC_VERSION "0.1.0"

static const struct cli_command commands[] = {
	/* images */
	{"init", cmd_init, "[-m MSG] [-c CHANGE]... DIR [NAME[:TAG]]", "Create an image from a directory (reflink copy)"},
	{"import", cmd_import, "[-m MSG] [-c CHANGE]... FILE|- [NAME[:TAG]]", "Create an image from a tar archive"},
	{"images", cmd_images, "[-a] [-q] [--no-trunc] [--format FORMAT]", "List images"},
	{"tag", cmd_tag, "SOURCE NAME[:TAG]", "Give an image another name"},
	{"rmi", cmd_rmi, "[-f] IMAGE...", "Remove images"},
	{"history", cmd_history, "[--no-trunc] [-q] [--format FORMAT] IMAGE", "Show the lineage of an image"},
	{"inspect", cmd_inspect, "[--type image|container|snapshot] OBJECT...", "Show objects' metadata as JSON"},
	/* containers and their filesystem */
	{"create", cmd_create, "[OPTIONS] IMAGE [CMD...] (options of run)", "Create a container (a writable copy of an image)"},
	{"run", cmd_run, "[-i] [-t] [-d] [--rm] [--name N] [-e K=V] [-w DIR] [-u USER] [--hostname H] [-v HOSTDIR:CDIR[:ro]] [--network host|none] [--runtime runc|crun] IMAGE [CMD...]", "Run a command in a new container"},
	{"start", cmd_start, "[-a] [-i] CONTAINER", "Start a stopped container again"},
	{"stop", cmd_stop, "[-t SECS] CONTAINER...", "Stop running containers (SIGTERM, then SIGKILL)"},
	{"kill", cmd_kill, "[-s SIGNAL] CONTAINER...", "Send a signal to running containers"},
	{"exec", cmd_exec, "[-i] [-t] [-d] [-e K=V] [-w DIR] [-u USER] CONTAINER CMD...", "Run a command in a running container"},
	{"logs", cmd_logs, "[-f] CONTAINER", "Show the output of a detached container"},
	{"ps", cmd_ps, "[-a] [-q] [-l] [--no-trunc] [--format json|TEMPLATE]", "List containers"},
	{"rm", cmd_rm, "[-f] CONTAINER...", "Remove containers (and their snapshots)"},
	{"commit", cmd_commit, "[-m MSG] [-a AUTHOR] [-c CHANGE]... CONTAINER [IMAGE[:TAG]]", "Make an image of a container (O(1) snapshot)"},
	{"diff", cmd_diff, "[--format json] A [B]", "Show changed files (A/C/D) of a container, or between two objects"},
	{"rollback", cmd_rollback, "CONTAINER SNAP", "Reset a stopped container's files to a snapshot"},
	{"mount", cmd_mount, "CONTAINER|SUBVOLUME MOUNTPOINT", "Serve a container or subvolume through icc-fs"},
	{"umount", cmd_umount, "MOUNTPOINT", "Unmount an icc-fs mount"},
	/* snapshots */
	{"snapshot", cmd_snapshot, "CONTAINER [NAME] [-m MSG] | rm SNAP... | rename SNAP NEW", "Save a container's state / manage snapshots"},
	{"snapshots", cmd_snapshots, "[--format FORMAT] CONTAINER", "List a container's snapshots"},
	{"promote", cmd_promote, "[-m MSG] SNAP IMAGE[:TAG]", "Turn a snapshot into an image"},
	/* images in and out: tar, OCI, registries, btrfs send streams */
	{"export", cmd_export, "[-o FILE] CONTAINER|IMAGE|SNAP", "Write a filesystem tree as a tar archive"},
	{"save", cmd_save, "[-o FILE] [--format oci-archive|docker-archive|oci-dir] [--compress none|gzip|zstd] IMAGE...", "Save images as an OCI or Docker archive"},
	{"load", cmd_load, "[-i FILE|-] [NAME[:TAG]]", "Load images from an OCI or Docker archive"},
	{"push", cmd_push, "[--tls-verify=false] IMAGE REF", "Push an image to a registry (skopeo)"},
	{"pull", cmd_pull, "[--tls-verify=false] REF [NAME[:TAG]]", "Pull an image from a registry (skopeo)"},
	{"send", cmd_send, "[-p PARENT] [-o FILE] IMAGE|SNAP", "Write an image or snapshot as a btrfs send stream"},
	{"receive", cmd_receive, "[-i FILE] [NAME[:TAG]]", "Receive a stream made by icc send"},
	/* the store */
	{"system", cmd_system, "info | check [--repair]", "Show or check the store"},
	{"version", cmd_version, "", "Show icc's version"},
};

const struct cli_command *cli_find_command(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
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

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: icc [--root DIR] COMMAND [ARGS...]\n\n"
		"Interactive container commands: containers on btrfs that save themselves.\n"
		"Inside a container, 'echo > /.icc/save' takes a snapshot; /.icc/snapshots/ lists them.\n\n"
		"Commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(out,
		"\nGlobal options:\n"
		"  --root DIR   store root (default $ICC_ROOT or " ICC_DEFAULT_ROOT ")\n"
		"  -h, --help   this help; 'icc COMMAND --help' for a command\n");
}

int cmd_version(int argc, char **argv)
{
	printf("icc version %s\n", ICC_VERSION);
	return 0;
}

int main(int argc, char **argv)
{
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
		if (i + 1 < argc && cli_find_command(argv[i + 1])) {
			const struct cli_command *c = cli_find_command(argv[i + 1]);
			printf("Usage: icc %s %s\n\n%s\n", c->name, c->synopsis, c->summary);
			return 0;
		}
		usage(stdout);
		return 0;
	}
	const struct cli_command *c = cli_find_command(name);
	if (!c) {
		const char *best = NULL;
		size_t bestd = 3;
		for (size_t k = 0; k < sizeof(commands) / sizeof(commands[0]); k++) {
			size_t d = distance(name, commands[k].name);
			if (d < bestd) {
				bestd = d;
				best = commands[k].name;
			}
		}
		if (best)
			cli_errorf("unknown command '%s': did you mean '%s'?", name, best);
		else
			cli_errorf("unknown command '%s' (see 'icc --help')", name);
		return EXIT_USAGE;
	}
	for (int k = i + 1; k < argc; k++) {
		if (!strcmp(argv[k], "--"))
			break;
		if (!strcmp(argv[k], "--help") || (!strcmp(argv[k], "-h") && strcmp(name, "run") && strcmp(name, "create") && strcmp(name, "exec"))) {
			printf("Usage: icc %s %s\n\n%s\n", c->name, c->synopsis, c->summary);
			return 0;
		}
	}
	return c->fn(argc - i, argv + i);
}
