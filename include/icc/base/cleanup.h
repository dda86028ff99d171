/* cleanup.h - release a variable when it goes out of scope (as crun's and bubblewrap's utils.h)
 *
 *   cleanup_close int fd = open(...);     closed at every return (when >= 0)
 *   cleanup_free char *s = malloc(...);   freed
 *   cleanup_json cJSON *j = cJSON_Parse(...);  deleted
 *
 * To hand the thing on, take it out: `return icc_steal_fd(&fd);` or
 * `*out = icc_steal_ptr(&s);`.  errno survives the release.
 */
#ifndef ICC_CLEANUP_H
#define ICC_CLEANUP_H

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include <cjson/cJSON.h>

static inline void icc_cleanup_close(int *fd)
{
	if (*fd >= 0) {
		int e = errno;
		close(*fd);
		errno = e;
	}
}

static inline void icc_cleanup_free(void *p)
{
	int e = errno;
	free(*(void **)p);
	errno = e;
}

static inline void icc_cleanup_json(cJSON **j)
{
	int e = errno;
	cJSON_Delete(*j);
	errno = e;
}

#define cleanup_close __attribute__((cleanup(icc_cleanup_close)))
#define cleanup_free __attribute__((cleanup(icc_cleanup_free)))
#define cleanup_json __attribute__((cleanup(icc_cleanup_json)))

static inline int icc_steal_fd(int *fd)
{
	int f = *fd;
	*fd = -1;
	return f;
}

static inline void *icc_steal_ptr(void *pp)
{
	void *p = *(void **)pp;
	*(void **)pp = NULL;
	return p;
}

#endif
