/* session.h - the commands run at a container's shell prompt, recorded by the tty relay */
#ifndef ICC_SESSION_H
#define ICC_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <cjson/cJSON.h>

/*
 * What the relay records (docs/build.md, "The interactive session as a
 * recipe"): at each Enter that reaches the shell itself (the pty's
 * foreground process group is the shell's session: tcgetpgrp == tcgetsid,
 * so what is typed into passwd, sudo, an editor or any other program is
 * never seen here), the command after the prompt as the screen shows it,
 * the shell's working directory (/proc/SHELL/cwd, read from the host), and
 * later its exit status: the exit code of the last direct child of the shell
 * that ended before the next prompt's Enter (the kernel's proc connector;
 * a builtin has no child: status null, "not observed").
 *
 * Entries: {"cmd", "cwd", "status": N|null, "time"}.  The pending ones are
 * kept in containers/<id>/commands.json ({"commands": [...]}, so icc commit
 * finds them after the shell ended) until a #save takes them into its snapshot.
 */
struct icc_session {
	int nl;          /* proc connector socket, -1: statuses are not observed */
	int dirfd;       /* the container's directory */
	pid_t shell;     /* the shell of the current entry */
	cJSON *entries;  /* since the last save */
	cJSON *current;  /* the last entry (in entries), its status still open */
};

void icc_session_open(struct icc_session *s, int container_dirfd);
void icc_session_close(struct icc_session *s);
/* Enter reached the shell `shell` with this screen line (prompt and command). */
void icc_session_line(struct icc_session *s, const char *screen, pid_t shell);
/* Read the proc connector's events (nl is readable). */
void icc_session_events(struct icc_session *s);
/* The commands since the last save (borrowed), and forgetting them once saved. */
const cJSON *icc_session_pending(const struct icc_session *s);
void icc_session_saved(struct icc_session *s);

/* The command in a screen line: what follows the prompt ("$ ", "# ", "> ", "% "); false if none. */
bool icc_session_command(const char *screen, char *out, size_t size);

/* ---- recipe.c: a lineage's recorded sessions, and the Dockerfile that replays them ---- */

struct icc_store;
struct icc_err;
/*
 * What led to an image, a container or a CONTAINER/SNAP: "steps" oldest
 * first, each {"label", "commands": [...]} (a #save, a commit, what is not
 * saved yet), the base image the first step ran on, its config and the
 * final config.
 */
struct icc_recipe {
	char base[65];         /* image id, "" if unknown */
	char base_ref[512];    /* its name:tag, else its id */
	cJSON *base_config;
	cJSON *config;
	cJSON *steps;
};
int icc_recipe_collect(struct icc_store *st, const char *what, struct icc_recipe *r, struct icc_err *err);
void icc_recipe_free(struct icc_recipe *r);
/* The steps of container `cid` (its #saves, up to snapshot `upto` if not NULL; then its unsaved commands). */
int icc_session_steps(struct icc_store *st, const char *cid, const char *upto, bool pending, cJSON **steps,
		      struct icc_err *err);
/* The Dockerfile of a recipe (malloc'd); `ignore` paths join the closing note's list. */
char *icc_recipe_dockerfile(const struct icc_recipe *r, const char *const *ignore, size_t nignore);

#endif
