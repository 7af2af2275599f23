/* Loading a library at run time (dl.h): dlopen of its soname and a
 * lookup of each function asked for. */
#include "base/dl.h"

#include <dlfcn.h>

#include "base/err.h"

int dl_load(const char *soname, const char *package, const char *who,
            const struct dl_sym *syms, size_t n, struct err *e)
{
    void *h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
    if (!h)
        return err_set(e, 0, "%s: cannot load %s (Debian package %s): %s",
                       who, soname, package, dlerror());
    for (size_t i = 0; i < n; i++) {
        void *fn = dlsym(h, syms[i].name);
        if (!fn) {
            dlclose(h);
            return err_set(e, 0, "%s: %s has no %s", who, soname,
                           syms[i].name);
        }
        *(void **)syms[i].slot = fn;
    }
    return 0;
}
