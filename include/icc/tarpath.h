/* tarpath.h - checking and normalising member names of tar archives */
#ifndef ICC_TARPATH_H
#define ICC_TARPATH_H

#include <stdbool.h>

/* A member name is acceptable if it is relative and has no ".." component. */
bool icc_tar_name_safe(const char *name);

/* Strip leading "./" (and doubled "/"); NULL for the archive's root itself. */
const char *icc_tar_strip_dot(const char *name);

#endif
