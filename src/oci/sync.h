/* Messages between the runtime and the container's first processes, over
 * a SOCK_SEQPACKET pair: the runtime answers each request before the
 * container goes on, and a failure inside travels back as text. */
#ifndef CELLA_OCI_SYNC_H
#define CELLA_OCI_SYNC_H

#include <stdbool.h>

struct err;

enum sync_type {
    SYNC_GO = 1,        /* runtime → stage 1: in the cgroup, go on;
                         * runtime → init: your pid is known, go on */
    SYNC_MAPS,          /* stage 1 → runtime: write my uid/gid maps */
    SYNC_MAPS_DONE,     /* runtime → stage 1 */
    SYNC_PID,           /* stage 1 → runtime: the init's pid (value) */
    SYNC_PREPARED,      /* init → runtime: mounts done, run the hooks */
    SYNC_HOOKS_DONE,    /* runtime → init */
    SYNC_READY,         /* init → runtime: waiting for start */
    SYNC_ERROR,         /* either way: text says what failed */
};

struct sync_msg {
    int type;
    int value;
    int errnum;
    char text[960];
};

int sync_send(int fd, int type, int value, struct err *e);
/* Send a failure (the error's text) and return -1. */
int sync_send_err(int fd, const struct err *err);
/* Receive one message; an SYNC_ERROR from the other side becomes e and -1;
 * a closed socket is an error naming what was awaited. */
int sync_recv(int fd, int want, int *value, const char *what, struct err *e);

#endif
