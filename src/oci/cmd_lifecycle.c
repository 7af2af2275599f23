/* The commands on an existing container: start, state, kill, delete,
 * list, ps, pause, resume. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/util.h"
#include "oci/cmd.h"
#include "oci/container.h"
#include "oci/opts.h"
#include "oci/signals.h"
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
    r = container_kill(&st, sig, all, e);
out:
    state_free(&st);
    return r;
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
    pid_t *pids;
    size_t n;
    int r = container_pids(&st, "ps", &pids, &n, e);
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

static int pause_resume(struct oci_ctx *c, const char *cmd, int argc,
                        char **argv, bool paused, struct err *e)
{
    struct oci_state st;
    if (load(c, cmd, argc, argv, NULL, &st, NULL, false, e) < 0)
        return -1;
    int r = container_pause(&st, paused, e);
    state_free(&st);
    return r;
}

int cmd_pause(struct oci_ctx *c, int argc, char **argv, struct err *e)
{
    return pause_resume(c, "pause", argc, argv, true, e);
}

int cmd_resume(struct oci_ctx *c, int argc, char **argv, struct err *e)
{
    return pause_resume(c, "resume", argc, argv, false, e);
}
