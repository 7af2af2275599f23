/* `exec`: a new process in a running container. A first child joins the
 * container's namespaces (and is put in its cgroup); its child, in the pid
 * namespace too, takes the process's last steps under the container's
 * seccomp filter and execs. */
#include "oci/container.h"

#include <errno.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/err.h"
#include "oci/cgroup/cgroup.h"
#include "oci/ns.h"
#include "oci/process.h"
#include "oci/seccomp/seccomp.h"
#include "oci/sync.h"
#include "oci/terminal.h"

/* The first child joins the namespaces; its child (in the pid namespace
 * too) becomes the process. */
static void exec_child(pid_t target, struct oci_process *p,
                       struct oci_seccomp *sc, int fd, int console_fd,
                       int preserve)
{
    struct err e = {0};
    if (sync_recv(fd, SYNC_GO, NULL, "the cgroup", &e) < 0 ||
        ns_join_pid(target, &e) < 0) {
        sync_send_err(fd, &e);
        _exit(1);
    }
    pid_t pid = fork();
    if (pid < 0) {
        err_set(&e, errno, "fork");
        sync_send_err(fd, &e);
        _exit(1);
    }
    if (pid > 0) {
        sync_send(fd, SYNC_PID, pid, &e);
        _exit(0);
    }
    if (p->terminal && process_terminal(p, console_fd, &e) < 0) {
        sync_send_err(fd, &e);
        _exit(1);
    }
    syscall(SYS_close_range, 3 + preserve, ~0u, 4 /* CLOSE_RANGE_CLOEXEC */);
    process_exec(p, sc, &e);
    sync_send_err(fd, &e);
    _exit(127);
}

static int run_exec(const struct oci_state *st, const struct exec_opts *o,
                    struct oci_process *p, struct oci_seccomp *sc,
                    struct err *e)
{
    int sync[2], con = -1, our_con = -1, master = -1;
    /* listenerPath names a host socket: connect before joining the
     * container's mount namespace. */
    if (sc && seccomp_listener_connect(sc, st, ST_RUNNING, e) < 0)
        return -1;
    if (p->terminal) {
        if (o->console_socket) {
            if ((con = console_socket_connect(o->console_socket, e)) < 0)
                return -1;
        } else if (o->detach) {
            return err_set(e, 0, "exec: a detached terminal needs "
                           "--console-socket");
        } else {
            int sv[2];
            if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
                return err_set(e, errno, "socketpair");
            our_con = sv[0];
            con = sv[1];
        }
    }
    struct cgroup *cg = NULL;
    if (st->cgroup[0] && cg_open(st->cgroup, &cg, e) < 0)
        return -1;
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sync) < 0)
        return err_set(e, errno, "socketpair");
    if (!o->detach)
        prctl(PR_SET_CHILD_SUBREAPER, 1);
    pid_t child = fork();
    if (child < 0)
        return err_set(e, errno, "fork");
    if (child == 0) {
        close(sync[0]);
        exec_child(st->pid, p, sc, sync[1], con, o->preserve_fds);
    }
    close(sync[1]);
    if (con >= 0)
        close(con);
    int pid = -1, r = -1;
    if ((!cg || cg_enter(cg, child, e) == 0) &&
        sync_send(sync[0], SYNC_GO, 0, e) == 0 &&
        sync_recv(sync[0], SYNC_PID, &pid, "its process forked", e) == 0) {
        /* Closed on a successful execve; an error message otherwise. */
        struct sync_msg m;
        ssize_t n = recv(sync[0], &m, sizeof m, 0);
        if (n == sizeof m && m.type == SYNC_ERROR) {
            m.text[sizeof m.text - 1] = 0;
            err_set(e, m.errnum, "%s", m.text);
        } else {
            r = 0;
        }
    }
    waitpid(child, NULL, 0);
    close(sync[0]);
    if (cg)
        cg_close(cg);
    if (r == 0 && our_con >= 0 && (master = terminal_recv_master(our_con, e)) < 0)
        r = -1;
    if (our_con >= 0)
        close(our_con);
    if (r == 0 && o->pid_file && write_pid_file(o->pid_file, pid, e) < 0)
        r = -1;
    if (r < 0) {
        if (pid > 0)
            kill(pid, SIGKILL);
        return -1;
    }
    if (o->detach)
        return 0;
    return wait_reaping(pid, master);
}

int container_exec(const struct oci_state *st, const struct exec_opts *o,
                   struct err *e)
{
    enum oci_status s = state_status(st);
    if (s != ST_RUNNING && s != ST_CREATED)
        return err_set(e, 0, "container %s is %s: cannot exec in it", st->id,
                       state_status_name(s));
    json_object *config = container_config(st, e), *lin = NULL,
                *seccomp = NULL;
    if (!config)
        return -1;
    struct oci_process p = {0};
    struct oci_seccomp *sc = NULL;
    int r = -1;
    if (json_object_object_get_ex(config, "linux", &lin))
        json_object_object_get_ex(lin, "seccomp", &seccomp);
    if ((!seccomp || seccomp_parse(seccomp, &sc, e) == 0) &&
        process_parse(o->process, "process", &p, e) == 0)
        r = run_exec(st, o, &p, sc, e);
    process_free(&p);
    seccomp_free(sc);
    json_object_put(config);
    return r;
}
