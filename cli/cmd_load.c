/* cmd_load.c - icc load */
#include "cli.h"

int cmd_load(int argc, char **argv)
{
	cli_errorf("load: not implemented yet");
	return 1;
}
