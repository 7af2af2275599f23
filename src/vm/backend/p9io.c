/* 9P opening and I/O: Tlopen, Tlcreate, Tread, Twrite, Treaddir, Tfsync,
 * and Tlock/Tgetlock, which grant every lock without taking one on the
 * host: the guest kernel keeps its own lock table before asking, so its
 * processes exclude each other, but nothing excludes host processes. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "vm/backend/p9host.h"
#include "vm/backend/p9proto.h"
#include "vm/backend/p9srv.h"

/* The access mode and the flags that shape I/O; the rest (O_DIRECT,
 * O_NOATIME, O_CLOEXEC, O_NOFOLLOW, creation bits...) are the server's
 * business, not the guest's. */
int p9_open_flags(uint32_t p9, bool readonly, int *flags)
{
    uint32_t acc = p9 & P9_DOTL_ACCMODE;
    if (acc == P9_DOTL_NOACCESS)
        return EINVAL;
    if (readonly && (acc != P9_DOTL_RDONLY || (p9 & P9_DOTL_TRUNC)))
        return EROFS;
    int f = acc == P9_DOTL_RDONLY ? O_RDONLY : acc == P9_DOTL_WRONLY ? O_WRONLY : O_RDWR;
    if (p9 & P9_DOTL_TRUNC)
        f |= O_TRUNC;
    if (p9 & P9_DOTL_APPEND)
        f |= O_APPEND;
    if (p9 & P9_DOTL_NONBLOCK)
        f |= O_NONBLOCK;
    if (p9 & P9_DOTL_DSYNC)
        f |= O_DSYNC;
    if (p9 & P9_DOTL_SYNC)
        f |= O_SYNC;
    *flags = f;
    return 0;
}

static void reply_open(struct p9w *w, const struct stat *st)
{
    struct p9qid q;
    p9_qid(st, &q);
    p9w_qid(w, &q);
    p9w_u32(w, 0);              /* iounit: the client's msize decides */
}

int p9_lopen(struct p9fs *fs, struct p9r *r, struct p9w *w)
{
    uint32_t num = p9r_u32(r), p9flags = p9r_u32(r);
    if (r->bad)
        return EINVAL;
    struct p9fid *f = p9fids_get(&fs->fids, num);
    if (!f || f->ofd >= 0)
        return EBADF;
    int flags;
    int err = p9_open_flags(p9flags, fs->readonly, &flags);
    struct stat st;
    if (!err)
        err = p9_reopen(fs->rootfd, f, flags, &f->ofd, &st);
    if (err)
        return err;
    f->oflags = p9flags;
    reply_open(w, &st);
    return 0;
}

/* Always a new regular file (O_EXCL): an existing name, symlink or not,
 * fails EEXIST rather than being opened. */
int p9_lcreate(struct p9fs *fs, struct p9r *r, struct p9w *w)
{
    uint32_t num = p9r_u32(r);
    char name[NAME_MAX + 1];
    int err = p9r_str(r, name, sizeof name);
    uint32_t p9flags = p9r_u32(r), mode = p9r_u32(r), gid = p9r_u32(r);
    if (r->bad)
        return EINVAL;
    struct p9fid *f = p9fids_get(&fs->fids, num);
    if (!f || f->ofd >= 0)
        return EBADF;
    int flags;
    char *path = NULL;
    if (!err)
        err = p9_check_name(name);
    if (!err)
        err = p9_open_flags(p9flags, fs->readonly, &flags);
    if (!err)
        err = p9_join(f->path, name, &path);
    if (err)
        return err;
    int ofd = p9_open_beneath(f->fd, name, flags | O_CREAT | O_EXCL, mode & 07777);
    if (ofd < 0) {
        free(path);
        return -ofd;
    }
    struct stat st;
    err = p9_settle(ofd, f->uid, gid, mode, fs->own_new, &st);
    int pfd = err ? -1 : p9_open_beneath(f->fd, name, O_PATH, 0);
    if (pfd < 0 && !err)
        err = -pfd;
    if (!err)
        err = p9_entry_is(pfd, "", &st);
    if (err) {
        if (pfd >= 0)
            close(pfd);
        close(ofd);
        free(path);
        return err;
    }
    close(f->fd);
    free(f->path);
    f->fd = pfd;
    f->ofd = ofd;
    f->oflags = p9flags;
    f->path = path;
    reply_open(w, &st);
    return 0;
}

int p9_read(struct p9fs *fs, struct p9r *r, struct p9w *w)
{
    uint32_t num = p9r_u32(r);
    uint64_t off = p9r_u64(r);
    uint32_t count = p9r_u32(r);
    if (r->bad || off > INT64_MAX)
        return EINVAL;
    struct p9fid *f = p9fids_get(&fs->fids, num);
    if (!f || f->ofd < 0)
        return EBADF;
    size_t at = w->pos;
    p9w_u32(w, 0);
    size_t n = p9w_room(w);
    if (n > count)
        n = count;
    ssize_t got = pread(f->ofd, w->p + w->pos, n, (off_t)off);
    if (got < 0)
        return errno;
    p9w_advance(w, (size_t)got);
    p9w_patch_u32(w, at, (uint32_t)got);
    return 0;
}

int p9_write(struct p9fs *fs, struct p9r *r, struct p9w *w)
{
    uint32_t num = p9r_u32(r);
    uint64_t off = p9r_u64(r);
    uint32_t count = p9r_u32(r);
    const uint8_t *data = p9r_bytes(r, count);
    if (r->bad || off > INT64_MAX)
        return EINVAL;
    struct p9fid *f = p9fids_get(&fs->fids, num);
    if (!f || f->ofd < 0)
        return EBADF;
    ssize_t put = pwrite(f->ofd, data, count, (off_t)off);
    if (put < 0)
        return errno;
    p9w_u32(w, (uint32_t)put);
    return 0;
}

/* The fixed part of the host's struct linux_dirent64, as getdents64
 * fills it; the NUL-terminated name follows. */
struct host_dirent {
    uint64_t ino;
    int64_t off;
    uint16_t reclen;
    uint8_t type;
} __attribute__((packed));

/* Offsets are the host file system's own cookies (each entry's d_off, the
 * position after it), so a Treaddir resumes with one lseek. */
int p9_readdir(struct p9fs *fs, struct p9r *r, struct p9w *w)
{
    uint32_t num = p9r_u32(r);
    uint64_t off = p9r_u64(r);
    uint32_t count = p9r_u32(r);
    if (r->bad || off > INT64_MAX)
        return EINVAL;
    struct p9fid *f = p9fids_get(&fs->fids, num);
    if (!f || f->ofd < 0)
        return EBADF;
    if (lseek(f->ofd, (off_t)off, SEEK_SET) < 0)
        return errno;
    long got = syscall(SYS_getdents64, f->ofd, fs->dirbuf, sizeof fs->dirbuf);
    if (got < 0)
        return errno;
    size_t at = w->pos;
    p9w_u32(w, 0);
    size_t limit = p9w_room(w) < count ? p9w_room(w) : count;
    size_t used = 0;
    for (size_t pos = 0; pos + sizeof(struct host_dirent) < (size_t)got;) {
        struct host_dirent d;
        memcpy(&d, fs->dirbuf + pos, sizeof d);
        if (d.reclen <= sizeof d || d.reclen > (size_t)got - pos)
            return EIO;
        const char *name = (const char *)fs->dirbuf + pos + sizeof d;
        size_t len = strnlen(name, d.reclen - sizeof d);
        size_t need = P9_QID_SIZE + 8 + 1 + 2 + len;
        if (need > limit - used)
            break;
        struct p9qid q = {
            .type = d.type == DT_DIR ? P9_QTDIR
                  : d.type == DT_LNK ? P9_QTSYMLINK : P9_QTFILE,
            .path = d.ino,
        };
        p9w_qid(w, &q);
        p9w_u64(w, (uint64_t)d.off);
        p9w_u8(w, d.type);
        p9w_str(w, name, len);
        used += need;
        pos += d.reclen;
    }
    if (got > 0 && !used)
        return EINVAL;          /* count too small for the next entry */
    p9w_patch_u32(w, at, (uint32_t)used);
    return 0;
}

int p9_fsync(struct p9fs *fs, struct p9r *r, struct p9w *w)
{
    (void)w;
    uint32_t num = p9r_u32(r);
    if (r->bad)
        return EINVAL;
    /* datasync[4] came later to the protocol; older clients leave it out. */
    bool datasync = r->len - r->pos >= 4 && p9r_u32(r);
    struct p9fid *f = p9fids_get(&fs->fids, num);
    if (!f || f->ofd < 0)
        return EBADF;
    if ((datasync ? fdatasync(f->ofd) : fsync(f->ofd)) < 0)
        return errno;
    return 0;
}

int p9_lock(struct p9fs *fs, struct p9r *r, struct p9w *w)
{
    uint32_t num = p9r_u32(r);
    p9r_u8(r);                  /* type */
    p9r_u32(r);                 /* flags */
    p9r_u64(r);                 /* start */
    p9r_u64(r);                 /* length */
    p9r_u32(r);                 /* proc_id */
    p9r_skip_str(r);            /* client_id */
    if (r->bad)
        return EINVAL;
    if (!p9fids_get(&fs->fids, num))
        return EBADF;
    p9w_u8(w, P9_LOCK_SUCCESS);
    return 0;
}

/* No lock is ever held: the range asked about is free. */
int p9_getlock(struct p9fs *fs, struct p9r *r, struct p9w *w)
{
    uint32_t num = p9r_u32(r);
    p9r_u8(r);                  /* type */
    uint64_t start = p9r_u64(r), length = p9r_u64(r);
    uint32_t proc_id = p9r_u32(r);
    uint16_t idlen = p9r_u16(r);
    const uint8_t *client_id = p9r_bytes(r, idlen);
    if (r->bad)
        return EINVAL;
    if (!p9fids_get(&fs->fids, num))
        return EBADF;
    p9w_u8(w, P9_LOCK_TYPE_UNLCK);
    p9w_u64(w, start);
    p9w_u64(w, length);
    p9w_u32(w, proc_id);
    p9w_u16(w, idlen);
    p9w_bytes(w, client_id, idlen);
    return 0;
}
