/* 9P attributes: Tgetattr, Tsetattr, Tstatfs and Treadlink, all on the
 * fid's own O_PATH descriptor (AT_EMPTY_PATH), so none follows a symlink. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "vm/backend/p9host.h"
#include "vm/backend/p9proto.h"
#include "vm/backend/p9srv.h"

static struct p9fid *fid_of(struct p9fs *fs, struct p9r *r, int *err)
{
    uint32_t num = p9r_u32(r);
    struct p9fid *f = r->bad ? NULL : p9fids_get(&fs->fids, num);
    *err = r->bad ? EINVAL : f ? 0 : EBADF;
    return f;
}

int p9_getattr(struct p9fs *fs, struct p9r *r, struct p9w *w)
{
    int err;
    struct p9fid *f = fid_of(fs, r, &err);
    p9r_u64(r);                 /* request_mask: the basic set comes anyway */
    if (r->bad)
        return EINVAL;
    struct stat st;
    if (err || (err = p9_stat(f->fd, &st)))
        return err;
    struct p9qid q;
    p9_qid(&st, &q);
    p9w_u64(w, P9_GETATTR_BASIC);
    p9w_qid(w, &q);
    p9w_u32(w, st.st_mode);
    p9w_u32(w, st.st_uid);
    p9w_u32(w, st.st_gid);
    p9w_u64(w, st.st_nlink);
    p9w_u64(w, st.st_rdev);
    p9w_u64(w, (uint64_t)st.st_size);
    p9w_u64(w, (uint64_t)st.st_blksize);
    p9w_u64(w, (uint64_t)st.st_blocks);
    p9w_u64(w, (uint64_t)st.st_atim.tv_sec);
    p9w_u64(w, (uint64_t)st.st_atim.tv_nsec);
    p9w_u64(w, (uint64_t)st.st_mtim.tv_sec);
    p9w_u64(w, (uint64_t)st.st_mtim.tv_nsec);
    p9w_u64(w, (uint64_t)st.st_ctim.tv_sec);
    p9w_u64(w, (uint64_t)st.st_ctim.tv_nsec);
    for (int i = 0; i < 4; i++)
        p9w_u64(w, 0);          /* btime sec/nsec, gen, data_version */
    return 0;
}

static struct timespec set_time(uint32_t valid, uint32_t bit, uint32_t set_bit,
                                uint64_t sec, uint64_t nsec)
{
    if (!(valid & bit))
        return (struct timespec){ .tv_nsec = UTIME_OMIT };
    if (!(valid & set_bit))
        return (struct timespec){ .tv_nsec = UTIME_NOW };
    return (struct timespec){ .tv_sec = (time_t)sec, .tv_nsec = (long)nsec };
}

/* Owner first (a chown clears set-user-ID bits a chmod may then set), then
 * mode, size, and the times last (a truncate would move mtime). */
int p9_setattr(struct p9fs *fs, struct p9r *r, struct p9w *w)
{
    (void)w;
    int err;
    struct p9fid *f = fid_of(fs, r, &err);
    uint32_t valid = p9r_u32(r), mode = p9r_u32(r);
    uint32_t uid = p9r_u32(r), gid = p9r_u32(r);
    uint64_t size = p9r_u64(r);
    uint64_t asec = p9r_u64(r), ansec = p9r_u64(r);
    uint64_t msec = p9r_u64(r), mnsec = p9r_u64(r);
    if (r->bad)
        return EINVAL;
    if (err)
        return err;
    if ((valid & P9_SETATTR_SIZE) && size > INT64_MAX)
        return EFBIG;
    if (((valid & P9_SETATTR_ATIME_SET) && (asec > INT64_MAX || ansec >= 1000000000)) ||
        ((valid & P9_SETATTR_MTIME_SET) && (msec > INT64_MAX || mnsec >= 1000000000)))
        return EINVAL;
    if (valid & (P9_SETATTR_UID | P9_SETATTR_GID)) {
        uid_t u = valid & P9_SETATTR_UID ? (uid_t)uid : (uid_t)-1;
        gid_t g = valid & P9_SETATTR_GID ? (gid_t)gid : (gid_t)-1;
        if (fchownat(f->fd, "", u, g, AT_EMPTY_PATH) < 0)
            return errno;
    }
    if ((valid & P9_SETATTR_MODE) && (err = p9_chmod(f->fd, mode & 07777)))
        return err;
    if (valid & P9_SETATTR_SIZE) {
        int fd;
        struct stat st;
        err = p9_reopen(fs->rootfd, f, O_WRONLY, &fd, &st);
        if (err)
            return err;
        int ret = ftruncate(fd, (off_t)size);
        err = errno;
        close(fd);
        if (ret < 0)
            return err;
    }
    if (valid & (P9_SETATTR_ATIME | P9_SETATTR_MTIME)) {
        struct timespec ts[2] = {
            set_time(valid, P9_SETATTR_ATIME, P9_SETATTR_ATIME_SET, asec, ansec),
            set_time(valid, P9_SETATTR_MTIME, P9_SETATTR_MTIME_SET, msec, mnsec),
        };
        if (utimensat(f->fd, "", ts, AT_EMPTY_PATH) < 0)
            return errno;
    }
    return 0;
}

int p9_statfs(struct p9fs *fs, struct p9r *r, struct p9w *w)
{
    int err;
    struct p9fid *f = fid_of(fs, r, &err);
    if (err)
        return err;
    struct statfs s;
    if (fstatfs(f->fd, &s) < 0)
        return errno;
    uint64_t fsid;
    memcpy(&fsid, &s.f_fsid, sizeof fsid);
    p9w_u32(w, (uint32_t)s.f_type);
    p9w_u32(w, (uint32_t)s.f_bsize);
    p9w_u64(w, s.f_blocks);
    p9w_u64(w, s.f_bfree);
    p9w_u64(w, s.f_bavail);
    p9w_u64(w, s.f_files);
    p9w_u64(w, s.f_ffree);
    p9w_u64(w, fsid);
    p9w_u32(w, (uint32_t)s.f_namelen);
    return 0;
}

int p9_readlink(struct p9fs *fs, struct p9r *r, struct p9w *w)
{
    int err;
    struct p9fid *f = fid_of(fs, r, &err);
    if (err)
        return err;
    char buf[PATH_MAX];
    ssize_t n = readlinkat(f->fd, "", buf, sizeof buf);
    if (n < 0)
        return errno;
    if ((size_t)n == sizeof buf)
        return ENAMETOOLONG;
    p9w_str(w, buf, (size_t)n);
    return 0;
}
