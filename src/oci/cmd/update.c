/* `update`: new resource limits for a container's cgroup, from
 * --resources FILE (or - for stdin) or the common one-value options. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/util.h"
#include "oci/cgroup/cgroup.h"
#include "oci/cmd/cmd.h"
#include "oci/cmd/opts.h"
#include "oci/container.h"
#include "oci/spec.h"
#include "oci/state.h"

static char *read_stdin(void)
{
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    size_t n;
    while (buf && (n = fread(buf + len, 1, cap - len - 1, stdin)) > 0) {
        len += n;
        if (len + 1 == cap) {
            char *bigger = realloc(buf, cap *= 2);
            if (!bigger) {
                free(buf);
                return NULL;
            }
            buf = bigger;
        }
    }
    if (buf)
        buf[len] = 0;
    return buf;
}

/* The one-value options, as a resources object. */
static int from_options(const char *memory, const char *cpu_shares,
                        const char *cpu_quota, const char *cpu_period,
                        const char *pids, const char *cpuset,
                        json_object *o, struct err *e)
{
    struct {
        const char *val, *obj, *key;
    } map[] = {{memory, "memory", "limit"},   {cpu_shares, "cpu", "shares"},
               {cpu_quota, "cpu", "quota"},   {cpu_period, "cpu", "period"},
               {pids, "pids", "limit"}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        if (!map[i].val)
            continue;
        long long v;
        if (!strcmp(map[i].obj, "memory")) {
            uint64_t bytes;
            if (parse_size(map[i].val, &bytes, e) < 0)
                return -1;
            v = (long long)bytes;
        } else {
            long lv;
            if (parse_int(map[i].val, -1, 1L << 40, &lv, map[i].key, e) < 0)
                return -1;
            v = lv;
        }
        json_object *sub;
        if (!json_object_object_get_ex(o, map[i].obj, &sub)) {
            sub = json_object_new_object();
            json_object_object_add(o, map[i].obj, sub);
        }
        json_object_object_add(sub, map[i].key, json_object_new_int64(v));
    }
    if (cpuset) {
        json_object *sub;
        if (!json_object_object_get_ex(o, "cpu", &sub)) {
            sub = json_object_new_object();
            json_object_object_add(o, "cpu", sub);
        }
        json_object_object_add(sub, "cpus", json_object_new_string(cpuset));
    }
    return 0;
}

int cmd_update(struct oci_ctx *c, int argc, char **argv, struct err *e)
{
    const char *file = NULL, *memory = NULL, *shares = NULL, *quota = NULL,
               *period = NULL, *pids = NULL, *cpuset = NULL;
    const struct opt opts[] = {
        {"resources", 'r', OPT_STR, &file},
        {"memory", 'm', OPT_STR, &memory},
        {"cpu-shares", 0, OPT_STR, &shares},
        {"cpu-quota", 0, OPT_STR, &quota},
        {"cpu-period", 0, OPT_STR, &period},
        {"pids-limit", 0, OPT_STR, &pids},
        {"cpuset-cpus", 0, OPT_STR, &cpuset},
        {0},
    };
    int i = 1;
    const char *id;
    if (opts_parse("update", argc, argv, &i, opts, e) < 0 ||
        cmd_id("update", argc, argv, i, false, &id, e) < 0)
        return -1;
    json_object *o;
    if (file) {
        if (strcmp(file, "-")) {
            o = spec_parse_file(file, "resources", e);
        } else {
            char *text = read_stdin();
            if (!text)
                return err_set(e, 0, "update: cannot read the resources");
            o = spec_parse_text(text, "resources", e);
            free(text);
        }
        if (!o)
            return -1;
    } else {
        o = json_object_new_object();
        if (from_options(memory, shares, quota, period, pids, cpuset, o,
                         e) < 0) {
            json_object_put(o);
            return -1;
        }
    }
    struct cg_resources *r = NULL;
    struct oci_state st;
    int ret = -1;
    if (cg_resources_parse(o, "resources", &r, e) == 0 &&
        state_load(c->root, id, &st, e) == 0) {
        ret = container_update(&st, r, e);
        state_free(&st);
    }
    cg_resources_free(r);
    json_object_put(o);
    return ret;
}
