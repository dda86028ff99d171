/* cmd_send.c - icc send / receive */
#include "cli.h"
int cmd_send(int argc, char **argv) { cli_errorf("not yet"); return 1; }
int cmd_receive(int argc, char **argv) { cli_errorf("not yet"); return 1; }
