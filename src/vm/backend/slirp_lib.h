/* libslirp's entry points, loaded with dlopen when the first user network
 * starts. Linked in the usual way, libslirp and GLib (which it needs)
 * were loaded before main by every cella command, containers included:
 * about 0.7 ms of each start. */
#ifndef CELLA_VM_BACKEND_SLIRP_LIB_H
#define CELLA_VM_BACKEND_SLIRP_LIB_H

#include <libslirp.h>

#include "base/err.h"

struct slirp_lib {
    __typeof__(&slirp_new) new_;
    __typeof__(&slirp_cleanup) cleanup;
    __typeof__(&slirp_input) input;
    __typeof__(&slirp_pollfds_fill) pollfds_fill;
    __typeof__(&slirp_pollfds_poll) pollfds_poll;
    __typeof__(&slirp_handle_timer) handle_timer;
    __typeof__(&slirp_add_hostfwd) add_hostfwd;
    __typeof__(&slirp_state_version) state_version;
    __typeof__(&slirp_state_save) state_save;
    __typeof__(&slirp_state_load) state_load;
};

/* The loaded library; the same one on every call. NULL with e set when
 * libslirp.so.0 or one of its symbols is missing. Not thread-safe: call
 * it while setting the machine up. */
const struct slirp_lib *slirp_lib_load(struct err *e);

#endif
