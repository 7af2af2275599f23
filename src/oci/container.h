/* Making a container: the runtime side of `create` (and `run`), and the
 * container's own first steps up to waiting for `start`. */
#ifndef CELLA_OCI_CONTAINER_H
#define CELLA_OCI_CONTAINER_H

#include <stdbool.h>
#include <sys/types.h>

#include "oci/spec.h"
#include "oci/state.h"

struct err;

struct create_opts {
    const char *root, *id, *bundle;
    const char *pid_file;        /* NULL: none */
    const char *console_socket;  /* NULL: none */
    int preserve_fds;
    int listen_fds;              /* LISTEN_FDS passed on (after preserved) */
    bool no_pivot, no_new_keyring, systemd_cgroup, no_cgroup;
    /* run -t without a console socket: the runtime keeps the pty master
     * (returned in *tty_master) and proxies it. */
    bool proxy_tty;
};

/* Create the container: on success it waits for start and st describes
 * it; *tty_master is the pty master with proxy_tty, else -1. On failure
 * nothing is left behind: no state directory, cgroup or process. */
int container_create(const struct create_opts *o, struct oci_state *st,
                     int *tty_master, struct err *e);

/* What the container's init does once forked (never returns). */
struct init_args {
    const struct oci_spec *spec;
    const struct create_opts *opts;
    int sync_fd;        /* to the runtime */
    int fifo_fd;        /* exec fifo, O_RDWR: a byte arrives on start */
    int console_fd;     /* console socket or pty-proxy pair, -1: none */
    struct oci_state *st;  /* for the hooks' stdin; pid filled in here */
};
void container_init(const struct init_args *a) __attribute__((noreturn));

/* Release a created container's init (the exec fifo), then the poststart
 * hooks. */
int container_start(struct oci_state *st, struct err *e);

/* Delete a stopped container (any, with force: killed first): its
 * cgroup, its poststop hooks, its state directory. */
int container_delete(struct oci_state *st, bool force, struct err *e);

/* Proxy the terminal master (when >= 0) until it hangs up, then wait for
 * pid (as the subreaper of everything in the container), reaping whatever
 * else ends meanwhile; its exit status in the shell's form (128 + signal). */
int wait_reaping(pid_t pid, int master);

/* Write a pid file atomically. */
int write_pid_file(const char *path, pid_t pid, struct err *e);

#endif
