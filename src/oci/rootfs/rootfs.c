/* Setting up the container's file system view in its init: propagation,
 * the rootfs bound onto itself, the spec's mounts and /dev
 * (rootfs_prepare); then masked and read-only paths, the switch into the
 * rootfs, the process's cwd and a read-only root (rootfs_enter). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/err.h"
#include "base/util.h"
#include "oci/rootfs/rootfs.h"
#include "oci/rootfs/internal.h"

/* The spec leaves the default to the runtime. rprivate: no mount event
 * crosses between host and container in either direction, so a mount the
 * host makes later never shows up inside, and nothing made inside (nor the
 * unmount of the old root) reaches the host. */
#define DEFAULT_PROPAGATION (MS_PRIVATE | MS_REC)

/* Whether two absolute paths name the same place, repeated and trailing
 * slashes aside. */
static bool same_path(const char *a, const char *b)
{
    for (;;) {
        while (*a == '/' && (a[1] == '/' || !a[1]))
            a++;
        while (*b == '/' && (b[1] == '/' || !b[1]))
            b++;
        if (*a != *b)
            return false;
        if (!*a)
            return true;
        a++;
        b++;
    }
}

/* The last of the spec's mounts on path, or NULL. */
static const struct oci_mount *mount_on(const struct oci_rootfs *r,
                                        const char *path)
{
    const struct oci_mount *found = NULL;
    for (size_t i = 0; i < r->n_mounts; i++)
        if (same_path(r->mounts[i].destination, path))
            found = &r->mounts[i];
    return found;
}

static int mount_id(int fd, uint64_t *id)
{
    struct statx sx;
    if (statx(fd, "", AT_EMPTY_PATH, STATX_MNT_ID, &sx) < 0)
        return -1;
    *id = sx.stx_mnt_id;
    return 0;
}

/* Make the mount the rootfs directory lies on private, so that binding the
 * rootfs onto itself does not propagate to the host's peers, and so that
 * pivot_root accepts it: found by climbing ".." until the mount changes. */
static int make_parent_private(const char *path, struct err *e)
{
    int cur = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
    uint64_t cur_id, up_id;
    if (cur < 0 || mount_id(cur, &cur_id) < 0)
        goto fail;
    for (;;) {
        int up = openat(cur, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
        struct stat cs, us;
        if (up < 0 || mount_id(up, &up_id) < 0 || fstat(cur, &cs) < 0 ||
            fstat(up, &us) < 0) {
            if (up >= 0)
                close(up);
            goto fail;
        }
        if (up_id != cur_id || (cs.st_ino == us.st_ino &&
                                cs.st_dev == us.st_dev)) {
            close(up);
            break;
        }
        close(cur);
        cur = up;
    }
    char p[32];
    if (mount(NULL, path_of_fd(cur, p), NULL, MS_PRIVATE, NULL) < 0)
        goto fail;
    close(cur);
    return 0;
fail:
    err_set(e, errno, "make the mount of %s private", path);
    if (cur >= 0)
        close(cur);
    return -1;
}

int rootfs_prepare(const struct oci_rootfs *r, bool in_userns, struct err *e)
{
    unsigned long prop = r->propagation ? r->propagation : DEFAULT_PROPAGATION;
    if (mount(NULL, "/", NULL, prop, NULL) < 0)
        return err_set(e, errno, "mount propagation of /");
    if (make_parent_private(r->path, e) < 0)
        return -1;
    if (mount(r->path, r->path, NULL, MS_BIND | MS_REC, NULL) < 0)
        return err_set(e, errno, "bind rootfs %s", r->path);
    int rootfd = open(r->path, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0)
        return err_set(e, errno, "rootfs %s", r->path);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < r->n_mounts; i++)
        rc = mount_one(rootfd, &r->mounts[i], in_userns, e);
    const struct oci_mount *dev = mount_on(r, "/dev");
    const struct oci_mount *pts = mount_on(r, "/dev/pts");
    bool have_pts = pts && !pts->bind && pts->type &&
                    !strcmp(pts->type, "devpts");
    /* A /dev bound from elsewhere is not the container's to fill. */
    if (rc == 0 && !(dev && dev->bind))
        rc = devices_create(rootfd, r, have_pts, in_userns, e);
    close(rootfd);
    return rc;
}

/* /dev/null over a file, an empty read-only tmpfs over a directory. */
static int mask_path(int rootfd, const char *path, struct err *e)
{
    int fd = path_open_in(rootfd, path, PATH_EXISTING);
    if (fd < 0)
        return errno == ENOENT || errno == ENOTDIR
                   ? 0 : err_set(e, errno, "masked path %s", path);
    struct stat st;
    char p[32];
    path_of_fd(fd, p);
    int rc = fstat(fd, &st);
    if (rc == 0)
        rc = S_ISDIR(st.st_mode)
                 ? mount("tmpfs", p, "tmpfs", MS_RDONLY, NULL)
                 : mount("/dev/null", p, NULL, MS_BIND, NULL);
    int errnum = errno;
    close(fd);
    return rc < 0 ? err_set(e, errnum, "masked path %s", path) : 0;
}

/* Bound onto itself, then read-only all the way down. */
static int readonly_path(int rootfd, const char *path, struct err *e)
{
    int fd = path_open_in(rootfd, path, PATH_EXISTING);
    if (fd < 0)
        return errno == ENOENT || errno == ENOTDIR
                   ? 0 : err_set(e, errno, "read-only path %s", path);
    char p[32];
    path_of_fd(fd, p);
    int rc = mount(p, p, NULL, MS_BIND | MS_REC, NULL);
    close(fd);
    if (rc < 0)
        return err_set(e, errno, "read-only path %s", path);
    fd = path_open_in(rootfd, path, PATH_EXISTING);
    if (fd < 0)
        return err_set(e, errno, "read-only path %s", path);
    struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY };
    rc = mount_setattr(fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr,
                       sizeof attr);
    int errnum = errno;
    close(fd);
    return rc < 0 ? err_set(e, errnum, "read-only path %s", path) : 0;
}

/* Masked and read-only paths, done while the host's /proc still gives
 * /proc/self/fd for mounting onto resolved descriptors. */
static int protect_paths(const struct oci_rootfs *r, struct err *e)
{
    int rootfd = open(r->path, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0)
        return err_set(e, errno, "rootfs %s", r->path);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < r->n_masked; i++)
        rc = mask_path(rootfd, r->masked[i], e);
    for (size_t i = 0; rc == 0 && i < r->n_readonly; i++)
        rc = readonly_path(rootfd, r->readonly_paths[i], e);
    close(rootfd);
    return rc;
}

/* cwd is the rootfs: make it "/". The old root goes away detached, made a
 * slave first so the unmount does not propagate to the host. */
static int switch_root(bool no_pivot, struct err *e)
{
    if (no_pivot) {
        if (mount(".", "/", NULL, MS_MOVE, NULL) < 0)
            return err_set(e, errno, "move the rootfs onto /");
        if (chroot(".") < 0)
            return err_set(e, errno, "chroot");
        return 0;
    }
    if (syscall(SYS_pivot_root, ".", ".") < 0)
        return err_set(e, errno, "pivot_root");
    if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
        return err_set(e, errno, "make the old root a slave");
    if (umount2(".", MNT_DETACH) < 0)
        return err_set(e, errno, "unmount the old root");
    return 0;
}

/* mkdir -p of the process's cwd (mode 0755) in the new root, before it
 * may become read-only, as runc and crun make a missing one. */
static int make_cwd(const char *cwd, struct err *e)
{
    char failed[PATH_MAX];
    struct stat sb;
    if (mkdir_parents(cwd, 0755, failed) < 0)
        return err_set(e, errno, "make process.cwd %s (at %s)", cwd, failed);
    if (stat(cwd, &sb) < 0)
        return err_set(e, errno, "make process.cwd %s", cwd);
    if (!S_ISDIR(sb.st_mode))
        return err_set(e, ENOTDIR, "make process.cwd %s", cwd);
    return 0;
}

static int readonly_root(struct err *e)
{
    int fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return err_set(e, errno, "open /");
    unsigned long keep = mount_flags_of(fd);
    close(fd);
    if (mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | keep,
              NULL) < 0)
        return err_set(e, errno, "make / read-only");
    return 0;
}

int rootfs_enter(const struct oci_rootfs *r, bool no_pivot, const char *cwd,
                 struct err *e)
{
    if (protect_paths(r, e) < 0)
        return -1;
    if (chdir(r->path) < 0)
        return err_set(e, errno, "chdir %s", r->path);
    /* pivot_root and MS_MOVE refuse shared mounts: the current root and
     * the rootfs are made private for the switch, and the asked-for
     * propagation is set again on the new root afterwards. */
    if ((r->propagation & MS_SHARED) &&
        (mount(NULL, "/", NULL, MS_PRIVATE, NULL) < 0 ||
         mount(NULL, ".", NULL, MS_PRIVATE, NULL) < 0))
        return err_set(e, errno, "make the roots private");
    if (switch_root(no_pivot, e) < 0)
        return -1;
    if (chdir("/") < 0)
        return err_set(e, errno, "chdir /");
    if (r->propagation && mount(NULL, "/", NULL, r->propagation, NULL) < 0)
        return err_set(e, errno, "mount propagation of /");
    if (make_cwd(cwd, e) < 0)
        return -1;
    return r->readonly ? readonly_root(e) : 0;
}
