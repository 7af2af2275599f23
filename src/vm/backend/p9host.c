/* Host-side file access for the 9P server: every open goes through openat2
 * with RESOLVE_BENEATH and RESOLVE_NO_SYMLINKS, so neither ".." nor a
 * symlink (absolute or relative, planted or swapped in at any time) can
 * carry a lookup out of the directory it starts from. */
#include "vm/backend/p9host.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "vm/backend/p9fid.h"
#include "vm/backend/p9proto.h"
#include "vm/backend/p9wire.h"

/* fchmodat2 (Linux 6.6) is the one chmod that takes AT_EMPTY_PATH, so it
 * works on O_PATH descriptors; new system calls share one number on every
 * architecture. */
#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif

int p9_open_beneath(int dirfd, const char *path, int flags, mode_t mode)
{
    struct open_how how = {
        .flags = (uint64_t)(flags | O_NOFOLLOW | O_CLOEXEC),
        .mode = mode,
        .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
                   RESOLVE_NO_MAGICLINKS,
    };
    long fd = syscall(SYS_openat2, dirfd, path, &how, sizeof how);
    return fd < 0 ? -errno : (int)fd;
}

int p9_check_name(const char *name)
{
    if (!name[0] || strchr(name, '/') || !strcmp(name, ".") ||
        !strcmp(name, ".."))
        return EINVAL;
    return 0;
}

int p9_join(const char *dir, const char *name, char **out)
{
    *out = NULL;
    if (!strcmp(dir, "."))
        dir = NULL;
    size_t len = (dir ? strlen(dir) + 1 : 0) + strlen(name);
    if (len >= PATH_MAX)
        return ENAMETOOLONG;
    *out = dir ? NULL : strdup(name);
    if (dir && asprintf(out, "%s/%s", dir, name) < 0)
        *out = NULL;
    return *out ? 0 : ENOMEM;
}

int p9_parent(const char *path, char **out)
{
    const char *slash = strrchr(path, '/');
    *out = slash ? strndup(path, (size_t)(slash - path)) : strdup(".");
    return *out ? 0 : ENOMEM;
}

const char *p9_base(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

int p9_chmod(int fd, mode_t mode)
{
    if (syscall(SYS_fchmodat2, fd, "", mode, AT_EMPTY_PATH) < 0)
        return errno;
    return 0;
}

int p9_stat(int fd, struct stat *st)
{
    if (fstatat(fd, "", st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
        return errno;
    return 0;
}

void p9_qid(const struct stat *st, struct p9qid *q)
{
    q->type = S_ISDIR(st->st_mode) ? P9_QTDIR
            : S_ISLNK(st->st_mode) ? P9_QTSYMLINK : P9_QTFILE;
    q->version = 0;
    q->path = st->st_ino;
}

static bool same_file(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

int p9_entry_is(int dirfd, const char *name, const struct stat *st)
{
    struct stat est;
    if (fstatat(dirfd, name, &est, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
        return errno;
    return same_file(&est, st) ? 0 : ESTALE;
}

int p9_reopen(int rootfd, const struct p9fid *fid, int flags, int *ofd,
              struct stat *st)
{
    int err = p9_stat(fid->fd, st);
    if (err)
        return err;
    if (S_ISLNK(st->st_mode))
        return ELOOP;
    if (S_ISDIR(st->st_mode)) {
        int fd = p9_open_beneath(fid->fd, ".", flags | O_DIRECTORY, 0);
        if (fd < 0)
            return -fd;
        *ofd = fd;
        return 0;
    }
    if (!S_ISREG(st->st_mode))
        return EPERM;
    /* O_NONBLOCK: should the path now name a fifo, the open must not
     * hang; the identity check then rejects it. O_TRUNC waits for that
     * check, so another file at the path is never cut. */
    int fd = p9_open_beneath(rootfd, fid->path,
                             (flags & ~O_TRUNC) | O_NONBLOCK, 0);
    if (fd < 0)
        return -fd;
    err = p9_entry_is(fd, "", st);
    if (!err && !(flags & O_NONBLOCK) &&
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0)
        err = errno;
    if (!err && (flags & O_TRUNC) && ftruncate(fd, 0) < 0)
        err = errno;
    if (err) {
        close(fd);
        return err;
    }
    *ofd = fd;
    return 0;
}

int p9_settle(int fd, uint32_t uid, uint32_t gid, uint32_t mode, bool own,
              struct stat *st)
{
    if (own && fchownat(fd, "", (uid_t)uid, (gid_t)gid, AT_EMPTY_PATH) < 0)
        return errno;
    int err = p9_stat(fd, st);
    if (err || S_ISLNK(st->st_mode))
        return err;
    mode_t want = (mode & 07777) | (S_ISDIR(st->st_mode) ? st->st_mode & S_ISGID : 0);
    if ((st->st_mode & 07777) == want)
        return 0;
    err = p9_chmod(fd, want);
    return err ? err : p9_stat(fd, st);
}
