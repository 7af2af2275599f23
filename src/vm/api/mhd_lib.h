/* libmicrohttpd's entry points, loaded with dlopen when a machine is
 * started with --api. Linked in the usual way, libmicrohttpd and GnuTLS
 * (which its build needs) were loaded before main by every cella command,
 * containers included. */
#ifndef CELLA_VM_API_MHD_LIB_H
#define CELLA_VM_API_MHD_LIB_H

#include <microhttpd.h>

struct err;

struct mhd_lib {
    __typeof__(&MHD_start_daemon) start_daemon;
    __typeof__(&MHD_stop_daemon) stop_daemon;
    __typeof__(&MHD_create_response_from_buffer) create_response_from_buffer;
    __typeof__(&MHD_add_response_header) add_response_header;
    __typeof__(&MHD_queue_response) queue_response;
    __typeof__(&MHD_destroy_response) destroy_response;
    __typeof__(&MHD_lookup_connection_value) lookup_connection_value;
};

/* The loaded library; the same one on every call. NULL with e set when
 * libmicrohttpd.so.12 or one of its functions is missing. Not
 * thread-safe: call it while setting the machine up. */
const struct mhd_lib *mhd_lib_load(struct err *e);

#endif
