/* cmd_system.c - icc system info | check [--repair] [--quotas] */
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/stat.h>

#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "icc/store/check.h"
#include "icc/store/fsmount.h"
#include "icc/store/object.h"
#include "icc/store/objsize.h"
#include "icc/snap/snapref.h"

/* The device mounted at `path` (from /proc/self/mountinfo) and, for a loop
 * device, its backing file. */
static void backing_of(const char *path, char *dev, size_t dsize, char *file, size_t fsize)
{
	dev[0] = file[0] = '\0';
	FILE *f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return;
	char line[8192];
	while (fgets(line, sizeof(line), f)) {
		char mnt[4096], source[4096];
		/* id parent maj:min root mountpoint opts ... - fstype source superopts */
		if (sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1 || strcmp(mnt, path))
			continue;
		char *dash = strstr(line, " - ");
		if (dash && sscanf(dash + 3, "%*s %4095s", source) == 1)
			snprintf(dev, dsize, "%s", source);
	}
	fclose(f);
	if (!strncmp(dev, "/dev/loop", 9)) {
		char sys[256];
		snprintf(sys, sizeof(sys), "/sys/block/%s/loop/backing_file", dev + 5);
		FILE *b = fopen(sys, "re");
		if (b) {
			if (fgets(file, (int)fsize, b))
				file[strcspn(file, "\n")] = '\0';
			fclose(b);
		}
	}
}

/* Every snapshot, of live and of removed containers. */
static int count_snapshots(struct icc_store *st)
{
	struct icc_store_snap *all;
	size_t n;
	struct icc_err e;
	if (icc_snapshots_all(st, &all, &n, &e) < 0)
		return 0;
	free(all);
	return (int)n;
}

/* `icc-fs --transport`: one "key: value" line per FUSE transport feature
 * (passthrough, io_uring, ...) from a probe of the kernel; "" if it fails. */
static void fs_transport(char *out, size_t size)
{
	out[0] = '\0';
	char bin[4096];
	const char *path = icc_fs_binary(bin, sizeof(bin));
	int p[2];
	if (!path || pipe(p) < 0)
		return;
	pid_t pid = fork();
	if (pid == 0) {
		dup2(p[1], 1);
		close(p[0]);
		close(p[1]);
		execl(path, "icc-fs", "--transport", (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	size_t len = 0;
	ssize_t n;
	while (pid > 0 && len + 1 < size && (n = read(p[0], out + len, size - len - 1)) > 0)
		len += (size_t)n;
	out[len] = '\0';
	close(p[0]);
	int status = 0;
	if (pid > 0)
		waitpid(pid, &status, 0);
	if (pid < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		out[0] = '\0';
}

static int info(struct cli_ctx *ctx)
{
	struct icc_store *st = &ctx->st;
	bool json = !strcmp(cli_value(ctx, "format", ""), "json");
	struct icc_err err;
	struct icc_idlist imgs, ctrs;
	if (icc_object_list(st, ICC_IMAGE, &imgs, &err) < 0 ||
	    icc_object_list(st, ICC_CONTAINER, &ctrs, &err) < 0)
		return cli_fail(&err);
	char dev[4096], file[4096];
	backing_of(st->root, dev, sizeof(dev), file, sizeof(file));
	struct statvfs vfs;
	unsigned long long size = 0, avail = 0, used = 0;
	if (statvfs(st->root, &vfs) == 0) {
		size = (unsigned long long)vfs.f_blocks * vfs.f_frsize;
		avail = (unsigned long long)vfs.f_bavail * vfs.f_frsize;
		used = size - (unsigned long long)vfs.f_bfree * vfs.f_frsize;
	}
	int snaps = count_snapshots(st);
	enum icc_qgroup_mode qmode = ICC_QGROUP_OFF;
	if (icc_qgroup_mode(st->root_fd, &qmode, &err) < 0)
		qmode = ICC_QGROUP_INCONSISTENT;
	char transport[2048];
	fs_transport(transport, sizeof(transport));
	if (json) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "Root", st->root);
		cJSON_AddStringToObject(o, "Device", dev);
		cJSON_AddStringToObject(o, "BackingFile", file);
		cJSON_AddNumberToObject(o, "Size", (double)size);
		cJSON_AddNumberToObject(o, "Used", (double)used);
		cJSON_AddNumberToObject(o, "Available", (double)avail);
		cJSON_AddNumberToObject(o, "Images", (double)imgs.count);
		cJSON_AddNumberToObject(o, "Containers", (double)ctrs.count);
		cJSON_AddNumberToObject(o, "Snapshots", snaps);
		cJSON_AddStringToObject(o, "Quotas", icc_qgroup_mode_name(qmode));
		cJSON *t = cJSON_AddObjectToObject(o, "FuseTransport");
		for (char *l = transport, *nl; t && *l; l = nl + 1) {
			nl = strchr(l, '\n');
			if (!nl)
				break;
			*nl = '\0';
			char *colon = strstr(l, ": ");
			if (colon) {
				*colon = '\0';
				cJSON_AddStringToObject(t, l, colon + 2);
			}
		}
		cli_print_json(o, true);
		cJSON_Delete(o);
	} else {
		char hs[32], hu[32], ha[32];
		icc_human_size(size, hs, sizeof(hs));
		icc_human_size(used, hu, sizeof(hu));
		icc_human_size(avail, ha, sizeof(ha));
		printf("Root:          %s\n", st->root);
		printf("Storage:       btrfs on %s%s%s%s\n", dev[0] ? dev : "?", file[0] ? " (loop file " : "",
		       file, file[0] ? ")" : "");
		printf("Size:          %s (used %s, available %s)\n", hs, hu, ha);
		printf("Images:        %zu\n", imgs.count);
		printf("Containers:    %zu\n", ctrs.count);
		printf("Snapshots:     %d\n", snaps);
		printf("Quotas:        %s%s\n", icc_qgroup_mode_name(qmode),
		       qmode == ICC_QGROUP_FULL ? " (sizes are btrfs's exclusive and referenced bytes)"
						: " (sizes are apparent sizes: icc system check --quotas)");
		/* the FUSE transport icc-fs gets from this kernel, one line each */
		for (char *l = transport, *nl; *l && (nl = strchr(l, '\n')); l = nl + 1)
			printf("FUSE %.*s\n", (int)(nl - l), l);
	}
	icc_idlist_free(&imgs);
	icc_idlist_free(&ctrs);
	return 0;
}

static void print_finding(const char *problem, bool repaired, void *ctx)
{
	int *unrepaired = ctx;
	if (!repaired)
		(*unrepaired)++;
	printf("%s%s\n", problem, repaired ? " [repaired]" : "");
}

/* Quotas: say when sizes are not true ones; --quotas turns them on (an
 * existing store's upgrade), --repair/--quotas rescan inconsistent numbers. */
static int check_quotas(struct icc_store *st, bool enable, bool repair)
{
	struct icc_err err;
	enum icc_qgroup_mode mode;
	if (icc_qgroup_mode(st->root_fd, &mode, &err) < 0)
		return cli_fail(&err);
	int r = 0;
	if (enable && mode == ICC_QGROUP_OFF) {
		r = icc_qgroup_enable(st->root_fd, false, &err);
		if (r == 0)
			printf("quotas enabled on %s: sizes are btrfs's own (exclusive and referenced bytes)\n", st->root);
	} else if ((enable || repair) && mode == ICC_QGROUP_INCONSISTENT) {
		r = icc_qgroup_rescan(st->root_fd, &err);
		if (r == 0)
			printf("quota numbers of %s rescanned\n", st->root);
	} else if (enable && mode == ICC_QGROUP_SIMPLE) {
		cli_errorf("system check: %s: the store has simple quotas, which do not tell what removing a tree "
			   "frees; turn them off with 'btrfs quota disable %s' first", st->root, st->root);
		return 1;
	} else if (!enable && mode != ICC_QGROUP_FULL) {
		struct icc_sizes s;
		if (icc_sizes_open(&s, st, &err) == 0 && icc_sizes_note(&s))
			fprintf(stderr, "icc: note: %s\n", icc_sizes_note(&s));
		icc_sizes_close(&s);
	}
	return r < 0 ? cli_fail(&err) : 0;
}

static int check(struct cli_ctx *ctx)
{
	struct icc_store *st = &ctx->st;
	bool repair = cli_has(ctx, "repair"), quotas = cli_has(ctx, "quotas");
	struct icc_err err;
	int unrepaired = 0;
	int n = icc_store_check(st, repair, print_finding, &unrepaired, &err);
	if (n < 0)
		return cli_fail(&err);
	int qrc = check_quotas(st, quotas, repair);
	if (n == 0)
		printf("store %s is consistent\n", st->root);
	else if (!repair)
		printf("%d problem%s found (run 'icc system check --repair' to fix)\n", n, n == 1 ? "" : "s");
	else if (unrepaired)
		printf("%d problem%s found, %d not repaired\n", n, n == 1 ? "" : "s", unrepaired);
	else
		printf("%d problem%s found\n", n, n == 1 ? "" : "s");
	/* --repair succeeds only if it left nothing behind */
	return unrepaired || qrc ? 1 : 0;
}

const struct cli_command cli_system_subs[] = {
	{.name = "system info", .run = info, .synopsis = "[--format json]",
	 .summary = "root, backing device, size, counts",
	 .opts = (const struct cli_opt[]){{0, "format", "json", "the same as one JSON object"}, {0}},
	 .flags = CLI_STORE},
	{.name = "system check", .run = check, .synopsis = "[--repair] [--quotas]",
	 .summary = "find (and fix) inconsistencies; exit 1 when problems remain",
	 .opts = (const struct cli_opt[]){
		 {0, "repair", NULL, "fix what was found"},
		 {0, "quotas", NULL, "turn btrfs quotas on (or rescan them with --repair)"},
		 {0}},
	 .flags = CLI_LOCK},
	{.name = "system df", .run = cli_system_df, .synopsis = "[-v] [--format FORMAT]",
	 .summary = "space used by images, containers, snapshots",
	 .opts = (const struct cli_opt[]){
		 {'v', "verbose", NULL, "per object"},
		 {0, "format", "FORMAT", "table, json or a Go template"},
		 {0}},
	 .flags = CLI_STORE},
	{.name = "system prune", .run = cli_system_prune, .synopsis = "[-a] [-f] [--snapshots]",
	 .summary = "remove stopped containers and dangling images; asks first unless -f; snapshots are kept",
	 .opts = (const struct cli_opt[]){
		 {'a', "all", NULL, "all unused images"},
		 {'f', "force", NULL, "do not ask first"},
		 {0, "snapshots", NULL, "also delete the snapshots of removed containers"},
		 {0}},
	 .check = cli_system_prune_check, .flags = CLI_LOCK},
	{0},
};
