/* OCI hooks: the "hooks" object of config.json parsed into paths, argv,
 * environment and timeouts, and each hook run in its own process group
 * with the container's state on its stdin, killed when its time is up. */
#include "oci/hooks.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/err.h"
#include "base/util.h"
#include "oci/json.h"

static const char *const kind_names[HOOK_KINDS] = {
    [HOOK_PRESTART] = "prestart",
    [HOOK_CREATE_RUNTIME] = "createRuntime",
    [HOOK_CREATE_CONTAINER] = "createContainer",
    [HOOK_START_CONTAINER] = "startContainer",
    [HOOK_POSTSTART] = "poststart",
    [HOOK_POSTSTOP] = "poststop",
};

static int parse_hook(json_object *o, const char *where, struct oci_hook *hk,
                      struct err *e)
{
    size_t n;
    int64_t timeout;
    bool has_timeout;
    if (jget_str(o, where, "path", true, &hk->path, e) < 0)
        return -1;
    if (hk->path[0] != '/')
        return err_set(e, 0, "config.json: %s.path: %s is not an absolute "
                       "path", where, hk->path);
    if (jget_strv(o, where, "args", false, &hk->args, &n, e) < 0 ||
        jget_strv(o, where, "env", false, &hk->env, &n, e) < 0 ||
        jget_int(o, where, "timeout", 1, INT_MAX, &timeout, &has_timeout,
                 e) < 0)
        return -1;
    if (has_timeout)
        hk->timeout = (int)timeout;
    return 0;
}

static int parse_kind(json_object *hooks, enum hook_kind k,
                      struct oci_hooks *h, struct err *e)
{
    json_object *arr = NULL;
    if (jget_arr(hooks, "hooks", kind_names[k], false, &arr, e) < 0)
        return -1;
    size_t len = arr ? json_object_array_length(arr) : 0;
    if (!len)
        return 0;
    h->v[k] = calloc(len, sizeof *h->v[k]);
    if (!h->v[k])
        return err_set(e, ENOMEM, "out of memory");
    for (size_t i = 0; i < len; i++) {
        json_object *o = json_object_array_get_idx(arr, i);
        if (!json_object_is_type(o, json_type_object))
            return jerr_elem("hooks", kind_names[k], i, "an object", e);
        char where[64];
        snprintf(where, sizeof where, "hooks.%s[%zu]", kind_names[k], i);
        h->n[k]++;
        if (parse_hook(o, where, &h->v[k][i], e) < 0)
            return -1;
    }
    return 0;
}

int hooks_parse(json_object *hooks, struct oci_hooks *h, struct err *e)
{
    memset(h, 0, sizeof *h);
    if (!hooks)
        return 0;
    if (!json_object_is_type(hooks, json_type_object))
        return err_set(e, 0, "config.json: hooks: expected an object");
    for (int k = 0; k < HOOK_KINDS; k++) {
        if (parse_kind(hooks, k, h, e) < 0) {
            hooks_free(h);
            return -1;
        }
    }
    return 0;
}

void hooks_free(struct oci_hooks *h)
{
    for (int k = 0; k < HOOK_KINDS; k++) {
        for (size_t i = 0; i < h->n[k]; i++) {
            free(h->v[k][i].args);
            free(h->v[k][i].env);
        }
        free(h->v[k]);
    }
    memset(h, 0, sizeof *h);
}

/* In the forked child: stdin from the pipe, no fd of ours but 0-2 past
 * exec, no signal blocked; exec's errno written to errfd on failure. */
static void exec_hook(const struct oci_hook *hk, int in, int errfd)
{
    const char *just_path[] = { hk->path, NULL };
    setpgid(0, 0);
    if (in == STDIN_FILENO)
        fcntl(in, F_SETFD, 0);
    else
        dup2(in, STDIN_FILENO);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
    execve(hk->path, (char *const *)(hk->args ? hk->args : just_path),
           hk->env ? (char *const *)hk->env : environ);
    int en = errno;
    if (write(errfd, &en, sizeof en) < 0)
        _exit(126);
    _exit(127);
}

/* Milliseconds to poll until deadline (0: none, -1 for poll). */
static int ms_left(uint64_t deadline)
{
    if (!deadline)
        return -1;
    uint64_t now = now_ns();
    return now >= deadline ? 0 : (int)((deadline - now + 999999) / 1000000);
}

/* Feed state to the hook's stdin (in, non-blocking) and wait for the
 * hook to exit, until deadline. 0: exited; 1: timed out. A hook that does
 * not read its stdin is fine: EPIPE (SIGPIPE is blocked by the caller) or
 * its exit ends the feeding. */
static int feed_and_wait(int pidfd, int in, const char *state, size_t len,
                         uint64_t deadline)
{
    size_t off = 0;
    for (;;) {
        if (in >= 0 && off == len) {
            close(in);
            in = -1;
        }
        struct pollfd p[2] = {
            { .fd = pidfd, .events = POLLIN },
            { .fd = in, .events = POLLOUT },
        };
        int r = poll(p, 2, ms_left(deadline));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0 || p[0].revents) {
            if (in >= 0)
                close(in);
            return r == 0;
        }
        ssize_t n = write(in, state + off, len - off);
        if (n > 0)
            off += (size_t)n;
        else if (n < 0 && errno != EAGAIN && errno != EINTR)
            off = len;
    }
}

/* SIGPIPE blocked while feeding a hook, and the one a hook that closed its
 * stdin early raised dropped after, so that it never kills the runtime. */
static void sigpipe_block(sigset_t *old)
{
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &s, old);
}

static void sigpipe_restore(const sigset_t *old)
{
    if (!sigismember(old, SIGPIPE)) {
        sigset_t s;
        sigemptyset(&s);
        sigaddset(&s, SIGPIPE);
        struct timespec zero = { 0, 0 };
        while (sigtimedwait(&s, NULL, &zero) == SIGPIPE)
            ;
    }
    pthread_sigmask(SIG_SETMASK, old, NULL);
}

static int status_err(const char *kind, const char *path, int st,
                      struct err *e)
{
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
        return 0;
    if (WIFEXITED(st))
        return err_set(e, 0, "hook %s %s: exited with status %d", kind,
                       path, WEXITSTATUS(st));
    return err_set(e, 0, "hook %s %s: killed by signal %d (%s)", kind, path,
                   WTERMSIG(st), strsignal(WTERMSIG(st)));
}

static int run_hook(const struct oci_hook *hk, const char *kind,
                    const char *state, struct err *e)
{
    int in[2], ep[2];
    if (pipe2(in, O_CLOEXEC) < 0)
        return err_set(e, errno, "hook %s %s: pipe", kind, hk->path);
    if (pipe2(ep, O_CLOEXEC) < 0) {
        int en = errno;
        close(in[0]);
        close(in[1]);
        return err_set(e, en, "hook %s %s: pipe", kind, hk->path);
    }
    uint64_t deadline = hk->timeout ? now_ns() +
                        (uint64_t)hk->timeout * 1000000000u : 0;
    pid_t pid = fork();
    if (pid == 0)
        exec_hook(hk, in[0], ep[1]);
    int en = errno;
    close(in[0]);
    close(ep[1]);
    if (pid < 0) {
        close(in[1]);
        close(ep[0]);
        return err_set(e, en, "hook %s %s: fork", kind, hk->path);
    }

    int exec_errno = 0, st;
    ssize_t n;
    do
        n = read(ep[0], &exec_errno, sizeof exec_errno);
    while (n < 0 && errno == EINTR);
    close(ep[0]);
    int pidfd = n == 0 ? (int)syscall(SYS_pidfd_open, pid, 0) : -1;
    if (pidfd < 0) {
        en = n > 0 ? exec_errno : errno;
        close(in[1]);
        kill(pid, SIGKILL);
        waitpid(pid, &st, 0);
        return err_set(e, en, n > 0 ? "hook %s %s: exec" : "hook %s %s: "
                       "pidfd_open", kind, hk->path);
    }

    fcntl(in[1], F_SETFL, O_NONBLOCK);
    sigset_t old;
    sigpipe_block(&old);
    int timed_out = feed_and_wait(pidfd, in[1], state, state ? strlen(state)
                                  : 0, deadline);
    sigpipe_restore(&old);
    close(pidfd);
    if (timed_out) {
        kill(-pid, SIGKILL);
        kill(pid, SIGKILL);
    }
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (timed_out)
        return err_set(e, 0, "hook %s %s: timed out after %d s", kind,
                       hk->path, hk->timeout);
    return status_err(kind, hk->path, st, e);
}

int hooks_run(const struct oci_hooks *h, enum hook_kind k,
              const char *state_json, struct err *e)
{
    for (size_t i = 0; h && i < h->n[k]; i++)
        if (run_hook(&h->v[k][i], kind_names[k], state_json, e) < 0)
            return -1;
    return 0;
}
