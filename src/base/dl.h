/* Libraries loaded at run time, when a command first needs them, so that
 * every other start of cella (every container start) does not pay for
 * loading them. */
#ifndef CELLA_BASE_DL_H
#define CELLA_BASE_DL_H

#include <stddef.h>

struct err;

/* A function to look up, and where to put it. */
struct dl_sym {
    void *slot;             /* a pointer to the function pointer */
    const char *name;
};

/* dlopen soname (from the Debian package package) and fill every slot.
 * who names what needed it, for messages ("--net user"). -1 with e
 * filled when the library or a function is missing. */
int dl_load(const char *soname, const char *package, const char *who,
            const struct dl_sym *syms, size_t n, struct err *e);

#endif
