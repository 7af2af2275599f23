/* The 9P server's state as a record: the session's msize and every fid
 * by its path beneath the root. Loading opens each fid again the way a
 * walk and a Tlopen would, confined beneath the root (p9host.h). */
#include "vm/backend/p9fs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/err.h"
#include "base/rec.h"
#include "vm/backend/p9host.h"
#include "vm/backend/p9proto.h"
#include "vm/backend/p9srv.h"

/* The record "p9fs", version 1:
 *
 *   msize       u32: 0 before a Tversion agreed, else from P9FS_MIN_MSIZE
 *               to P9FS_MAX_MSIZE
 *   nfids       u32: at most P9_MAX_FIDS, and none without a session
 *   each fid    in ascending order of num: num u32, uid u32, open bool,
 *               oflags u32 (the Tlopen or Tlcreate flags; 0 when not
 *               open), path_len u32 and path_len bytes: the path from the
 *               root as the server makes them ("." or names joined by '/',
 *               none "." or "..")
 *
 * Nothing of the host is saved (descriptors, inode numbers): a fid is its
 * path, opened again on load, and an open file is not truncated again. */
#define STATE_VERSION 1

static int by_num(const void *a, const void *b)
{
    uint32_t x = (*(const struct p9fid *const *)a)->num,
             y = (*(const struct p9fid *const *)b)->num;
    return (x > y) - (x < y);
}

/* The fids in ascending order: one state, one record. */
void p9fs_save(const struct p9fs *cfs, struct rec_out *o)
{
    /* The lock only: the state is read, not changed. */
    struct p9fs *fs = (struct p9fs *)cfs;
    pthread_mutex_lock(&fs->lock);
    const struct p9fid *sorted[P9_MAX_FIDS];
    unsigned n = 0;
    for (unsigned b = 0; b < P9_FID_BUCKETS; b++)
        for (const struct p9fid *f = fs->fids.bucket[b]; f; f = f->next)
            sorted[n++] = f;
    qsort(sorted, n, sizeof sorted[0], by_num);
    rec_begin(o, "p9fs", STATE_VERSION);
    rec_u32(o, fs->msize);
    rec_u32(o, n);
    for (unsigned i = 0; i < n; i++) {
        const struct p9fid *f = sorted[i];
        size_t len = strlen(f->path);
        rec_u32(o, f->num);
        rec_u32(o, f->uid);
        rec_bool(o, f->ofd >= 0);
        rec_u32(o, f->ofd >= 0 ? f->oflags : 0);
        rec_u32(o, (uint32_t)len);
        rec_bytes(o, f->path, len);
    }
    rec_end(o);
    pthread_mutex_unlock(&fs->lock);
}

/* Whether path (len bytes) is one the server makes: "." or names that
 * p9_check_name accepts joined by single slashes, shorter than PATH_MAX.
 * ".." and absolute paths never are. */
static bool canonical(const char *path, size_t len)
{
    if (len == 0 || len >= PATH_MAX || memchr(path, 0, len))
        return false;
    if (!strcmp(path, "."))
        return true;
    for (const char *p = path;;) {
        const char *slash = strchr(p, '/');
        size_t n = slash ? (size_t)(slash - p) : strlen(p);
        char name[NAME_MAX + 1];
        if (n > NAME_MAX)
            return false;
        memcpy(name, p, n);
        name[n] = 0;
        if (p9_check_name(name))
            return false;
        if (!slash)
            return true;
        p = slash + 1;
    }
}

/* Add fid num for path to t: its file by O_PATH beneath the root, no
 * symlink followed (a symlink names itself, as after a walk), and opened
 * for I/O with flags when open. 0 or an errno. */
static int reopen(const struct p9fs *fs, struct p9fids *t, uint32_t num,
                  uint32_t uid, const char *path, bool open, int flags,
                  uint32_t oflags)
{
    int fd = p9_open_beneath(fs->rootfd, path, O_PATH, 0);
    if (fd < 0)
        return -fd;
    char *copy = strdup(path);
    int err = ENOMEM;
    struct p9fid *f = copy ? p9fids_add(t, num, fd, copy, uid, &err) : NULL;
    if (!f) {
        close(fd);
        free(copy);
        return err;
    }
    if (!open)
        return 0;
    f->oflags = oflags;
    struct stat st;
    return p9_reopen(fs->rootfd, f, flags & ~O_TRUNC, &f->ofd, &st);
}

/* The rest of fid num, into t; a bad one fails the record. */
static void load_fid(const struct p9fs *fs, struct p9fids *t, uint32_t num,
                     struct rec_in *in)
{
    uint32_t uid = rec_get_u32(in);
    bool open = rec_get_bool(in);
    uint32_t oflags = rec_get_u32(in), len = rec_get_u32(in);
    int flags = 0;
    if (num == P9_NOFID)
        rec_fail(in, "fid %u is NOFID", num);
    if (open && p9_open_flags(oflags, fs->readonly, &flags))
        rec_fail(in, "fid %u: open flags %#x refused", num, oflags);
    if (!open && oflags)
        rec_fail(in, "fid %u: not open, yet open flags %#x", num, oflags);
    if (len == 0 || len >= PATH_MAX)
        rec_fail(in, "fid %u: a path of %u bytes", num, len);
    if (!rec_ok(in))
        return;
    char *path = malloc(len + 1);
    if (!path) {
        rec_fail(in, "out of memory");
        return;
    }
    rec_get_bytes(in, path, len);
    path[len] = 0;
    if (rec_ok(in) && !canonical(path, len))
        rec_fail(in, "fid %u: a path that is not beneath the root as the "
                 "server writes them", num);
    int err = rec_ok(in) ? reopen(fs, t, num, uid, path, open, flags, oflags)
                         : 0;
    if (err)
        rec_fail(in, "fid %u, '%.60s': %s", num, path, strerror(err));
    free(path);
}

int p9fs_load(struct p9fs *fs, struct rec_in *in, struct err *e)
{
    if (rec_open(in, "p9fs", STATE_VERSION, e) < 0)
        return -1;
    uint32_t msize = rec_get_u32(in), nfids = rec_get_u32(in);
    if (msize && (msize < P9FS_MIN_MSIZE || msize > P9FS_MAX_MSIZE))
        rec_fail(in, "msize %u", msize);
    if (nfids > P9_MAX_FIDS)
        rec_fail(in, "%u fids (at most %u)", nfids, P9_MAX_FIDS);
    if (nfids && !msize)
        rec_fail(in, "fids without a session");
    /* Opened into a table of their own: fs changes only if all are. */
    struct p9fids t = {0};
    uint32_t num = 0;
    for (uint32_t i = 0; i < nfids && rec_ok(in); i++) {
        uint32_t prev = num;
        num = rec_get_u32(in);
        if (i && num <= prev)
            rec_fail(in, "fid %u after fid %u: not in ascending order", num,
                     prev);
        load_fid(fs, &t, num, in);
    }
    if (rec_close(in, e) < 0) {
        p9fids_clear(&t);
        return -1;
    }
    pthread_mutex_lock(&fs->lock);
    p9fids_clear(&fs->fids);
    fs->fids = t;
    fs->msize = msize;
    pthread_mutex_unlock(&fs->lock);
    return 0;
}
