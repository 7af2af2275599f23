/* /dev inside the rootfs: the default devices (null, zero, full, random,
 * urandom, tty) and symlinks (fd, stdin, stdout, stderr, core, ptmx) the
 * runtime supplies, then linux.devices. Nodes are made with
 * mknod, or, in a user namespace where mknod is refused, as an empty file
 * with the host's node bound onto it. Every path goes through
 * path_open_in, so a symlinked /dev cannot lead out of the rootfs. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "base/err.h"
#include "oci/rootfs/rootfs.h"
#include "oci/rootfs/internal.h"

static const struct oci_device default_devices[] = {
    { "/dev/null", S_IFCHR, 1, 3, 0666, 0, 0 },
    { "/dev/zero", S_IFCHR, 1, 5, 0666, 0, 0 },
    { "/dev/full", S_IFCHR, 1, 7, 0666, 0, 0 },
    { "/dev/random", S_IFCHR, 1, 8, 0666, 0, 0 },
    { "/dev/urandom", S_IFCHR, 1, 9, 0666, 0, 0 },
    { "/dev/tty", S_IFCHR, 5, 0, 0666, 0, 0 },
};

static const struct {
    const char *name, *target;
} default_links[] = {
    { "fd", "/proc/self/fd" },         { "stdin", "/proc/self/fd/0" },
    { "stdout", "/proc/self/fd/1" },   { "stderr", "/proc/self/fd/2" },
    { "core", "/proc/kcore" },
};

/* The directory of path (made when missing) and its last component. */
static int open_parent(int rootfd, const char *path, char name[NAME_MAX + 1])
{
    const char *slash = strrchr(path, '/');
    char dir[PATH_MAX];
    if (snprintf(name, NAME_MAX + 1, "%s", slash + 1) > NAME_MAX ||
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path) >=
            (int)sizeof dir) {
        errno = ENAMETOOLONG;
        return -1;
    }
    return path_open_in(rootfd, dir, PATH_MAKE_DIR);
}

/* An empty file at name with the host's node at path bound onto it. */
static int bind_host_node(int parent, const char *name, const char *path)
{
    int fd = openat(parent, name,
                    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    close(fd);
    fd = openat(parent, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return -1;
    char p[32];
    int rc = mount(path, path_of_fd(fd, p), NULL, MS_BIND, NULL);
    int errnum = errno;
    close(fd);
    errno = errnum;
    return rc;
}

static int make_node(int parent, const char *name, const struct oci_device *d)
{
    if (mknodat(parent, name, d->type | d->mode,
                makedev(d->major, d->minor)) < 0 ||
        fchmodat(parent, name, d->mode, 0) < 0 ||
        fchownat(parent, name, d->uid, d->gid, AT_SYMLINK_NOFOLLOW) < 0)
        return -1;
    return 0;
}

static int create_device(int rootfd, const struct oci_device *d,
                         bool in_userns, struct err *e)
{
    char name[NAME_MAX + 1];
    int parent = open_parent(rootfd, d->path, name);
    if (parent < 0)
        return err_set(e, errno, "device %s", d->path);
    if (unlinkat(parent, name, 0) < 0 && errno != ENOENT) {
        int errnum = errno;
        close(parent);
        return err_set(e, errnum, "device %s: replace", d->path);
    }
    int rc = in_userns && d->type != S_IFIFO
                 ? bind_host_node(parent, name, d->path)
                 : make_node(parent, name, d);
    int errnum = errno;
    close(parent);
    return rc < 0 ? err_set(e, errnum, "device %s", d->path) : 0;
}

static int create_link(int dev, const char *name, const char *target,
                       struct err *e)
{
    if (symlinkat(target, dev, name) == 0)
        return 0;
    if (errno != EEXIST || unlinkat(dev, name, 0) < 0 ||
        symlinkat(target, dev, name) < 0)
        return err_set(e, errno, "symlink /dev/%s", name);
    return 0;
}

static int create_links(int rootfd, bool have_pts, struct err *e)
{
    int dev = path_open_in(rootfd, "/dev", PATH_MAKE_DIR);
    if (dev < 0)
        return err_set(e, errno, "/dev");
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < sizeof default_links /
                                          sizeof default_links[0]; i++)
        rc = create_link(dev, default_links[i].name, default_links[i].target,
                         e);
    if (rc == 0 && have_pts)
        rc = create_link(dev, "ptmx", "pts/ptmx", e);
    close(dev);
    return rc;
}

int devices_create(int rootfd, const struct oci_rootfs *r, bool have_pts,
                   bool in_userns, struct err *e)
{
    for (size_t i = 0; i < sizeof default_devices / sizeof default_devices[0];
         i++)
        if (create_device(rootfd, &default_devices[i], in_userns, e) < 0)
            return -1;
    if (create_links(rootfd, have_pts, e) < 0)
        return -1;
    for (size_t i = 0; i < r->n_devices; i++)
        if (create_device(rootfd, &r->devices[i], in_userns, e) < 0)
            return -1;
    return 0;
}
