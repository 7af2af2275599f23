/* `cella ct ...`: the friendly front for containers. */
#ifndef CELLA_CT_CLI_H
#define CELLA_CT_CLI_H

/* argv[0] is "ct"; whole_argv is main's argv, for re-executing. */
int ct_main(int argc, char **argv, char **whole_argv);

#endif
