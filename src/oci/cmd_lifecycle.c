/* The commands on an existing container: start, state, kill, delete,
 * list, ps, pause, resume. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/err.h"
#include "base/util.h"
#include "oci/cgroup/cgroup.h"
#include "oci/cmd.h"
#include "oci/container.h"
#include "oci/hooks.h"
#include "oci/opts.h"
#include "oci/signals.h"
#include "oci/spec.h"
#include "oci/state.h"

int cmd_id(const char *cmd, int argc, char **argv, int i, bool more,
           const char **id, struct err *e)
{
    if (i >= argc)
        return err_set(e, 0, "%s: missing container ID", cmd);
    if (!more && i + 1 < argc)
        return err_set(e, 0, "%s: unexpected argument '%s'", cmd, argv[i + 1]);
    *id = argv[i];
    return state_check_id(*id, e);
}

/* Options (none but --help style ones) and the ID, then the state. */
static int load(struct oci_ctx *c, const char *cmd, int argc, char **argv,
                const struct opt *opts, struct oci_state *st, int *next,
                bool more, struct err *e)
{
    static const struct opt none[] = {{0}};
    int i = 1;
    const char *id;
    if (opts_parse(cmd, argc, argv, &i, opts ? opts : none, e) < 0 ||
        cmd_id(cmd, argc, argv, i, more, &id, e) < 0)
        return -1;
    if (next)
        *next = i + 1;
    return state_load(c->root, id, st, e);
}

/* The hooks of the config saved at create. */
static int saved_hooks(const struct oci_state *st, struct oci_hooks *h,
                       json_object **json, struct err *e)
{
    char path[PATH_MAX + 16];
    state_file(st, "config.json", path, sizeof path);
    memset(h, 0, sizeof *h);
    *json = json_object_from_file(path);
    if (!*json)
        return err_set(e, 0, "container %s: saved config is unreadable",
                       st->id);
    json_object *hooks = NULL;
    json_object_object_get_ex(*json, "hooks", &hooks);
    if (hooks_parse(hooks, h, e) < 0) {
        json_object_put(*json);
        return -1;
    }
    return 0;
}

static int run_saved_hooks(const struct oci_state *st, enum hook_kind k,
                           enum oci_status status, struct err *e)
{
    if (!(st->hooks & (1u << k)))
        return 0;
    struct oci_hooks h;
    json_object *json;
    if (saved_hooks(st, &h, &json, e) < 0)
        return -1;
    int r = 0;
    if (h.n[k]) {
        char *text = state_json(st, status);
        r = hooks_run(&h, k, text, e);
        free(text);
    }
    hooks_free(&h);
    json_object_put(json);
    return r;
}

int container_start(struct oci_state *st, struct err *e)
{
    enum oci_status s = state_status(st);
    if (s != ST_CREATED)
        return err_set(e, 0, "container %s is %s, not created", st->id,
                       state_status_name(s));
    char fifo[PATH_MAX + 16];
    state_file(st, "exec.fifo", fifo, sizeof fifo);
    int fd = open(fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return err_set(e, errno == ENXIO ? 0 : errno,
                       "container %s: its init is gone", st->id);
    ssize_t n = write(fd, "1", 1);
    close(fd);
    unlink(fifo);
    if (n != 1)
        return err_set(e, errno, "container %s: start", st->id);
    if (run_saved_hooks(st, HOOK_POSTSTART, ST_RUNNING, e) < 0)
        return -1;
    return 0;
}

int cmd_start(struct oci_ctx *c, int argc, char **argv, struct err *e)
{
    struct oci_state st;
    if (load(c, "start", argc, argv, NULL, &st, NULL, false, e) < 0)
        return -1;
    int r = container_start(&st, e);
    state_free(&st);
    return r;
}

int cmd_state(struct oci_ctx *c, int argc, char **argv, struct err *e)
{
    struct oci_state st;
    if (load(c, "state", argc, argv, NULL, &st, NULL, false, e) < 0)
        return -1;
    char *text = state_json(&st, state_status(&st));
    puts(text);
    free(text);
    state_free(&st);
    return 0;
}

/* The container's cgroup; an error for a container made without one. */
static int open_cgroup(const struct oci_state *st, const char *what,
                       struct cgroup **cg, struct err *e)
{
    if (!st->cgroup[0])
        return err_set(e, 0, "container %s has no cgroup (made with "
                       "--cgroup-manager disabled): %s needs one", st->id,
                       what);
    return cg_open(st->cgroup, cg, e);
}

static int signal_all(const struct oci_state *st, int sig, struct err *e)
{
    struct cgroup *cg;
    if (open_cgroup(st, "kill --all", &cg, e) < 0)
        return -1;
    pid_t *pids;
    size_t n;
    int r = cg_pids(cg, &pids, &n, e);
    cg_close(cg);
    if (r < 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        kill(pids[i], sig);
    free(pids);
    return 0;
}

int cmd_kill(struct oci_ctx *c, int argc, char **argv, struct err *e)
{
    bool all = false;
    const struct opt opts[] = {{"all", 'a', OPT_FLAG, &all}, {0}};
    struct oci_state st;
    int next;
    if (load(c, "kill", argc, argv, opts, &st, &next, true, e) < 0)
        return -1;
    int sig = SIGTERM, r = -1;
    if (next < argc && (sig = signal_parse(argv[next], e)) < 0)
        goto out;
    if (next + 1 < argc) {
        err_set(e, 0, "kill: unexpected argument '%s'", argv[next + 1]);
        goto out;
    }
    enum oci_status s = state_status(&st);
    if (s == ST_STOPPED) {
        err_set(e, 0, "container %s is not running", st.id);
        goto out;
    }
    if (all)
        r = signal_all(&st, sig, e);
    else if ((r = kill(st.pid, sig)) < 0)
        err_set(e, errno, "kill container %s", st.id);
out:
    state_free(&st);
    return r;
}

/* Delete a stopped (or, forced, any) container: its processes, cgroup,
 * poststop hooks and state directory. */
int container_delete(struct oci_state *st, bool force, struct err *e)
{
    enum oci_status s = state_status(st);
    if ((s == ST_RUNNING || s == ST_PAUSED) && !force)
        return err_set(e, 0, "container %s is %s: stop it first or use "
                       "--force", st->id, state_status_name(s));
    if (s != ST_STOPPED && s != ST_CREATING)
        kill(st->pid, SIGKILL);
    if (st->cgroup[0]) {
        struct cgroup *cg;
        if (cg_open(st->cgroup, &cg, e) == 0) {
            int r = cg_destroy(cg, e);
            cg_close(cg);
            if (r < 0)
                return -1;
        }
    }
    struct err hook_err = {0};
    int hr = run_saved_hooks(st, HOOK_POSTSTOP, ST_STOPPED, &hook_err);
    if (state_remove(st, e) < 0)
        return -1;
    if (hr < 0)
        err_print(&hook_err);
    return 0;
}

int cmd_delete(struct oci_ctx *c, int argc, char **argv, struct err *e)
{
    bool force = false;
    const struct opt opts[] = {{"force", 'f', OPT_FLAG, &force}, {0}};
    struct oci_state st;
    if (load(c, "delete", argc, argv, opts, &st, NULL, false, e) < 0) {
        /* --force on a container that is not there is no error. */
        return force && e->errnum == ENOENT ? 0 : -1;
    }
    int r = container_delete(&st, force, e);
    state_free(&st);
    return r;
}

int cmd_list(struct oci_ctx *c, int argc, char **argv, struct err *e)
{
    const char *format = "table";
    bool quiet = false;
    const struct opt opts[] = {{"format", 'f', OPT_STR, &format},
                               {"quiet", 'q', OPT_FLAG, &quiet},
                               {0}};
    int i = 1;
    if (opts_parse("list", argc, argv, &i, opts, e) < 0)
        return -1;
    if (strcmp(format, "table") && strcmp(format, "json"))
        return err_set(e, 0, "list: --format '%s' is not table or json",
                       format);
    char **ids;
    size_t n;
    if (state_list(c->root, &ids, &n, e) < 0)
        return -1;
    json_object *arr = json_object_new_array();
    if (!strcmp(format, "table") && !quiet)
        printf("%-20s %-8s %-10s %-40s %-32s %s\n", "ID", "PID", "STATUS",
               "BUNDLE", "CREATED", "OWNER");
    for (size_t k = 0; k < n; k++) {
        struct oci_state st;
        if (state_load(c->root, ids[k], &st, NULL) == 0) {
            enum oci_status s = state_status(&st);
            int pid = s == ST_STOPPED ? 0 : st.pid;
            if (quiet)
                puts(st.id);
            else if (!strcmp(format, "table")) {
                char owner[64];
                state_owner(&st, owner, sizeof owner);
                printf("%-20s %-8d %-10s %-40s %-32s %s\n", st.id, pid,
                       state_status_name(s), st.bundle, st.created, owner);
            } else {
                char *text = state_json(&st, s);
                json_object_array_add(arr, json_tokener_parse(text));
                free(text);
            }
            state_free(&st);
        }
        free(ids[k]);
    }
    free(ids);
    if (!strcmp(format, "json") && !quiet)
        puts(json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PLAIN));
    json_object_put(arr);
    return 0;
}

int cmd_ps(struct oci_ctx *c, int argc, char **argv, struct err *e)
{
    const char *format = "table";
    const struct opt opts[] = {{"format", 'f', OPT_STR, &format}, {0}};
    struct oci_state st;
    if (load(c, "ps", argc, argv, opts, &st, NULL, true, e) < 0)
        return -1;
    struct cgroup *cg;
    pid_t *pids = NULL;
    size_t n = 0;
    int r = open_cgroup(&st, "ps", &cg, e);
    if (r == 0) {
        r = cg_pids(cg, &pids, &n, e);
        cg_close(cg);
    }
    state_free(&st);
    if (r < 0)
        return -1;
    if (!strcmp(format, "json")) {
        printf("[");
        for (size_t k = 0; k < n; k++)
            printf("%s%d", k ? "," : "", (int)pids[k]);
        printf("]\n");
    } else {
        printf("%-8s %s\n", "PID", "CMD");
        for (size_t k = 0; k < n; k++) {
            char path[64];
            uint8_t *comm = NULL;
            size_t len = 0;
            snprintf(path, sizeof path, "/proc/%d/comm", (int)pids[k]);
            if (read_file(path, &comm, &len, NULL) == 0 && len)
                comm[len - 1] = 0;
            printf("%-8d %s\n", (int)pids[k], comm ? (char *)comm : "?");
            free(comm);
        }
    }
    free(pids);
    return 0;
}

static int freeze(struct oci_ctx *c, const char *cmd, int argc, char **argv,
                  bool frozen, struct err *e)
{
    struct oci_state st;
    if (load(c, cmd, argc, argv, NULL, &st, NULL, false, e) < 0)
        return -1;
    enum oci_status s = state_status(&st);
    int r = -1;
    struct cgroup *cg = NULL;
    if (frozen ? s != ST_RUNNING && s != ST_CREATED : s != ST_PAUSED) {
        err_set(e, 0, "container %s is %s, not %s", st.id,
                state_status_name(s), frozen ? "running" : "paused");
        goto out;
    }
    if (open_cgroup(&st, cmd, &cg, e) < 0 || cg_freeze(cg, frozen, e) < 0)
        goto out;
    st.paused = frozen;
    r = state_save(&st, e);
out:
    if (cg)
        cg_close(cg);
    state_free(&st);
    return r;
}

int cmd_pause(struct oci_ctx *c, int argc, char **argv, struct err *e)
{
    return freeze(c, "pause", argc, argv, true, e);
}

int cmd_resume(struct oci_ctx *c, int argc, char **argv, struct err *e)
{
    return freeze(c, "resume", argc, argv, false, e);
}
