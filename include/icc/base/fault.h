/* fault.h - crash injection for the crash-consistency tests */
#ifndef ICC_FAULT_H
#define ICC_FAULT_H

/*
 * If $ICC_FAULT names this point, the process kills itself with SIGKILL
 * right here, as a power cut or `kill -9` would.  Points are named
 * "<operation>-<step>", e.g. "publish-before-rename"; docs/reliability.md
 * lists them.  "<point>:stop" stops the process there (SIGSTOP) instead, so
 * a test can check what others may do meanwhile, then SIGCONT it.
 */
void icc_fault_point(const char *name);

#endif
