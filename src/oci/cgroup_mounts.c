/* Where the cgroup hierarchies are: v1 and v2 mounts from mountinfo, the
 * host's mode, this process's own cgroup on each, and systemd's
 * "slice:prefix:name" names turned into paths. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "oci/cgroup_internal.h"

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

/* One mountinfo line: "id parent maj:min root mountpoint opts [tags] - fstype
 * source superopts". Adds it to v when it is a cgroup mount. */
static int parse_line(char *line, struct cg_hier **v, size_t *n,
                      struct err *e)
{
    char *f[6], *save = NULL, *t;
    int i = 0;
    for (t = strtok_r(line, " ", &save); t && i < 6;
         t = strtok_r(NULL, " ", &save))
        f[i++] = t;
    if (i < 6)
        return 0;
    while (t && strcmp(t, "-"))
        t = strtok_r(NULL, " ", &save);
    char *fstype = strtok_r(NULL, " ", &save);
    char *source = strtok_r(NULL, " ", &save);
    char *superopts = strtok_r(NULL, " ", &save);
    if (!fstype || !source || !superopts)
        return 0;
    int version = !strcmp(fstype, "cgroup") ? 1
                  : !strcmp(fstype, "cgroup2") ? 2 : 0;
    if (!version)
        return 0;
    /* A read-only mount (a container's view) is no place to make cgroups. */
    if (!strncmp(f[5], "ro,", 3) || !strcmp(f[5], "ro"))
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
    char *text = strdup(mountinfo), *save = NULL;
    *out = NULL;
    *n = 0;
    if (!text)
        return oom(e);
    for (char *line = strtok_r(text, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        if (parse_line(line, out, n, e) < 0) {
            free(text);
            cg_hiers_free(*out, *n);
            *out = NULL;
            *n = 0;
            return -1;
        }
    }
    free(text);
    return 0;
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
