/* Where a migration goes: "tcp:HOST:PORT" (HOST a name, an IPv4 address
 * or a bracketed IPv6 one) or "unix:PATH". The target listens there, the
 * source connects. */
#ifndef CELLA_VM_MIGRATE_URI_H
#define CELLA_VM_MIGRATE_URI_H

struct err;

/* A listening socket at uri: fd, or -1 with e filled. A unix socket's
 * file is made here (one left by a dead process is replaced). */
int migrate_listen(const char *uri, struct err *e);
/* A connected socket to uri: fd, or -1 with e filled. */
int migrate_connect(const char *uri, struct err *e);
/* Whether uri has one of the two forms (for the API's check). */
int migrate_uri_check(const char *uri, struct err *e);

#endif
