/* `start ID`: release a created container. */
#include "oci/cmd/cmd.h"
#include "oci/container.h"

int cmd_start(struct oci_ctx *c, int argc, char **argv, struct err *e)
{
    struct oci_state st;
    if (cmd_load(c, "start", argc, argv, NULL, &st, NULL, false, e) < 0)
        return -1;
    int r = container_start(&st, e);
    state_free(&st);
    return r;
}
