/* linux.resources from config.json: every member read, typed and
 * range-checked into struct cg_resources before any cgroup is touched
 * (blockIO, hugepage limits and devices are in resources_dev.c). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "oci/cgroup/internal.h"
#include "oci/json.h"

int cg_field_err(struct err *e, const char *where, const char *key,
                 const char *fmt, ...)
{
    char what[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return err_set(e, 0, "config.json: %s.%s: %s", where, key, what);
}

static int oom(struct err *e)
{
    return err_set(e, ENOMEM, "out of memory");
}

/* An int64 where 0 means "not set", as docker and podman write it. */
static int get_opt_int(json_object *o, const char *w, const char *key,
                       int64_t min, bool *has, int64_t *out, struct err *e)
{
    bool present = false;
    if (jget_int(o, w, key, min, INT64_MAX, out, &present, e) < 0)
        return -1;
    *has = present && *out != 0;
    return 0;
}

static int parse_memory(json_object *m, const char *w, struct cg_resources *r,
                        struct err *e)
{
    int64_t ignored;
    bool present;
    if (get_opt_int(m, w, "limit", -1, &r->has_mem_limit, &r->mem_limit, e)
        || get_opt_int(m, w, "reservation", -1, &r->has_mem_reservation,
                       &r->mem_reservation, e)
        || get_opt_int(m, w, "swap", -1, &r->has_mem_swap, &r->mem_swap, e))
        return -1;
    /* kernel and kernelTCP are deprecated and not applied: only typed. */
    if (jget_int(m, w, "kernel", -1, INT64_MAX, &ignored, NULL, e) < 0
        || jget_int(m, w, "kernelTCP", -1, INT64_MAX, &ignored, NULL, e) < 0)
        return -1;
    if (jget_u64(m, w, "swappiness", &r->swappiness, &present, e) < 0)
        return -1;
    r->has_swappiness = present;
    if (present && r->swappiness > 100)
        return cg_field_err(e, w, "swappiness", "%llu out of range (0-100)",
                   (unsigned long long)r->swappiness);
    if (jget_bool(m, w, "disableOOMKiller", &r->oom_kill_disable, &present,
                  e) < 0)
        return -1;
    r->has_oom_kill_disable = present;
    if (r->has_mem_swap && r->has_mem_limit && r->mem_swap != -1
        && (r->mem_limit == -1 || r->mem_swap < r->mem_limit))
        return cg_field_err(e, w, "swap", "%lld is less than memory.limit (swap "
                   "counts memory and swap)", (long long)r->mem_swap);
    return 0;
}

/* "0-3,5": what cpuset.cpus and cpuset.mems take. */
static bool valid_list(const char *s)
{
    while (*s) {
        if (*s < '0' || *s > '9')
            return false;
        while (*s >= '0' && *s <= '9')
            s++;
        if (*s == '-') {
            s++;
            if (*s < '0' || *s > '9')
                return false;
            while (*s >= '0' && *s <= '9')
                s++;
        }
        if (*s == ',' && s[1])
            s++;
        else if (*s)
            return false;
    }
    return true;
}

static int get_list(json_object *o, const char *w, const char *key,
                    char **out, struct err *e)
{
    const char *s = NULL;
    if (jget_str(o, w, key, false, &s, e) < 0)
        return -1;
    if (!s || !*s)
        return 0;
    if (!valid_list(s))
        return cg_field_err(e, w, key, "\"%s\" is not a list like \"0-3,5\"", s);
    if (!(*out = strdup(s)))
        return oom(e);
    return 0;
}

static int parse_cpu(json_object *c, const char *w, struct cg_resources *r,
                     struct err *e)
{
    bool present;
    if (jget_u64(c, w, "shares", &r->cpu_shares, &present, e) < 0)
        return -1;
    r->has_cpu_shares = present && r->cpu_shares;
    if (r->has_cpu_shares && (r->cpu_shares < 2 || r->cpu_shares > 262144))
        return cg_field_err(e, w, "shares", "%llu out of range (2-262144)",
                   (unsigned long long)r->cpu_shares);
    if (get_opt_int(c, w, "quota", -1, &r->has_cpu_quota, &r->cpu_quota, e)
        < 0)
        return -1;
    if (r->has_cpu_quota && r->cpu_quota != -1 && r->cpu_quota < 1000)
        return cg_field_err(e, w, "quota", "%lld out of range (-1, or 1000 and up)",
                   (long long)r->cpu_quota);
    if (jget_u64(c, w, "period", &r->cpu_period, &present, e) < 0)
        return -1;
    r->has_cpu_period = present && r->cpu_period;
    if (r->has_cpu_period
        && (r->cpu_period < 1000 || r->cpu_period > 1000000))
        return cg_field_err(e, w, "period", "%llu out of range (1000-1000000)",
                   (unsigned long long)r->cpu_period);
    if (get_opt_int(c, w, "realtimeRuntime", -1, &r->has_rt_runtime,
                    &r->rt_runtime, e) < 0)
        return -1;
    if (jget_u64(c, w, "realtimePeriod", &r->rt_period, &present, e) < 0)
        return -1;
    r->has_rt_period = present && r->rt_period;
    if (jget_int(c, w, "idle", 0, 1, &r->cpu_idle, &r->has_cpu_idle, e) < 0)
        return -1;
    return get_list(c, w, "cpus", &r->cpus, e) < 0
        || get_list(c, w, "mems", &r->mems, e) < 0 ? -1 : 0;
}

static int parse_unified(json_object *u, const char *w, struct cg_resources *r,
                         struct err *e)
{
    size_t n = (size_t)json_object_object_length(u);
    if (!n)
        return 0;
    if (!(r->unified = calloc(n, sizeof *r->unified)))
        return oom(e);
    json_object_object_foreach(u, key, val) {
        if (!*key || strchr(key, '/') || key[0] == '.')
            return cg_field_err(e, w, key, "not a cgroup file name");
        if (!json_object_is_type(val, json_type_string))
            return cg_field_err(e, w, key, "expected a string");
        struct cg_kv *kv = &r->unified[r->n_unified++];
        if (!(kv->key = strdup(key))
            || !(kv->value = strdup(json_object_get_string(val))))
            return oom(e);
    }
    return 0;
}

static int parse_all(json_object *res, const char *where,
                     struct cg_resources *r, struct err *e)
{
    json_object *o;
    char w[256];
#define SUB(key, type, fn)                                                  \
    do {                                                                    \
        o = NULL;                                                           \
        if (jget_##type(res, where, key, false, &o, e) < 0)                 \
            return -1;                                                      \
        snprintf(w, sizeof w, "%s.%s", where, key);                         \
        if (o && fn(o, w, r, e) < 0)                                        \
            return -1;                                                      \
    } while (0)
    SUB("memory", obj, parse_memory);
    SUB("cpu", obj, parse_cpu);
    SUB("blockIO", obj, cg_parse_blkio);
    SUB("unified", obj, parse_unified);
#undef SUB
    o = NULL;
    if (jget_obj(res, where, "pids", false, &o, e) < 0)
        return -1;
    snprintf(w, sizeof w, "%s.pids", where);
    if (o && jget_int(o, w, "limit", INT64_MIN, INT64_MAX, &r->pids_limit,
                      &r->has_pids_limit, e) < 0)
        return -1;
    /* As runc: 0 leaves the limit as it is; below 0 is "max". */
    if (r->has_pids_limit && r->pids_limit == 0)
        r->has_pids_limit = false;
    o = NULL;
    if (jget_arr(res, where, "hugepageLimits", false, &o, e) < 0
        || (o && cg_parse_hugepages(o, where, r, e) < 0))
        return -1;
    o = NULL;
    if (jget_arr(res, where, "devices", false, &o, e) < 0
        || (o && cg_parse_devices(o, where, r, e) < 0))
        return -1;
    return 0;
}

int cg_resources_parse(json_object *resources, const char *where,
                       struct cg_resources **out, struct err *e)
{
    *out = NULL;
    if (!json_object_is_type(resources, json_type_object))
        return err_set(e, 0, "config.json: %s: expected an object", where);
    struct cg_resources *r = calloc(1, sizeof *r);
    if (!r)
        return oom(e);
    if (parse_all(resources, where, r, e) < 0) {
        cg_resources_free(r);
        return -1;
    }
    *out = r;
    return 0;
}

void cg_resources_free(struct cg_resources *r)
{
    if (!r)
        return;
    free(r->cpus);
    free(r->mems);
    free(r->weight_devs);
    for (int i = 0; i < 4; i++)
        free(r->throttle[i]);
    free(r->hugepages);
    free(r->devices);
    for (size_t i = 0; i < r->n_unified; i++) {
        free(r->unified[i].key);
        free(r->unified[i].value);
    }
    free(r->unified);
    free(r);
}

static bool unified_wants(const struct cg_resources *r, const char *ctrl)
{
    size_t len = strlen(ctrl);
    for (size_t i = 0; i < r->n_unified; i++)
        if (!strncmp(r->unified[i].key, ctrl, len)
            && r->unified[i].key[len] == '.')
            return true;
    return false;
}

bool cg_resources_want(const struct cg_resources *r, const char *ctrl)
{
    return r && (unified_wants(r, ctrl) || cg_resources_sets(r, ctrl));
}

bool cg_resources_sets(const struct cg_resources *r, const char *ctrl)
{
    if (!r)
        return false;
    if (!strcmp(ctrl, "memory"))
        return r->has_mem_limit || r->has_mem_reservation || r->has_mem_swap
            || r->has_swappiness || r->has_oom_kill_disable;
    if (!strcmp(ctrl, "cpu"))
        return r->has_cpu_shares || r->has_cpu_quota || r->has_cpu_period
            || r->has_rt_runtime || r->has_rt_period || r->has_cpu_idle;
    if (!strcmp(ctrl, "cpuset"))
        return r->cpus || r->mems;
    if (!strcmp(ctrl, "pids"))
        return r->has_pids_limit;
    if (!strcmp(ctrl, "blkio") || !strcmp(ctrl, "io")) {
        bool any = r->blkio_weight || r->blkio_leaf_weight
            || r->n_weight_devs;
        for (int i = 0; i < 4; i++)
            any = any || r->n_throttle[i];
        return any;
    }
    if (!strcmp(ctrl, "hugetlb"))
        return r->n_hugepages;
    if (!strcmp(ctrl, "devices"))
        return r->has_devices;
    return false;
}
