/* The 9P server's front: creating and freeing it, framing and dispatching
 * messages (Rlerror for every failure), and the session messages: version,
 * attach, flush, walk and clunk. */
#include "vm/backend/p9fs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/err.h"
#include "vm/backend/p9host.h"
#include "vm/backend/p9proto.h"
#include "vm/backend/p9srv.h"

struct p9fs *p9fs_new(const char *root, bool readonly, struct err *e)
{
    struct p9fs *fs = calloc(1, sizeof *fs);
    if (!fs) {
        err_set(e, ENOMEM, "--share: out of memory");
        return NULL;
    }
    fs->rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fs->rootfd < 0) {
        err_set(e, errno, "--share: cannot open folder '%s'", root);
        free(fs);
        return NULL;
    }
    fs->readonly = readonly;
    fs->own_new = geteuid() == 0;
    pthread_mutex_init(&fs->lock, NULL);
    return fs;
}

void p9fs_free(struct p9fs *fs)
{
    if (!fs)
        return;
    p9fids_clear(&fs->fids);
    close(fs->rootfd);
    pthread_mutex_destroy(&fs->lock);
    free(fs);
}

int p9_version(struct p9fs *fs, struct p9r *r, struct p9w *w)
{
    uint32_t msize = p9r_u32(r);
    char version[sizeof P9_VERSION];
    int err = p9r_str(r, version, sizeof version);
    if (r->bad)
        return EINVAL;
    if (msize < P9FS_MIN_MSIZE)
        return EINVAL;
    /* A new session: every fid of the old one is gone. */
    p9fids_clear(&fs->fids);
    bool known = !err && !strcmp(version, P9_VERSION);
    fs->msize = known ? (msize < P9FS_MAX_MSIZE ? msize : P9FS_MAX_MSIZE) : 0;
    p9w_u32(w, known ? fs->msize : msize);
    const char *reply = known ? P9_VERSION : "unknown";
    p9w_str(w, reply, strlen(reply));
    return 0;
}

/* uname and aname are not used: there is one tree, and the user is
 * n_uname (kept to own the files it creates). */
int p9_attach(struct p9fs *fs, struct p9r *r, struct p9w *w)
{
    uint32_t num = p9r_u32(r), afid = p9r_u32(r);
    p9r_skip_str(r);
    p9r_skip_str(r);
    uint32_t uid = p9r_u32(r);
    if (r->bad)
        return EINVAL;
    if (afid != P9_NOFID)
        return EBADF;
    struct stat st;
    int err = p9_stat(fs->rootfd, &st);
    if (err)
        return err;
    int fd = fcntl(fs->rootfd, F_DUPFD_CLOEXEC, 0);
    if (fd < 0)
        return errno;
    char *path = strdup(".");
    if (!path || !p9fids_add(&fs->fids, num, fd, path, uid, &err)) {
        close(fd);
        free(path);
        return path ? err : ENOMEM;
    }
    struct p9qid q;
    p9_qid(&st, &q);
    p9w_qid(w, &q);
    return 0;
}

/* Every request is answered before the next is read: nothing to abort. */
int p9_flush(struct p9fs *fs, struct p9r *r, struct p9w *w)
{
    (void)fs;
    (void)w;
    p9r_u16(r);
    return r->bad ? EINVAL : 0;
}

/* One step of a walk from the directory dirfd at dirpath: into name, or
 * up for "..". The root's ".." is the root; any other ".." re-resolves the
 * parent's path from the root, beneath it and through no symlink. */
static int walk_step(struct p9fs *fs, int dirfd, const char *dirpath,
                     const char *name, int *fd, char **path)
{
    int err;
    int nfd;
    if (!strcmp(name, "..")) {
        err = p9_parent(dirpath, path);
        if (err)
            return err;
        nfd = p9_open_beneath(fs->rootfd, *path, O_PATH | O_DIRECTORY, 0);
    } else {
        err = p9_check_name(name);
        if (!err)
            err = p9_join(dirpath, name, path);
        if (err)
            return err;
        nfd = p9_open_beneath(dirfd, name, O_PATH, 0);
    }
    if (nfd < 0) {
        free(*path);
        return -nfd;
    }
    *fd = nfd;
    return 0;
}

int p9_walk(struct p9fs *fs, struct p9r *r, struct p9w *w)
{
    uint32_t num = p9r_u32(r), newnum = p9r_u32(r);
    unsigned nwname = p9r_u16(r);
    if (nwname > P9_MAX_WALK)
        return EINVAL;
    char names[P9_MAX_WALK][NAME_MAX + 1];
    int name_err[P9_MAX_WALK];
    for (unsigned i = 0; i < nwname; i++)
        name_err[i] = p9r_str(r, names[i], sizeof names[i]);
    if (r->bad)
        return EINVAL;
    struct p9fid *f = p9fids_get(&fs->fids, num);
    if (!f)
        return EBADF;
    if (newnum != num && p9fids_get(&fs->fids, newnum))
        return EBADF;
    if (newnum == num && !nwname) {
        p9w_u16(w, 0);
        return 0;
    }

    /* Start from a copy of the fid; each step replaces it. */
    int fd = fcntl(f->fd, F_DUPFD_CLOEXEC, 0);
    if (fd < 0)
        return errno;
    char *path = strdup(f->path);
    if (!path) {
        close(fd);
        return ENOMEM;
    }
    struct p9qid qids[P9_MAX_WALK];
    unsigned done;
    int err = 0;
    for (done = 0; done < nwname; done++) {
        int nfd;
        char *npath;
        struct stat st;
        err = name_err[done];
        if (!err)
            err = walk_step(fs, fd, path, names[done], &nfd, &npath);
        if (!err && (err = p9_stat(nfd, &st))) {
            close(nfd);
            free(npath);
        }
        if (err)
            break;
        close(fd);
        free(path);
        fd = nfd;
        path = npath;
        p9_qid(&st, &qids[done]);
    }
    /* Only a complete walk makes newfid; a partial one just says how far
     * it got, and only a first step's failure is an error. */
    if (done == nwname) {
        if (newnum == num) {
            /* The fid now names another file, not opened. */
            close(f->fd);
            if (f->ofd >= 0)
                close(f->ofd);
            free(f->path);
            f->fd = fd;
            f->ofd = -1;
            f->path = path;
            fd = -1;
            path = NULL;
        } else if (p9fids_add(&fs->fids, newnum, fd, path, f->uid, &err)) {
            fd = -1;
            path = NULL;
        } else {
            done = 0;
        }
    }
    if (fd >= 0)
        close(fd);
    free(path);
    if (err && done == 0)
        return err;
    p9w_u16(w, (uint16_t)done);
    for (unsigned i = 0; i < done; i++)
        p9w_qid(w, &qids[i]);
    return 0;
}

int p9_clunk(struct p9fs *fs, struct p9r *r, struct p9w *w)
{
    (void)w;
    uint32_t num = p9r_u32(r);
    if (r->bad)
        return EINVAL;
    if (!p9fids_get(&fs->fids, num))
        return EBADF;
    p9fids_del(&fs->fids, num);
    return 0;
}

struct op {
    p9_handler *fn;
    bool changes;               /* fails EROFS on a read-only share */
};

/* Tauth (no authentication), Txattrwalk and Txattrcreate (no extended
 * attributes) and the plain-9P2000 messages have no handler: EOPNOTSUPP. */
static const struct op ops[256] = {
    [P9_TVERSION] = { p9_version, false },
    [P9_TATTACH] = { p9_attach, false },
    [P9_TFLUSH] = { p9_flush, false },
    [P9_TWALK] = { p9_walk, false },
    [P9_TCLUNK] = { p9_clunk, false },
    [P9_TLOPEN] = { p9_lopen, false },
    [P9_TLCREATE] = { p9_lcreate, true },
    [P9_TREAD] = { p9_read, false },
    [P9_TWRITE] = { p9_write, true },
    [P9_TREADDIR] = { p9_readdir, false },
    [P9_TFSYNC] = { p9_fsync, false },
    [P9_TLOCK] = { p9_lock, false },
    [P9_TGETLOCK] = { p9_getlock, false },
    [P9_TGETATTR] = { p9_getattr, false },
    [P9_TSETATTR] = { p9_setattr, true },
    [P9_TSTATFS] = { p9_statfs, false },
    [P9_TREADLINK] = { p9_readlink, false },
    [P9_TMKDIR] = { p9_mkdir, true },
    [P9_TSYMLINK] = { p9_symlink, true },
    [P9_TMKNOD] = { p9_mknod, true },
    [P9_TRENAME] = { p9_rename, true },
    [P9_TRENAMEAT] = { p9_renameat, true },
    [P9_TUNLINKAT] = { p9_unlinkat, true },
    [P9_TLINK] = { p9_link, true },
    [P9_TREMOVE] = { p9_remove, false },   /* clunks even when it fails */
};

static int dispatch(struct p9fs *fs, uint8_t type, struct p9r *r, struct p9w *w)
{
    const struct op *op = &ops[type];
    if (!op->fn)
        return EOPNOTSUPP;
    if (!fs->msize && type != P9_TVERSION)
        return EPROTO;
    if (op->changes && fs->readonly)
        return EROFS;
    return op->fn(fs, r, w);
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

size_t p9fs_handle(struct p9fs *fs, const uint8_t *req, size_t reqlen,
                   uint8_t *resp, size_t resp_cap)
{
    if (reqlen < P9_HDR_SIZE || resp_cap < P9_HDR_SIZE + 4)
        return 0;
    uint32_t size = le32(req);
    uint8_t type = req[4];

    pthread_mutex_lock(&fs->lock);
    size_t cap = resp_cap;
    if (fs->msize && type != P9_TVERSION && cap > fs->msize)
        cap = fs->msize;
    struct p9w w = { .p = resp, .cap = cap, .pos = P9_HDR_SIZE };
    int err;
    if (size < P9_HDR_SIZE || size > reqlen) {
        err = EINVAL;
    } else {
        struct p9r r = { .p = req + P9_HDR_SIZE, .len = size - P9_HDR_SIZE };
        err = dispatch(fs, type, &r, &w);
        if (!err && w.full)
            err = EMSGSIZE;
    }
    uint8_t rtype = (uint8_t)(type + 1);
    if (err) {
        w = (struct p9w){ .p = resp, .cap = cap, .pos = P9_HDR_SIZE };
        p9w_u32(&w, (uint32_t)err);
        rtype = P9_RLERROR;
    }
    pthread_mutex_unlock(&fs->lock);

    size_t len = w.pos;
    w.pos = 0;
    p9w_u32(&w, (uint32_t)len);
    p9w_u8(&w, rtype);
    p9w_bytes(&w, req + 5, 2);
    return len;
}
