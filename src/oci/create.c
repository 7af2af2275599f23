/* The runtime side of `create`: check the bundle, make the state
 * directory, the cgroup and the exec fifo, start the container's first
 * process and answer it until it waits for `start`. Any failure undoes
 * all of it. */
#include "oci/container.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/err.h"
#include "oci/cgroup/cgroup.h"
#include "oci/hooks.h"
#include "oci/log.h"
#include "oci/rootfs/rootfs.h"
#include "oci/sync.h"
#include "oci/terminal.h"

int write_pid_file(const char *path, pid_t pid, struct err *e)
{
    char tmp[PATH_MAX + 8], text[24];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return err_set(e, errno, "pid file %s", path);
    int len = snprintf(text, sizeof text, "%d", (int)pid);
    ssize_t n = write(fd, text, (size_t)len);
    close(fd);
    if (n != len || rename(tmp, path) < 0) {
        unlink(tmp);
        return err_set(e, errno, "pid file %s", path);
    }
    return 0;
}

int create_listen_fds(void)
{
    const char *n = getenv("LISTEN_FDS"), *pid = getenv("LISTEN_PID");
    long v = n ? strtol(n, NULL, 10) : 0;
    if (v <= 0 || v > 1024 || (pid && strtol(pid, NULL, 10) != getpid()))
        return 0;
    return (int)v;
}

static void fill_state(struct oci_state *st, const struct oci_spec *s,
                       const struct create_opts *o)
{
    snprintf(st->bundle, sizeof st->bundle, "%s", s->bundle);
    snprintf(st->rootfs, sizeof st->rootfs, "%s", rootfs_path(s->rootfs));
    log_timestamp(st->created, sizeof st->created);
    st->systemd_cgroup = o->systemd_cgroup;
    for (int k = 0; k < HOOK_KINDS; k++)
        if (s->hooks.n[k])
            st->hooks |= 1u << k;
    st->annotations = s->annotations ? json_object_get(s->annotations) : NULL;
}

/* Stage 1: join and make namespaces, then fork the init into them (a new
 * pid or time namespace only takes effect for children). */
static void stage1(const struct oci_spec *s, const struct create_opts *o,
                   int sync_fd, int fifo_fd, int console_fd,
                   struct oci_state *st)
{
    struct err e = {0};
    int flags = ns_new_flags(&s->ns);
    if (ns_join_paths(&s->ns, &e) < 0)
        goto fail;
    if (flags & CLONE_NEWUSER) {
        if (unshare(CLONE_NEWUSER) < 0) {
            err_set(&e, errno, "new user namespace");
            goto fail;
        }
        if (sync_send(sync_fd, SYNC_MAPS, 0, &e) < 0 ||
            sync_recv(sync_fd, SYNC_MAPS_DONE, NULL, "id maps", &e) < 0)
            goto fail;
        if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0) {
            err_set(&e, errno, "become root in the user namespace (is id 0 "
                    "mapped?)");
            goto fail;
        }
    }
    /* The new namespaces are made while the runtime makes the cgroup
     * (a network namespace alone takes half a millisecond); the cgroup
     * namespace comes after, rooted at the container's cgroup. */
    if (unshare(flags & ~(CLONE_NEWUSER | CLONE_NEWCGROUP)) < 0) {
        err_set(&e, errno, "new namespaces");
        goto fail;
    }
    if (sync_recv(sync_fd, SYNC_GO, NULL, "the cgroup", &e) < 0)
        goto fail;
    if ((flags & CLONE_NEWCGROUP) && unshare(CLONE_NEWCGROUP) < 0) {
        err_set(&e, errno, "new cgroup namespace");
        goto fail;
    }
    if (ns_write_time_offsets(&s->ns, &e) < 0)
        goto fail;
    pid_t pid = fork();
    if (pid < 0) {
        err_set(&e, errno, "fork the container's init");
        goto fail;
    }
    if (pid == 0) {
        struct init_args a = {s, o, sync_fd, fifo_fd, console_fd, st};
        container_init(&a);
    }
    if (sync_send(sync_fd, SYNC_PID, pid, &e) < 0)
        _exit(1);
    _exit(0);
fail:
    sync_send_err(sync_fd, &e);
    _exit(1);
}

static int run_runtime_hooks(const struct oci_spec *s, struct oci_state *st,
                             struct err *e)
{
    if (!s->hooks.n[HOOK_PRESTART] && !s->hooks.n[HOOK_CREATE_RUNTIME])
        return 0;
    char *state = state_json(st, ST_CREATED);
    int r = hooks_run(&s->hooks, HOOK_PRESTART, state, e);
    if (r == 0)
        r = hooks_run(&s->hooks, HOOK_CREATE_RUNTIME, state, e);
    free(state);
    return r;
}

/* The config copy and the cgroup, made while stage 1 makes the
 * namespaces; stage 1 is in the cgroup when this returns. */
static int save_config_and_cgroup(const struct oci_spec *s,
                                  const struct create_opts *o,
                                  struct oci_state *st, struct cgroup **cg,
                                  pid_t stage1_pid, struct err *e)
{
    if (container_config_save(st, s, e) < 0)
        return -1;
    if (o->no_cgroup)
        return 0;
    if (cg_create(s->cgroups_path, o->id, o->systemd_cgroup, s->resources,
                  cg, e) < 0)
        return -1;
    snprintf(st->cgroup, sizeof st->cgroup, "%s", cg_path(*cg));
    return cg_enter(*cg, stage1_pid, e);
}

/* Answer the container until it is ready; fills st->pid. */
static int converse(const struct oci_spec *s, const struct create_opts *o,
                    struct oci_state *st, struct cgroup **cg,
                    pid_t stage1_pid, int fd, struct err *e)
{
    if (ns_new_flags(&s->ns) & CLONE_NEWUSER) {
        if (sync_recv(fd, SYNC_MAPS, NULL, "its id maps", e) < 0 ||
            ns_write_maps(&s->ns, stage1_pid, e) < 0 ||
            sync_send(fd, SYNC_MAPS_DONE, 0, e) < 0)
            return -1;
    }
    if (save_config_and_cgroup(s, o, st, cg, stage1_pid, e) < 0 ||
        sync_send(fd, SYNC_GO, 0, e) < 0)
        return -1;
    int pid;
    /* The init waits for this GO, so its messages never overtake the
     * pid that stage 1 sends on the same socket. */
    if (sync_recv(fd, SYNC_PID, &pid, "it forked its init", e) < 0 ||
        sync_send(fd, SYNC_GO, 0, e) < 0)
        return -1;
    st->pid = pid;
    st->start_time = proc_start_time(pid);
    if (sync_recv(fd, SYNC_PREPARED, NULL, "its mounts were done", e) < 0 ||
        run_runtime_hooks(s, st, e) < 0 ||
        sync_send(fd, SYNC_HOOKS_DONE, pid, e) < 0 ||
        sync_recv(fd, SYNC_READY, NULL, "it was ready", e) < 0)
        return -1;
    return 0;
}

static int console_fds(const struct oci_spec *s, const struct create_opts *o,
                       int *child_end, int *our_end, struct err *e)
{
    *child_end = *our_end = -1;
    if (!s->process.terminal)
        return 0;
    if (o->console_socket) {
        *child_end = console_socket_connect(o->console_socket, e);
        return *child_end < 0 ? -1 : 0;
    }
    if (!o->proxy_tty)
        return err_set(e, 0, "process.terminal is set: a detached container "
                       "needs --console-socket");
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
        return err_set(e, errno, "socketpair");
    *child_end = sv[1];
    *our_end = sv[0];
    return 0;
}

int container_create(const struct create_opts *o, struct oci_state *st,
                     int *tty_master, struct err *e)
{
    struct oci_spec s;
    struct cgroup *cg = NULL;
    int sync[2] = {-1, -1}, fifo_fd = -1, child_con = -1, our_con = -1;
    pid_t stage1_pid = -1;
    *tty_master = -1;
    if (spec_load(o->bundle, &s, e) < 0)
        return -1;
    if (!s.ns.present[NS_MNT]) {
        spec_free(&s);
        return err_set(e, 0, "config.json: linux.namespaces: a mount "
                       "namespace is required");
    }
    /* The init's root in a user namespace may not reach a bind source by
     * path: the runtime, still the host's root, clones them first. */
    if (s.ns.present[NS_USER] && rootfs_open_bind_sources(s.rootfs, e) < 0) {
        spec_free(&s);
        return -1;
    }
    if (state_make_dir(o->root, o->id, st, e) < 0) {
        spec_free(&s);
        return -1;
    }
    fill_state(st, &s, o);
    char fifo[PATH_MAX + 16];
    state_file(st, "exec.fifo", fifo, sizeof fifo);
    if (mkfifo(fifo, 0600) < 0) {
        err_set(e, errno, "exec fifo %s", fifo);
        goto fail;
    }
    fifo_fd = open(fifo, O_RDWR | O_CLOEXEC);
    if (fifo_fd < 0) {
        err_set(e, errno, "exec fifo %s", fifo);
        goto fail;
    }
    if (console_fds(&s, o, &child_con, &our_con, e) < 0)
        goto fail;
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sync) < 0) {
        err_set(e, errno, "socketpair");
        goto fail;
    }
    stage1_pid = fork();
    if (stage1_pid < 0) {
        err_set(e, errno, "fork");
        goto fail;
    }
    if (stage1_pid == 0) {
        close(sync[0]);
        stage1(&s, o, sync[1], fifo_fd, child_con, st);
    }
    close(sync[1]);
    sync[1] = -1;
    if (child_con >= 0)
        close(child_con);
    child_con = -1;
    int r = converse(&s, o, st, &cg, stage1_pid, sync[0], e);
    int status;
    /* A failure before the go (the cgroup, the id maps) leaves stage 1
     * waiting for it. */
    if (r < 0)
        kill(stage1_pid, SIGKILL);
    waitpid(stage1_pid, &status, 0);
    stage1_pid = -1;
    if (r < 0)
        goto fail;
    if (our_con >= 0) {
        *tty_master = terminal_recv_master(our_con, e);
        if (*tty_master < 0)
            goto fail;
        close(our_con);
        our_con = -1;
    }
    if (state_save(st, e) < 0 ||
        (o->pid_file && write_pid_file(o->pid_file, st->pid, e) < 0))
        goto fail;
    close(sync[0]);
    close(fifo_fd);
    if (cg)
        cg_close(cg);
    spec_free(&s);
    return 0;
fail:
    if (st->pid > 0)
        kill(st->pid, SIGKILL);
    if (stage1_pid > 0) {
        kill(stage1_pid, SIGKILL);
        waitpid(stage1_pid, NULL, 0);
    }
    for (int i = 0; i < 2; i++)
        if (sync[i] >= 0)
            close(sync[i]);
    if (fifo_fd >= 0)
        close(fifo_fd);
    if (child_con >= 0)
        close(child_con);
    if (our_con >= 0)
        close(our_con);
    if (*tty_master >= 0)
        close(*tty_master);
    *tty_master = -1;
    if (cg) {
        cg_destroy(cg, NULL);
        cg_close(cg);
    }
    state_remove(st, NULL);
    state_free(st);
    spec_free(&s);
    return -1;
}
