/* Loading libslirp at run time: dlopen of its soname and a lookup of each
 * function net_slirp.c calls. */
#include "vm/backend/slirp_lib.h"

#include <dlfcn.h>
#include <stddef.h>

#define SLIRP_SONAME "libslirp.so.0"

static struct slirp_lib lib;
static int loaded;

static int resolve(void *h, void *slot, const char *name, struct err *e)
{
    void *fn = dlsym(h, name);
    if (!fn)
        return err_set(e, 0, "--net user: %s has no %s", SLIRP_SONAME, name);
    *(void **)slot = fn;
    return 0;
}

const struct slirp_lib *slirp_lib_load(struct err *e)
{
    if (loaded)
        return &lib;
    void *h = dlopen(SLIRP_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        err_set(e, 0, "--net user: cannot load %s (Debian package libslirp0): %s",
                SLIRP_SONAME, dlerror());
        return NULL;
    }
    struct { void *slot; const char *name; } fns[] = {
        { &lib.new_, "slirp_new" },
        { &lib.cleanup, "slirp_cleanup" },
        { &lib.input, "slirp_input" },
        { &lib.pollfds_fill, "slirp_pollfds_fill" },
        { &lib.pollfds_poll, "slirp_pollfds_poll" },
        { &lib.handle_timer, "slirp_handle_timer" },
        { &lib.add_hostfwd, "slirp_add_hostfwd" },
    };
    for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++)
        if (resolve(h, fns[i].slot, fns[i].name, e) < 0) {
            dlclose(h);
            return NULL;
        }
    loaded = 1;
    return &lib;
}
