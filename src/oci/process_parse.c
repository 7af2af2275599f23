/* Reading config.json's "process" object into struct oci_process, with
 * every check a later step relies on done here, before anything exists. */
#include "oci/process.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "base/err.h"
#include "oci/json.h"

/* The member's dotted path: "process" + "user" -> "process.user". */
static const char *subpath(char *buf, size_t len, const char *where,
                           const char *key)
{
    snprintf(buf, len, "%s%s%s", where, *where ? "." : "", key);
    return buf;
}

static int parse_console(json_object *process, const char *where,
                         struct oci_process *p, struct err *e)
{
    json_object *cs = NULL;
    char path[128];
    int64_t h = 0, w = 0;
    if (jget_obj(process, where, "consoleSize", false, &cs, e) < 0)
        return -1;
    if (!cs)
        return 0;
    subpath(path, sizeof path, where, "consoleSize");
    if (jget_int(cs, path, "height", 0, UINT16_MAX, &h, NULL, e) < 0 ||
        jget_int(cs, path, "width", 0, UINT16_MAX, &w, NULL, e) < 0)
        return -1;
    p->console_rows = h;
    p->console_cols = w;
    return 0;
}

static int parse_id(json_object *user, const char *path, const char *key,
                    int64_t *out, struct err *e)
{
    bool present;
    if (jget_int(user, path, key, 0, UINT32_MAX - 1, out, &present, e) < 0)
        return -1;
    if (!present)
        return err_set(e, 0, "config.json: %s.%s: missing", path, key);
    return 0;
}

static int parse_gids(json_object *user, const char *path,
                      struct oci_process *p, struct err *e)
{
    json_object *a = NULL;
    if (jget_arr(user, path, "additionalGids", false, &a, e) < 0)
        return -1;
    if (!a)
        return 0;
    size_t n = json_object_array_length(a);
    p->additional_gids = calloc(n ? n : 1, sizeof *p->additional_gids);
    if (!p->additional_gids)
        return err_set(e, ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        json_object *g = json_object_array_get_idx(a, i);
        int64_t v = json_object_is_type(g, json_type_int) ?
                    json_object_get_int64(g) : -1;
        if (v < 0 || v > (int64_t)UINT32_MAX - 1)
            return jerr_elem(path, "additionalGids", i, "a group id", e);
        p->additional_gids[i] = v;
    }
    p->n_additional_gids = n;
    return 0;
}

static int parse_user(json_object *process, const char *where,
                      struct oci_process *p, struct err *e)
{
    json_object *user = NULL;
    char path[128];
    int64_t uid, gid, mask;
    if (jget_obj(process, where, "user", false, &user, e) < 0)
        return -1;
    if (!user)
        return 0;
    subpath(path, sizeof path, where, "user");
    if (parse_id(user, path, "uid", &uid, e) < 0 ||
        parse_id(user, path, "gid", &gid, e) < 0 ||
        jget_int(user, path, "umask", 0, 0777, &mask, &p->has_umask, e) < 0)
        return -1;
    p->uid = uid;
    p->gid = gid;
    if (p->has_umask)
        p->umask = mask;
    return parse_gids(user, path, p, e);
}

static int parse_args_env(json_object *process, const char *where,
                          struct oci_process *p, struct err *e)
{
    if (jget_strv(process, where, "args", true, &p->args, &p->nargs, e) < 0)
        return -1;
    if (p->nargs == 0)
        return err_set(e, 0, "config.json: %s%sargs: empty", where,
                       *where ? "." : "");
    if (!*p->args[0])
        return err_set(e, 0, "config.json: %s%sargs[0]: empty", where,
                       *where ? "." : "");
    if (jget_strv(process, where, "env", false, &p->env, &p->nenv, e) < 0)
        return -1;
    if (!p->env) {
        p->env = calloc(1, sizeof *p->env);
        if (!p->env)
            return err_set(e, ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < p->nenv; i++) {
        const char *eq = strchr(p->env[i], '=');
        if (!eq || eq == p->env[i])
            return jerr_elem(where, "env", i, "NAME=VALUE", e);
    }
    return 0;
}

static int parse_cwd(json_object *process, const char *where,
                     struct oci_process *p, struct err *e)
{
    if (jget_str(process, where, "cwd", true, &p->cwd, e) < 0)
        return -1;
    if (p->cwd[0] != '/')
        return err_set(e, 0, "config.json: %s%scwd: \"%s\" is not absolute",
                       where, *where ? "." : "", p->cwd);
    return 0;
}

static const struct {
    const char *name;
    int resource;
} rlimit_names[] = {
    {"RLIMIT_AS", RLIMIT_AS},           {"RLIMIT_CORE", RLIMIT_CORE},
    {"RLIMIT_CPU", RLIMIT_CPU},         {"RLIMIT_DATA", RLIMIT_DATA},
    {"RLIMIT_FSIZE", RLIMIT_FSIZE},     {"RLIMIT_LOCKS", RLIMIT_LOCKS},
    {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK}, {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
    {"RLIMIT_NICE", RLIMIT_NICE},       {"RLIMIT_NOFILE", RLIMIT_NOFILE},
    {"RLIMIT_NPROC", RLIMIT_NPROC},     {"RLIMIT_RSS", RLIMIT_RSS},
    {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},   {"RLIMIT_RTTIME", RLIMIT_RTTIME},
    {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
    {"RLIMIT_STACK", RLIMIT_STACK},
};

static int rlimit_resource(const char *name)
{
    for (size_t i = 0; i < sizeof rlimit_names / sizeof rlimit_names[0]; i++)
        if (strcmp(rlimit_names[i].name, name) == 0)
            return rlimit_names[i].resource;
    return -1;
}

const char *process_rlimit_name(int resource)
{
    for (size_t i = 0; i < sizeof rlimit_names / sizeof rlimit_names[0]; i++)
        if (rlimit_names[i].resource == resource)
            return rlimit_names[i].name;
    return "?";
}

static int parse_rlimit(json_object *r, const char *path,
                        struct oci_rlimit *out, struct err *e)
{
    const char *type;
    bool has_soft, has_hard;
    if (jget_str(r, path, "type", true, &type, e) < 0)
        return -1;
    out->resource = rlimit_resource(type);
    if (out->resource < 0)
        return err_set(e, 0, "config.json: %s.type: unknown limit \"%s\"",
                       path, type);
    if (jget_u64(r, path, "soft", &out->soft, &has_soft, e) < 0 ||
        jget_u64(r, path, "hard", &out->hard, &has_hard, e) < 0)
        return -1;
    if (!has_soft || !has_hard)
        return err_set(e, 0, "config.json: %s.%s: missing", path,
                       has_soft ? "hard" : "soft");
    if (out->soft > out->hard)
        return err_set(e, 0, "config.json: %s: soft limit above the hard "
                       "limit", path);
    return 0;
}

static int parse_rlimits(json_object *process, const char *where,
                         struct oci_process *p, struct err *e)
{
    json_object *a = NULL;
    if (jget_arr(process, where, "rlimits", false, &a, e) < 0)
        return -1;
    if (!a)
        return 0;
    size_t n = json_object_array_length(a);
    p->rlimits = calloc(n ? n : 1, sizeof *p->rlimits);
    if (!p->rlimits)
        return err_set(e, ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        json_object *r = json_object_array_get_idx(a, i);
        char path[128];
        snprintf(path, sizeof path, "%s%srlimits[%zu]", where,
                 *where ? "." : "", i);
        if (!json_object_is_type(r, json_type_object))
            return jerr_elem(where, "rlimits", i, "an object", e);
        if (parse_rlimit(r, path, &p->rlimits[i], e) < 0)
            return -1;
        for (size_t j = 0; j < i; j++)
            if (p->rlimits[j].resource == p->rlimits[i].resource)
                return err_set(e, 0, "config.json: %s.type: set twice",
                               path);
        p->nrlimits = i + 1;
    }
    return 0;
}

static int parse_misc(json_object *process, const char *where,
                      struct oci_process *p, struct err *e)
{
    const char *ignored;
    int64_t adj;
    json_object *caps = NULL;
    char path[128];
    if (jget_bool(process, where, "terminal", &p->terminal, NULL, e) < 0 ||
        jget_bool(process, where, "noNewPrivileges", &p->no_new_privileges,
                  NULL, e) < 0 ||
        jget_int(process, where, "oomScoreAdj", -1000, 1000, &adj,
                 &p->has_oom_score_adj, e) < 0 ||
        /* Cella has no AppArmor or SELinux support: read only for types. */
        jget_str(process, where, "apparmorProfile", false, &ignored, e) < 0 ||
        jget_str(process, where, "selinuxLabel", false, &ignored, e) < 0 ||
        jget_obj(process, where, "capabilities", false, &caps, e) < 0)
        return -1;
    if (p->has_oom_score_adj)
        p->oom_score_adj = adj;
    return caps_parse(caps, subpath(path, sizeof path, where, "capabilities"),
                      &p->caps, e);
}

int process_parse(json_object *process, const char *where,
                  struct oci_process *p, struct err *e)
{
    memset(p, 0, sizeof *p);
    if (!json_object_is_type(process, json_type_object)) {
        err_set(e, 0, "config.json: %s: expected an object", where);
        return -1;
    }
    if (parse_args_env(process, where, p, e) < 0 ||
        parse_cwd(process, where, p, e) < 0 ||
        parse_console(process, where, p, e) < 0 ||
        parse_user(process, where, p, e) < 0 ||
        parse_rlimits(process, where, p, e) < 0 ||
        parse_misc(process, where, p, e) < 0) {
        process_free(p);
        return -1;
    }
    return 0;
}

void process_free(struct oci_process *p)
{
    free(p->additional_gids);
    free(p->args);
    free(p->env);
    free(p->rlimits);
    memset(p, 0, sizeof *p);
}
