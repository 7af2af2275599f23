/* Mounts of type "cgroup". On a cgroup v2 host: a cgroup2 mount (or a bind
 * of the host's when the kernel refuses one). On a v1 or hybrid host: a
 * tmpfs with, for each hierarchy the container is in, the container's own
 * cgroup directory bound under the hierarchy's usual name (cpu, memory,
 * systemd, unified...). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "base/err.h"
#include "oci/rootfs/internal.h"

/* Where a hierarchy is mounted on the host, and which of its cgroups is
 * that mount's root. */
struct hierarchy {
    char mountpoint[PATH_MAX];
    char root[PATH_MAX];
};

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape(char *s)
{
    char *d = s;
    while (*s) {
        if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' &&
            s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
            *d++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
            s += 4;
        } else {
            *d++ = *s++;
        }
    }
    *d = '\0';
}

/* Whether every comma-separated word of want is one of have's. */
static bool has_all(const char *have, const char *want)
{
    while (*want) {
        size_t wl = strcspn(want, ",");
        bool found = false;
        for (const char *h = have; *h && !found;) {
            size_t hl = strcspn(h, ",");
            found = hl == wl && !strncmp(h, want, wl);
            h += hl + (h[hl] == ',');
        }
        if (!found)
            return false;
        want += wl + (want[wl] == ',');
    }
    return true;
}

/* The mountinfo line of a mount of the hierarchy with these controllers
 * (the cgroup2 one when unified). */
static bool find_hierarchy(const char *controllers, bool unified,
                           struct hierarchy *h)
{
    FILE *f = fopen("/proc/self/mountinfo", "re");
    if (!f)
        return false;
    char *line = NULL;
    size_t cap = 0;
    bool found = false;
    while (!found && getline(&line, &cap, f) > 0) {
        char *fields[5], *save = NULL, *tok = strtok_r(line, " \n", &save);
        int n = 0;
        for (; tok && n < 5; tok = strtok_r(NULL, " \n", &save))
            fields[n++] = tok;
        while (tok && strcmp(tok, "-"))
            tok = strtok_r(NULL, " \n", &save);
        char *fstype = tok ? strtok_r(NULL, " \n", &save) : NULL;
        char *source = fstype ? strtok_r(NULL, " \n", &save) : NULL;
        char *opts = source ? strtok_r(NULL, " \n", &save) : NULL;
        if (n < 5 || !opts)
            continue;
        if (unified ? strcmp(fstype, "cgroup2")
                    : strcmp(fstype, "cgroup") || !has_all(opts, controllers))
            continue;
        unescape(fields[3]);
        unescape(fields[4]);
        found = snprintf(h->root, sizeof h->root, "%s", fields[3]) <
                    (int)sizeof h->root &&
                snprintf(h->mountpoint, sizeof h->mountpoint, "%s",
                         fields[4]) < (int)sizeof h->mountpoint;
    }
    free(line);
    fclose(f);
    return found;
}

/* The container's cgroup, cgpath, as a host directory under h; false when
 * the mount's root is not above it (the container is in a cgroup
 * namespace and sees only its own part). */
static bool host_dir(const struct hierarchy *h, const char *cgpath,
                     char out[static PATH_MAX])
{
    size_t rl = strlen(h->root);
    if (!strcmp(h->root, "/"))
        rl = 0;
    else if (strncmp(cgpath, h->root, rl) || (cgpath[rl] && cgpath[rl] != '/'))
        return false;
    int n = snprintf(out, PATH_MAX, "%s%s", h->mountpoint, cgpath + rl);
    return n > 0 && n < PATH_MAX;
}

/* One hierarchy under the tmpfs dir. */
static int mount_hierarchy(int dir, const struct oci_mount *m,
                           const char *controllers, bool unified,
                           const char *cgpath, struct err *e)
{
    struct hierarchy h;
    if (!find_hierarchy(controllers, unified, &h))
        return 0;
    const char *name = strrchr(h.mountpoint, '/') + 1;
    if (!*name || mkdirat(dir, name, 0755) < 0)
        return err_set(e, errno, "cgroup mount on %s: %s", m->destination,
                       h.mountpoint);
    int sub = openat(dir, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (sub < 0)
        return err_set(e, errno, "cgroup mount on %s: %s", m->destination,
                       name);
    char p[32], host[PATH_MAX];
    path_of_fd(sub, p);
    bool bind = host_dir(&h, cgpath, host);
    int rc = bind ? mount(host, p, NULL, MS_BIND | MS_REC, NULL)
                  : mount("cgroup", p, unified ? "cgroup2" : "cgroup",
                          m->flags, unified ? NULL : controllers);
    close(sub);
    if (rc < 0)
        return err_set(e, errno, "cgroup mount on %s: %s", m->destination,
                       bind ? host : controllers);
    if (!bind || !(m->flags & MS_RDONLY))
        return 0;
    sub = openat(dir, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (sub < 0)
        return err_set(e, errno, "cgroup mount on %s: %s", m->destination,
                       name);
    rc = mount(NULL, path_of_fd(sub, p), NULL,
               MS_REMOUNT | MS_BIND | MS_RDONLY | mount_flags_of(sub), NULL);
    close(sub);
    if (rc < 0)
        return err_set(e, errno, "cgroup mount on %s: read-only %s",
                       m->destination, name);
    return 0;
}

static int mount_v1(int rootfd, const struct oci_mount *m, const char *p,
                    struct err *e)
{
    unsigned long flags = m->flags & ~MS_RDONLY;
    if (mount("tmpfs", p, "tmpfs", flags, "mode=755") < 0)
        return err_set(e, errno, "cgroup mount on %s: tmpfs", m->destination);
    int dir = path_open_in(rootfd, m->destination, PATH_EXISTING);
    if (dir < 0)
        return err_set(e, errno, "cgroup mount on %s", m->destination);
    FILE *f = fopen("/proc/self/cgroup", "re");
    int rc = f ? 0 : err_set(e, errno, "/proc/self/cgroup");
    char *line = NULL;
    size_t cap = 0;
    while (rc == 0 && f && getline(&line, &cap, f) > 0) {
        line[strcspn(line, "\n")] = '\0';
        char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (!c2)
            continue;
        *c1 = *c2 = '\0';
        rc = mount_hierarchy(dir, m, c1 + 1, !strcmp(line, "0"), c2 + 1, e);
    }
    free(line);
    if (f)
        fclose(f);
    char dp[32];
    if (rc == 0 && (m->flags & MS_RDONLY) &&
        mount(NULL, path_of_fd(dir, dp), NULL, MS_REMOUNT | m->flags,
              "mode=755") < 0)
        rc = err_set(e, errno, "cgroup mount on %s: read-only",
                     m->destination);
    close(dir);
    return rc;
}

int mount_cgroup(int rootfd, const struct oci_mount *m, int target,
                 bool *bound, struct err *e)
{
    char p[32];
    path_of_fd(target, p);
    struct statfs sf;
    if (statfs("/sys/fs/cgroup", &sf) < 0 ||
        sf.f_type != CGROUP2_SUPER_MAGIC)
        return mount_v1(rootfd, m, p, e);
    if (mount("cgroup2", p, "cgroup2", m->flags, NULL) == 0)
        return 0;
    if (errno != EPERM)
        return err_set(e, errno, "mount cgroup2 on %s", m->destination);
    if (mount("/sys/fs/cgroup", p, NULL, MS_BIND | MS_REC, NULL) < 0)
        return err_set(e, errno, "mount /sys/fs/cgroup on %s",
                       m->destination);
    *bound = true;
    return 0;
}
