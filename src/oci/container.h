/* The container library: what the runtime does to a container, called by
 * the commands (src/oci/cmd/) and by `cella ct` with options as structs,
 * never an argv. Each returns -1 with e filled on failure. */
#ifndef CELLA_OCI_CONTAINER_H
#define CELLA_OCI_CONTAINER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <json-c/json.h>

#include "oci/hooks.h"
#include "oci/spec.h"
#include "oci/state.h"

struct err;
struct cg_resources;
struct cg_stats;

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

/* The fds systemd-style socket activation hands this process (LISTEN_FDS,
 * when LISTEN_PID is absent or ours), for create_opts.listen_fds: the
 * container gets them too, told LISTEN_FDS=n and LISTEN_PID=1. */
int create_listen_fds(void);

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

/* Create and start; unless detached, wait in the foreground (signals
 * forwarded to the init, the terminal proxied when the process has one
 * and there is no console socket) and delete it afterwards unless kept.
 * Returns its exit status in the shell's form (0 when detached). */
struct run_opts {
    struct create_opts create;
    bool detach, keep;
};
int container_run(const struct run_opts *o, struct err *e);

/* Send sig to the container's init, or with all to every process in its
 * cgroup. A stopped container is an error. */
int container_kill(const struct oci_state *st, int sig, bool all,
                   struct err *e);

/* Delete a stopped container (any, with force: killed first): its
 * cgroup, its poststop hooks, its state directory. */
int container_delete(struct oci_state *st, bool force, struct err *e);

/* A new process in a running (or created) container: its namespaces, its
 * cgroup and the seccomp filter of its kept config. Returns the process's
 * exit status in the shell's form, or 0 when detached. */
struct exec_opts {
    json_object *process;        /* the "process" object to run */
    const char *pid_file;        /* NULL: none */
    const char *console_socket;  /* NULL: none (a terminal is proxied) */
    bool detach;
    int preserve_fds;
};
int container_exec(const struct oci_state *st, const struct exec_opts *o,
                   struct err *e);

/* Through the container's cgroup (an error for a container made without
 * one, naming the operation: what for the pids, "ps" or "kill --all").
 * Every pid in it, malloc'd: */
int container_pids(const struct oci_state *st, const char *what,
                   pid_t **pids, size_t *n, struct err *e);
/* Freeze (pause) or thaw (resume) every process; recorded in the state. */
int container_pause(struct oci_state *st, bool paused, struct err *e);
/* New limits (linux.resources) for a container that is not stopped. */
int container_update(const struct oci_state *st,
                     const struct cg_resources *r, struct err *e);
int container_stats(const struct oci_state *st, struct cg_stats *s,
                    struct err *e);

/* The config.json the container was made from, kept in its state
 * directory: written at create, read back whole, and its hooks of kind k
 * run with the state (as status) on their stdin. */
int container_config_save(const struct oci_state *st,
                          const struct oci_spec *s, struct err *e);
json_object *container_config(const struct oci_state *st, struct err *e);
int container_hooks_run(const struct oci_state *st, enum hook_kind k,
                        enum oci_status status, struct err *e);

/* Proxy the terminal master (when >= 0) until it hangs up, then wait for
 * pid (as the subreaper of everything in the container), reaping whatever
 * else ends meanwhile; its exit status in the shell's form (128 + signal). */
int wait_reaping(pid_t pid, int master);

/* Write a pid file atomically. */
int write_pid_file(const char *path, pid_t pid, struct err *e);

#endif
