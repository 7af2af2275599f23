/* Loading libslirp at run time: dlopen of its soname and a lookup of each
 * function net_slirp.c calls. */
#include "vm/backend/slirp_lib.h"

#include "base/dl.h"

static struct slirp_lib lib;
static int loaded;

const struct slirp_lib *slirp_lib_load(struct err *e)
{
    if (loaded)
        return &lib;
    const struct dl_sym fns[] = {
        { &lib.new_, "slirp_new" },
        { &lib.cleanup, "slirp_cleanup" },
        { &lib.input, "slirp_input" },
        { &lib.pollfds_fill, "slirp_pollfds_fill" },
        { &lib.pollfds_poll, "slirp_pollfds_poll" },
        { &lib.handle_timer, "slirp_handle_timer" },
        { &lib.add_hostfwd, "slirp_add_hostfwd" },
        { &lib.state_version, "slirp_state_version" },
        { &lib.state_save, "slirp_state_save" },
        { &lib.state_load, "slirp_state_load" },
    };
    if (dl_load("libslirp.so.0", "libslirp0", "--net user", fns,
                sizeof fns / sizeof fns[0], e) < 0)
        return NULL;
    loaded = 1;
    return &lib;
}
