/* fuzz.h - how the libFuzzer targets take their input. */
#ifndef ICC_TESTS_FUZZ_H
#define ICC_TESTS_FUZZ_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The input as a C string (malloc'd, NULL when out of memory): for parsers of text. */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (s) {
		memcpy(s, data, size);
		s[size] = '\0';
	}
	return s;
}

/* An exact-size copy, no NUL after it (NULL when out of memory): ASan catches
 * any read past the end of what a parser given (buf, len) was handed. */
static inline char *fuzz_copy(const uint8_t *data, size_t size)
{
	char *buf = malloc(size ? size : 1);
	if (buf)
		memcpy(buf, data, size);
	return buf;
}

#endif
