/* The members of linux.resources that name devices or page sizes: blockIO,
 * hugepageLimits and devices; and the device rules a container gets. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "oci/cgroup/internal.h"
#include "oci/json.h"

#define MAX_DEV_NUM 0xffffffffLL

static int oom(struct err *e)
{
    return err_set(e, ENOMEM, "out of memory");
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
        return cg_field_err(e, w, key, "%llu out of range (10-1000)",
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
        return cg_field_err(e, w, "major", "missing");
    if (jget_int(o, w, "minor", lo, MAX_DEV_NUM, min, &present, e) < 0)
        return -1;
    if (!present && !wildcard)
        return cg_field_err(e, w, "minor", "missing");
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
            return cg_field_err(e, ew, "rate", "missing");
    }
    return 0;
}

int cg_parse_blkio(json_object *b, const char *w, struct cg_resources *r,
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

int cg_parse_hugepages(json_object *a, const char *w,
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
            return cg_field_err(e, ew, "pageSize", "\"%s\" is not a size like \"2MB\"",
                       size);
        snprintf(r->hugepages[i].size, sizeof r->hugepages[i].size, "%s",
                 size);
        if (jget_u64(o, ew, "limit", &r->hugepages[i].limit, &present, e) < 0)
            return -1;
        if (!present)
            return cg_field_err(e, ew, "limit", "missing");
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
        return cg_field_err(e, ew, "allow", "missing");
    if (jget_str(o, ew, "type", false, &type, e) < 0)
        return -1;
    if (strcmp(type, "a") && strcmp(type, "b") && strcmp(type, "c"))
        return cg_field_err(e, ew, "type", "\"%s\" is not a, b or c", type);
    d->type = type[0];
    if (get_devnum(o, ew, &d->major, &d->minor, true, e) < 0
        || jget_str(o, ew, "access", false, &access, e) < 0)
        return -1;
    d->access = 0;
    for (const char *c = access; *c; c++) {
        unsigned bit = *c == 'r' ? CG_ACC_READ : *c == 'w' ? CG_ACC_WRITE
                       : *c == 'm' ? CG_ACC_MKNOD : 0;
        if (!bit)
            return cg_field_err(e, ew, "access", "\"%s\" is not made of r, w and m",
                       access);
        d->access |= bit;
    }
    if (!d->access)
        return cg_field_err(e, ew, "access", "empty");
    return 0;
}

int cg_parse_devices(json_object *a, const char *w,
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

/* The devices the runtime spec says every container has: null, zero, full,
 * random, urandom, tty, console, ptmx, and the pty slaves. */
static const struct cg_dev_rule default_devices[] = {
    {true, 'c', 1, 3, CG_ACC_ALL},   {true, 'c', 1, 5, CG_ACC_ALL},
    {true, 'c', 1, 7, CG_ACC_ALL},   {true, 'c', 1, 8, CG_ACC_ALL},
    {true, 'c', 1, 9, CG_ACC_ALL},   {true, 'c', 5, 0, CG_ACC_ALL},
    {true, 'c', 5, 1, CG_ACC_ALL},   {true, 'c', 5, 2, CG_ACC_ALL},
    {true, 'c', 136, CG_ANY, CG_ACC_ALL},
    /* mknod of any node is allowed: using one is what the rules guard. */
    {true, 'c', CG_ANY, CG_ANY, CG_ACC_MKNOD},
    {true, 'b', CG_ANY, CG_ANY, CG_ACC_MKNOD},
};
#define N_DEFAULT (sizeof default_devices / sizeof default_devices[0])

int cg_device_rules(const struct cg_resources *r, struct cg_dev_rule **out,
                    size_t *n, struct err *e)
{
    size_t user = r ? r->n_devices : 0;
    struct cg_dev_rule *v = calloc(1 + N_DEFAULT + user, sizeof *v);
    if (!v)
        return oom(e);
    /* Deny all, the spec's rules, then the defaults: the spec's usual
     * leading "deny everything" must not take away /dev/null. */
    v[0] = (struct cg_dev_rule){false, 'a', CG_ANY, CG_ANY, CG_ACC_ALL};
    if (user)
        memcpy(v + 1, r->devices, user * sizeof *v);
    memcpy(v + 1 + user, default_devices, sizeof default_devices);
    *out = v;
    *n = 1 + N_DEFAULT + user;
    return 0;
}
