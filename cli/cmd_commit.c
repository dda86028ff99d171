#include "cli.h"
int cmd_commit(int argc, char **argv) { cli_errorf("not yet"); return 1; }
