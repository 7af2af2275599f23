/* Inside the container: the init's own setup between fork and exec —
 * mounts, hooks, hostname, sysctl, terminal, waiting for `start`, then the
 * process. Failures before `start` travel to the runtime over the sync
 * channel; later ones go to the container's stderr. */
#include "oci/container.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/keyctl.h>

#include "base/err.h"
#include "oci/hooks.h"
#include "oci/process.h"
#include "oci/rootfs/rootfs.h"
#include "oci/seccomp/seccomp.h"
#include "oci/sync.h"

static int write_sysctls(const struct oci_spec *s, struct err *e)
{
    for (size_t i = 0; i < s->nsysctl; i++) {
        char path[512];
        snprintf(path, sizeof path, "/proc/sys/%s", s->sysctl[i].key);
        for (char *p = path + 10; *p; p++)
            if (*p == '.')
                *p = '/';
        int fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
            return err_set(e, errno, "sysctl %s", s->sysctl[i].key);
        const char *v = s->sysctl[i].value;
        ssize_t n = write(fd, v, strlen(v));
        int saved = errno;
        close(fd);
        if (n != (ssize_t)strlen(v))
            return err_set(e, n < 0 ? saved : EIO, "sysctl %s = %s",
                           s->sysctl[i].key, v);
    }
    return 0;
}

static int set_names(const struct oci_spec *s, struct err *e)
{
    if (s->hostname && sethostname(s->hostname, strlen(s->hostname)) < 0)
        return err_set(e, errno, "hostname '%s'", s->hostname);
    if (s->domainname &&
        setdomainname(s->domainname, strlen(s->domainname)) < 0)
        return err_set(e, errno, "domainname '%s'", s->domainname);
    return 0;
}

/* The container's hooks, with its state (as "created") on stdin. */
static int run_hooks(const struct init_args *a, enum hook_kind k,
                     struct err *e)
{
    if (!a->spec->hooks.n[k])
        return 0;
    char *state = state_json(a->st, ST_CREATED);
    int r = hooks_run(&a->spec->hooks, k, state, e);
    free(state);
    return r;
}

/* Everything up to "ready for start". */
static int setup(const struct init_args *a, struct err *e)
{
    const struct oci_spec *s = a->spec;
    bool in_userns = s->ns.present[NS_USER];
    if (sync_recv(a->sync_fd, SYNC_GO, NULL, "its pid was known", e) < 0)
        return -1;
    /* A session keyring of its own, so keys never leak between
     * containers; kernels without keyrings just lack the feature. */
    if (!a->opts->no_new_keyring &&
        syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL) < 0 &&
        errno != ENOSYS && errno != EACCES)
        return err_set(e, errno, "new session keyring");
    if (rootfs_prepare(s->rootfs, in_userns, e) < 0 || set_names(s, e) < 0)
        return -1;
    int pid;
    if (sync_send(a->sync_fd, SYNC_PREPARED, 0, e) < 0 ||
        sync_recv(a->sync_fd, SYNC_HOOKS_DONE, &pid, "hooks", e) < 0)
        return -1;
    a->st->pid = pid;
    /* startContainer hooks get the state after the root has changed, where
     * neither the state directory nor the host's users can be looked up. */
    if (s->hooks.n[HOOK_START_CONTAINER])
        state_owner(a->st, a->st->owner, sizeof a->st->owner);
    if (run_hooks(a, HOOK_CREATE_CONTAINER, e) < 0)
        return -1;
    /* The seccomp listener socket is a host path: reach it before the
     * root changes. */
    if (s->seccomp &&
        seccomp_listener_connect(s->seccomp, a->st, ST_CREATING, e) < 0)
        return -1;
    /* Sysctls before the root changes: rootfs_enter makes the container's
     * /proc/sys read-only (linux.readonlyPaths). The /proc here is the
     * host's, and a namespaced sysctl resolves through the writer's own
     * namespaces, so the values land in the container's. */
    if (write_sysctls(s, e) < 0 ||
        rootfs_enter(s->rootfs, a->opts->no_pivot, s->process.cwd, e) < 0 ||
        process_check_exec(&s->process, e) < 0)
        return -1;
    if (s->process.terminal &&
        process_terminal(&s->process, a->console_fd, e) < 0)
        return -1;
    if (a->console_fd >= 0)
        close(a->console_fd);
    return 0;
}

/* Mark every descriptor past stdio and the preserved ones close-on-exec. */
static void close_extra_fds(int preserve)
{
    syscall(SYS_close_range, 3 + preserve, ~0u, 4 /* CLOSE_RANGE_CLOEXEC */);
}

/* p's environment without LISTEN_*, then LISTEN_FDS=n, LISTEN_PID=1. */
static int with_listen_env(struct oci_process *p, int n)
{
    const char **env = calloc(p->nenv + 3, sizeof *env);
    static char fds[32];
    if (!env)
        return -1;
    size_t k = 0;
    for (size_t i = 0; i < p->nenv; i++)
        if (strncmp(p->env[i], "LISTEN_FDS=", 11) &&
            strncmp(p->env[i], "LISTEN_PID=", 11))
            env[k++] = p->env[i];
    snprintf(fds, sizeof fds, "LISTEN_FDS=%d", n);
    env[k++] = fds;
    env[k++] = "LISTEN_PID=1";
    p->env = env;
    p->nenv = k;
    return 0;
}

void container_init(const struct init_args *a)
{
    struct err e = {0};
    if (setup(a, &e) < 0) {
        sync_send_err(a->sync_fd, &e);
        _exit(1);
    }
    if (sync_send(a->sync_fd, SYNC_READY, 0, &e) < 0)
        _exit(1);
    close(a->sync_fd);
    char byte;
    ssize_t n;
    do
        n = read(a->fifo_fd, &byte, 1);
    while (n < 0 && errno == EINTR);
    if (n != 1)
        _exit(1);
    close(a->fifo_fd);
    if (run_hooks(a, HOOK_START_CONTAINER, &e) < 0) {
        err_print(&e);
        _exit(127);
    }
    close_extra_fds(a->opts->preserve_fds + a->opts->listen_fds);
    struct oci_process p = a->spec->process;
    if (a->opts->listen_fds && with_listen_env(&p, a->opts->listen_fds) < 0) {
        err_set(&e, ENOMEM, "out of memory");
        err_print(&e);
        _exit(127);
    }
    process_exec(&p, a->spec->seccomp, &e);
    err_print(&e);
    _exit(127);
}
