/* Where a container's cgroup lies: the spec's cgroupsPath (plain or
 * systemd's slice:prefix:name) checked and resolved on each hierarchy, and
 * the record of it that cg_path hands out and cg_open reads back. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "oci/cgroup/internal.h"

static int oom(struct err *e)
{
    return err_set(e, ENOMEM, "out of memory");
}

/* No "." or ".." parts, and not the hierarchy's root itself. */
int cg_check_path(const char *path, struct err *e)
{
    const char *p = path;
    bool any = false;
    while (*p) {
        size_t len = strcspn(p, "/");
        if ((len == 1 && p[0] == '.') || (len == 2 && !strncmp(p, "..", 2)))
            return err_set(e, 0, "cgroup: \"%s\": \".\" and \"..\" are not "
                           "allowed", path);
        any = any || len;
        p += len;
        if (*p)
            p++;
    }
    return any ? 0 : err_set(e, 0, "cgroup: \"%s\" is the root cgroup",
                             path);
}

/* h->path is set: h->dir is where it lies under the mount. */
int cg_set_dir(struct cg_hier *h, struct err *e)
{
    size_t rl = strlen(h->root);
    const char *rel = h->path;
    if (strcmp(h->root, "/")) {
        if (strncmp(h->path, h->root, rl)
            || (h->path[rl] && h->path[rl] != '/'))
            return err_set(e, 0, "cgroup: %s is outside what %s shows",
                           h->path, h->mount);
        rel = h->path + rl;
    }
    if (!rel[strspn(rel, "/")])
        return err_set(e, 0, "cgroup: %s is the root of %s", h->path,
                       h->mount);
    if (!(h->dir = cg_join(h->mount, rel)))
        return oom(e);
    return 0;
}

/* "mount=path;mount=path": the record when the hierarchies differ. */
static int record(struct cgroup *cg, struct err *e)
{
    bool same = true;
    size_t len = 1;
    for (size_t i = 0; i < cg->n; i++) {
        same = same && !strcmp(cg->h[i].path, cg->h[0].path);
        len += strlen(cg->h[i].mount) + strlen(cg->h[i].path) + 2;
    }
    if (same) {
        cg->recorded = strdup(cg->h[0].path);
        return cg->recorded ? 0 : oom(e);
    }
    if (!(cg->recorded = calloc(1, len)))
        return oom(e);
    for (size_t i = 0; i < cg->n; i++)
        sprintf(cg->recorded + strlen(cg->recorded), "%s%s=%s", i ? ";" : "",
                cg->h[i].mount, cg->h[i].path);
    return 0;
}

/* The path on each hierarchy: absolute paths are the same everywhere,
 * relative ones lie under this process's own cgroup of each. */
int cg_resolve(struct cgroup *cg, const char *path, struct err *e)
{
    char *own_text = NULL;
    if (path[0] != '/' && cg_slurp("/proc/self/cgroup", &own_text, NULL, e)
        < 0)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < cg->n && rc == 0; i++) {
        struct cg_hier *h = &cg->h[i];
        char *own = NULL;
        if (!own_text)
            h->path = strdup(path);
        else if ((rc = cg_own_path(own_text, h, &own, e)) == 0)
            h->path = cg_join(own, path);
        free(own);
        if (rc == 0 && !h->path)
            rc = oom(e);
        if (rc == 0)
            rc = cg_set_dir(h, e);
    }
    free(own_text);
    return rc < 0 ? -1 : record(cg, e);
}

/* A slice name: "a-b.slice", no empty parts between dashes. */
static bool valid_slice(const char *s, size_t len)
{
    if (len <= 6 || strncmp(s + len - 6, ".slice", 6))
        return false;
    len -= 6;
    if (memchr(s, '/', len) || s[0] == '-' || s[len - 1] == '-')
        return false;
    for (size_t i = 0; i + 1 < len; i++)
        if (s[i] == '-' && s[i + 1] == '-')
            return false;
    return true;
}

/* Nothing here talks to systemd over D-Bus: the scope is a directory we
 * make ourselves where systemd would have put it. */
int cg_systemd_path(const char *spec, char **out, struct err *e)
{
    const char *c1 = strchr(spec, ':');
    const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    if (!c2 || strchr(c2 + 1, ':') || !c2[1] || strchr(c2 + 1, '/')
        || memchr(c1 + 1, '/', c2 - c1 - 1))
        return err_set(e, 0, "cgroup: \"%s\" is not slice:prefix:name",
                       spec);
    size_t slen = c1 - spec;
    const char *slice = slen ? spec : "system.slice";
    if (!slen)
        slen = strlen(slice);
    bool root = slen == 7 && !strncmp(slice, "-.slice", 7);
    if (!root && !valid_slice(slice, slen))
        return err_set(e, 0, "cgroup: \"%.*s\" is not a slice name",
                       (int)slen, slice);
    size_t cap = 2 * slen * (slen + 8) + strlen(spec) + 16;
    char *p = calloc(1, cap);
    if (!p)
        return oom(e);
    /* "a-b-c.slice" lives in a.slice/a-b.slice/a-b-c.slice. */
    size_t base = slen - 6;
    for (size_t i = 0; !root && i <= base; i++) {
        if (i < base && slice[i] != '-')
            continue;
        size_t o = strlen(p);
        snprintf(p + o, cap - o, "/%.*s.slice", (int)i, slice);
    }
    size_t o = strlen(p);
    if (c2 > c1 + 1)
        snprintf(p + o, cap - o, "/%.*s-%s.scope", (int)(c2 - c1 - 1),
                 c1 + 1, c2 + 1);
    else
        snprintf(p + o, cap - o, "/%s.scope", c2 + 1);
    *out = p;
    return 0;
}

/* The container's path, from the spec's cgroupsPath. */
int cg_spec_path(const char *cgroups_path, const char *id, bool systemd,
                     char **out, struct err *e)
{
    char buf[512];
    if (systemd) {
        if (!cgroups_path) {
            snprintf(buf, sizeof buf, ":cella:%s", id);
            cgroups_path = buf;
        }
        if (cg_systemd_path(cgroups_path, out, e) < 0)
            return -1;
    } else {
        if (!cgroups_path) {
            snprintf(buf, sizeof buf, "/cella/%s", id);
            cgroups_path = buf;
        }
        if (!(*out = strdup(cgroups_path)))
            return oom(e);
    }
    if (cg_check_path(*out, e) < 0) {
        free(*out);
        return -1;
    }
    return 0;
}
