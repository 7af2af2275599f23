/* Loading libmicrohttpd at run time: dlopen of its soname and a lookup of
 * each function server.c calls. */
#include "vm/api/mhd_lib.h"

#include "base/dl.h"

static struct mhd_lib lib;
static int loaded;

const struct mhd_lib *mhd_lib_load(struct err *e)
{
    if (loaded)
        return &lib;
    const struct dl_sym fns[] = {
        { &lib.start_daemon, "MHD_start_daemon" },
        { &lib.stop_daemon, "MHD_stop_daemon" },
        { &lib.create_response_from_buffer,
          "MHD_create_response_from_buffer" },
        { &lib.add_response_header, "MHD_add_response_header" },
        { &lib.queue_response, "MHD_queue_response" },
        { &lib.destroy_response, "MHD_destroy_response" },
        { &lib.lookup_connection_value, "MHD_lookup_connection_value" },
    };
    if (dl_load("libmicrohttpd.so.12", "libmicrohttpd12", "--api", fns,
                sizeof fns / sizeof fns[0], e) < 0)
        return NULL;
    loaded = 1;
    return &lib;
}
