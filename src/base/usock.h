/* Unix stream sockets made at a path: the address, its length checked,
 * and a listening socket that takes the place of a stale one (what a
 * killed process left) but never of one something listens on, nor of a
 * file that is no socket. Messages begin with prefix and the path
 * ("--api PATH: ...", "unix:PATH: ..."). */
#ifndef CELLA_BASE_USOCK_H
#define CELLA_BASE_USOCK_H

#include <sys/un.h>

struct err;

/* Fill *a with path; -1 with e filled when it does not fit. */
int usock_addr(const char *path, struct sockaddr_un *a, const char *prefix,
               struct err *e);
/* A socket listening at path (backlog connections waiting): fd, or -1
 * with e filled. */
int usock_listen(const char *path, int backlog, const char *prefix,
                 struct err *e);

#endif
