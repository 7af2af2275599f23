/* `exec`: the process from --process, or the container's own process
 * changed by the options, run in the container by container_exec. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "base/util.h"
#include "oci/cmd/cmd.h"
#include "oci/cmd/opts.h"
#include "oci/container.h"

struct exec_args {
    const char *process_file, *pid_file, *console_socket, *cwd, *user;
    struct strs env, caps, gids;
    bool detach, tty, no_new_privs;
    long preserve_fds;
};

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

/* The process to run: --process FILE, or the container's own process
 * changed by the command line. */
static json_object *make_process(const struct oci_state *st,
                                 const struct exec_args *a, int argc,
                                 char **argv, struct err *e)
{
    if (a->process_file) {
        if (argc) {
            err_set(e, 0, "exec: --process and a command line given");
            return NULL;
        }
        return spec_parse_file(a->process_file, a->process_file, e);
    }
    if (!argc) {
        err_set(e, 0, "exec: no command given");
        return NULL;
    }
    json_object *config = container_config(st, e), *base = NULL,
                *process = NULL;
    if (!config)
        return NULL;
    json_object_object_get_ex(config, "process", &base);
    if (json_object_deep_copy(base, &process, NULL) < 0 || !process)
        err_set(e, 0, "exec: saved config has no process");
    else if (edit_process(process, a, argc, argv, e) < 0) {
        json_object_put(process);
        process = NULL;
    }
    json_object_put(config);
    return process;
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
    struct oci_state st;
    int next;
    if (cmd_load(c, "exec", argc, argv, opts, &st, &next, true, e) < 0)
        return -1;
    struct exec_opts o = {
        .process = make_process(&st, &a, argc - next, argv + next, e),
        .pid_file = a.pid_file,
        .console_socket = a.console_socket,
        .detach = a.detach,
        .preserve_fds = (int)a.preserve_fds,
    };
    int r = o.process ? container_exec(&st, &o, e) : -1;
    json_object_put(o.process);
    state_free(&st);
    return r;
}
