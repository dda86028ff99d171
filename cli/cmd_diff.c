#include "cli.h"
int cmd_diff(int argc, char **argv) { cli_errorf("not yet"); return 1; }
