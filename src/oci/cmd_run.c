/* `create` and `run`: a container from a bundle; run also starts it,
 * waits for it in the foreground (signals forwarded, the terminal
 * proxied) and deletes it afterwards. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/err.h"
#include "oci/cmd.h"
#include "oci/container.h"
#include "oci/opts.h"
#include "oci/terminal.h"

struct create_args {
    struct create_opts o;
    long preserve_fds;
    bool detach, keep;
};

/* Socket activation: the fds systemd-style LISTEN_FDS names for us go to
 * the container too, which is told LISTEN_FDS=n and LISTEN_PID=1. */
static void listen_fds(struct create_opts *o)
{
    const char *n = getenv("LISTEN_FDS"), *pid = getenv("LISTEN_PID");
    long v = n ? strtol(n, NULL, 10) : 0;
    if (v <= 0 || v > 1024 || (pid && strtol(pid, NULL, 10) != getpid()))
        return;
    o->listen_fds = (int)v;
}

static int parse(const char *cmd, struct oci_ctx *c, int argc, char **argv,
                 struct create_args *a, struct err *e)
{
    memset(a, 0, sizeof *a);
    a->o.bundle = ".";
    const struct opt opts[] = {
        {"bundle", 'b', OPT_STR, &a->o.bundle},
        {"pid-file", 0, OPT_STR, &a->o.pid_file},
        {"console-socket", 0, OPT_STR, &a->o.console_socket},
        {"preserve-fds", 0, OPT_INT, &a->preserve_fds},
        {"no-pivot", 0, OPT_FLAG, &a->o.no_pivot},
        {"no-new-keyring", 0, OPT_FLAG, &a->o.no_new_keyring},
        {"detach", 'd', OPT_FLAG, &a->detach},
        {"keep", 0, OPT_FLAG, &a->keep},
        {0},
    };
    int i = 1;
    if (opts_parse(cmd, argc, argv, &i, opts, e) < 0 ||
        cmd_id(cmd, argc, argv, i, false, &a->o.id, e) < 0)
        return -1;
    a->o.root = c->root;
    a->o.systemd_cgroup = c->systemd_cgroup;
    a->o.no_cgroup = c->no_cgroup;
    a->o.preserve_fds = (int)a->preserve_fds;
    listen_fds(&a->o);
    return 0;
}

int cmd_create(struct oci_ctx *c, int argc, char **argv, struct err *e)
{
    struct create_args a;
    if (parse("create", c, argc, argv, &a, e) < 0)
        return -1;
    struct oci_state st;
    int master;
    if (container_create(&a.o, &st, &master, e) < 0)
        return -1;
    state_free(&st);
    return 0;
}

static volatile sig_atomic_t forward_pid;

static void forward(int sig)
{
    if (forward_pid > 0)
        kill(forward_pid, sig);
}

static void forward_signals(pid_t pid)
{
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1,
                               SIGUSR2};
    forward_pid = pid;
    struct sigaction sa = {.sa_handler = forward, .sa_flags = SA_RESTART};
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        sigaction(sigs[i], &sa, NULL);
}

int wait_reaping(pid_t pid, int master)
{
    if (master >= 0) {
        struct err te = {0};
        if (terminal_proxy(master, &te) < 0)
            err_print(&te);
        close(master);
    }
    for (;;) {
        int status;
        pid_t r = waitpid(-1, &status, __WALL);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return 255;
        if (r == pid)
            return WIFEXITED(status) ? WEXITSTATUS(status)
                                     : 128 + WTERMSIG(status);
    }
}

int cmd_run(struct oci_ctx *c, int argc, char **argv, struct err *e)
{
    struct create_args a;
    if (parse("run", c, argc, argv, &a, e) < 0)
        return -1;
    a.o.proxy_tty = !a.detach && !a.o.console_socket;
    if (!a.detach && prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
        return err_set(e, errno, "run: become a subreaper");
    struct oci_state st;
    int master;
    if (container_create(&a.o, &st, &master, e) < 0)
        return -1;
    if (!a.detach)
        forward_signals(st.pid);
    if (container_start(&st, e) < 0) {
        container_delete(&st, true, NULL);
        state_free(&st);
        return -1;
    }
    if (a.detach) {
        state_free(&st);
        return 0;
    }
    int status = wait_reaping(st.pid, master);
    forward_pid = 0;
    if (!a.keep && container_delete(&st, true, e) < 0)
        status = -1;
    state_free(&st);
    return status;
}
