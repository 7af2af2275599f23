/* The control API's socket as both ends name it: a unix socket address
 * from --api PATH. */
#ifndef CELLA_VM_API_SOCK_H
#define CELLA_VM_API_SOCK_H

#include <sys/un.h>

struct err;

/* Fill *a with path; -1 with e filled when it does not fit. */
int api_sock_addr(const char *path, struct sockaddr_un *a, struct err *e);

#endif
