/* Paths inside the rootfs: resolved by the kernel as if the rootfs were
 * "/" (openat2 RESOLVE_IN_ROOT), so neither a symlink nor ".." in the
 * image can lead a mount or a device node out of it; missing components
 * are made on the way, through the same resolution. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "oci/rootfs/internal.h"

/* Enough for symlink chains and for making every component of a path. */
#define MAX_ROUNDS 256

static int open_in(int rootfd, const char *path)
{
    struct open_how how = {
        .flags = O_PATH | O_CLOEXEC,
        .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
    };
    return syscall(SYS_openat2, rootfd, *path ? path : ".", &how, sizeof how);
}

static int make_component(int parent, const char *name, bool file)
{
    if (file) {
        int fd = openat(parent, name,
                        O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                        0644);
        if (fd < 0)
            return errno == EEXIST ? 0 : -1;
        close(fd);
        return 0;
    }
    return mkdirat(parent, name, 0755) < 0 && errno != EEXIST ? -1 : 0;
}

/* The missing component name (path[start..end)) under parent is a dangling
 * symlink: splice its target into path in its place. */
static int splice_link(char *path, size_t start, size_t end,
                       const char *target)
{
    char next[PATH_MAX];
    int n = target[0] == '/'
                ? snprintf(next, sizeof next, "%s%s", target, path + end)
                : snprintf(next, sizeof next, "%.*s%s%s", (int)start, path,
                           target, path + end);
    if (n < 0 || (size_t)n >= sizeof next) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(path, next, n + 1);
    return 0;
}

/* Walk path to its first missing component and make it (or follow it when
 * it is a dangling symlink). */
static int make_first_missing(int rootfd, char *path, enum path_make make)
{
    int parent = open_in(rootfd, "");
    size_t i = 0;
    while (parent >= 0) {
        while (path[i] == '/')
            i++;
        if (!path[i])
            break;
        size_t start = i;
        while (path[i] && path[i] != '/')
            i++;
        char saved = path[i];
        path[i] = '\0';
        int fd = open_in(rootfd, path);
        if (fd >= 0) {
            path[i] = saved;
            close(parent);
            parent = fd;
            continue;
        }
        char name[NAME_MAX + 1], target[PATH_MAX];
        snprintf(name, sizeof name, "%s", path + start);
        path[i] = saved;
        if (errno != ENOENT) {
            int errnum = errno;
            close(parent);
            errno = errnum;
            return -1;
        }
        ssize_t n = readlinkat(parent, name, target, sizeof target - 1);
        int rc;
        if (n >= 0) {
            target[n] = '\0';
            rc = splice_link(path, start, i, target);
        } else {
            size_t j = i;
            while (path[j] == '/')
                j++;
            rc = make_component(parent, name,
                                make == PATH_MAKE_FILE && !path[j]);
        }
        int errnum = errno;
        close(parent);
        errno = errnum;
        return rc;
    }
    /* Everything exists now (made by someone else meanwhile): try again. */
    if (parent >= 0)
        close(parent);
    return parent >= 0 ? 0 : -1;
}

int path_open_in(int rootfd, const char *path, enum path_make make)
{
    char cur[PATH_MAX];
    if (snprintf(cur, sizeof cur, "%s", path) >= (int)sizeof cur) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (int round = 0; round < MAX_ROUNDS; round++) {
        int fd = open_in(rootfd, cur);
        if (fd >= 0 || errno != ENOENT || make == PATH_EXISTING)
            return fd;
        if (make_first_missing(rootfd, cur, make) < 0)
            return -1;
    }
    errno = ELOOP;
    return -1;
}

const char *path_of_fd(int fd, char buf[static 32])
{
    snprintf(buf, 32, "/proc/self/fd/%d", fd);
    return buf;
}
