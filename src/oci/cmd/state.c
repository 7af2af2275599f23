/* `state ID`: the container's state object as the runtime spec has it. */
#include <stdio.h>
#include <stdlib.h>

#include "oci/cmd/cmd.h"
#include "oci/state.h"

int cmd_state(struct oci_ctx *c, int argc, char **argv, struct err *e)
{
    struct oci_state st;
    if (cmd_load(c, "state", argc, argv, NULL, &st, NULL, false, e) < 0)
        return -1;
    char *text = state_json(&st, state_status(&st));
    puts(text);
    free(text);
    state_free(&st);
    return 0;
}
