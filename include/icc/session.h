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
 * kept in containers/<id>/commands.json (so icc commit finds them after the
 * shell ended) until a #save takes them into its snapshot.
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

#endif
