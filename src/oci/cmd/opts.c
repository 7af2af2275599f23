/* runc-style option parsing. */
#include "oci/cmd/opts.h"

#include <string.h>

#include "base/err.h"
#include "base/util.h"

static const struct opt *find(const struct opt *opts, const char *name,
                              size_t len)
{
    for (; opts->name; opts++) {
        if (len == 1 && opts->short_name == name[0])
            return opts;
        if (strlen(opts->name) == len && !strncmp(opts->name, name, len))
            return opts;
    }
    return NULL;
}

static int store(const char *cmd, const struct opt *o, const char *val,
                 struct err *e)
{
    switch (o->kind) {
    case OPT_FLAG:
        if (val && strcmp(val, "true") && strcmp(val, "false"))
            return err_set(e, 0, "%s: --%s takes no value", cmd, o->name);
        *(bool *)o->out = !val || !strcmp(val, "true");
        return 0;
    case OPT_STR:
        *(const char **)o->out = val;
        return 0;
    case OPT_INT:
        return parse_int(val, 0, 1 << 20, (long *)o->out, o->name, e);
    case OPT_STRS: {
        struct strs *s = o->out;
        if (s->n == (int)(sizeof s->v / sizeof s->v[0]))
            return err_set(e, 0, "%s: too many --%s", cmd, o->name);
        s->v[s->n++] = val;
        return 0;
    }
    }
    return 0;
}

int opts_parse(const char *cmd, int argc, char **argv, int *i,
               const struct opt *opts, struct err *e)
{
    while (*i < argc) {
        const char *a = argv[*i];
        if (!strcmp(a, "--")) {
            (*i)++;
            return 0;
        }
        if (a[0] != '-' || !a[1])
            return 0;
        const char *name = a + (a[1] == '-' ? 2 : 1);
        const char *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        const struct opt *o = find(opts, name, len);
        if (!o)
            return err_set(e, 0, "%s: unknown option '%s'", cmd, a);
        (*i)++;
        const char *val = eq ? eq + 1 : NULL;
        if (o->kind != OPT_FLAG && !val) {
            if (*i >= argc)
                return err_set(e, 0, "%s: --%s needs a value", cmd, o->name);
            val = argv[(*i)++];
        }
        if (store(cmd, o, val, e) < 0)
            return -1;
    }
    return 0;
}
