/* Where the cgroup hierarchies are: v1 and v2 mounts from mountinfo (those
 * a path reaches: not covered by a later mount), the host's mode, and this
 * process's own cgroup on each. */
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

/* mountinfo writes space, tab, newline and backslash as \ooo. */
static void unescape(char *s)
{
    char *o = s;
    while (*s) {
        if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0'
            && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
            *o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + s[3] - '0');
            s += 4;
        } else {
            *o++ = *s++;
        }
    }
    *o = 0;
}

/* Mount options that are not controllers. */
static bool is_ctrl_opt(const char *opt)
{
    static const char *const not_ctrl[] = {
        "rw", "ro", "xattr", "noprefix", "clone_children", "cpuset_v2_mode",
        "favordynmods", "none", "nsdelegate", "memory_recursiveprot",
        "memory_localevents", "memory_hugetlb_accounting", NULL,
    };
    if (!strncmp(opt, "release_agent=", 14))
        return false;
    for (int i = 0; not_ctrl[i]; i++)
        if (!strcmp(opt, not_ctrl[i]))
            return false;
    return *opt != 0;
}

static char *v1_ctrls(const char *superopts)
{
    char *copy = strdup(superopts), *out = calloc(1, strlen(superopts) + 1);
    if (!copy || !out) {
        free(copy);
        free(out);
        return NULL;
    }
    char *save = NULL;
    for (char *t = strtok_r(copy, ",", &save); t;
         t = strtok_r(NULL, ",", &save)) {
        if (!is_ctrl_opt(t))
            continue;
        if (*out)
            strcat(out, ",");
        strcat(out, t);
    }
    free(copy);
    return out;
}

/* A mount's place in the tree, for telling which mounts are covered. */
struct place {
    long id, parent; /* -1: not a mount line */
    char *point;
};

/* Split one mountinfo line "id parent maj:min root mountpoint opts [tags]
 * - fstype source superopts" in place: f[0..5] and the three after "-".
 * False when it is not such a line. */
static bool split_line(char *line, char *f[6], char **fstype, char **source,
                       char **superopts)
{
    char *save = NULL, *t;
    int i = 0;
    for (t = strtok_r(line, " ", &save); t && i < 6;
         t = strtok_r(NULL, " ", &save))
        f[i++] = t;
    if (i < 6)
        return false;
    while (t && strcmp(t, "-"))
        t = strtok_r(NULL, " ", &save);
    *fstype = strtok_r(NULL, " ", &save);
    *source = strtok_r(NULL, " ", &save);
    *superopts = strtok_r(NULL, " ", &save);
    return *fstype && *source && *superopts;
}

/* Is a an ancestor of path b, or b itself? */
static bool path_covers(const char *a, const char *b)
{
    size_t l = strlen(a);
    if (!strcmp(a, "/"))
        return true;
    return !strncmp(a, b, l) && (!b[l] || b[l] == '/');
}

/* Mount k cannot be reached by path when it, or a mount it sits on, has
 * a sibling (same parent) mounted on its mount point or above it: a
 * cgroup2 mount on /sys/fs/cgroup hides the v1 mounts below it. Of two
 * siblings on the same point, the later one is on top. */
static bool covered(const struct place *m, size_t n, size_t k)
{
    for (int depth = 0; depth < 64 && m[k].id >= 0; depth++) {
        for (size_t j = 0; j < n; j++)
            if (j != k && m[j].id >= 0 && m[j].parent == m[k].parent
                && path_covers(m[j].point, m[k].point)
                && (strcmp(m[j].point, m[k].point) || j > k))
                return true;
        size_t up = n;
        for (size_t j = 0; j < n && up == n; j++)
            if (m[j].id == m[k].parent && j != k)
                up = j;
        if (up == n)
            return false;
        k = up;
    }
    return false;
}

/* Every line's id, parent and mount point, in order. */
static int places(const char *mountinfo, struct place **out, size_t *n,
                  struct err *e)
{
    char *text = strdup(mountinfo), *save = NULL;
    *out = NULL;
    *n = 0;
    if (!text)
        return oom(e);
    for (char *line = strtok_r(text, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        struct place *nv = realloc(*out, (*n + 1) * sizeof **out);
        if (!nv) {
            free(text);
            return oom(e);
        }
        *out = nv;
        struct place *p = &nv[(*n)++];
        char *f[6], *fstype, *source, *superopts;
        *p = (struct place){-1, -1, NULL};
        if (!split_line(line, f, &fstype, &source, &superopts))
            continue;
        unescape(f[4]);
        p->id = strtol(f[0], NULL, 10);
        p->parent = strtol(f[1], NULL, 10);
        if (!(p->point = strdup(f[4]))) {
            free(text);
            return oom(e);
        }
    }
    free(text);
    return 0;
}

static void free_places(struct place *m, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(m[i].point);
    free(m);
}

/* Adds line k of the m to v when it is a cgroup mount a path reaches. */
static int parse_line(char *line, const struct place *m, size_t nm, size_t k,
                      struct cg_hier **v, size_t *n, struct err *e)
{
    char *f[6], *fstype, *source, *superopts;
    if (!split_line(line, f, &fstype, &source, &superopts))
        return 0;
    int version = !strcmp(fstype, "cgroup") ? 1
                  : !strcmp(fstype, "cgroup2") ? 2 : 0;
    if (!version)
        return 0;
    /* A read-only mount (a container's view) is no place to make cgroups. */
    if (!strncmp(f[5], "ro,", 3) || !strcmp(f[5], "ro"))
        return 0;
    if (covered(m, nm, k))
        return 0;
    for (size_t k = 0; k < *n; k++)
        if (!strcmp((*v)[k].dev, f[2]))
            return 0;
    struct cg_hier *nv = realloc(*v, (*n + 1) * sizeof **v);
    if (!nv)
        return oom(e);
    *v = nv;
    struct cg_hier *h = &nv[(*n)++];
    memset(h, 0, sizeof *h);
    h->version = version;
    snprintf(h->dev, sizeof h->dev, "%s", f[2]);
    unescape(f[3]);
    unescape(f[4]);
    h->root = strdup(f[3]);
    h->mount = strdup(f[4]);
    h->ctrls = version == 1 ? v1_ctrls(superopts) : strdup("");
    if (!h->root || !h->mount || !h->ctrls)
        return oom(e);
    return 0;
}

int cg_hiers_parse(const char *mountinfo, struct cg_hier **out, size_t *n,
                   struct err *e)
{
    struct place *m;
    size_t nm, i = 0;
    *out = NULL;
    *n = 0;
    if (places(mountinfo, &m, &nm, e) < 0) {
        free_places(m, nm);
        return -1;
    }
    char *text = strdup(mountinfo), *save = NULL;
    int rc = text ? 0 : oom(e);
    for (char *line = text ? strtok_r(text, "\n", &save) : NULL;
         line && rc == 0; line = strtok_r(NULL, "\n", &save), i++)
        rc = parse_line(line, m, nm, i, out, n, e);
    free(text);
    free_places(m, nm);
    if (rc < 0) {
        cg_hiers_free(*out, *n);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

/* v2's controllers, as a comma list like v1's. */
static int read_v2_ctrls(struct cg_hier *h, struct err *e)
{
    char buf[1024];
    if (cg_read(h->mount, "cgroup.controllers", buf, sizeof buf, e) < 0)
        return -1;
    for (char *c = buf; *c; c++)
        if (*c == ' ')
            *c = ',';
    free(h->ctrls);
    if (!(h->ctrls = strdup(buf)))
        return oom(e);
    return 0;
}

int cg_hiers_scan(struct cg_hier **out, size_t *n, struct err *e)
{
    char *text = NULL;
    if (cg_slurp("/proc/self/mountinfo", &text, NULL, e) < 0)
        return -1;
    int rc = cg_hiers_parse(text, out, n, e);
    free(text);
    if (rc < 0)
        return -1;
    if (!*n)
        return err_set(e, 0, "cgroup: no cgroup hierarchy is mounted");
    for (size_t i = 0; i < *n; i++)
        if ((*out)[i].version == 2 && read_v2_ctrls(&(*out)[i], e) < 0) {
            cg_hiers_free(*out, *n);
            return -1;
        }
    return 0;
}

void cg_hiers_free(struct cg_hier *h, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(h[i].mount);
        free(h[i].root);
        free(h[i].ctrls);
        free(h[i].path);
        free(h[i].dir);
    }
    free(h);
}

enum cg_mode cg_hiers_mode(const struct cg_hier *h, size_t n)
{
    bool v1 = false, v2 = false;
    for (size_t i = 0; i < n; i++) {
        if (h[i].version == 2)
            v2 = true;
        else if (h[i].ctrls[0] && strncmp(h[i].ctrls, "name=", 5))
            v1 = true;
    }
    return v1 && v2 ? CG_MODE_HYBRID : v1 ? CG_MODE_V1 : CG_MODE_V2;
}

int cg_host_mode(enum cg_mode *out, struct err *e)
{
    struct cg_hier *h;
    size_t n;
    if (cg_hiers_scan(&h, &n, e) < 0)
        return -1;
    *out = cg_hiers_mode(h, n);
    cg_hiers_free(h, n);
    return 0;
}

/* Is token tok in comma list list? */
static bool in_list(const char *list, const char *tok, size_t len)
{
    for (const char *p = list; *p;) {
        size_t l = strcspn(p, ",");
        if (l == len && !strncmp(p, tok, len))
            return true;
        p += l;
        if (*p)
            p++;
    }
    return false;
}

bool cg_hier_has(const struct cg_hier *h, const char *ctrl)
{
    return in_list(h->ctrls, ctrl, strlen(ctrl));
}

/* Does comma list a share a member with comma list b? */
static bool lists_meet(const char *a, const char *b)
{
    for (const char *p = a; *p;) {
        size_t l = strcspn(p, ",");
        if (l && in_list(b, p, l))
            return true;
        p += l;
        if (*p)
            p++;
    }
    return false;
}

int cg_own_path(const char *proc_cgroup, const struct cg_hier *h, char **out,
                struct err *e)
{
    for (const char *line = proc_cgroup; *line;) {
        size_t len = strcspn(line, "\n");
        const char *c1 = memchr(line, ':', len);
        const char *c2 = c1 ? memchr(c1 + 1, ':', len - (c1 + 1 - line))
                            : NULL;
        if (c2) {
            char *ctrls = strndup(c1 + 1, c2 - c1 - 1);
            if (!ctrls)
                return oom(e);
            bool match = h->version == 2 ? !*ctrls && !strncmp(line, "0:", 2)
                                         : lists_meet(h->ctrls, ctrls);
            free(ctrls);
            if (match) {
                if (!(*out = strndup(c2 + 1, len - (c2 + 1 - line))))
                    return oom(e);
                return 0;
            }
        }
        line += len;
        if (*line)
            line++;
    }
    return err_set(e, 0, "cgroup: /proc/self/cgroup has no line for %s",
                   h->mount);
}
