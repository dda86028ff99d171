/* cli.h - what the command files share: store opening, errors, tables, formats */
#ifndef ICC_CLI_H
#define ICC_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "icc/base/err.h"
#include "icc/store/store.h"
#include "icc/base/template.h"
#include "icc/base/util.h"

/* Exit codes, as Docker's CLI uses them. */
#define EXIT_USAGE 125 /* usage errors and unknown commands: 125, as Docker and Podman */
/* run/exec/create, as Docker: 125 icc failed, 126 cannot execute, 127 not found. */
#define EXIT_RUN_FAILED 125

/* --root from the command line (NULL: $ICC_ROOT or /var/lib/icc). */
extern const char *cli_root;

/* Print "icc: MESSAGE" on stderr. */
void cli_errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print err's message as "icc: ..." and return 1 (the exit code). */
int cli_fail(const struct icc_err *err);
/* Print "icc: CMD: usage..." hint and return EXIT_USAGE. */
int cli_usage(const char *cmd, const char *synopsis);
/* "icc: CMD: WHY; usage: ..." (why NULL: without it); returns EXIT_USAGE. */
struct cli_command;
int cli_usage_why(const struct cli_command *c, const char *why);
/* The same usage line with another exit code (the newer, Docker-compatible commands: 125). */
int cli_usage_code(const char *cmd, int code);

/* "-t SECS" of stop/restart: a whole number >= 0; else prints "icc: CMD: ..." and returns 1. */
int cli_parse_secs(const char *cmd, const char *s, int *secs);

/*
 * getopt_long, silent (opterr = 0), keeping what was wrong ("unknown option
 * '--x'", "option '-t' needs a value") for cli_usage to say in icc's form.
 * Every command's getopt_long is this one.
 */
struct option;
int cli_getopt_long(int argc, char *const argv[], const char *optstring,
		    const struct option *longopts, int *longindex);
#define getopt_long cli_getopt_long

/* Open the store (saying once what was set up); returns 0 or prints and returns 1. */
int cli_open_store(struct icc_store *st);

/* Resolve REF (name or id prefix) and read its meta.json (to cJSON_Delete); 0, or 1 after
 * printing why. */
int cli_container_load(struct icc_store *st, const char *ref, char id[ICC_ID_LEN + 1], cJSON **meta);
/* The same after opening the store (closed again when it fails). */
int cli_open_container(struct icc_store *st, const char *ref, char id[ICC_ID_LEN + 1], cJSON **meta);
/* A container's meta.json (to cJSON_Delete) and live state; -1 when unreadable (removed meanwhile). */
struct icc_cstate;
int cli_container_meta(struct icc_store *st, const char *id, cJSON **meta, struct icc_cstate *cs);

/* fn for each container of the store, with its meta.json and state (the ones removed
 * meanwhile passed over); -1 when the list cannot be read. */
typedef void cli_container_fn(struct icc_store *st, const char *id, const cJSON *meta,
			      const struct icc_cstate *cs, void *arg);
int cli_each_container(struct icc_store *st, cli_container_fn *fn, void *arg, struct icc_err *err);

/* A 12-hex short id. */
const char *cli_short_id(const char *id, char buf[13]);

/*
 * Tables printed like Docker's (text/tabwriter: min width 10, padding 3),
 * last column unpadded.
 */
struct cli_table {
	size_t ncols, nrows, cap;
	char **cells; /* row-major, nrows * ncols */
};
void cli_table_init(struct cli_table *t, size_t ncols, ...);
void cli_table_add(struct cli_table *t, ...); /* ncols strings */
void cli_table_print(struct cli_table *t, FILE *out);
void cli_table_free(struct cli_table *t);

/* Print a JSON value (pretty, or one line) followed by a newline. */
void cli_print_json(const cJSON *v, bool pretty);

/*
 * --format (cli/format.c): "" or "table" is the command's own table
 * (CLI_FMT_TABLE, printed by the command); "json" one object per line; any
 * other text is a Go template (include/icc/base/template.h) run per object, and
 * "table TEMPLATE" adds a title row and aligns the tab-separated columns.
 * Output is kept until cli_fmt_flush, so a failing template prints nothing
 * but its one error line.
 */
enum cli_format { CLI_FMT_TABLE, CLI_FMT_JSON, CLI_FMT_TEMPLATE };
struct cli_fmt {
	enum cli_format kind;
	const char *cmd;
	bool table;
	struct icc_tmpl *t;
	cJSON *titles;
	struct icc_sbuf out;
};
/*
 * Parse FORMAT for command CMD; the variadic arguments are "Field", "TITLE"
 * pairs ending in NULL (the titles of "table ...").  0, or 1 after printing
 * "icc: CMD: template: ..." once.
 */
int cli_fmt_open(struct cli_fmt *f, const char *cmd, const char *format, ...);
/* Render one object; 1 after printing the error (call cli_fmt_free then). */
int cli_fmt_row(struct cli_fmt *f, const cJSON *obj);
/* Print what was rendered and free. */
void cli_fmt_flush(struct cli_fmt *f);
void cli_fmt_free(struct cli_fmt *f);
/* Flush, or after a template error (failed != 0) print nothing more; returns 1 when failed. */
int cli_fmt_done(struct cli_fmt *f, int failed);

/* --filter KEY=VALUE (cli/filters.c): the same key ORs, different keys AND, as Docker. */
#define CLI_FILTERS_MAX 32
struct cli_filters {
	char *key[CLI_FILTERS_MAX], *val[CLI_FILTERS_MAX];
	size_t n;
};
/* Add "KEY=VALUE" if KEY is one of keys (NULL-ended); else 1 after "icc: CMD: --filter ...". */
int cli_filter_add(struct cli_filters *f, const char *cmd, const char *spec,
		   const char *const *keys);
bool cli_filter_has(const struct cli_filters *f, const char *key);
/* No filter on key, or match() is true for one of its values. */
bool cli_filter_match(const struct cli_filters *f, const char *key,
		      bool (*match)(const char *value, void *ctx), void *ctx);
void cli_filters_free(struct cli_filters *f);

/* Progress lines on a terminal (cli/progress.c); the library reports through a meter. */
#include "icc/base/progress.h"
struct cli_progress {
	struct icc_meter m;
	struct icc_relay relay;
	bool on, wrapped, drawn;
};
/* Colour on stderr: a terminal, NO_COLOR unset, TERM not "dumb". */
bool cli_color(void);
/* stderr is a terminal, not -q, ICC_PROGRESS not "0". */
bool cli_progress_wanted(bool quiet);
void cli_progress_begin(struct cli_progress *p, const char *what, uint64_t total, bool quiet);
/* The fd to hand to the library instead of `fd` (a counting relay when on), -1 on error. */
int cli_progress_wrap(struct cli_progress *p, int fd, bool input, struct icc_err *err);
/* Stop the relay, draw the last line (r == 0) or clear it; returns r or the relay's error. */
int cli_progress_end(struct cli_progress *p, int r, struct icc_err *err);

/*
 * The work of export, save, send (write) and import, load, receive (read)
 * through a progress line "WHAT: ..." on a terminal: fn gets the fd to use
 * (a counting relay when the line is on) and the progress (to print above it).
 */
typedef int cli_io_fn(int fd, struct cli_progress *pg, void *arg, struct icc_err *err);
/* fn writes to -o PATH (whole or not at all, see cli_output) or, PATH NULL or "-", stdout. */
int cli_write_output(const char *path, const char *what, bool quiet, cli_io_fn *fn, void *arg,
		     struct icc_err *err);
/* fn reads fd (its size, when a file, is the line's total). */
int cli_read_input(int fd, const char *what, bool quiet, cli_io_fn *fn, void *arg, struct icc_err *err);

/* FILE, or stdin (NULL or "-") unless it is a terminal (then on_tty is said); -1 after
 * "icc: cannot VERB 'FILE': why". */
int cli_open_input(const char *path, const char *verb, const char *on_tty);
/* The same as a check before the store is opened: 0, or 1 after saying why. */
int cli_check_input(const char *path, const char *verb, const char *on_tty);

/*
 * An output file written whole or not at all: FILE.tmp-XXXXXX, fsync'd and
 * renamed over FILE by cli_output_finish; "-" or NULL is standard output.
 */
struct cli_output {
	int fd;
	const char *path;
	char tmp[4200];
};
int cli_output_open(struct cli_output *o, const char *path, struct icc_err *err);
/* r: the result of the writing; returns it, or the error of finishing. */
int cli_output_finish(struct cli_output *o, int r, struct icc_err *err);

/*
 * The command table (cli/main.c) and its one option parser (cli/options.c).
 *
 * A command is an entry with a synopsis, a summary and an option spec, an
 * array of struct cli_opt ending in {0}.  The spec is both what cli_parse
 * accepts (GNU style: -abc bundles, -oFILE, --name=VALUE, unique prefixes
 * of long names, "--" ends the options) and what --help prints, so the help
 * and the parser cannot disagree.  The dispatcher (cli_call) parses argv,
 * checks the operand count (min, max), runs check (usage checks that come
 * before the store), opens the store for CLI_STORE (and takes its lock for
 * CLI_LOCK), calls run with the parsed cli_ctx and closes the store again.
 * run reads options by their long name or letter: cli_has(ctx, "quiet"),
 * cli_value(ctx, "output", NULL), cli_nth(ctx, "change", i) for repeated
 * ones; operands are ctx->argv[0..argc-1].  cli_each runs one action per
 * named object, printing each failure and returning 1 if any failed.
 * Usage errors print "icc: CMD: WHY; usage: icc CMD SYNOPSIS" and exit 125.
 * A group (system, snapshot, builder) dispatches "GROUP SUB" entries with
 * cli_call_sub (their entry has fn, which does that, and subs, whose specs make
 * the group's synopsis and help).
 */
struct cli_opt {
	char letter;      /* -x; 0: none */
	const char *name; /* --name; NULL: none */
	const char *arg;  /* NULL: a flag; "FILE": takes a value; "=BOOL": the same, shown
			   * --name=BOOL; "[=BOOL]": --name or --name=BOOL (the value optional) */
	const char *help; /* "\n" continues it on the next line, under the first; NULL: not shown */
};

enum {
	CLI_STORE = 1,    /* the dispatcher opens ctx->st before run, closes it after */
	CLI_LOCK = 2,     /* ... and takes the store's lock (implies CLI_STORE) */
	CLI_IN_ORDER = 4, /* options only before the first operand (getopt's "+") */
};

struct cli_ctx;
struct cli_command {
	const char *name;
	int (*fn)(int argc, char **argv); /* a group: dispatches to one of subs */
	const char *synopsis;
	const char *summary;
	/* table-driven commands: */
	int (*run)(struct cli_ctx *ctx);
	const struct cli_opt *opts;
	int min, max;                       /* operands; max -1: any number */
	unsigned flags;                     /* CLI_STORE, CLI_LOCK, CLI_IN_ORDER */
	int (*check)(struct cli_ctx *ctx);  /* before the store is opened; > 0: the exit code,
					     * < 0: exit 0 without running */
	const char *notes;                  /* lines printed after the options */
	const struct cli_command *subs;     /* a group's "GROUP SUB" entries (ending in {0}), for its help */
};

/* --format's help line; the command adds its fields */
#define CLI_FORMAT_HELP "table (default), json (one object per line), a Go template, or table TEMPLATE"

struct cli_ctx {
	const struct cli_command *cmd;
	int argc;    /* operands, in order; argv[argc] is NULL */
	char **argv;
	struct icc_store st; /* open for CLI_STORE commands */
	size_t ngiven;
	struct cli_given {
		const struct cli_opt *opt;
		const char *value; /* NULL for a flag */
	} *given;
};

/* Parse argv (argv[0] is the command) by c's spec; 0, or the exit code after the usage line. */
int cli_parse(const struct cli_command *c, int argc, char **argv, struct cli_ctx *ctx);
void cli_ctx_free(struct cli_ctx *ctx);
/* Was the option KEY (its long name or letter) given? */
bool cli_has(const struct cli_ctx *ctx, const char *key);
/* KEY's last value, or dflt. */
const char *cli_value(const struct cli_ctx *ctx, const char *key, const char *dflt);
/* The n-th value of a repeated option ("" for a flag), NULL past the last. */
const char *cli_nth(const struct cli_ctx *ctx, const char *key, size_t n);
/* Parse, check, open the store, run, close: what main does with a command. */
int cli_call(const struct cli_command *c, int argc, char **argv);
/*
 * A group's subcommand: argv[1] names one of subs (entries named "GROUP SUB",
 * ending in {0}), which is cli_call'ed on argv + 1.  -1 when it names none.
 */
int cli_call_sub(const struct cli_command *subs, int argc, char **argv);
/* A group g (an entry with subs, no run): the subcommand argv[1] names, else its own
 * entry (a sub named without a word), else "icc: G: unknown subcommand" and the usage. */
int cli_call_group(const struct cli_command *g, int argc, char **argv);
/* The help lines of a spec. */
void cli_print_options(const struct cli_opt *opts, FILE *out);

/*
 * One action per named object: one(ctx, name, arg, err) for the operands from
 * index `from`; a return < 0 prints err (icc: ...), > 0 means it printed its
 * own error.  1 if any failed, else 0.
 */
typedef int cli_each_fn(struct cli_ctx *ctx, const char *name, void *arg, struct icc_err *err);
int cli_each(struct cli_ctx *ctx, int from, cli_each_fn *one, void *arg);

/* main() hands the table to common.c, so that cli_usage finds synopses there
 * without common.c depending on main.c. */
void cli_set_commands(const struct cli_command *table, size_t n);
const struct cli_command *cli_find_command(const char *name);
/* c's synopsis; a group's (no synopsis of its own) is made of its subcommands' in buf. */
const char *cli_synopsis(const struct cli_command *c, char *buf, size_t size);
/* Print "Usage: icc CMD SYNOPSIS", the summary and the options of a command (of a group:
 * each subcommand's too). */
void cli_print_help(const struct cli_command *c, FILE *out);

/*
 * Commands (one file each under cli/): what a table entry points at, cmd_NAME
 * (its run) and, where the command has them, cmd_NAME_check and cmd_NAME_opts.
 */
#define CLI_COMMAND(n)                           \
	int cmd_##n(struct cli_ctx *ctx);        \
	int cmd_##n##_check(struct cli_ctx *ctx); \
	extern const struct cli_opt cmd_##n##_opts[]
CLI_COMMAND(init); CLI_COMMAND(import); CLI_COMMAND(images); CLI_COMMAND(tag); CLI_COMMAND(rmi);
CLI_COMMAND(inspect); CLI_COMMAND(history); CLI_COMMAND(snapshots); CLI_COMMAND(promote);
CLI_COMMAND(version); CLI_COMMAND(export); CLI_COMMAND(save); CLI_COMMAND(load); CLI_COMMAND(push);
CLI_COMMAND(send); CLI_COMMAND(receive); CLI_COMMAND(run); CLI_COMMAND(create); CLI_COMMAND(start);
CLI_COMMAND(stop); CLI_COMMAND(kill); CLI_COMMAND(rm); CLI_COMMAND(logs); CLI_COMMAND(exec);
CLI_COMMAND(ps); CLI_COMMAND(commit); CLI_COMMAND(diff); CLI_COMMAND(rollback); CLI_COMMAND(cp);
CLI_COMMAND(port); CLI_COMMAND(mount); CLI_COMMAND(umount); CLI_COMMAND(restart); CLI_COMMAND(wait);
CLI_COMMAND(top); CLI_COMMAND(rename); CLI_COMMAND(pause); /* and unpause: by ctx->cmd->name */
CLI_COMMAND(stats); CLI_COMMAND(attach); CLI_COMMAND(build); CLI_COMMAND(dockerfile);
/* run and create share run_opts.c's; stop and restart -t SECS */
extern const struct cli_opt cli_run_opts[], cli_time_opts[];
int cli_time_check(struct cli_ctx *ctx);
/* -o FILE or stdout, which is not a terminal (export, send) */
int cli_check_output(struct cli_ctx *ctx);
int cli_pull(struct cli_ctx *ctx); /* icc pull */
int cmd_pull(int argc, char **argv); /* cli_call of the table's pull */
/* the groups' subcommands (cmd_network.c, cmd_system.c, cmd_snapshot.c, cmd_build.c) */
int cmd_network(int argc, char **argv); /* Docker's other names (list, remove), then the group */
extern const struct cli_command cli_network_subs[], cli_system_subs[], cli_snapshot_subs[],
	cli_builder_subs[];
/* icc pull REF for run/create/build (its output on stderr); the pull's exit code */
int cli_pull_image(const char *ref);
/* icc history --commands (cmd_dockerfile.c) */
int cli_history_commands(struct icc_store *st, const char *what);
/* store maintenance (cmd_df.c, cmd_prune.c) */
int cli_system_df(struct cli_ctx *ctx);
int cli_system_prune(struct cli_ctx *ctx);
int cli_system_prune_check(struct cli_ctx *ctx);
int cli_snapshot_prune(struct cli_ctx *ctx);
int cli_snapshot_prune_check(struct cli_ctx *ctx);
/* Ask "PROMPT [y/N] " on the terminal; false when stdin is not one. */
bool cli_confirm(const char *prompt);
/* "kept N snapshots of 'C': icc snapshots --all" on stderr, when n > 0 */
void cli_say_kept(const char *container, int n);

#endif
