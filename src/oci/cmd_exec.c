/* `exec`: a new process in a running container — its namespaces, its
 * cgroup and its seccomp filter, with the process from --process or the
 * container's own process changed by the options. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/err.h"
#include "base/util.h"
#include "oci/cgroup/cgroup.h"
#include "oci/cmd.h"
#include "oci/container.h"
#include "oci/json.h"
#include "oci/ns.h"
#include "oci/opts.h"
#include "oci/process.h"
#include "oci/seccomp/seccomp.h"
#include "oci/spec.h"
#include "oci/sync.h"
#include "oci/terminal.h"

struct exec_args {
    const char *process_file, *pid_file, *console_socket, *cwd, *user;
    struct strs env, caps, gids;
    bool detach, tty, no_new_privs;
    long preserve_fds;
};

static json_object *load_json(const char *path, const char *what,
                              struct err *e)
{
    uint8_t *text;
    size_t len;
    if (read_file(path, &text, &len, e) < 0)
        return NULL;
    json_object *o = spec_parse_text((char *)text, what, e);
    free(text);
    return o;
}

/* The container's process object with the command line's changes. */
static int edit_process(json_object *p, const struct exec_args *a,
                        int argc, char **argv, struct err *e)
{
    json_object *args = json_object_new_array();
    for (int i = 0; i < argc; i++)
        json_object_array_add(args, json_object_new_string(argv[i]));
    json_object_object_add(p, "args", args);
    json_object_object_add(p, "terminal", json_object_new_boolean(a->tty));
    json_object *env;
    if (!json_object_object_get_ex(p, "env", &env) ||
        !json_object_is_type(env, json_type_array)) {
        env = json_object_new_array();
        json_object_object_add(p, "env", env);
    }
    for (int i = 0; i < a->env.n; i++)
        json_object_array_add(env, json_object_new_string(a->env.v[i]));
    if (a->cwd)
        json_object_object_add(p, "cwd", json_object_new_string(a->cwd));
    if (a->no_new_privs)
        json_object_object_add(p, "noNewPrivileges",
                               json_object_new_boolean(true));
    if (a->user || a->gids.n) {
        json_object *u = json_object_new_object();
        long uid = 0, gid = 0;
        if (a->user) {
            char buf[64];
            snprintf(buf, sizeof buf, "%s", a->user);
            char *colon = strchr(buf, ':');
            if (colon)
                *colon = 0;
            if (parse_int(buf, 0, UINT32_MAX - 1, &uid, "--user uid", e) < 0 ||
                (colon && parse_int(colon + 1, 0, UINT32_MAX - 1, &gid,
                                    "--user gid", e) < 0)) {
                json_object_put(u);
                return -1;
            }
        }
        json_object_object_add(u, "uid", json_object_new_int64(uid));
        json_object_object_add(u, "gid", json_object_new_int64(gid));
        json_object *g = json_object_new_array();
        for (int i = 0; i < a->gids.n; i++) {
            long v;
            if (parse_int(a->gids.v[i], 0, UINT32_MAX - 1, &v,
                          "--additional-gids", e) < 0) {
                json_object_put(g);
                json_object_put(u);
                return -1;
            }
            json_object_array_add(g, json_object_new_int64(v));
        }
        json_object_object_add(u, "additionalGids", g);
        json_object_object_add(p, "user", u);
    }
    if (a->caps.n) {
        json_object *caps;
        if (!json_object_object_get_ex(p, "capabilities", &caps)) {
            caps = json_object_new_object();
            json_object_object_add(p, "capabilities", caps);
        }
        static const char *const sets[] = {"bounding", "effective",
                                           "permitted", "inheritable"};
        for (size_t s = 0; s < 4; s++) {
            json_object *arr;
            if (!json_object_object_get_ex(caps, sets[s], &arr)) {
                arr = json_object_new_array();
                json_object_object_add(caps, sets[s], arr);
            }
            for (int i = 0; i < a->caps.n; i++)
                json_object_array_add(arr,
                                      json_object_new_string(a->caps.v[i]));
        }
    }
    return 0;
}

/* The process to run and the container's seccomp filter. */
static int build(const struct oci_state *st, const struct exec_args *a,
                 int argc, char **argv, json_object **config,
                 json_object **process_json, struct oci_process *p,
                 struct oci_seccomp **sc, struct err *e)
{
    char path[PATH_MAX + 16];
    state_file(st, "config.json", path, sizeof path);
    *config = load_json(path, "saved config.json", e);
    if (!*config)
        return -1;
    json_object *lin = NULL, *seccomp = NULL;
    if (json_object_object_get_ex(*config, "linux", &lin))
        json_object_object_get_ex(lin, "seccomp", &seccomp);
    if (seccomp && seccomp_parse(seccomp, sc, e) < 0)
        return -1;
    if (a->process_file) {
        *process_json = load_json(a->process_file, a->process_file, e);
        if (!*process_json)
            return -1;
        if (argc)
            return err_set(e, 0, "exec: --process and a command line given");
    } else {
        json_object *base = NULL;
        if (!argc)
            return err_set(e, 0, "exec: no command given");
        json_object_object_get_ex(*config, "process", &base);
        if (json_object_deep_copy(base, process_json, NULL) < 0 ||
            !*process_json)
            return err_set(e, 0, "exec: saved config has no process");
        if (edit_process(*process_json, a, argc, argv, e) < 0)
            return -1;
    }
    return process_parse(*process_json, "process", p, e);
}

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

static int run_exec(const struct oci_state *st, const struct exec_args *a,
                    struct oci_process *p, struct oci_seccomp *sc,
                    struct err *e)
{
    int sync[2], con = -1, our_con = -1, master = -1;
    /* listenerPath names a host socket: connect before joining the
     * container's mount namespace. */
    if (sc && seccomp_listener_connect(sc, st, ST_RUNNING, e) < 0)
        return -1;
    if (p->terminal) {
        if (a->console_socket) {
            if ((con = console_socket_connect(a->console_socket, e)) < 0)
                return -1;
        } else if (a->detach) {
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
    if (!a->detach)
        prctl(PR_SET_CHILD_SUBREAPER, 1);
    pid_t child = fork();
    if (child < 0)
        return err_set(e, errno, "fork");
    if (child == 0) {
        close(sync[0]);
        exec_child(st->pid, p, sc, sync[1], con, (int)a->preserve_fds);
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
    if (r == 0 && a->pid_file && write_pid_file(a->pid_file, pid, e) < 0)
        r = -1;
    if (r < 0) {
        if (pid > 0)
            kill(pid, SIGKILL);
        return -1;
    }
    if (a->detach)
        return 0;
    return wait_reaping(pid, master);
}

int cmd_exec(struct oci_ctx *c, int argc, char **argv, struct err *e)
{
    struct exec_args a = {0};
    const char *ignored = NULL;
    const struct opt opts[] = {
        {"process", 'p', OPT_STR, &a.process_file},
        {"pid-file", 0, OPT_STR, &a.pid_file},
        {"console-socket", 0, OPT_STR, &a.console_socket},
        {"cwd", 0, OPT_STR, &a.cwd},
        {"user", 'u', OPT_STR, &a.user},
        {"env", 'e', OPT_STRS, &a.env},
        {"cap", 'c', OPT_STRS, &a.caps},
        {"additional-gids", 'g', OPT_STRS, &a.gids},
        {"detach", 'd', OPT_FLAG, &a.detach},
        {"tty", 't', OPT_FLAG, &a.tty},
        {"no-new-privs", 0, OPT_FLAG, &a.no_new_privs},
        {"preserve-fds", 0, OPT_INT, &a.preserve_fds},
        {"process-label", 0, OPT_STR, &ignored},
        {"apparmor", 0, OPT_STR, &ignored},
        {0},
    };
    int i = 1;
    const char *id;
    if (opts_parse("exec", argc, argv, &i, opts, e) < 0 ||
        cmd_id("exec", argc, argv, i, true, &id, e) < 0)
        return -1;
    struct oci_state st;
    if (state_load(c->root, id, &st, e) < 0)
        return -1;
    json_object *config = NULL, *process_json = NULL;
    struct oci_process p = {0};
    struct oci_seccomp *sc = NULL;
    int r = -1;
    enum oci_status s = state_status(&st);
    if (s != ST_RUNNING && s != ST_CREATED) {
        err_set(e, 0, "container %s is %s: cannot exec in it", id,
                state_status_name(s));
        goto out;
    }
    if (build(&st, &a, argc - i - 1, argv + i + 1, &config, &process_json,
              &p, &sc, e) < 0)
        goto out;
    r = run_exec(&st, &a, &p, sc, e);
out:
    process_free(&p);
    seccomp_free(sc);
    json_object_put(process_json);
    json_object_put(config);
    state_free(&st);
    return r;
}
