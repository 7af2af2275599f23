/* linux.resources from config.json: every member read, typed and
 * range-checked into struct cg_resources before any cgroup is touched; and
 * the device rules a container gets. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "oci/cgroup_internal.h"
#include "oci/json.h"

#define MAX_DEV_NUM 0xffffffffLL

static int bad(struct err *e, const char *where, const char *key,
               const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int bad(struct err *e, const char *where, const char *key,
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
        return bad(e, w, "swappiness", "%llu out of range (0-100)",
                   (unsigned long long)r->swappiness);
    if (jget_bool(m, w, "disableOOMKiller", &r->oom_kill_disable, &present,
                  e) < 0)
        return -1;
    r->has_oom_kill_disable = present;
    if (r->has_mem_swap && r->has_mem_limit && r->mem_swap != -1
        && (r->mem_limit == -1 || r->mem_swap < r->mem_limit))
        return bad(e, w, "swap", "%lld is less than memory.limit (swap "
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
        return bad(e, w, key, "\"%s\" is not a list like \"0-3,5\"", s);
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
        return bad(e, w, "shares", "%llu out of range (2-262144)",
                   (unsigned long long)r->cpu_shares);
    if (get_opt_int(c, w, "quota", -1, &r->has_cpu_quota, &r->cpu_quota, e)
        < 0)
        return -1;
    if (r->has_cpu_quota && r->cpu_quota != -1 && r->cpu_quota < 1000)
        return bad(e, w, "quota", "%lld out of range (-1, or 1000 and up)",
                   (long long)r->cpu_quota);
    if (jget_u64(c, w, "period", &r->cpu_period, &present, e) < 0)
        return -1;
    r->has_cpu_period = present && r->cpu_period;
    if (r->has_cpu_period
        && (r->cpu_period < 1000 || r->cpu_period > 1000000))
        return bad(e, w, "period", "%llu out of range (1000-1000000)",
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

/* Element i of array a as an object, with its path for messages. */
static int elem(json_object *a, const char *w, const char *key, size_t i,
                json_object **o, char *ew, size_t ewlen, struct err *e)
{
    *o = json_object_array_get_idx(a, i);
    if (!json_object_is_type(*o, json_type_object))
        return jerr_elem(w, key, i, "an object", e);
    snprintf(ew, ewlen, "%s.%s[%zu]", w, key, i);
    return 0;
}

static int get_weight(json_object *o, const char *w, const char *key,
                      uint64_t *out, struct err *e)
{
    if (jget_u64(o, w, key, out, NULL, e) < 0)
        return -1;
    if (*out && (*out < 10 || *out > 1000))
        return bad(e, w, key, "%llu out of range (10-1000)",
                   (unsigned long long)*out);
    return 0;
}

static int get_devnum(json_object *o, const char *w, int64_t *maj,
                      int64_t *min, bool wildcard, struct err *e)
{
    int64_t lo = wildcard ? CG_ANY : 0;
    *maj = *min = CG_ANY;
    bool present;
    if (jget_int(o, w, "major", lo, MAX_DEV_NUM, maj, &present, e) < 0)
        return -1;
    if (!present && !wildcard)
        return bad(e, w, "major", "missing");
    if (jget_int(o, w, "minor", lo, MAX_DEV_NUM, min, &present, e) < 0)
        return -1;
    if (!present && !wildcard)
        return bad(e, w, "minor", "missing");
    return 0;
}

static int parse_weight_devs(json_object *b, const char *w,
                             struct cg_resources *r, struct err *e)
{
    json_object *a = NULL, *o;
    char ew[256];
    if (jget_arr(b, w, "weightDevice", false, &a, e) < 0)
        return -1;
    size_t n = a ? json_object_array_length(a) : 0;
    if (!n)
        return 0;
    if (!(r->weight_devs = calloc(n, sizeof *r->weight_devs)))
        return oom(e);
    r->n_weight_devs = n;
    for (size_t i = 0; i < n; i++) {
        struct cg_weight_dev *d = &r->weight_devs[i];
        if (elem(a, w, "weightDevice", i, &o, ew, sizeof ew, e) < 0
            || get_devnum(o, ew, &d->major, &d->minor, false, e) < 0
            || get_weight(o, ew, "weight", &d->weight, e) < 0
            || get_weight(o, ew, "leafWeight", &d->leaf_weight, e) < 0)
            return -1;
    }
    return 0;
}

static int parse_throttle(json_object *b, const char *w, const char *key,
                          int which, struct cg_resources *r, struct err *e)
{
    json_object *a = NULL, *o;
    char ew[256];
    if (jget_arr(b, w, key, false, &a, e) < 0)
        return -1;
    size_t n = a ? json_object_array_length(a) : 0;
    if (!n)
        return 0;
    if (!(r->throttle[which] = calloc(n, sizeof *r->throttle[which])))
        return oom(e);
    r->n_throttle[which] = n;
    for (size_t i = 0; i < n; i++) {
        struct cg_rate_dev *d = &r->throttle[which][i];
        bool present;
        if (elem(a, w, key, i, &o, ew, sizeof ew, e) < 0
            || get_devnum(o, ew, &d->major, &d->minor, false, e) < 0
            || jget_u64(o, ew, "rate", &d->rate, &present, e) < 0)
            return -1;
        if (!present)
            return bad(e, ew, "rate", "missing");
    }
    return 0;
}

static int parse_blkio(json_object *b, const char *w, struct cg_resources *r,
                       struct err *e)
{
    static const char *const keys[4] = {
        [CG_THROTTLE_READ_BPS] = "throttleReadBpsDevice",
        [CG_THROTTLE_WRITE_BPS] = "throttleWriteBpsDevice",
        [CG_THROTTLE_READ_IOPS] = "throttleReadIOPSDevice",
        [CG_THROTTLE_WRITE_IOPS] = "throttleWriteIOPSDevice",
    };
    if (get_weight(b, w, "weight", &r->blkio_weight, e) < 0
        || get_weight(b, w, "leafWeight", &r->blkio_leaf_weight, e) < 0
        || parse_weight_devs(b, w, r, e) < 0)
        return -1;
    for (int i = 0; i < 4; i++)
        if (parse_throttle(b, w, keys[i], i, r, e) < 0)
            return -1;
    return 0;
}

/* "2MB", "1GB", "64KB": the size part of hugetlb.<size>.limit_in_bytes. */
static bool valid_page_size(const char *s)
{
    size_t d = strspn(s, "0123456789");
    return d > 0 && d < 10 && s[0] != '0'
        && (!strcmp(s + d, "KB") || !strcmp(s + d, "MB")
            || !strcmp(s + d, "GB"));
}

static int parse_hugepages(json_object *a, const char *w,
                           struct cg_resources *r, struct err *e)
{
    json_object *o;
    char ew[256];
    size_t n = json_object_array_length(a);
    if (!n)
        return 0;
    if (!(r->hugepages = calloc(n, sizeof *r->hugepages)))
        return oom(e);
    r->n_hugepages = n;
    for (size_t i = 0; i < n; i++) {
        const char *size;
        bool present;
        if (elem(a, w, "hugepageLimits", i, &o, ew, sizeof ew, e) < 0
            || jget_str(o, ew, "pageSize", true, &size, e) < 0)
            return -1;
        if (!valid_page_size(size))
            return bad(e, ew, "pageSize", "\"%s\" is not a size like \"2MB\"",
                       size);
        snprintf(r->hugepages[i].size, sizeof r->hugepages[i].size, "%s",
                 size);
        if (jget_u64(o, ew, "limit", &r->hugepages[i].limit, &present, e) < 0)
            return -1;
        if (!present)
            return bad(e, ew, "limit", "missing");
    }
    return 0;
}

static int parse_device(json_object *o, const char *ew, struct cg_dev_rule *d,
                        struct err *e)
{
    bool present;
    const char *type = "a", *access = "rwm";
    if (jget_bool(o, ew, "allow", &d->allow, &present, e) < 0)
        return -1;
    if (!present)
        return bad(e, ew, "allow", "missing");
    if (jget_str(o, ew, "type", false, &type, e) < 0)
        return -1;
    if (strcmp(type, "a") && strcmp(type, "b") && strcmp(type, "c"))
        return bad(e, ew, "type", "\"%s\" is not a, b or c", type);
    d->type = type[0];
    if (get_devnum(o, ew, &d->major, &d->minor, true, e) < 0
        || jget_str(o, ew, "access", false, &access, e) < 0)
        return -1;
    d->access = 0;
    for (const char *c = access; *c; c++) {
        unsigned bit = *c == 'r' ? CG_ACC_READ : *c == 'w' ? CG_ACC_WRITE
                       : *c == 'm' ? CG_ACC_MKNOD : 0;
        if (!bit)
            return bad(e, ew, "access", "\"%s\" is not made of r, w and m",
                       access);
        d->access |= bit;
    }
    if (!d->access)
        return bad(e, ew, "access", "empty");
    return 0;
}

static int parse_devices(json_object *a, const char *w,
                         struct cg_resources *r, struct err *e)
{
    json_object *o;
    char ew[256];
    size_t n = json_object_array_length(a);
    r->has_devices = true;
    if (!n)
        return 0;
    if (!(r->devices = calloc(n, sizeof *r->devices)))
        return oom(e);
    r->n_devices = n;
    for (size_t i = 0; i < n; i++)
        if (elem(a, w, "devices", i, &o, ew, sizeof ew, e) < 0
            || parse_device(o, ew, &r->devices[i], e) < 0)
            return -1;
    return 0;
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
            return bad(e, w, key, "not a cgroup file name");
        if (!json_object_is_type(val, json_type_string))
            return bad(e, w, key, "expected a string");
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
    SUB("blockIO", obj, parse_blkio);
    SUB("unified", obj, parse_unified);
#undef SUB
    o = NULL;
    if (jget_obj(res, where, "pids", false, &o, e) < 0)
        return -1;
    snprintf(w, sizeof w, "%s.pids", where);
    if (o && jget_int(o, w, "limit", INT64_MIN, INT64_MAX, &r->pids_limit,
                      &r->has_pids_limit, e) < 0)
        return -1;
    o = NULL;
    if (jget_arr(res, where, "hugepageLimits", false, &o, e) < 0
        || (o && parse_hugepages(o, where, r, e) < 0))
        return -1;
    o = NULL;
    if (jget_arr(res, where, "devices", false, &o, e) < 0
        || (o && parse_devices(o, where, r, e) < 0))
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
    if (!r)
        return false;
    if (unified_wants(r, ctrl))
        return true;
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

/* The devices the runtime spec says every container has: null, zero, full,
 * random, urandom, tty, console, ptmx, and the pty slaves. */
static const struct cg_dev_rule default_devices[] = {
    {true, 'c', 1, 3, CG_ACC_ALL},   {true, 'c', 1, 5, CG_ACC_ALL},
    {true, 'c', 1, 7, CG_ACC_ALL},   {true, 'c', 1, 8, CG_ACC_ALL},
    {true, 'c', 1, 9, CG_ACC_ALL},   {true, 'c', 5, 0, CG_ACC_ALL},
    {true, 'c', 5, 1, CG_ACC_ALL},   {true, 'c', 5, 2, CG_ACC_ALL},
    {true, 'c', 136, CG_ANY, CG_ACC_ALL},
};
#define N_DEFAULT (sizeof default_devices / sizeof default_devices[0])

int cg_device_rules(const struct cg_resources *r, struct cg_dev_rule **out,
                    size_t *n, struct err *e)
{
    size_t user = r ? r->n_devices : 0;
    struct cg_dev_rule *v = calloc(1 + N_DEFAULT + user, sizeof *v);
    if (!v)
        return oom(e);
    v[0] = (struct cg_dev_rule){false, 'a', CG_ANY, CG_ANY, CG_ACC_ALL};
    memcpy(v + 1, default_devices, sizeof default_devices);
    if (user)
        memcpy(v + 1 + N_DEFAULT, r->devices, user * sizeof *v);
    *out = v;
    *n = 1 + N_DEFAULT + user;
    return 0;
}
