/* cmd_push.c - icc push / pull */
#include "cli.h"
int cmd_push(int argc, char **argv) { cli_errorf("not yet"); return 1; }
int cmd_pull(int argc, char **argv) { cli_errorf("not yet"); return 1; }
