/* `run [--detach] [--keep] ...create's options... ID`: container_run,
 * which waits for the container in the foreground unless detached. */
#include "oci/cmd/cmd.h"
#include "oci/container.h"

int cmd_run(struct oci_ctx *c, int argc, char **argv, struct err *e)
{
    struct run_opts o;
    if (cmd_create_parse("run", c, argc, argv, &o, e) < 0)
        return -1;
    return container_run(&o, e);
}
