/* process.capabilities: the five sets read from config.json as bit masks,
 * and applied to the calling thread with libcap. */
#include "oci/caps.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>

#include "base/err.h"
#include "oci/json.h"
#include "oci/log.h"

static const char *const set_names[] = {
    "bounding", "effective", "inheritable", "permitted", "ambient",
};

static uint64_t *set_of(struct oci_caps *c, size_t i)
{
    uint64_t *sets[] = {
        &c->bounding, &c->effective, &c->inheritable, &c->permitted,
        &c->ambient,
    };
    return sets[i];
}

/* Capabilities numbered 0 .. cap_count() - 1 exist on both this kernel and
 * this libcap. */
static unsigned cap_count(void)
{
    unsigned n = cap_max_bits();
    return n > 64 ? 64 : n;
}

static int parse_set(json_object *caps, const char *where, const char *key,
                     uint64_t *set, struct err *e)
{
    const char **names;
    size_t n;
    if (jget_strv(caps, where, key, false, &names, &n, e) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        cap_value_t v;
        /* Runtimes and kernels differ in which capabilities they know: a
         * name this libcap does not know is skipped, as runc and crun do. */
        if (strncmp(names[i], "CAP_", 4) != 0 ||
            cap_from_name(names[i], &v) < 0 || v < 0) {
            log_warn("config.json: %s.%s[%zu]: unknown capability \"%s\", "
                     "skipped", where, key, i, names[i]);
            continue;
        }
        /* Known to libcap but newer than this kernel: nothing to grant. */
        if ((unsigned)v >= cap_count())
            continue;
        *set |= UINT64_C(1) << v;
    }
    free(names);
    return 0;
}

int caps_parse(json_object *caps, const char *where, struct oci_caps *c,
               struct err *e)
{
    memset(c, 0, sizeof *c);
    if (!caps)
        return 0;
    if (!json_object_is_type(caps, json_type_object))
        return err_set(e, 0, "config.json: %s: expected an object", where);
    for (size_t i = 0; i < sizeof set_names / sizeof set_names[0]; i++)
        if (parse_set(caps, where, set_names[i], set_of(c, i), e) < 0)
            return -1;
    c->present = true;
    return 0;
}

static const char *cap_label(unsigned cap, char *buf, size_t len)
{
    char *name = cap_to_name(cap);
    snprintf(buf, len, "%s", name ? name : "?");
    cap_free(name);
    return buf;
}

/* Make every permitted capability effective, so that the bounding set can
 * be changed (CAP_SETPCAP) after a uid change cleared the effective set. */
static int raise_effective(struct err *e)
{
    cap_t cur = cap_get_proc();
    if (!cur)
        return err_set(e, errno, "read the process's capabilities");
    int rc = 0;
    if (cap_fill(cur, CAP_EFFECTIVE, CAP_PERMITTED) < 0 ||
        cap_set_proc(cur) < 0)
        rc = err_set(e, errno, "raise the permitted capabilities");
    cap_free(cur);
    return rc;
}

static int drop_bounding(uint64_t keep, struct err *e)
{
    char buf[64];
    for (unsigned i = 0; i < cap_count(); i++) {
        if (keep & (UINT64_C(1) << i))
            continue;
        /* No read first: dropping one already gone is no error, except
         * without CAP_SETPCAP, which only matters if it was there. */
        if (cap_drop_bound(i) < 0 &&
            (errno != EPERM || cap_get_bound(i) != 0))
            return err_set(e, errno, "drop %s from the bounding set",
                           cap_label(i, buf, sizeof buf));
    }
    return 0;
}

static int set_flag_bits(cap_t t, cap_flag_t flag, uint64_t bits)
{
    for (unsigned i = 0; i < cap_count(); i++) {
        cap_value_t v = i;
        if ((bits & (UINT64_C(1) << i)) &&
            cap_set_flag(t, flag, 1, &v, CAP_SET) < 0)
            return -1;
    }
    return 0;
}

static int set_main_sets(const struct oci_caps *c, struct err *e)
{
    cap_t t = cap_init();
    if (!t)
        return err_set(e, errno, "capabilities");
    int rc = 0;
    if (set_flag_bits(t, CAP_INHERITABLE, c->inheritable) < 0 ||
        set_flag_bits(t, CAP_PERMITTED, c->permitted) < 0 ||
        set_flag_bits(t, CAP_EFFECTIVE, c->effective) < 0)
        rc = err_set(e, errno, "capabilities");
    else if (cap_set_proc(t) < 0)
        rc = err_set(e, errno, "set the inheritable, permitted and effective "
                     "capabilities");
    cap_free(t);
    return rc;
}

/* The kernel raises an ambient capability only when it is both permitted
 * and inheritable; the ones a spec lists without that are left out, as
 * they could not survive execve anyway. */
static int set_ambient(const struct oci_caps *c, struct err *e)
{
    char buf[64];
    /* One call; libcap's cap_reset_ambient asks about each first. */
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
        return err_set(e, errno, "clear the ambient capabilities");
    uint64_t raise = c->ambient & c->permitted & c->inheritable;
    for (unsigned i = 0; i < cap_count(); i++)
        if ((raise & (UINT64_C(1) << i)) && cap_set_ambient(i, CAP_SET) < 0)
            return err_set(e, errno, "raise ambient capability %s",
                           cap_label(i, buf, sizeof buf));
    return 0;
}

int caps_apply(const struct oci_caps *c, struct err *e)
{
    if (raise_effective(e) < 0 || drop_bounding(c->bounding, e) < 0 ||
        set_main_sets(c, e) < 0 || set_ambient(c, e) < 0)
        return -1;
    return 0;
}
