/* Writing the config.json of a `cella ct run` bundle. */
#include "ct/bundle.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <json-c/json.h>

#include "base/err.h"
#include "oci/spec.h"

static json_object *member(json_object *o, const char *key)
{
    json_object *m = NULL;
    json_object_object_get_ex(o, key, &m);
    return m;
}

static json_object *strv(char **v)
{
    json_object *a = json_object_new_array();
    for (; *v; v++)
        json_object_array_add(a, json_object_new_string(*v));
    return a;
}

/* -v HOST:CT[:ro] as a bind mount. */
static int add_volume(json_object *mounts, const char *spec, struct err *e)
{
    char buf[PATH_MAX * 2];
    snprintf(buf, sizeof buf, "%s", spec);
    char *ct = strchr(buf, ':');
    if (!ct || ct == buf)
        return err_set(e, 0, "-v %s: expected HOST:CONTAINER[:ro]", spec);
    *ct++ = 0;
    bool ro = false;
    char *mode = strchr(ct, ':');
    if (mode) {
        *mode++ = 0;
        if (strcmp(mode, "ro") && strcmp(mode, "rw"))
            return err_set(e, 0, "-v %s: mode '%s' is not ro or rw", spec,
                           mode);
        ro = !strcmp(mode, "ro");
    }
    if (*ct != '/')
        return err_set(e, 0, "-v %s: container path '%s' is not absolute",
                       spec, ct);
    char host[PATH_MAX];
    if (!realpath(buf, host))
        return err_set(e, errno, "-v %s: host path %s", spec, buf);
    json_object *m = json_object_new_object();
    json_object_object_add(m, "destination", json_object_new_string(ct));
    json_object_object_add(m, "type", json_object_new_string("bind"));
    json_object_object_add(m, "source", json_object_new_string(host));
    json_object *opts = json_object_new_array();
    json_object_array_add(opts, json_object_new_string("rbind"));
    json_object_array_add(opts, json_object_new_string(ro ? "ro" : "rw"));
    json_object_object_add(m, "options", opts);
    json_object_array_add(mounts, m);
    return 0;
}

static void add_tmp(json_object *mounts)
{
    json_object *m = json_object_new_object();
    json_object_object_add(m, "destination", json_object_new_string("/tmp"));
    json_object_object_add(m, "type", json_object_new_string("tmpfs"));
    json_object_object_add(m, "source", json_object_new_string("tmpfs"));
    json_object *opts = json_object_new_array();
    json_object_array_add(opts, json_object_new_string("nosuid"));
    json_object_array_add(opts, json_object_new_string("nodev"));
    json_object_array_add(opts, json_object_new_string("mode=1777"));
    json_object_object_add(m, "options", opts);
    json_object_array_add(mounts, m);
}

static void set_resources(json_object *lin, const struct ct_opts *o)
{
    json_object *res = member(lin, "resources");
    if (o->memory) {
        json_object *mem = json_object_new_object();
        json_object_object_add(mem, "limit",
                               json_object_new_int64((int64_t)o->memory));
        json_object_object_add(res, "memory", mem);
    }
    if (o->cpus > 0) {
        json_object *cpu = json_object_new_object();
        json_object_object_add(cpu, "quota",
                               json_object_new_int64((int64_t)(o->cpus * 100000)));
        json_object_object_add(cpu, "period", json_object_new_int64(100000));
        json_object_object_add(res, "cpu", cpu);
    }
    if (o->pids > 0) {
        json_object *pids = json_object_new_object();
        json_object_object_add(pids, "limit", json_object_new_int64(o->pids));
        json_object_object_add(res, "pids", pids);
    }
}

static void drop_netns(json_object *lin)
{
    json_object *ns = member(lin, "namespaces"), *kept = json_object_new_array();
    for (size_t i = 0; i < json_object_array_length(ns); i++) {
        json_object *n = json_object_array_get_idx(ns, i);
        if (strcmp(json_object_get_string(member(n, "type")), "network"))
            json_object_array_add(kept, json_object_get(n));
    }
    json_object_object_add(lin, "namespaces", kept);
}

int ct_write_bundle(const struct ct_opts *o, const char *dir, struct err *e)
{
    json_object *spec = json_tokener_parse(oci_default_spec);
    if (!spec)
        return err_set(e, 0, "the default spec does not parse");
    json_object *proc = member(spec, "process"), *lin = member(spec, "linux"),
                *mounts = member(spec, "mounts"), *root = member(spec, "root");
    int r = -1;
    json_object_object_add(proc, "args", strv(o->args));
    json_object_object_add(proc, "terminal", json_object_new_boolean(o->tty));
    json_object *env = member(proc, "env");
    for (int i = 0; i < o->nenv; i++) {
        if (!strchr(o->env[i], '=') || o->env[i][0] == '=') {
            err_set(e, 0, "-e %s: expected NAME=VALUE", o->env[i]);
            goto out;
        }
        json_object_array_add(env, json_object_new_string(o->env[i]));
    }
    json_object_object_add(root, "path", json_object_new_string(o->rootfs));
    json_object_object_add(root, "readonly",
                           json_object_new_boolean(o->rootfs_readonly));
    if (o->hostname)
        json_object_object_add(spec, "hostname",
                               json_object_new_string(o->hostname));
    if (o->rootfs_readonly)
        add_tmp(mounts);
    for (int i = 0; i < o->nvolumes; i++)
        if (add_volume(mounts, o->volumes[i], e) < 0)
            goto out;
    set_resources(lin, o);
    if (o->host_net)
        drop_netns(lin);
    char path[PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/config.json", dir);
    if (json_object_to_file_ext(path, spec, JSON_C_TO_STRING_PRETTY) < 0) {
        err_set(e, errno, "write %s", path);
        goto out;
    }
    r = 0;
out:
    json_object_put(spec);
    return r;
}
