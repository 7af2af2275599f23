/* The container's terminal: a pty made inside the container, its master
 * sent over the --console-socket (SCM_RIGHTS) or proxied by `run`. */
#ifndef CELLA_OCI_TERMINAL_H
#define CELLA_OCI_TERMINAL_H

#include <sys/types.h>

struct err;

/* The runtime side, before the container starts: connect to the
 * --console-socket path (a unix stream socket). Returns the fd. */
int console_socket_connect(const char *path, struct err *e);

/* In the container, after its /dev/pts is mounted and the root switched:
 * open a pty from /dev/ptmx, size it (rows/cols 0: leave), send the master
 * over sock, make the slave the controlling terminal and fds 0-2. */
int terminal_setup(int sock, unsigned rows, unsigned cols, struct err *e);

/* For a foreground `run -t` with no console socket: receive the master
 * from sock (the other end of a socketpair given to terminal_setup). */
int terminal_recv_master(int sock, struct err *e);
/* Copy between our stdio and master (stdin raw when it is a tty, window
 * size followed) until the master hangs up. */
int terminal_proxy(int master, struct err *e);

#endif
