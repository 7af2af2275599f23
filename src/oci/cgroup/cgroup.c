/* A container's cgroup on every mounted hierarchy (v1 controllers,
 * name=systemd, cgroup2): making the directories, applying linux.resources
 * through whichever hierarchy holds each controller, entering, freezing. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/err.h"
#include "oci/cgroup/internal.h"

static int oom(struct err *e)
{
    return err_set(e, ENOMEM, "out of memory");
}

struct cg_hier *cg_find(const struct cgroup *cg, const char *ctrl)
{
    for (int version = 1; version <= 2; version++)
        for (size_t i = 0; i < cg->n; i++)
            if (cg->h[i].version == version && cg_hier_has(&cg->h[i], ctrl))
                return &cg->h[i];
    return NULL;
}

static struct cg_hier *find_v2(const struct cgroup *cg)
{
    for (size_t i = 0; i < cg->n; i++)
        if (cg->h[i].version == 2)
            return &cg->h[i];
    return NULL;
}

static int new_cgroup(struct cgroup **out, struct err *e)
{
    struct cgroup *cg = calloc(1, sizeof *cg);
    if (!cg)
        return oom(e);
    if (cg_hiers_scan(&cg->h, &cg->n, e) < 0) {
        free(cg);
        return -1;
    }
    cg->mode = cg_hiers_mode(cg->h, cg->n);
    *out = cg;
    return 0;
}

/* Offer controller c in cgroup.subtree_control of every ancestor of h's
 * directory: the mount, then each level short of the leaf. */
static int enable_ctrl(const struct cg_hier *h, const char *c, bool want,
                       struct err *e)
{
    const char *rel = h->dir + strlen(h->mount);
    size_t end = 0;
    for (;;) {
        char *upto = strndup(rel, end);
        char *dir = upto ? cg_join(h->mount, upto) : NULL;
        free(upto);
        if (!dir)
            return oom(e);
        struct err ignored;
        int rc = cg_writef(dir, "cgroup.subtree_control", want ? e : &ignored,
                           "+%s", c);
        free(dir);
        if (rc < 0 && want)
            return -1;
        size_t next = end + strspn(rel + end, "/");
        next += strcspn(rel + next, "/");
        if (!rel[next + strspn(rel + next, "/")])
            return 0;
        end = next;
    }
}

/* v2 hands controllers down through cgroup.subtree_control of every
 * parent. Those r needs must be there; on a v2 host the rest are offered
 * too (a parent holding processes refuses, and then they are left off). */
static int enable_v2(struct cgroup *cg, struct cg_hier *h,
                     const struct cg_resources *r, struct err *e)
{
    char *ctrls = strdup(h->ctrls), *save = NULL;
    if (!ctrls)
        return oom(e);
    int rc = 0;
    for (char *c = strtok_r(ctrls, ",", &save); c && rc == 0;
         c = strtok_r(NULL, ",", &save)) {
        bool want = cg_resources_want(r, c);
        if (cg_find(cg, c) == h && (want || cg->mode == CG_MODE_V2))
            rc = enable_ctrl(h, c, want, e);
    }
    free(ctrls);
    return rc;
}

/* mkdir -p below the mount, counting the levels made; a new v1 cpuset
 * level gets its parent's cpus and mems. */
static int make_dirs(struct cg_hier *h, struct err *e)
{
    const char *rel = h->dir + strlen(h->mount);
    bool cpuset = h->version == 1 && cg_hier_has(h, "cpuset");
    char *parent = strdup(h->mount);
    if (!parent)
        return oom(e);
    for (const char *p = rel; *p;) {
        while (*p == '/')
            p++;
        if (!*p)
            break;
        p += strcspn(p, "/");
        char *upto = strndup(rel, p - rel);
        char *dir = upto ? cg_join(h->mount, upto) : NULL;
        free(upto);
        if (!dir) {
            free(parent);
            return oom(e);
        }
        bool made = mkdir(dir, 0755) == 0;
        int rc = made || errno == EEXIST ? 0
                 : err_set(e, errno, "cgroup: mkdir %s", dir);
        if (rc == 0 && cpuset)
            rc = cg_v1_cpuset_inherit(parent, dir, e);
        h->made = made ? h->made + 1 : 0;
        free(parent);
        parent = dir;
        if (rc < 0) {
            free(parent);
            return -1;
        }
    }
    free(parent);
    return 0;
}

static int apply_devices(struct cgroup *cg, const struct cg_resources *r,
                         struct err *e)
{
    struct cg_dev_rule *rules;
    size_t n;
    struct cg_hier *h = cg_find(cg, "devices");
    if (!h && !(h = find_v2(cg)))
        return r && r->n_devices
            ? err_set(e, 0, "cgroup: no devices controller is mounted") : 0;
    if (cg_device_rules(r, &rules, &n, e) < 0)
        return -1;
    int rc = h->version == 1 ? cg_v1_devices(h->dir, rules, n, e)
                             : cg_bpf_devices(h->dir, rules, n, e);
    free(rules);
    return rc;
}

/* Each controller by its v1 name and its v2 one. */
static const struct {
    const char *v1, *v2;
} controllers[] = {
    {"memory", "memory"}, {"cpu", "cpu"},   {"cpuset", "cpuset"},
    {"pids", "pids"},     {"blkio", "io"}, {"hugetlb", "hugetlb"},
};

/* The hierarchy of controllers[i], by its v1 name first; *name is the
 * name it has there. */
static struct cg_hier *ctrl_hier(const struct cgroup *cg, size_t i,
                                 const char **name)
{
    struct cg_hier *h = cg_find(cg, controllers[i].v1);
    *name = controllers[i].v1;
    if (!h && (h = cg_find(cg, controllers[i].v2)))
        *name = controllers[i].v2;
    return h;
}

/* Every controller r sets is there, as runc and crun require: a limit
 * that cannot be applied fails the container before anything is made. */
static int check_available(const struct cgroup *cg,
                           const struct cg_resources *r, struct err *e)
{
    for (size_t i = 0; r && i < sizeof controllers / sizeof controllers[0];
         i++) {
        const char *name;
        if (!cg_resources_sets(r, controllers[i].v1) || ctrl_hier(cg, i, &name))
            continue;
        struct cg_hier *v2 = find_v2(cg);
        if (cg->mode == CG_MODE_V2 && v2)
            return err_set(e, 0, "cgroup: the %s controller is not "
                           "available (%s/cgroup.controllers does not list "
                           "it)", controllers[i].v2, v2->mount);
        return err_set(e, 0, "cgroup: no %s controller is mounted",
                       controllers[i].v1);
    }
    if (r && r->n_unified && !find_v2(cg))
        return err_set(e, 0, "cgroup: linux.resources.unified needs cgroup "
                       "v2, and this host has v1 only");
    return 0;
}

/* What r sets, on hierarchies check_available found. */
static int apply(struct cgroup *cg, const struct cg_resources *r,
                 struct err *e)
{
    for (size_t i = 0; i < sizeof controllers / sizeof controllers[0]; i++) {
        const char *name;
        struct cg_hier *h = ctrl_hier(cg, i, &name);
        if (!cg_resources_sets(r, controllers[i].v1))
            continue;
        if ((h->version == 1 ? cg_v1_apply : cg_v2_apply)(name, h->dir, r, e)
            < 0)
            return -1;
    }
    if (r->n_unified && cg_v2_unified(find_v2(cg)->dir, r, e) < 0)
        return -1;
    return r->has_devices ? apply_devices(cg, r, e) : 0;
}

static bool holds_processes(const struct cg_hier *h)
{
    char buf[16];
    return cg_read(h->dir, "cgroup.procs", buf, sizeof buf, NULL) == 0
        && buf[0];
}

void cg_remove_made(const struct cg_hier *h, size_t from)
{
    char *dir = strdup(h->dir);
    for (size_t level = 0; dir && level < h->made; level++) {
        for (size_t l = strlen(dir); l > 1 && dir[l - 1] == '/';)
            dir[--l] = 0;
        if (level >= from && rmdir(dir) < 0)
            break;
        *strrchr(dir, '/') = 0;
    }
    free(dir);
}

static void undo_create(struct cgroup *cg)
{
    for (size_t i = 0; i < cg->n; i++)
        cg_remove_made(&cg->h[i], 0);
}

int cg_create(const char *cgroups_path, const char *id, bool systemd,
              const struct cg_resources *r, struct cgroup **out,
              struct err *e)
{
    char *path;
    struct cgroup *cg = NULL;
    *out = NULL;
    if (cg_spec_path(cgroups_path, id, systemd, &path, e) < 0)
        return -1;
    int rc = new_cgroup(&cg, e);
    if (rc == 0)
        rc = cg_resolve(cg, path, e);
    free(path);
    if (rc < 0) {
        cg_close(cg);
        return -1;
    }
    rc = check_available(cg, r, e);
    for (size_t i = 0; i < cg->n && rc == 0; i++) {
        rc = make_dirs(&cg->h[i], e);
        if (rc == 0 && holds_processes(&cg->h[i]))
            rc = err_set(e, EBUSY, "cgroup: %s already holds processes",
                         cg->h[i].dir);
        if (rc == 0 && cg->h[i].version == 2)
            rc = enable_v2(cg, &cg->h[i], r, e);
    }
    if (rc == 0 && r)
        rc = apply(cg, r, e);
    if (rc == 0 && (!r || !r->has_devices))
        rc = apply_devices(cg, r, e);
    if (rc < 0) {
        undo_create(cg);
        cg_close(cg);
        return -1;
    }
    *out = cg;
    return 0;
}

int cg_open(const char *path, struct cgroup **out, struct err *e)
{
    struct cgroup *cg;
    *out = NULL;
    if (new_cgroup(&cg, e) < 0)
        return -1;
    int rc = 0;
    bool compound = strchr(path, '=') != NULL;
    if (!compound)
        rc = path[0] == '/' && cg_check_path(path, e) == 0 ? cg_resolve(cg, path, e)
             : err_set(e, 0, "cgroup: \"%s\" is not an absolute path", path);
    for (size_t i = 0; compound && i < cg->n && rc == 0; i++) {
        struct cg_hier *h = &cg->h[i];
        size_t ml = strlen(h->mount);
        for (const char *p = path; *p && !h->path;) {
            size_t len = strcspn(p, ";");
            if (len > ml + 1 && !strncmp(p, h->mount, ml) && p[ml] == '=')
                h->path = strndup(p + ml + 1, len - ml - 1);
            p += len;
            if (*p)
                p++;
        }
        rc = !h->path ? err_set(e, 0, "cgroup: \"%s\" has no path for %s",
                                path, h->mount)
             : cg_check_path(h->path, e) < 0 ? -1 : cg_set_dir(h, e);
    }
    if (rc == 0 && compound && !(cg->recorded = strdup(path)))
        rc = oom(e);
    if (rc < 0) {
        cg_close(cg);
        return -1;
    }
    *out = cg;
    return 0;
}

const char *cg_path(const struct cgroup *cg)
{
    return cg->recorded;
}

int cg_enter(struct cgroup *cg, pid_t pid, struct err *e)
{
    for (size_t i = 0; i < cg->n; i++)
        if (cg_writef(cg->h[i].dir, "cgroup.procs", e, "%d", (int)pid) < 0)
            return -1;
    return 0;
}

int cg_update(struct cgroup *cg, const struct cg_resources *r, struct err *e)
{
    if (check_available(cg, r, e) < 0)
        return -1;
    for (size_t i = 0; i < cg->n; i++)
        if (cg->h[i].version == 2 && enable_v2(cg, &cg->h[i], r, e) < 0)
            return -1;
    return apply(cg, r, e);
}

int cg_freeze(struct cgroup *cg, bool frozen, struct err *e)
{
    struct cg_hier *h = cg_find(cg, "freezer");
    if (h)
        return cg_v1_freeze(h->dir, frozen, e);
    if ((h = find_v2(cg)))
        return cg_v2_freeze(h->dir, frozen, e);
    return err_set(e, 0, "cgroup: no freezer is mounted");
}

void cg_close(struct cgroup *cg)
{
    if (!cg)
        return;
    cg_hiers_free(cg->h, cg->n);
    free(cg->recorded);
    free(cg);
}
