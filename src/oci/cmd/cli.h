/* `cella oci ...` and `cella-oci ...`: the OCI runtime's command line. */
#ifndef CELLA_OCI_CMD_CLI_H
#define CELLA_OCI_CMD_CLI_H

/* argv[0] is "oci" or the program's own name; whole_argv is main's argv,
 * for re-executing. */
int oci_main(int argc, char **argv, char **whole_argv);

#endif
