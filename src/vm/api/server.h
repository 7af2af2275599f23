/* The control API: HTTP/1.1 with JSON bodies on a unix socket, served on
 * a thread of its own (`cella vm run --api PATH`; curl --unix-socket). */
#ifndef CELLA_VM_API_SERVER_H
#define CELLA_VM_API_SERVER_H

struct api_server;
struct err;
struct machine;

/* Listen on a new socket at path (a stale socket there is replaced;
 * anything else refused) and serve m's API; NULL with e filled. */
struct api_server *api_start(struct machine *m, const char *path,
                             struct err *e);
/* Stop serving (a request in progress finishes first), remove the
 * socket and free; NULL is fine. */
void api_stop(struct api_server *s);

#endif
