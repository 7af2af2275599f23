/* `pause ID` and `resume ID`: freeze and thaw the container. */
#include <stdbool.h>

#include "oci/cmd/cmd.h"
#include "oci/container.h"

static int pause_resume(struct oci_ctx *c, const char *cmd, int argc,
                        char **argv, bool paused, struct err *e)
{
    struct oci_state st;
    if (cmd_load(c, cmd, argc, argv, NULL, &st, NULL, false, e) < 0)
        return -1;
    int r = container_pause(&st, paused, e);
    state_free(&st);
    return r;
}

int cmd_pause(struct oci_ctx *c, int argc, char **argv, struct err *e)
{
    return pause_resume(c, "pause", argc, argv, true, e);
}

int cmd_resume(struct oci_ctx *c, int argc, char **argv, struct err *e)
{
    return pause_resume(c, "resume", argc, argv, false, e);
}
