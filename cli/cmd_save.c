/* cmd_save.c - icc save */
#include "cli.h"

int cmd_save(int argc, char **argv)
{
	cli_errorf("save: not implemented yet");
	return 1;
}
