/* The container process's last steps before execve: its terminal, HOME,
 * OOM score, resource limits, user and groups, umask, working directory,
 * capabilities, no_new_privs, seccomp, and the PATH search for args[0]. */
#include "oci/process.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/err.h"
#include "oci/passwd.h"
#include "oci/seccomp/seccomp.h"
#include "oci/terminal.h"

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:" \
                     "/sbin:/bin"

int process_terminal(const struct oci_process *p, int sock, struct err *e)
{
    if (terminal_setup(sock, p->console_rows, p->console_cols, e) < 0)
        return -1;
    if (fchown(0, p->uid, p->gid) < 0)
        return err_set(e, errno, "chown the terminal");
    return 0;
}

static int write_oom_score_adj(int adj, struct err *e)
{
    char buf[16];
    int len = snprintf(buf, sizeof buf, "%d", adj);
    int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return err_set(e, errno, "open /proc/self/oom_score_adj");
    ssize_t n = write(fd, buf, len);
    int saved = errno;
    close(fd);
    if (n != len)
        return err_set(e, n < 0 ? saved : EIO, "set oom_score_adj to %d",
                       adj);
    return 0;
}

static int set_rlimits(const struct oci_process *p, struct err *e)
{
    for (size_t i = 0; i < p->nrlimits; i++) {
        const struct oci_rlimit *r = &p->rlimits[i];
        struct rlimit lim = {.rlim_cur = r->soft, .rlim_max = r->hard};
        if (setrlimit(r->resource, &lim) < 0)
            return err_set(e, errno, "set %s",
                           process_rlimit_name(r->resource));
    }
    return 0;
}

/* setgroups is refused in a user namespace whose /proc/self/setgroups says
 * "deny" (a rootless container): with no groups asked for, keep what the
 * process has. */
static bool setgroups_denied(void)
{
    char buf[16] = "";
    int fd = open("/proc/self/setgroups", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    return n > 0 && strncmp(buf, "deny", 4) == 0;
}

/* Groups, gid and uid. PR_SET_KEEPCAPS keeps the permitted set through
 * the uid change so that caps_apply can hand out what the spec lists. */
static int change_user(const struct oci_process *p, struct err *e)
{
    if (setgroups(p->n_additional_gids, p->additional_gids) < 0 &&
        !(errno == EPERM && p->n_additional_gids == 0 && setgroups_denied()))
        return err_set(e, errno, "set the supplementary groups");
    if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
        return err_set(e, errno, "keep capabilities across the uid change");
    if (setresgid(p->gid, p->gid, p->gid) < 0)
        return err_set(e, errno, "set gid %u", (unsigned)p->gid);
    if (setresuid(p->uid, p->uid, p->uid) < 0)
        return err_set(e, errno, "set uid %u", (unsigned)p->uid);
    if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
        return err_set(e, errno, "reset keep-capabilities");
    return 0;
}

static const char *search_path(const struct oci_process *p)
{
    for (size_t i = 0; i < p->nenv; i++)
        if (strncmp(p->env[i], "PATH=", 5) == 0)
            return p->env[i] + 5;
    return DEFAULT_PATH;
}

/* Try args[0] itself when it names a path, else each PATH entry in turn
 * (an empty entry is the working directory), until try() succeeds (0).
 * try() leaves errno set when it fails. */
static int walk_path(const struct oci_process *p,
                     int (*try)(const char *full, const struct oci_process *p),
                     struct err *e)
{
    const char *prog = p->args[0];
    if (strchr(prog, '/')) {
        if (try(prog, p) == 0)
            return 0;
        return err_set(e, errno, "exec %s", prog);
    }
    bool denied = false;
    size_t plen = strlen(prog);
    for (const char *dir = search_path(p);; dir++) {
        const char *end = strchrnul(dir, ':');
        size_t dlen = end - dir;
        char full[PATH_MAX];
        if (dlen == 0)
            full[0] = '.', dlen = 1;
        else if (dlen < sizeof full)
            memcpy(full, dir, dlen);
        if (dlen + 1 + plen < sizeof full) {
            full[dlen] = '/';
            memcpy(full + dlen + 1, prog, plen + 1);
            if (try(full, p) == 0)
                return 0;
            if (errno == EACCES)
                denied = true;
            else if (errno != ENOENT && errno != ENOTDIR && errno != ELOOP &&
                     errno != ENAMETOOLONG)
                return err_set(e, errno, "exec %s", full);
        }
        if (!*end)
            break;
        dir = end;
    }
    if (denied)
        return err_set(e, EACCES, "exec %s", prog);
    return err_set(e, 0, "exec %s: executable file not found in $PATH", prog);
}

static int try_exec(const char *full, const struct oci_process *p)
{
    execve(full, (char *const *)p->args, (char *const *)p->env);
    return -1;
}

static int try_access(const char *full, const struct oci_process *p)
{
    (void)p;
    struct stat sb;
    if (stat(full, &sb) < 0)
        return -1;
    if (!S_ISREG(sb.st_mode)) {
        errno = EACCES;
        return -1;
    }
    return access(full, X_OK);
}

int process_check_exec(const struct oci_process *p, struct err *e)
{
    return walk_path(p, try_access, e);
}

/* Without no_new_privs the kernel takes a filter only from a thread with
 * CAP_SYS_ADMIN effective. When the process keeps none, the filter goes
 * in first, while the runtime still has it: the filter then also sees the
 * few calls that change the user and capabilities before execve (as with
 * runc). Otherwise it goes in last, just before execve. */
static bool filter_first(const struct oci_process *p,
                         const struct oci_seccomp *sc)
{
    return sc && !p->no_new_privileges &&
           !(p->caps.effective & (UINT64_C(1) << CAP_SYS_ADMIN));
}

/* An environment without HOME gets the home of the process's uid in the
 * container's /etc/passwd, or "/" (as runc and crun). home is the
 * HOME=... string's storage; env the new array's (nenv + 2 entries). */
static void add_home(struct oci_process *p, const char **env, char *home,
                     size_t len)
{
    for (size_t i = 0; i < p->nenv; i++)
        if (strncmp(p->env[i], "HOME=", 5) == 0)
            return;
    memcpy(home, "HOME=", 5);
    if (passwd_home("/etc/passwd", p->uid, home + 5, len - 5) < 0)
        snprintf(home + 5, len - 5, "/");
    memcpy(env, p->env, p->nenv * sizeof *env);
    env[p->nenv] = home;
    env[p->nenv + 1] = NULL;
    p->env = env;
    p->nenv++;
}

/* Everything after HOME, in the order process.h gives. */
static int exec_steps(const struct oci_process *p, struct oci_seccomp *sc,
                      struct err *e)
{
    bool first = filter_first(p, sc);
    if (p->has_oom_score_adj && write_oom_score_adj(p->oom_score_adj, e) < 0)
        return -1;
    if (set_rlimits(p, e) < 0 || (first && seccomp_apply(sc, e) < 0) ||
        change_user(p, e) < 0)
        return -1;
    if (p->has_umask)
        umask(p->umask);
    if (chdir(p->cwd) < 0)
        return err_set(e, errno, "chdir to %s", p->cwd);
    if (caps_apply(&p->caps, e) < 0)
        return -1;
    if (p->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        return err_set(e, errno, "set no_new_privs");
    if (sc && !first && seccomp_apply(sc, e) < 0)
        return -1;
    return walk_path(p, try_exec, e);
}

int process_exec(const struct oci_process *given, struct oci_seccomp *sc,
                 struct err *e)
{
    struct oci_process proc = *given;
    const char **env = calloc(proc.nenv + 2, sizeof *env);
    char home[PATH_MAX + 8];
    if (!env)
        return err_set(e, ENOMEM, "out of memory");
    add_home(&proc, env, home, sizeof home);
    int rc = exec_steps(&proc, sc, e);
    free(env);
    return rc;
}
