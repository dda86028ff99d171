#include "cli.h"
int cmd_rollback(int argc, char **argv) { cli_errorf("not yet"); return 1; }
