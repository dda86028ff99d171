/* cmd_stats.c - icc stats: CPU, memory, network, block I/O and pids of running containers */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "icc/container/container_ctl.h"
#include "icc/store/object.h"
#include "icc/runtime/runtime.h"

/* go-units BytesSize, as docker stats shows memory: "1.906MiB" */
static void bytes_size(uint64_t b, char *out, size_t size)
{
	static const char *const u[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
	double v = (double)b;
	int i = 0;
	while (v >= 1024.0 && i < 6) {
		v /= 1024.0;
		i++;
	}
	snprintf(out, size, "%.4g%s", v, u[i]);
}

struct target {
	char *ref;
	struct icc_stats prev, cur;
};

/* The containers to show: those named, or every running one (all with -a). */
static int targets(struct icc_store *st, int argc, char **argv, bool all, struct target **out,
		   size_t *n)
{
	*n = 0;
	if (argc) {
		*out = calloc((size_t)argc, sizeof(**out));
		for (int i = 0; i < argc; i++)
			(*out)[(*n)++].ref = strdup(argv[i]);
		return 0;
	}
	struct icc_err err;
	struct icc_idlist l;
	if (icc_object_list(st, ICC_CONTAINER, &l, &err) < 0)
		return cli_fail(&err);
	*out = calloc(l.count ? l.count : 1, sizeof(**out));
	for (size_t i = 0; i < l.count; i++) {
		cJSON *meta;
		struct icc_cstate cs;
		if (cli_container_meta(st, l.ids[i], &meta, &cs) < 0)
			continue;
		cJSON_Delete(meta);
		if (all || cs.status == ICC_CS_RUNNING)
			(*out)[(*n)++].ref = strdup(l.ids[i]);
	}
	icc_idlist_free(&l);
	return 0;
}

static cJSON *row_of(const struct target *t)
{
	const struct icc_stats *s = &t->cur;
	char buf[128], a[32], b[32], sid[13];
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "ID", cli_short_id(s->id, sid));
	cJSON_AddStringToObject(o, "Container", t->ref);
	cJSON_AddStringToObject(o, "Name", s->name);
	if (!s->running) {
		const char *dash[] = {"CPUPerc", "MemUsage", "MemPerc", "NetIO", "BlockIO", "PIDs"};
		for (size_t i = 0; i < sizeof(dash) / sizeof(dash[0]); i++)
			cJSON_AddStringToObject(o, dash[i], i == 5 ? "0" : "--");
		return o;
	}
	snprintf(buf, sizeof(buf), "%.2f%%", icc_stats_cpu_percent(&t->prev, s));
	cJSON_AddStringToObject(o, "CPUPerc", buf);
	bytes_size(s->mem_usage, a, sizeof(a));
	bytes_size(s->mem_limit, b, sizeof(b));
	snprintf(buf, sizeof(buf), "%s / %s", a, b);
	cJSON_AddStringToObject(o, "MemUsage", buf);
	snprintf(buf, sizeof(buf), "%.2f%%",
		 s->mem_limit ? (double)s->mem_usage * 100.0 / (double)s->mem_limit : 0.0);
	cJSON_AddStringToObject(o, "MemPerc", buf);
	icc_human_size(s->net_rx, a, sizeof(a));
	icc_human_size(s->net_tx, b, sizeof(b));
	snprintf(buf, sizeof(buf), "%s / %s", a, b);
	cJSON_AddStringToObject(o, "NetIO", buf);
	icc_human_size(s->blk_read, a, sizeof(a));
	icc_human_size(s->blk_write, b, sizeof(b));
	snprintf(buf, sizeof(buf), "%s / %s", a, b);
	cJSON_AddStringToObject(o, "BlockIO", buf);
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)s->pids);
	cJSON_AddStringToObject(o, "PIDs", buf);
	return o;
}

/* One screen (or block of lines) of every target's latest sample. */
static int print_round(struct target *t, size_t n, const char *format, bool clear)
{
	struct cli_fmt ff;
	int rc = cli_fmt_open(&ff, "stats", format, "ID", "CONTAINER ID", "Container", "CONTAINER",
			      "Name", "NAME", "CPUPerc", "CPU %", "MemUsage", "MEM USAGE / LIMIT",
			      "MemPerc", "MEM %", "NetIO", "NET I/O", "BlockIO", "BLOCK I/O", "PIDs",
			      "PIDS", NULL);
	if (rc)
		return rc;
	struct cli_table tab;
	cli_table_init(&tab, 8, "CONTAINER ID", "NAME", "CPU %", "MEM USAGE / LIMIT", "MEM %",
		       "NET I/O", "BLOCK I/O", "PIDS");
	for (size_t i = 0; i < n && !rc; i++) {
		cJSON *o = row_of(&t[i]);
		if (ff.kind == CLI_FMT_TABLE) {
			const char *k[] = {"ID", "Name", "CPUPerc", "MemUsage", "MemPerc", "NetIO", "BlockIO", "PIDs"};
			const char *v[8];
			for (int j = 0; j < 8; j++)
				v[j] = icc_json_str(o, k[j]);
			cli_table_add(&tab, v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]);
		} else {
			rc = cli_fmt_row(&ff, o);
		}
		cJSON_Delete(o);
	}
	if (clear)
		fputs("\033[2J\033[H", stdout);
	if (ff.kind == CLI_FMT_TABLE)
		cli_table_print(&tab, stdout);
	cli_table_free(&tab);
	if (rc)
		cli_fmt_free(&ff);
	else
		cli_fmt_flush(&ff);
	fflush(stdout);
	return rc;
}

/* Sample every target; a missing container is an error only when it was named. */
static int sample(struct icc_store *st, struct target *t, size_t n, bool named)
{
	for (size_t i = 0; i < n; i++) {
		struct icc_err err;
		t[i].prev = t[i].cur;
		if (icc_ctl_stats(st, t[i].ref, &t[i].cur, &err) < 0 && named)
			return cli_fail(&err);
	}
	return 0;
}

int cmd_stats(struct cli_ctx *ctx)
{
	struct icc_store *st = &ctx->st;
	bool stream = !cli_has(ctx, "no-stream");
	const char *format = cli_value(ctx, "format", NULL);
	struct target *t = NULL;
	size_t n = 0;
	bool named = ctx->argc > 0;
	int rc = targets(st, ctx->argc, ctx->argv, cli_has(ctx, "all"), &t, &n);
	/* CPU % needs two samples: the first round waits half a second */
	if (!rc)
		rc = sample(st, t, n, named);
	struct timespec half = {0, 500000000L}, second = {1, 0};
	if (!rc) {
		nanosleep(&half, NULL);
		rc = sample(st, t, n, named);
	}
	bool clear = stream && isatty(1);
	while (!rc) {
		rc = print_round(t, n, format, clear);
		if (!stream || rc)
			break;
		nanosleep(&second, NULL);
		rc = sample(st, t, n, named);
	}
	for (size_t i = 0; i < n; i++)
		free(t[i].ref);
	free(t);
	return rc;
}

const struct cli_opt cmd_stats_opts[] = {
	{'a', "all", NULL, "also stopped containers (default: the running ones)"},
	{0, "no-stream", NULL, "print one sample and exit (default: refresh every second)"},
	{0, "no-trunc", NULL, NULL}, /* Docker's; ids are never cut */
	{0, "format", "FORMAT", CLI_FORMAT_HELP "\nfields: ID Container Name CPUPerc MemUsage MemPerc NetIO BlockIO PIDs"},
	{0},
};
