/* `run`: create and start a container; in the foreground, wait for it
 * (signals forwarded to its init, the terminal proxied) and delete it
 * afterwards. */
#include "oci/container.h"

#include <errno.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/err.h"
#include "oci/terminal.h"

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

int container_run(const struct run_opts *o, struct err *e)
{
    struct create_opts c = o->create;
    c.proxy_tty = !o->detach && !c.console_socket;
    if (!o->detach && prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
        return err_set(e, errno, "run: become a subreaper");
    struct oci_state st;
    int master;
    if (container_create(&c, &st, &master, e) < 0)
        return -1;
    if (!o->detach)
        forward_signals(st.pid);
    if (container_start(&st, e) < 0) {
        container_delete(&st, true, NULL);
        state_free(&st);
        return -1;
    }
    if (o->detach) {
        state_free(&st);
        return 0;
    }
    int status = wait_reaping(st.pid, master);
    forward_pid = 0;
    if (!o->keep && container_delete(&st, true, e) < 0)
        status = -1;
    state_free(&st);
    return status;
}
