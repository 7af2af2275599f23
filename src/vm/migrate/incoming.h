/* Live migration, the target's side: listen at the --incoming address,
 * take one connection and read a machine from it (stream.h): its config
 * first, which the machine is built from, then its RAM and state into
 * that machine, then the hand-over with the source. The machine is not
 * started until all of it has come and checked: a stream cut short or
 * refused never runs a guest. */
#ifndef CELLA_VM_MIGRATE_INCOMING_H
#define CELLA_VM_MIGRATE_INCOMING_H

#include <stdbool.h>

#include "vm/config.h"
#include "vm/migrate/stream.h"

struct err;
struct machine;

struct incoming {
    int fd;                 /* the connection, or -1 */
    bool answered;          /* RUNNING or FAILED was sent */
    struct vm_config cfg;   /* the source's config (strings owned) */
    struct frame f;
};

/* Listen at uri (saying so on stderr once it does), accept the source,
 * read the header and the config. -1 with e filled. */
int incoming_accept(struct incoming *in, const char *uri, struct err *e);
/* Read RAM and state into m, built from in->cfg, and take the hand-over:
 * once it returns 0 the source has let go of the disks and m has taken
 * them. -1 with e filled (and told to the source). */
int incoming_receive(struct incoming *in, struct machine *m, struct err *e);
/* Tell the source m runs, once nothing but starting its harts is left
 * that could fail: from here the source ends its own. */
int incoming_running(struct incoming *in, struct err *e);
/* Tell the source this machine will not run, and why (e), unless it was
 * told already: the source then keeps its own. */
void incoming_refuse(struct incoming *in, const struct err *e);
void incoming_close(struct incoming *in);

#endif
