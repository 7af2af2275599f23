/* `kill [--all] ID [SIGNAL]`: SIGTERM unless a signal is named. */
#include <signal.h>

#include "base/err.h"
#include "oci/cmd/cmd.h"
#include "oci/cmd/opts.h"
#include "oci/cmd/signals.h"
#include "oci/container.h"

int cmd_kill(struct oci_ctx *c, int argc, char **argv, struct err *e)
{
    bool all = false;
    const struct opt opts[] = {{"all", 'a', OPT_FLAG, &all}, {0}};
    struct oci_state st;
    int next;
    if (cmd_load(c, "kill", argc, argv, opts, &st, &next, true, e) < 0)
        return -1;
    int sig = SIGTERM, r = -1;
    if (next < argc && (sig = signal_parse(argv[next], e)) < 0)
        goto out;
    if (next + 1 < argc) {
        err_set(e, 0, "kill: unexpected argument '%s'", argv[next + 1]);
        goto out;
    }
    r = container_kill(&st, sig, all, e);
out:
    state_free(&st);
    return r;
}
