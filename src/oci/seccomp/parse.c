/* linux.seccomp read into a libseccomp filter: the default action,
 * architectures, flags, listener and every syscall rule. Nothing is loaded
 * here (apply.c does that). */
#include "oci/seccomp/seccomp.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "oci/json.h"
#include "oci/seccomp/filter.h"

#define WHERE "linux.seccomp"
#define MAX_ERRNO_RET 4095           /* the kernel's MAX_ERRNO */

/* The action named name; errno_ret goes into ERRNO and TRACE. */
static int parse_action(const char *name, uint32_t errno_ret, uint32_t *act)
{
    static const struct {
        const char *name;
        uint32_t act;
    } plain[] = {
        {"SCMP_ACT_KILL", SCMP_ACT_KILL},
        {"SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS},
        {"SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD},
        {"SCMP_ACT_TRAP", SCMP_ACT_TRAP},
        {"SCMP_ACT_ALLOW", SCMP_ACT_ALLOW},
        {"SCMP_ACT_LOG", SCMP_ACT_LOG},
        {"SCMP_ACT_NOTIFY", SCMP_ACT_NOTIFY},
    };
    if (strcmp(name, "SCMP_ACT_ERRNO") == 0) {
        *act = SCMP_ACT_ERRNO(errno_ret);
        return 0;
    }
    if (strcmp(name, "SCMP_ACT_TRACE") == 0) {
        *act = SCMP_ACT_TRACE(errno_ret);
        return 0;
    }
    for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++)
        if (strcmp(plain[i].name, name) == 0) {
            *act = plain[i].act;
            return 0;
        }
    return -1;
}

/* The action member "action" (or "defaultAction") of o with its errno
 * member ("errnoRet" or "defaultErrnoRet"; EPERM when absent). */
static int read_action(json_object *o, const char *where, const char *key,
                       const char *errno_key, uint32_t *act, struct err *e)
{
    const char *name;
    int64_t ret = EPERM;
    if (jget_str(o, where, key, true, &name, e) < 0 ||
        jget_int(o, where, errno_key, 0, MAX_ERRNO_RET, &ret, NULL, e) < 0)
        return -1;
    if (parse_action(name, ret, act) < 0)
        return err_set(e, 0, "config.json: %s.%s: unknown action \"%s\"",
                       where, key, name);
    return 0;
}

static int add_architectures(json_object *sj, struct oci_seccomp *s,
                             struct err *e)
{
    const char **names;
    size_t n;
    if (jget_strv(sj, WHERE, "architectures", false, &names, &n, e) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        char lower[32];
        const char *name = names[i];
        size_t len = strlen(name);
        uint32_t arch = 0;
        if (strncmp(name, "SCMP_ARCH_", 10) == 0 &&
            len - 10 < sizeof lower) {
            for (size_t j = 10; j <= len; j++)
                lower[j - 10] = name[j] >= 'A' && name[j] <= 'Z' ?
                                name[j] - 'A' + 'a' : name[j];
            arch = seccomp_arch_resolve_name(lower);
        }
        if (!arch) {
            err_set(e, 0, "config.json: " WHERE ".architectures[%zu]: "
                    "unknown architecture \"%s\"", i, name);
            free(names);
            return -1;
        }
        int rc = seccomp_arch_add(s->ctx, arch);
        if (rc < 0 && rc != -EEXIST) {
            err_set(e, -rc, "config.json: " WHERE ".architectures[%zu]: %s",
                    i, name);
            free(names);
            return -1;
        }
    }
    free(names);
    return 0;
}

static int set_flags(json_object *sj, struct oci_seccomp *s, struct err *e)
{
    static const struct {
        const char *name;
        enum scmp_filter_attr attr;
    } flags[] = {
        {"SECCOMP_FILTER_FLAG_TSYNC", SCMP_FLTATR_CTL_TSYNC},
        {"SECCOMP_FILTER_FLAG_LOG", SCMP_FLTATR_CTL_LOG},
        {"SECCOMP_FILTER_FLAG_SPEC_ALLOW", SCMP_FLTATR_CTL_SSB},
    };
    const char **names;
    size_t n;
    if (jget_strv(sj, WHERE, "flags", false, &names, &n, e) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        size_t f = 0;
        while (f < sizeof flags / sizeof flags[0] &&
               strcmp(flags[f].name, names[i]) != 0)
            f++;
        int rc = f < sizeof flags / sizeof flags[0] ?
                 seccomp_attr_set(s->ctx, flags[f].attr, 1) : -EINVAL;
        if (rc < 0) {
            err_set(e, f < sizeof flags / sizeof flags[0] ? -rc : 0,
                    "config.json: " WHERE ".flags[%zu]: unsupported flag "
                    "\"%s\"", i, names[i]);
            free(names);
            return -1;
        }
    }
    free(names);
    return 0;
}

static int parse_op(const char *name, enum scmp_compare *op)
{
    static const struct {
        const char *name;
        enum scmp_compare op;
    } ops[] = {
        {"SCMP_CMP_NE", SCMP_CMP_NE}, {"SCMP_CMP_LT", SCMP_CMP_LT},
        {"SCMP_CMP_LE", SCMP_CMP_LE}, {"SCMP_CMP_EQ", SCMP_CMP_EQ},
        {"SCMP_CMP_GE", SCMP_CMP_GE}, {"SCMP_CMP_GT", SCMP_CMP_GT},
        {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
    };
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        if (strcmp(ops[i].name, name) == 0) {
            *op = ops[i].op;
            return 0;
        }
    return -1;
}

/* syscalls[i].args; an argument index used twice means the conditions are
 * alternatives (libseccomp takes one condition per argument in a rule), so
 * *one_rule_each is set. */
static int parse_args(json_object *rule, const char *path,
                      struct scmp_arg_cmp *cmps, unsigned *ncmps,
                      bool *one_rule_each, struct err *e)
{
    json_object *a = NULL;
    unsigned seen = 0;
    *ncmps = 0;
    *one_rule_each = false;
    if (jget_arr(rule, path, "args", false, &a, e) < 0)
        return -1;
    size_t n = a ? json_object_array_length(a) : 0;
    if (n > 6)
        return err_set(e, 0, "config.json: %s.args: more than 6 conditions",
                       path);
    for (size_t i = 0; i < n; i++) {
        json_object *arg = json_object_array_get_idx(a, i);
        char apath[160];
        int64_t index = 0;
        uint64_t value = 0, value_two = 0;
        bool has_index, has_value;
        const char *op_name;
        enum scmp_compare op;
        if (!json_object_is_type(arg, json_type_object))
            return jerr_elem(path, "args", i, "an object", e);
        snprintf(apath, sizeof apath, "%s.args[%zu]", path, i);
        if (jget_int(arg, apath, "index", 0, 5, &index, &has_index, e) < 0 ||
            jget_u64(arg, apath, "value", &value, &has_value, e) < 0 ||
            jget_u64(arg, apath, "valueTwo", &value_two, NULL, e) < 0 ||
            jget_str(arg, apath, "op", true, &op_name, e) < 0)
            return -1;
        if (!has_index || !has_value)
            return err_set(e, 0, "config.json: %s.%s: missing", apath,
                           has_index ? "value" : "index");
        if (parse_op(op_name, &op) < 0)
            return err_set(e, 0, "config.json: %s.op: unknown operator "
                           "\"%s\"", apath, op_name);
        if (seen & (1u << index))
            *one_rule_each = true;
        seen |= 1u << index;
        /* MASKED_EQ: value is the mask, valueTwo what the masked argument
         * must equal. */
        cmps[i] = (struct scmp_arg_cmp){
            .arg = index, .op = op, .datum_a = value, .datum_b = value_two,
        };
    }
    *ncmps = n;
    return 0;
}

static int add_rule(json_object *rule, const char *path, uint32_t def_act,
                    struct oci_seccomp *s, struct err *e)
{
    const char **names;
    size_t nnames;
    uint32_t act;
    struct scmp_arg_cmp cmps[6];
    unsigned ncmps;
    bool one_rule_each;
    if (read_action(rule, path, "action", "errnoRet", &act, e) < 0 ||
        parse_args(rule, path, cmps, &ncmps, &one_rule_each, e) < 0 ||
        jget_strv(rule, path, "names", true, &names, &nnames, e) < 0)
        return -1;
    /* libseccomp refuses rules that repeat the default action; they would
     * change nothing. */
    if (act == def_act) {
        free(names);
        return 0;
    }
    if (act == SCMP_ACT_NOTIFY)
        s->notify = true;
    for (size_t i = 0; i < nnames; i++) {
        int nr = seccomp_syscall_resolve_name(names[i]);
        if (nr == __NR_SCMP_ERROR)
            continue;   /* a syscall this libseccomp does not know */
        int rc = 0;
        if (one_rule_each)
            for (unsigned c = 0; c < ncmps && rc == 0; c++)
                rc = seccomp_rule_add_array(s->ctx, act, nr, 1, &cmps[c]);
        else
            rc = seccomp_rule_add_array(s->ctx, act, nr, ncmps, cmps);
        if (rc < 0) {
            err_set(e, -rc, "config.json: %s: rule for %s", path, names[i]);
            free(names);
            return -1;
        }
    }
    free(names);
    return 0;
}

static int add_rules(json_object *sj, uint32_t def_act, struct oci_seccomp *s,
                     struct err *e)
{
    json_object *a = NULL;
    if (jget_arr(sj, WHERE, "syscalls", false, &a, e) < 0)
        return -1;
    size_t n = a ? json_object_array_length(a) : 0;
    for (size_t i = 0; i < n; i++) {
        json_object *rule = json_object_array_get_idx(a, i);
        char path[64];
        if (!json_object_is_type(rule, json_type_object))
            return jerr_elem(WHERE, "syscalls", i, "an object", e);
        snprintf(path, sizeof path, WHERE ".syscalls[%zu]", i);
        if (add_rule(rule, path, def_act, s, e) < 0)
            return -1;
    }
    return 0;
}

static int copy_listener(json_object *sj, struct oci_seccomp *s,
                         struct err *e)
{
    const char *path = NULL, *meta = NULL;
    if (jget_str(sj, WHERE, "listenerPath", false, &path, e) < 0 ||
        jget_str(sj, WHERE, "listenerMetadata", false, &meta, e) < 0)
        return -1;
    if (s->notify && (!path || !*path))
        return err_set(e, 0, "config.json: " WHERE ".listenerPath: missing "
                       "(SCMP_ACT_NOTIFY needs it)");
    if ((path && !(s->listener_path = strdup(path))) ||
        (meta && !(s->listener_metadata = strdup(meta))))
        return err_set(e, ENOMEM, "out of memory");
    return 0;
}

static int build(json_object *sj, struct oci_seccomp *s, struct err *e)
{
    uint32_t def_act;
    if (!json_object_is_type(sj, json_type_object))
        return err_set(e, 0, "config.json: " WHERE ": expected an object");
    if (read_action(sj, WHERE, "defaultAction", "defaultErrnoRet", &def_act,
                    e) < 0)
        return -1;
    /* Every syscall would wait for the listener, even the ones that hand
     * it the notify fd. */
    if (def_act == SCMP_ACT_NOTIFY)
        return err_set(e, 0, "config.json: " WHERE ".defaultAction: "
                       "SCMP_ACT_NOTIFY cannot be the default action");
    s->ctx = seccomp_init(def_act);
    if (!s->ctx)
        return err_set(e, 0, "config.json: " WHERE ".defaultAction: not "
                       "usable as the default action");
    /* seccomp_apply decides about no_new_privs itself; a failed load
     * reports the kernel's errno rather than ECANCELED. */
    int rc = seccomp_attr_set(s->ctx, SCMP_FLTATR_CTL_NNP, 0);
    if (rc == 0)
        rc = seccomp_attr_set(s->ctx, SCMP_FLTATR_API_SYSRAWRC, 1);
    if (rc < 0)
        return err_set(e, -rc, "seccomp filter attributes");
    if (add_architectures(sj, s, e) < 0 || set_flags(sj, s, e) < 0 ||
        add_rules(sj, def_act, s, e) < 0 || copy_listener(sj, s, e) < 0)
        return -1;
    return 0;
}

int seccomp_parse(json_object *seccomp, struct oci_seccomp **out,
                  struct err *e)
{
    *out = NULL;
    struct oci_seccomp *s = calloc(1, sizeof *s);
    if (!s)
        return err_set(e, ENOMEM, "out of memory");
    s->listener_fd = -1;
    if (build(seccomp, s, e) < 0) {
        seccomp_free(s);
        return -1;
    }
    *out = s;
    return 0;
}
