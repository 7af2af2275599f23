/* `cella vm ...`: the machine monitor's command line. */
#ifndef CELLA_VM_CLI_H
#define CELLA_VM_CLI_H

/* argv[0] is "vm". Returns the process exit status. */
int vm_main(int argc, char **argv);

#endif
