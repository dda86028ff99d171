/* screenline.c - is the line on the screen at Enter a "#save" the shell will receive? */
#include <stdio.h>
#include <string.h>

#include "icc/tty.h"

/* "#save" at the start of the line or right after a prompt ("/ # ", "$ ", "> ", "% ") */
static const char *after_prompt(const char *text)
{
	const char *p = text;
	while (*p == ' ')
		p++;
	if (!strncmp(p, "#save", 5))
		return p;
	for (const char *s = strstr(text, "#save"); s; s = strstr(s + 1, "#save")) {
		if (s - text >= 2 && s[-1] == ' ' && strchr("$#>%", s[-2]))
			return s;
	}
	return NULL;
}

enum icc_screen_save icc_screen_save_line(const char *text, bool at_prompt, char *name,
					   size_t size)
{
	const char *s = after_prompt(text);
	if (!s || !icc_save_line(s, name, size))
		return ICC_SCREEN_NONE;
	return at_prompt ? ICC_SCREEN_SAVE : ICC_SCREEN_NOT_AT_PROMPT;
}
