/* What the commands on an existing container share: the container ID
 * after the options, and the container's state loaded by it. */
#include "base/err.h"
#include "oci/cmd/cmd.h"
#include "oci/cmd/opts.h"
#include "oci/state.h"

int cmd_id(const char *cmd, int argc, char **argv, int i, bool more,
           const char **id, struct err *e)
{
    if (i >= argc)
        return err_set(e, 0, "%s: missing container ID", cmd);
    if (!more && i + 1 < argc)
        return err_set(e, 0, "%s: unexpected argument '%s'", cmd, argv[i + 1]);
    *id = argv[i];
    return state_check_id(*id, e);
}

int cmd_load(struct oci_ctx *c, const char *cmd, int argc, char **argv,
             const struct opt *opts, struct oci_state *st, int *next,
             bool more, struct err *e)
{
    static const struct opt none[] = {{0}};
    int i = 1;
    const char *id;
    if (opts_parse(cmd, argc, argv, &i, opts ? opts : none, e) < 0 ||
        cmd_id(cmd, argc, argv, i, more, &id, e) < 0)
        return -1;
    if (next)
        *next = i + 1;
    return state_load(c->root, id, st, e);
}
