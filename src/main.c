/* cella: dispatch `cella <group> <command>` to the machine monitor or the
 * container runtime. */
#include <stdio.h>
#include <string.h>

#include "ct/cli.h"
#include "oci/cmd/cli.h"
#include "vm/cli.h"

static void usage(FILE *f)
{
    fputs("usage: cella <group> <command> [options]\n"
          "\n"
          "groups:\n"
          "  vm run [options]   run a RISC-V virtual machine (cella vm run --help)\n"
          "  oci <command>      OCI container runtime, runc's command line\n"
          "                     (cella oci --help; also as cella-oci)\n"
          "  ct run [options] -- CMD\n"
          "                     run a command in a container (cella ct --help)\n"
          "  version            print the version\n",
          f);
}

int main(int argc, char **argv)
{
    const char *self = strrchr(argv[0], '/');
    self = self ? self + 1 : argv[0];
    if (!strcmp(self, "cella-oci"))
        return oci_main(argc, argv, argv);
    if (argc < 2) {
        usage(stderr);
        return 1;
    }
    if (!strcmp(argv[1], "vm"))
        return vm_main(argc - 1, argv + 1);
    if (!strcmp(argv[1], "ct"))
        return ct_main(argc - 1, argv + 1, argv);
    if (!strcmp(argv[1], "oci"))
        return oci_main(argc - 1, argv + 1, argv);
    if (!strcmp(argv[1], "version") || !strcmp(argv[1], "--version")) {
        puts("cella 0.1.0");
        return 0;
    }
    if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help") ||
        !strcmp(argv[1], "-h")) {
        usage(stdout);
        return 0;
    }
    fprintf(stderr, "cella: unknown command '%s' (try 'cella help')\n", argv[1]);
    return 1;
}
