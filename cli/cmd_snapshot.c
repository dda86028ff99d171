/* cmd_snapshot.c - icc snapshot / snapshots / promote: saved states of containers */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "icc/container/container.h"
#include "icc/image/image.h"
#include "icc/store/object.h"
#include "icc/store/objsize.h"
#include "icc/console/session.h"
#include "icc/snap/snapkeep.h"
#include "icc/snap/snapref.h"

#define SNAPSHOT_SYNOPSIS "CONTAINER [NAME] [-m MSG] | rm SNAP... | rename SNAP NEWNAME"

static cJSON *source_of(const char *cid, const char *name)
{
	cJSON *s = cJSON_CreateObject();
	cJSON_AddStringToObject(s, "container", cid);
	cJSON_AddStringToObject(s, "by", name);
	return s;
}

static int take(int argc, char **argv)
{
	const char *message = NULL;
	optind = 1;
	int c;
	while ((c = getopt_long(argc, argv, "m:", NULL, NULL)) != -1) {
		if (c != 'm')
			return cli_usage("snapshot", SNAPSHOT_SYNOPSIS);
		message = optarg;
	}
	if (argc - optind < 1 || argc - optind > 2)
		return cli_usage("snapshot", SNAPSHOT_SYNOPSIS);
	const char *name = argc - optind == 2 ? argv[optind + 1] : NULL;
	struct icc_err err;
	if (name && !icc_snap_name_valid(name)) {
		cli_errorf("invalid snapshot name '%s': use [A-Za-z0-9][A-Za-z0-9_.-]{0,127}", name);
		return 1;
	}
	struct icc_store st;
	if (cli_open_store(&st))
		return 1;
	char cid[ICC_ID_LEN + 1];
	struct icc_snapdir sd = {.dirfd = -1};
	struct icc_snap_info info;
	int src = -1;
	int r = icc_container_resolve(&st, argv[optind], cid, &err);
	if (r == 0)
		r = src = icc_object_rootfs_fd(&st, ICC_CONTAINER, cid, &err);
	if (r >= 0)
		r = icc_container_snapdir_open(&st, cid, &sd, &err);
	if (r >= 0) {
		/* the take locks the store itself, only to publish */
		char lock[4200];
		cJSON *source = source_of(cid, "icc snapshot");
		struct icc_snap_opts o = {
			.name = name,
			.message = message ? message : "",
			.source = source,
			.origin = ICC_SNAP_HOST,
			.lock_path = icc_store_path(&st, "lock", lock, sizeof(lock)),
		};
		r = icc_snapdir_take(&sd, src, &o, &info, &err);
		cJSON_Delete(source);
	}
	if (src >= 0)
		close(src);
	if (sd.dirfd >= 0)
		icc_snapdir_close(&sd);
	icc_store_close(&st);
	if (r < 0)
		return cli_fail(&err);
	printf("%s %s\n", info.name, info.id);
	return 0;
}

static int remove_snaps(int argc, char **argv)
{
	if (argc < 2)
		return cli_usage("snapshot rm", "SNAP...");
	struct icc_store st;
	if (cli_open_store(&st))
		return 1;
	struct icc_err err;
	if (icc_store_lock(&st, &err) < 0) {
		icc_store_close(&st);
		return cli_fail(&err);
	}
	int status = 0;
	for (int i = 1; i < argc; i++) {
		char cid[ICC_ID_LEN + 1];
		struct icc_snap_info info;
		struct icc_snapdir sd;
		int r = icc_snapshot_resolve(&st, argv[i], cid, &info, &err);
		if (r == 0)
			r = icc_container_snapdir_open(&st, cid, &sd, &err);
		if (r == 0) {
			r = icc_snapdir_remove(&sd, info.name, &err);
			icc_snapdir_close(&sd);
		}
		/* the last kept snapshot of a removed container takes its record along */
		if (r == 0 && !icc_object_exists(&st, ICC_CONTAINER, cid))
			r = icc_kept_tidy(&st, cid, &err);
		if (r < 0) {
			cli_fail(&err);
			status = 1;
		} else {
			printf("Deleted: %s\n", info.name);
		}
	}
	icc_store_close(&st);
	return status;
}

static int rename_snap(int argc, char **argv)
{
	if (argc != 3)
		return cli_usage("snapshot rename", "SNAP NEWNAME");
	if (!icc_snap_name_valid(argv[2])) {
		cli_errorf("invalid snapshot name '%s': use [A-Za-z0-9][A-Za-z0-9_.-]{0,127}", argv[2]);
		return 1;
	}
	struct icc_store st;
	if (cli_open_store(&st))
		return 1;
	struct icc_err err;
	char cid[ICC_ID_LEN + 1];
	struct icc_snap_info info;
	struct icc_snapdir sd;
	int r = icc_store_lock(&st, &err);
	if (r == 0)
		r = icc_snapshot_resolve(&st, argv[1], cid, &info, &err);
	if (r == 0)
		r = icc_container_snapdir_open(&st, cid, &sd, &err);
	if (r == 0) {
		r = icc_snapdir_rename(&sd, info.name, argv[2], &err);
		icc_snapdir_close(&sd);
	}
	icc_store_close(&st);
	return r < 0 ? cli_fail(&err) : 0;
}

int cmd_snapshot(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "rm"))
		return remove_snaps(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "rename"))
		return rename_snap(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "prune"))
		return cli_snapshot_prune(argc - 1, argv + 1);
	return take(argc, argv);
}

int cmd_snapshots(int argc, char **argv)
{
	static const struct option opts[] = {
		{"all", no_argument, NULL, 'a'},
		{"format", required_argument, NULL, 'f'},
		{"quiet", no_argument, NULL, 'q'},
		{0, 0, 0, 0},
	};
	const char *format = NULL;
	bool quiet = false, every = false;
	optind = 1;
	int c;
	while ((c = getopt_long(argc, argv, "aq", opts, NULL)) != -1) {
		if (c == 'f')
			format = optarg;
		else if (c == 'q')
			quiet = true;
		else if (c == 'a')
			every = true;
		else
			return cli_usage("snapshots", "");
	}
	if (argc - optind != (every ? 0 : 1))
		return cli_usage("snapshots", "");
	struct icc_store st;
	if (cli_open_store(&st))
		return 1;
	struct icc_err err;
	struct icc_store_snap *all = NULL;
	size_t n = 0;
	int r;
	if (every) {
		r = icc_snapshots_all(&st, &all, &n, &err);
	} else {
		/* one container: a live one, or a removed one whose snapshots are kept */
		char cid[ICC_ID_LEN + 1];
		r = icc_snap_container_resolve(&st, argv[optind], cid, &err);
		struct icc_store_snap *v = NULL;
		size_t count = 0;
		if (r == 0)
			r = icc_snapshots_all(&st, &v, &count, &err);
		for (size_t i = 0; r == 0 && i < count; i++)
			if (!strcmp(v[i].container_id, cid))
				v[n++] = v[i];
		all = v;
	}
	if (r < 0) {
		free(all);
		icc_store_close(&st);
		return cli_fail(&err);
	}
	struct cli_fmt ff;
	int status = cli_fmt_open(&ff, "snapshots", format, "Name", "NAME", "Names", "NAME", "ID", "SNAPSHOT ID",
				  "Container", "CONTAINER ID", "ContainerName", "CONTAINER", "Removed", "REMOVED",
				  "CreatedAt", "CREATED AT", "CreatedSince", "CREATED", "Origin", "ORIGIN", "Size", "SIZE", "SizeBytes", "SIZE", "Message", "MESSAGE", NULL);
	enum cli_format fmt = ff.kind;
	struct icc_sizes sz;
	bool have_sz = !quiet && icc_sizes_open(&sz, &st, &err) == 0;
	struct cli_table t;
	if (every)
		cli_table_init(&t, 7, "NAME", "CONTAINER", "ID", "CREATED", "ORIGIN", "SIZE", "MESSAGE");
	else
		cli_table_init(&t, 6, "NAME", "ID", "CREATED", "ORIGIN", "SIZE", "MESSAGE");
	int64_t now = icc_now_ns();
	for (size_t i = 0; i < n && !status; i++) {
		const struct icc_store_snap *s = &all[i];
		char ref[512], cshown[300];
		char sid[13];
		const char *cname = s->container_name[0] ? s->container_name : cli_short_id(s->container_id, sid);
		snprintf(ref, sizeof(ref), "%s/%s", cname, s->info.name);
		if (quiet) {
			puts(every ? ref : s->info.name);
			continue;
		}
		char ago[64], size[32], created[64];
		/* SIZE: all it references, as images; UniqueSizeBytes: what removing it frees */
		struct icc_size z = {0, 0};
		struct icc_snapdir sd;
		if (have_sz && icc_container_snapdir_open(&st, s->container_id, &sd, &err) == 0) {
			int fd = icc_snapdir_open_root(&sd, s->info.name, &err);
			if (fd >= 0) {
				if (icc_sizes_of(&sz, fd, &z, &err) < 0)
					z.exclusive = z.total = 0;
				close(fd);
			}
			icc_snapdir_close(&sd);
		}
		unsigned long long bytes = z.total;
		icc_human_size(bytes, size, sizeof(size));
		icc_time_ago(s->info.created_ns, now, ago, sizeof(ago));
		snprintf(cshown, sizeof(cshown), "%s%s", cname, s->removed ? " (removed)" : "");
		cli_short_id(s->info.id, sid);
		if (fmt == CLI_FMT_TABLE) {
			const char *origin = icc_snap_origin_name(s->info.origin);
			if (every)
				cli_table_add(&t, s->info.name, cshown, sid, ago, origin, size, s->info.message);
			else
				cli_table_add(&t, s->info.name, sid, ago, origin, size, s->info.message);
			continue;
		}
		icc_time_format(s->info.created_ns, created, sizeof(created));
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "Name", s->info.name);
		cJSON_AddStringToObject(o, "Names", ref);
		cJSON_AddStringToObject(o, "ID", s->info.id);
		cJSON_AddStringToObject(o, "Container", s->container_id);
		cJSON_AddStringToObject(o, "ContainerName", s->container_name);
		cJSON_AddBoolToObject(o, "Removed", s->removed);
		cJSON_AddStringToObject(o, "CreatedAt", created);
		cJSON_AddStringToObject(o, "CreatedSince", ago);
		cJSON_AddStringToObject(o, "Origin", icc_snap_origin_name(s->info.origin));
		cJSON_AddStringToObject(o, "Size", size);
		cJSON_AddNumberToObject(o, "SizeBytes", (double)bytes);
		cJSON_AddNumberToObject(o, "UniqueSizeBytes", (double)z.exclusive);
		cJSON_AddStringToObject(o, "Message", s->info.message);
		status = cli_fmt_row(&ff, o);
		cJSON_Delete(o);
	}
	if (!quiet && fmt == CLI_FMT_TABLE)
		cli_table_print(&t, stdout);
	cli_table_free(&t);
	if (status) /* a bad template: only its error line */
		cli_fmt_free(&ff);
	else
		cli_fmt_flush(&ff);
	if (have_sz)
		icc_sizes_close(&sz);
	free(all);
	icc_store_close(&st);
	return status;
}

int cmd_promote(int argc, char **argv)
{
	const char *message = NULL;
	optind = 1;
	int c;
	while ((c = getopt_long(argc, argv, "m:", NULL, NULL)) != -1) {
		if (c != 'm')
			return cli_usage("promote", "[-m MSG] SNAP IMAGE[:TAG]");
		message = optarg;
	}
	if (argc - optind != 2)
		return cli_usage("promote", "[-m MSG] SNAP IMAGE[:TAG]");
	const char *snap = argv[optind], *ref = argv[optind + 1];
	struct icc_store st;
	if (cli_open_store(&st))
		return 1;
	struct icc_err err;
	char cid[ICC_ID_LEN + 1], id[ICC_ID_LEN + 1];
	struct icc_snap_info info;
	struct icc_snapdir sd = {.dirfd = -1};
	cJSON *cmeta = NULL;
	int src = -1;
	bool removed = false;
	int r = icc_snapshot_resolve(&st, snap, cid, &info, &err);
	if (r == 0) /* the container, or its record if it was removed */
		r = icc_snap_owner_meta(&st, cid, &cmeta, &removed, &err);
	if (r == 0)
		r = icc_container_snapdir_open(&st, cid, &sd, &err);
	if (r == 0)
		r = src = icc_snapdir_open_root(&sd, info.name, &err);
	if (r >= 0) {
		const char *cname = icc_json_str(cmeta, "name");
		char created_by[512];
		snprintf(created_by, sizeof(created_by), "icc promote %s/%s", cname ? cname : cid, info.name);
		cJSON *source = cJSON_CreateObject();
		cJSON_AddStringToObject(source, "type", "promote");
		cJSON_AddStringToObject(source, "container", cid);
		cJSON_AddStringToObject(source, "container_name", cname ? cname : "");
		cJSON_AddStringToObject(source, "snapshot", info.id);
		cJSON_AddStringToObject(source, "snapshot_name", info.name);
		/* the commands recorded at the container's shell up to this snapshot */
		cJSON *session = NULL;
		struct icc_err se;
		if (icc_session_steps(&st, cid, info.name, false, &session, &se) == 0)
			cJSON_AddItemToObject(source, "session", session);
		const char *parent = icc_json_str(cmeta, "image");
		struct icc_image_opts o = {
			.ref = ref,
			.comment = message ? message : info.message,
			.created_by = created_by,
			.base_config = cJSON_GetObjectItemCaseSensitive(cmeta, "config"),
			.parent = parent && icc_object_exists(&st, ICC_IMAGE, parent) ? parent : NULL,
			.source = source,
		};
		r = icc_image_from_subvol(&st, src, &o, id, &err);
		cJSON_Delete(source);
	}
	if (src >= 0)
		close(src);
	if (sd.dirfd >= 0)
		icc_snapdir_close(&sd);
	cJSON_Delete(cmeta);
	icc_store_close(&st);
	if (r < 0)
		return cli_fail(&err);
	printf("sha256:%s\n", id);
	return 0;
}
