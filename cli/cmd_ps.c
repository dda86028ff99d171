/* cmd_ps.c - icc ps: list containers with Docker's columns and states */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "icc/network.h"
#include "icc/object.h"
#include "icc/runtime.h"

#define PS_SYNOPSIS "[-a] [-q] [-l] [-s] [--no-trunc] [--format FORMAT]"

struct row {
	char id[ICC_ID_LEN + 1];
	cJSON *meta;
	int64_t created;
};

static int by_created_desc(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	return x->created < y->created ? 1 : x->created > y->created ? -1 : 0;
}

/* "/bin/sh -c 'x'" as Docker shows it: args joined by spaces, quoted, truncated to 20 with "…". */
static void command_text(const cJSON *cfg, bool trunc, char *out, size_t size)
{
	char cmd[2048] = "";
	size_t n = 0;
	const char *keys[] = {"Entrypoint", "Cmd"};
	for (int k = 0; k < 2; k++) {
		const cJSON *it;
		cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(cfg, keys[k])) {
			if (!cJSON_IsString(it))
				continue;
			n += (size_t)snprintf(cmd + n, n < sizeof(cmd) ? sizeof(cmd) - n : 0, "%s%s",
					      n ? " " : "", it->valuestring);
			if (n >= sizeof(cmd))
				n = sizeof(cmd) - 1;
		}
	}
	if (!cmd[0])
		snprintf(cmd, sizeof(cmd), "/bin/sh");
	/* one row per container: newlines and tabs of a script show as spaces */
	for (char *c = cmd; *c; c++)
		if (*c == '\n' || *c == '\t' || *c == '\r')
			*c = ' ';
	if (trunc && strlen(cmd) > 20) {
		/* 19 characters and an ellipsis (UTF-8) */
		snprintf(out, size, "\"%.19s\xe2\x80\xa6\"", cmd);
		return;
	}
	snprintf(out, size, "\"%s\"", cmd);
}

static void status_text(const struct icc_cstate *cs, bool paused, int64_t now, char *out, size_t size)
{
	char ago[64];
	switch (cs->status) {
	case ICC_CS_CREATED:
		snprintf(out, size, "Created");
		break;
	case ICC_CS_RUNNING: {
		icc_time_ago(cs->started_ns, now, ago, sizeof(ago));
		/* "3 minutes ago" -> "Up 3 minutes" */
		size_t l = strlen(ago);
		if (l > 4 && !strcmp(ago + l - 4, " ago"))
			ago[l - 4] = '\0';
		snprintf(out, size, "Up %s%s", ago, paused ? " (Paused)" : "");
		break;
	}
	case ICC_CS_EXITED:
		icc_time_ago(cs->finished_ns ? cs->finished_ns : cs->started_ns, now, ago, sizeof(ago));
		snprintf(out, size, "Exited (%d) %s", cs->exit_code, ago);
		break;
	case ICC_CS_DEAD:
		snprintf(out, size, "Dead");
		break;
	}
}

int cmd_ps(int argc, char **argv)
{
	static const struct option opts[] = {
		{"all", no_argument, NULL, 'a'},
		{"quiet", no_argument, NULL, 'q'},
		{"latest", no_argument, NULL, 'l'},
		{"no-trunc", no_argument, NULL, 'T'},
		{"size", no_argument, NULL, 's'},
		{"format", required_argument, NULL, 'f'},
		{0, 0, 0, 0},
	};
	bool all = false, quiet = false, latest = false, notrunc = false, size = false;
	const char *format = NULL;
	optind = 1;
	int c;
	while ((c = getopt_long(argc, argv, "aqlsf:", opts, NULL)) != -1) {
		switch (c) {
		case 'a': all = true; break;
		case 'q': quiet = true; break;
		case 'l': latest = true; all = true; break;
		case 'T': notrunc = true; break;
		case 's': size = true; break;
		case 'f': format = optarg; break;
		default: return cli_usage("ps", PS_SYNOPSIS);
		}
	}
	if (optind != argc)
		return cli_usage("ps", PS_SYNOPSIS);
	struct icc_store st;
	if (cli_open_store(&st))
		return 1;
	struct icc_err err;
	struct icc_idlist l;
	if (icc_object_list(&st, ICC_CONTAINER, &l, &err) < 0) {
		icc_store_close(&st);
		return cli_fail(&err);
	}
	struct row *rows = calloc(l.count ? l.count : 1, sizeof(*rows));
	size_t nrows = 0;
	for (size_t i = 0; i < l.count; i++) {
		cJSON *meta;
		if (icc_object_meta(&st, ICC_CONTAINER, l.ids[i], &meta, &err) < 0)
			continue;
		memcpy(rows[nrows].id, l.ids[i], ICC_ID_LEN + 1);
		rows[nrows].meta = meta;
		const char *cr = icc_json_str(meta, "created");
		rows[nrows].created = cr ? icc_time_parse(cr) : 0;
		nrows++;
	}
	icc_idlist_free(&l);
	qsort(rows, nrows, sizeof(*rows), by_created_desc);
	struct cli_fmt ff;
	int rc = cli_fmt_open(&ff, "ps", format, "ID", "CONTAINER ID", "Image", "IMAGE", "ImageID", "IMAGE ID",
				  "Command", "COMMAND", "CreatedAt", "CREATED AT", "RunningFor", "CREATED",
				  "CreatedSince", "CREATED", "State", "STATE", "Status", "STATUS", "Size", "SIZE",
				  "Ports", "PORTS", "Names", "NAMES", "Labels", "LABELS", "Mounts", "MOUNTS", NULL);
	enum cli_format fmt = ff.kind;
	struct cli_table t;
	cli_table_init(&t, 7, "CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES");
	int64_t now = icc_now_ns();
	for (size_t i = 0; i < nrows && !rc; i++) {
		cJSON *meta = rows[i].meta;
		struct icc_cstate cs;
		icc_container_state(meta, &cs);
		if (!all && cs.status != ICC_CS_RUNNING)
			continue;
		if (latest && i > 0)
			break;
		char sid[13], cmd[2100], created[64], status[128], cat[64];
		const char *id = rows[i].id;
		if (quiet) {
			puts(notrunc ? id : cli_short_id(id, sid));
			continue;
		}
		const cJSON *cfg = cJSON_GetObjectItemCaseSensitive(meta, "config");
		command_text(cfg, !notrunc && fmt == CLI_FMT_TABLE, cmd, sizeof(cmd));
		icc_time_ago(rows[i].created, now, created, sizeof(created));
		bool paused = cs.status == ICC_CS_RUNNING &&
			      cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(
				      cJSON_GetObjectItemCaseSensitive(meta, "state"), "paused"));
		status_text(&cs, paused, now, status, sizeof(status));
		/* published ports, as Docker shows them: only while running */
		char ports[1024] = "";
		if (cs.status == ICC_CS_RUNNING)
			icc_ports_text(cJSON_GetObjectItemCaseSensitive(
					       cJSON_GetObjectItemCaseSensitive(
						       cJSON_GetObjectItemCaseSensitive(meta, "state"), "network"), "Ports"),
				       ports, sizeof(ports));
		const char *image = icc_json_str(meta, "image_ref");
		const char *name = icc_json_str(meta, "name");
		if (fmt == CLI_FMT_TABLE) {
			cli_table_add(&t, notrunc ? id : cli_short_id(id, sid), image ? image : "", cmd,
				      created, status, ports, name ? name : "");
			continue;
		}
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "ID", notrunc ? id : cli_short_id(id, sid));
		cJSON_AddStringToObject(o, "Image", image ? image : "");
		cJSON_AddStringToObject(o, "ImageID", icc_json_str(meta, "image") ? icc_json_str(meta, "image") : "");
		cJSON_AddStringToObject(o, "Command", cmd);
		cJSON_AddStringToObject(o, "CreatedAt", icc_json_str(meta, "created") ? icc_json_str(meta, "created") : "");
		cJSON_AddStringToObject(o, "RunningFor", created);
		cJSON_AddStringToObject(o, "CreatedSince", created);
		if (size) {
			/* apparent size of the container's files (btrfs shares them with the image) */
			unsigned long long bytes = 0;
			char hs[32];
			int fd = icc_object_rootfs_fd(&st, ICC_CONTAINER, id, &err);
			if (fd >= 0) {
				icc_tree_size(fd, &bytes, &err);
				close(fd);
			}
			icc_human_size(bytes, hs, sizeof(hs));
			cJSON_AddStringToObject(o, "Size", hs);
			cJSON_AddNumberToObject(o, "SizeBytes", (double)bytes);
		} else {
			cJSON_AddStringToObject(o, "Size", "");
		}
		cJSON_AddStringToObject(o, "State", paused ? "paused" : icc_cstatus_name(cs.status));
		cJSON_AddStringToObject(o, "Status", status);
		cJSON_AddStringToObject(o, "Ports", ports);
		cJSON_AddStringToObject(o, "Names", name ? name : "");
		if (cs.status == ICC_CS_RUNNING)
			cJSON_AddNumberToObject(o, "Pid", cs.pid);
		if (cs.status == ICC_CS_EXITED)
			cJSON_AddNumberToObject(o, "ExitCode", cs.exit_code);
		snprintf(cat, sizeof(cat), "%s", icc_cstatus_name(cs.status));
		rc = cli_fmt_row(&ff, o);
		cJSON_Delete(o);
	}
	if (!quiet && fmt == CLI_FMT_TABLE)
		cli_table_print(&t, stdout);
	cli_table_free(&t);
	if (rc) /* a bad template: only its error line */
		cli_fmt_free(&ff);
	else
		cli_fmt_flush(&ff);
	for (size_t i = 0; i < nrows; i++)
		cJSON_Delete(rows[i].meta);
	free(rows);
	icc_store_close(&st);
	return rc;
}
