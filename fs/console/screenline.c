/* screenline.c - is the line on the screen at Enter a "#save" (or "#rollback") the shell will receive? */
#include <stdio.h>
#include <string.h>

#include "icc/console/tty.h"

/* `word` ("#save") at the start of the line or right after a prompt ("/ # ", "$ ", "> ", "% ") */
static const char *after_prompt(const char *text, const char *word)
{
	const char *p = text;
	while (*p == ' ')
		p++;
	if (!strncmp(p, word, strlen(word)))
		return p;
	for (const char *s = strstr(text, word); s; s = strstr(s + 1, word)) {
		if (s - text >= 2 && s[-1] == ' ' && strchr("$#>%", s[-2]))
			return s;
	}
	return NULL;
}

/* A `cmd` line on the screen that `parse` takes: what to do with it. */
static enum icc_screen_save screen_line(const char *text, bool at_prompt, const char *cmd,
					bool (*parse)(const char *, char *, size_t), char *name,
					size_t size)
{
	const char *s = after_prompt(text, cmd);
	if (!s || !parse(s, name, size))
		return ICC_SCREEN_NONE;
	return at_prompt ? ICC_SCREEN_SAVE : ICC_SCREEN_NOT_AT_PROMPT;
}

enum icc_screen_save icc_screen_save_line(const char *text, bool at_prompt, char *name,
					   size_t size)
{
	return screen_line(text, at_prompt, "#save", icc_save_line, name, size);
}

bool icc_rollback_line(const char *line, char *name, size_t size)
{
	while (*line == ' ' || *line == '\t')
		line++;
	if (strncmp(line, "#rollback", 9) || (line[9] != ' ' && line[9] != '\t'))
		return false;
	/* "#rollback NAME": exactly one word ("#rollback a b" is just a comment) */
	const char *p = line + 9;
	while (*p == ' ' || *p == '\t')
		p++;
	size_t n = strcspn(p, " \t");
	const char *q = p + n;
	while (*q == ' ' || *q == '\t')
		q++;
	if (n == 0 || *q)
		return false;
	snprintf(name, size, "%.*s", (int)n, p);
	return true;
}

enum icc_screen_save icc_screen_rollback_line(const char *text, bool at_prompt, char *name,
					       size_t size)
{
	return screen_line(text, at_prompt, "#rollback", icc_rollback_line, name, size);
}
