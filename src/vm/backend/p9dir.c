/* 9P changes to directories: Tmkdir, Tsymlink, Tmknod, Trename, Trenameat,
 * Tunlinkat, Tlink and Tremove. Each works on one checked name in a
 * directory fid's O_PATH descriptor; a fid's own entry is found again
 * through its path and must still be that fid's file. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vm/backend/p9host.h"
#include "vm/backend/p9proto.h"
#include "vm/backend/p9srv.h"

/* A directory fid and a name to make in it, read from r. */
static int dir_and_name(struct p9fs *fs, struct p9r *r, struct p9fid **dir,
                        char name[NAME_MAX + 1])
{
    uint32_t num = p9r_u32(r);
    int err = p9r_str(r, name, NAME_MAX + 1);
    *dir = r->bad ? NULL : p9fids_get(&fs->fids, num);
    if (r->bad)
        return EINVAL;
    return err ? err : p9_check_name(name);
}

/* Finish something just made as name in dir: its owner, exact mode, qid. */
static int made(struct p9fs *fs, struct p9fid *dir, const char *name,
                uint32_t gid, uint32_t mode, struct p9w *w)
{
    int fd = p9_open_beneath(dir->fd, name, O_PATH, 0);
    if (fd < 0)
        return -fd;
    struct stat st;
    int err = p9_settle(fd, dir->uid, gid, mode, fs->own_new, &st);
    close(fd);
    if (err)
        return err;
    struct p9qid q;
    p9_qid(&st, &q);
    p9w_qid(w, &q);
    return 0;
}

int p9_mkdir(struct p9fs *fs, struct p9r *r, struct p9w *w)
{
    struct p9fid *dir;
    char name[NAME_MAX + 1];
    int err = dir_and_name(fs, r, &dir, name);
    uint32_t mode = p9r_u32(r), gid = p9r_u32(r);
    if (r->bad)
        return EINVAL;
    if (err)
        return err;
    if (!dir)
        return EBADF;
    if (mkdirat(dir->fd, name, mode & 07777) < 0)
        return errno;
    return made(fs, dir, name, gid, mode, w);
}

/* The target is stored as sent; the server never follows it. */
int p9_symlink(struct p9fs *fs, struct p9r *r, struct p9w *w)
{
    struct p9fid *dir;
    char name[NAME_MAX + 1];
    char target[PATH_MAX];
    int err = dir_and_name(fs, r, &dir, name);
    int terr = p9r_str(r, target, sizeof target);
    uint32_t gid = p9r_u32(r);
    if (r->bad)
        return EINVAL;
    if (err || (err = terr))
        return err;
    if (!dir)
        return EBADF;
    if (symlinkat(target, dir->fd, name) < 0)
        return errno;
    return made(fs, dir, name, gid, 0, w);
}

/* Regular files, fifos and sockets; device nodes would hand the guest the
 * host's devices: EPERM. */
int p9_mknod(struct p9fs *fs, struct p9r *r, struct p9w *w)
{
    struct p9fid *dir;
    char name[NAME_MAX + 1];
    int err = dir_and_name(fs, r, &dir, name);
    uint32_t mode = p9r_u32(r);
    p9r_u32(r);                 /* major */
    p9r_u32(r);                 /* minor */
    uint32_t gid = p9r_u32(r);
    if (r->bad)
        return EINVAL;
    if (err)
        return err;
    if (!dir)
        return EBADF;
    switch (mode & S_IFMT) {
    case S_IFREG:
    case S_IFIFO:
    case S_IFSOCK:
        break;
    case S_IFCHR:
    case S_IFBLK:
        return EPERM;
    default:
        return EINVAL;
    }
    if (mknodat(dir->fd, name, (mode & S_IFMT) | (mode & 07777), 0) < 0)
        return errno;
    return made(fs, dir, name, gid, mode, w);
}

/* The directory holding fid's file (an O_PATH descriptor) and its name
 * there, checked to still be fid's file. The root has no entry: EBUSY. */
static int locate(struct p9fs *fs, const struct p9fid *f, int *dirfd,
                  struct stat *st)
{
    if (!strcmp(f->path, "."))
        return EBUSY;
    int err = p9_stat(f->fd, st);
    char *parent;
    if (err || (err = p9_parent(f->path, &parent)))
        return err;
    int fd = p9_open_beneath(fs->rootfd, parent, O_PATH | O_DIRECTORY, 0);
    free(parent);
    if (fd < 0)
        return -fd;
    err = p9_entry_is(fd, p9_base(f->path), st);
    if (err) {
        close(fd);
        return err;
    }
    *dirfd = fd;
    return 0;
}

/* After a rename of the file at path from to name in to_dir: fids at or
 * beneath from follow it. */
static int moved(struct p9fs *fs, const char *from, const struct p9fid *to_dir,
                 const char *to_name)
{
    char *to;
    int err = p9_join(to_dir->path, to_name, &to);
    if (!err)
        err = p9fids_moved(&fs->fids, from, to);
    free(to);
    return err;
}

int p9_rename(struct p9fs *fs, struct p9r *r, struct p9w *w)
{
    (void)w;
    uint32_t num = p9r_u32(r);
    struct p9fid *dir;
    char name[NAME_MAX + 1];
    int err = dir_and_name(fs, r, &dir, name);
    if (r->bad)
        return EINVAL;
    if (err)
        return err;
    struct p9fid *f = p9fids_get(&fs->fids, num);
    if (!f || !dir)
        return EBADF;
    int from;
    struct stat st;
    err = locate(fs, f, &from, &st);
    if (err)
        return err;
    char *old = strdup(f->path);
    if (!old)
        err = ENOMEM;
    else if (renameat(from, p9_base(old), dir->fd, name) < 0)
        err = errno;
    close(from);
    if (!err)
        err = moved(fs, old, dir, name);
    free(old);
    return err;
}

int p9_renameat(struct p9fs *fs, struct p9r *r, struct p9w *w)
{
    (void)w;
    struct p9fid *odir, *ndir;
    char oname[NAME_MAX + 1], nname[NAME_MAX + 1];
    int err = dir_and_name(fs, r, &odir, oname);
    int nerr = dir_and_name(fs, r, &ndir, nname);
    if (r->bad)
        return EINVAL;
    if (err || (err = nerr))
        return err;
    if (!odir || !ndir)
        return EBADF;
    if (renameat(odir->fd, oname, ndir->fd, nname) < 0)
        return errno;
    char *from;
    err = p9_join(odir->path, oname, &from);
    if (!err)
        err = moved(fs, from, ndir, nname);
    free(from);
    return err;
}

int p9_unlinkat(struct p9fs *fs, struct p9r *r, struct p9w *w)
{
    (void)w;
    struct p9fid *dir;
    char name[NAME_MAX + 1];
    int err = dir_and_name(fs, r, &dir, name);
    uint32_t flags = p9r_u32(r);
    if (r->bad)
        return EINVAL;
    if (err)
        return err;
    if (!dir)
        return EBADF;
    int how = flags & P9_DOTL_AT_REMOVEDIR ? AT_REMOVEDIR : 0;
    if (unlinkat(dir->fd, name, how) < 0)
        return errno;
    return 0;
}

/* The new link names the fid's own file, whatever its path now says. */
int p9_link(struct p9fs *fs, struct p9r *r, struct p9w *w)
{
    (void)w;
    uint32_t dnum = p9r_u32(r), num = p9r_u32(r);
    char name[NAME_MAX + 1];
    int err = p9r_str(r, name, sizeof name);
    if (r->bad)
        return EINVAL;
    if (err || (err = p9_check_name(name)))
        return err;
    struct p9fid *dir = p9fids_get(&fs->fids, dnum);
    struct p9fid *f = p9fids_get(&fs->fids, num);
    if (!dir || !f)
        return EBADF;
    if (linkat(f->fd, "", dir->fd, name, AT_EMPTY_PATH) < 0)
        return errno;
    return 0;
}

/* The fid is clunked whether or not the removal succeeds. */
int p9_remove(struct p9fs *fs, struct p9r *r, struct p9w *w)
{
    (void)w;
    uint32_t num = p9r_u32(r);
    if (r->bad)
        return EINVAL;
    struct p9fid *f = p9fids_get(&fs->fids, num);
    if (!f)
        return EBADF;
    int dirfd;
    struct stat st;
    int err = fs->readonly ? EROFS : locate(fs, f, &dirfd, &st);
    if (!err) {
        int how = S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0;
        if (unlinkat(dirfd, p9_base(f->path), how) < 0)
            err = errno;
        close(dirfd);
    }
    p9fids_del(&fs->fids, num);
    return err;
}
