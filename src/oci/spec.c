/* Loading a bundle's config.json: the JSON itself, the top-level fields,
 * and each module's part, all checked before anything is created. */
#include "oci/spec.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/util.h"
#include "oci/cgroup/cgroup.h"
#include "oci/json.h"
#include "oci/rootfs/rootfs.h"
#include "oci/seccomp/seccomp.h"

json_object *spec_parse_text(const char *text, const char *what,
                             struct err *e)
{
    json_tokener *tok = json_tokener_new();
    if (!tok) {
        err_set(e, ENOMEM, "out of memory");
        return NULL;
    }
    json_object *o = json_tokener_parse_ex(tok, text, (int)strlen(text) + 1);
    enum json_tokener_error jerr = json_tokener_get_error(tok);
    size_t off = json_tokener_get_parse_end(tok);
    json_tokener_free(tok);
    if (!o || jerr != json_tokener_success) {
        json_object_put(o);
        err_set(e, 0, "%s: invalid JSON at byte %zu: %s", what, off,
                json_tokener_error_desc(jerr));
        return NULL;
    }
    if (!json_object_is_type(o, json_type_object)) {
        json_object_put(o);
        err_set(e, 0, "%s: expected a JSON object", what);
        return NULL;
    }
    return o;
}

json_object *spec_parse_file(const char *path, const char *what,
                             struct err *e)
{
    uint8_t *text;
    size_t len;
    if (read_file(path, &text, &len, e) < 0)
        return NULL;
    json_object *o = spec_parse_text((char *)text, what, e);
    free(text);
    return o;
}

/* Only sysctls that belong to a namespace the container has of its own:
 * any other would change the host. The two names of the uts namespace have
 * fields of their own, "hostname" and "domainname": refused here, as runc
 * and crun refuse them. */
static int check_sysctl(const char *key, const struct oci_spec *s,
                        struct err *e)
{
    static const struct {
        const char *prefix;
        enum ns_kind ns;
    } allowed[] = {
        {"kernel.msg", NS_IPC},         {"kernel.sem", NS_IPC},
        {"kernel.shm", NS_IPC},         {"fs.mqueue.", NS_IPC},
        {"net.", NS_NET},
    };
    if (!strcmp(key, "kernel.hostname") || !strcmp(key, "kernel.domainname"))
        return err_set(e, 0, "config.json: linux.sysctl.%s: not allowed: it "
                       "conflicts with the \"%s\" field", key, key + 7);
    for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++) {
        if (strncmp(key, allowed[i].prefix, strlen(allowed[i].prefix)))
            continue;
        enum ns_kind k = allowed[i].ns;
        if (s->ns.present[k])
            return 0;
        return err_set(e, 0, "config.json: linux.sysctl.%s: needs the "
                       "container's own %s namespace", key,
                       k == NS_NET ? "network" : "ipc");
    }
    return err_set(e, 0, "config.json: linux.sysctl.%s: not a namespaced "
                   "sysctl (it would change the host)", key);
}

static int parse_sysctl(json_object *linux_obj, struct oci_spec *s,
                        struct err *e)
{
    json_object *o = NULL;
    if (jget_obj(linux_obj, "linux", "sysctl", false, &o, e) < 0)
        return -1;
    if (!o)
        return 0;
    size_t n = (size_t)json_object_object_length(o);
    s->sysctl = calloc(n ? n : 1, sizeof *s->sysctl);
    if (!s->sysctl)
        return err_set(e, ENOMEM, "out of memory");
    json_object_object_foreach(o, key, val) {
        if (!json_object_is_type(val, json_type_string))
            return err_set(e, 0, "config.json: linux.sysctl.%s: expected a "
                           "string", key);
        if (!*key || strstr(key, "..") || strchr(key, '/'))
            return err_set(e, 0, "config.json: linux.sysctl: bad key '%s'",
                           key);
        if (check_sysctl(key, s, e) < 0)
            return -1;
        s->sysctl[s->nsysctl++] =
            (struct oci_sysctl){key, json_object_get_string(val)};
    }
    return 0;
}

static int parse_linux(json_object *linux_obj, struct oci_spec *s,
                       struct err *e)
{
    json_object *res = NULL, *sc = NULL;
    if (ns_parse(linux_obj, &s->ns, e) < 0 ||
        jget_str(linux_obj, "linux", "cgroupsPath", false, &s->cgroups_path,
                 e) < 0 ||
        jget_obj(linux_obj, "linux", "resources", false, &res, e) < 0 ||
        jget_obj(linux_obj, "linux", "seccomp", false, &sc, e) < 0)
        return -1;
    if (s->cgroups_path && !*s->cgroups_path)
        s->cgroups_path = NULL;
    if (res && cg_resources_parse(res, "linux.resources", &s->resources, e) < 0)
        return -1;
    if (sc && seccomp_parse(sc, &s->seccomp, e) < 0)
        return -1;
    return parse_sysctl(linux_obj, s, e);
}

int spec_load(const char *bundle, struct oci_spec *s, struct err *e)
{
    memset(s, 0, sizeof *s);
    if (!realpath(bundle, s->bundle))
        return err_set(e, errno, "bundle %s", bundle);
    char path[PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/config.json", s->bundle);
    s->json = spec_parse_file(path, "config.json", e);
    if (!s->json)
        return -1;

    json_object *j = s->json, *process = NULL, *linux_obj = NULL,
                *hooks = NULL;
    if (jget_str(j, "", "ociVersion", true, &s->oci_version, e) < 0 ||
        jget_str(j, "", "hostname", false, &s->hostname, e) < 0 ||
        jget_str(j, "", "domainname", false, &s->domainname, e) < 0 ||
        jget_obj(j, "", "process", true, &process, e) < 0 ||
        jget_obj(j, "", "linux", false, &linux_obj, e) < 0 ||
        jget_obj(j, "", "hooks", false, &hooks, e) < 0 ||
        jget_obj(j, "", "annotations", false, &s->annotations, e) < 0)
        goto fail;
    if (strncmp(s->oci_version, "1.", 2)) {
        err_set(e, 0, "config.json: ociVersion: '%s' is not 1.x",
                s->oci_version);
        goto fail;
    }
    if (process_parse(process, "process", &s->process, e) < 0 ||
        rootfs_parse(j, s->bundle, &s->rootfs, e) < 0 ||
        parse_linux(linux_obj, s, e) < 0 ||
        hooks_parse(hooks, &s->hooks, e) < 0)
        goto fail;
    if ((s->hostname || s->domainname) &&
        !(s->ns.present[NS_UTS] && !s->ns.path[NS_UTS])) {
        err_set(e, 0, "config.json: hostname: needs a new uts namespace");
        goto fail;
    }
    return 0;
fail:
    spec_free(s);
    return -1;
}

void spec_free(struct oci_spec *s)
{
    process_free(&s->process);
    rootfs_free(s->rootfs);
    ns_free(&s->ns);
    free(s->sysctl);
    cg_resources_free(s->resources);
    seccomp_free(s->seccomp);
    hooks_free(&s->hooks);
    json_object_put(s->json);
    memset(s, 0, sizeof *s);
}
