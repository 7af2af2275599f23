/* `delete [--force] ID`; forced, a container that is not there is no
 * error. */
#include <errno.h>

#include "base/err.h"
#include "oci/cmd/cmd.h"
#include "oci/cmd/opts.h"
#include "oci/container.h"

int cmd_delete(struct oci_ctx *c, int argc, char **argv, struct err *e)
{
    bool force = false;
    const struct opt opts[] = {{"force", 'f', OPT_FLAG, &force}, {0}};
    struct oci_state st;
    if (cmd_load(c, "delete", argc, argv, opts, &st, NULL, false, e) < 0) {
        /* --force on a container that is not there is no error. */
        return force && e->errnum == ENOENT ? 0 : -1;
    }
    int r = container_delete(&st, force, e);
    state_free(&st);
    return r;
}
