/* One entry of mounts[] inside the rootfs: the destination made and opened
 * inside it, the mount onto /proc/self/fd/N of that descriptor (or a bind
 * source cloned earlier on the host side, moved there), then the bind
 * remount for flags, the propagation and the recursive attributes, each its
 * own call as the kernel wants. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "base/err.h"
#include "oci/rootfs/rootfs.h"
#include "oci/rootfs/internal.h"

#define ATIME_FLAGS (MS_NOATIME | MS_RELATIME | MS_STRICTATIME)
/* What a bind remount sets; the rest of flags went into the bind itself. */
#define REMOUNT_FLAGS (~(MS_BIND | MS_REC | MS_REMOUNT))

unsigned long mount_flags_of(int fd)
{
    struct statfs sf;
    if (fstatfs(fd, &sf) < 0)
        return 0;
    static const struct { unsigned long st, ms; } map[] = {
        { ST_RDONLY, MS_RDONLY },     { ST_NOSUID, MS_NOSUID },
        { ST_NODEV, MS_NODEV },       { ST_NOEXEC, MS_NOEXEC },
        { ST_NOATIME, MS_NOATIME },   { ST_NODIRATIME, MS_NODIRATIME },
        { ST_RELATIME, MS_RELATIME },
    };
    unsigned long flags = 0;
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (sf.f_flags & map[i].st)
            flags |= map[i].ms;
    if (!(flags & (MS_NOATIME | MS_RELATIME)))
        flags |= MS_STRICTATIME;
    return flags;
}

/* The host directory a fallback binds when the kernel refuses a new
 * instance of the file system (a user namespace without its own network
 * or IPC namespace), or NULL. */
static const char *host_fallback(const char *type)
{
    if (!type)
        return NULL;
    if (!strcmp(type, "sysfs"))
        return "/sys";
    if (!strcmp(type, "mqueue"))
        return "/dev/mqueue";
    return NULL;
}

/* The mount itself; *bound says it was a bind (flags still to apply). */
static int mount_at(int target, const struct oci_mount *m, bool in_userns,
                    bool *bound, struct err *e)
{
    char p[32];
    path_of_fd(target, p);
    *bound = m->bind;
    if (m->bind && m->source_fd >= 0) {
        if (move_mount(m->source_fd, "", target, "",
                       MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
            return err_set(e, errno, "mount %s on %s", m->source,
                           m->destination);
        return 0;
    }
    if (m->bind) {
        if (mount(m->source, p, NULL, MS_BIND | (m->flags & MS_REC), NULL) < 0)
            return err_set(e, errno, "mount %s on %s", m->source,
                           m->destination);
        return 0;
    }
    const char *source = m->source ? m->source : m->type ? m->type : "none";
    if (mount(source, p, m->type, m->flags, m->data) == 0)
        return 0;
    int errnum = errno;
    const char *host = host_fallback(m->type);
    if (errnum == EPERM && in_userns && host) {
        if (mount(host, p, NULL, MS_BIND | MS_REC, NULL) < 0)
            return err_set(e, errno, "mount %s on %s", host, m->destination);
        *bound = true;
        return 0;
    }
    return err_set(e, errnum, "mount %s on %s", m->type ? m->type : source,
                   m->destination);
}

/* Flags, propagation and recursive attributes on the new mount. */
static int finish(int rootfd, const struct oci_mount *m, bool bound,
                  struct err *e)
{
    bool remount = bound && ((m->flags & REMOUNT_FLAGS) || m->cleared ||
                             m->atime_given);
    if (!remount && !m->propagation && !m->attr_set && !m->attr_clr)
        return 0;
    int fd = path_open_in(rootfd, m->destination, PATH_EXISTING);
    if (fd < 0)
        return err_set(e, errno, "mount on %s: reopen", m->destination);
    char p[32];
    path_of_fd(fd, p);
    int rc = 0;
    if (remount) {
        unsigned long keep = mount_flags_of(fd) & ~m->cleared;
        if (m->atime_given)
            keep &= ~ATIME_FLAGS;
        unsigned long flags = MS_REMOUNT | MS_BIND | keep |
                              (m->flags & REMOUNT_FLAGS);
        if (mount(NULL, p, NULL, flags, NULL) < 0)
            rc = err_set(e, errno, "remount %s", m->destination);
    }
    if (rc == 0 && m->propagation &&
        mount(NULL, p, NULL, m->propagation, NULL) < 0)
        rc = err_set(e, errno, "mount propagation of %s", m->destination);
    if (rc == 0 && (m->attr_set || m->attr_clr)) {
        struct mount_attr attr = { .attr_set = m->attr_set,
                                   .attr_clr = m->attr_clr };
        if (mount_setattr(fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr,
                          sizeof attr) < 0)
            rc = err_set(e, errno, "recursive mount options of %s",
                         m->destination);
    }
    close(fd);
    return rc;
}

int mount_one(int rootfd, const struct oci_mount *m, bool in_userns,
              struct err *e)
{
    enum path_make make = PATH_MAKE_DIR;
    if (m->bind) {
        struct stat st;
        if ((m->source_fd >= 0 ? fstat(m->source_fd, &st)
                               : stat(m->source, &st)) < 0)
            return err_set(e, errno, "mount %s on %s", m->source,
                           m->destination);
        if (!S_ISDIR(st.st_mode))
            make = PATH_MAKE_FILE;
    }
    int target = path_open_in(rootfd, m->destination, make);
    if (target < 0)
        return err_set(e, errno, "mount destination %s", m->destination);
    bool bound = false;
    int rc = !m->bind && m->type && !strcmp(m->type, "cgroup")
                 ? mount_cgroup(rootfd, m, target, &bound, e)
                 : mount_at(target, m, in_userns, &bound, e);
    close(target);
    if (rc < 0)
        return -1;
    return finish(rootfd, m, bound, e);
}

int rootfs_open_bind_sources(struct oci_rootfs *r, struct err *e)
{
    for (size_t i = 0; i < r->n_mounts; i++) {
        struct oci_mount *m = &r->mounts[i];
        if (!m->bind)
            continue;
        unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC;
        if (m->flags & MS_REC)
            flags |= AT_RECURSIVE;
        m->source_fd = open_tree(AT_FDCWD, m->source, flags);
        /* A runtime without CAP_SYS_ADMIN here binds by path later. */
        if (m->source_fd < 0 && errno != EPERM)
            return err_set(e, errno, "mount %s on %s", m->source,
                           m->destination);
    }
    return 0;
}
