/* Unit tests of the 9P2000.L server: requests built by hand, run through
 * p9fs_handle against a scratch share, replies and the host files checked.
 * The share lives in base/share; base/outdir/secret sits beside it, and
 * every escape attempt must fail without ever reaching it (or "/"). Also
 * the server's state record: fids saved and opened again by a fresh
 * server, and records naming paths outside the share refused. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/err.h"
#include "base/rec.h"
#include "vm/backend/p9fid.h"
#include "vm/backend/p9fs.h"
#include "vm/backend/p9proto.h"
#include "test_state.h"

#define MSIZE 65536u
#define ROOT 0u                 /* the attached fid of every test */
#define UID 1000u
#define GID 1234u
#define SECRET "top secret\n"

static char base[64];
static char share[128];
static char outdir[128];
static char secret[160];
static struct p9fs *fs;

/* ---- building requests ---- */

struct msg {
    uint8_t b[MSIZE];
    size_t n;
};

static struct msg m;
static uint16_t next_tag = 1;

static void put(const void *p, size_t n)
{
    assert_true(m.n + n <= sizeof m.b);
    memcpy(m.b + m.n, p, n);
    m.n += n;
}

static void u8(uint8_t v) { put(&v, 1); }
static void u16(uint16_t v) { uint8_t b[2] = { (uint8_t)v, (uint8_t)(v >> 8) }; put(b, 2); }
static void u32(uint32_t v) { u16((uint16_t)v); u16((uint16_t)(v >> 16)); }
static void u64(uint64_t v) { u32((uint32_t)v); u32((uint32_t)(v >> 32)); }
static void str(const char *s) { u16((uint16_t)strlen(s)); put(s, strlen(s)); }

static void start(uint8_t type)
{
    m.n = 0;
    u32(0);
    u8(type);
    u16(next_tag++);
}

static void finish(void)
{
    for (int i = 0; i < 4; i++)
        m.b[i] = (uint8_t)(m.n >> (8 * i));
}

/* ---- running them and reading replies ---- */

static uint8_t resp[P9FS_MAX_MSIZE];
static size_t rlen, rpos;

static uint64_t rd(size_t n)
{
    assert_true(rpos + n <= rlen);
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v |= (uint64_t)resp[rpos + i] << (8 * i);
    rpos += n;
    return v;
}

static uint8_t g8(void) { return (uint8_t)rd(1); }
static uint16_t g16(void) { return (uint16_t)rd(2); }
static uint32_t g32(void) { return (uint32_t)rd(4); }
static uint64_t g64(void) { return rd(8); }

static void gstr(char *buf, size_t cap)
{
    size_t len = g16();
    assert_true(len < cap && rpos + len <= rlen);
    memcpy(buf, resp + rpos, len);
    buf[len] = 0;
    rpos += len;
}

struct qid {
    uint8_t type;
    uint64_t path;
};

static struct qid gqid(void)
{
    struct qid q = { .type = g8() };
    g32();
    q.path = g64();
    return q;
}

/* Send the message in m with a reply buffer of cap bytes; check the
 * framing. Returns the Rlerror errno, or 0 with rpos at the reply body
 * after checking its type. */
static int send_cap(size_t cap)
{
    uint8_t type = m.b[4];
    uint16_t tag = (uint16_t)(m.b[5] | m.b[6] << 8);
    rlen = p9fs_handle(fs, m.b, m.n, resp, cap);
    assert_true(rlen >= P9_HDR_SIZE && rlen <= cap);
    assert_int_equal(resp[0] | resp[1] << 8 | resp[2] << 16 | (uint32_t)resp[3] << 24, rlen);
    assert_int_equal(resp[5] | resp[6] << 8, tag);
    rpos = P9_HDR_SIZE;
    if (resp[4] == P9_RLERROR) {
        uint32_t e = g32();
        assert_int_equal(rpos, rlen);
        assert_int_not_equal(e, 0);
        return (int)e;
    }
    assert_int_equal(resp[4], type + 1);
    return 0;
}

static int send(void)
{
    finish();
    return send_cap(MSIZE);
}

/* ---- one helper per message ---- */

static int t_version(uint32_t msize, const char *version, uint32_t *got,
                     char *vbuf, size_t vcap)
{
    start(P9_TVERSION);
    u32(msize);
    str(version);
    int err = send();
    if (!err) {
        *got = g32();
        gstr(vbuf, vcap);
    }
    return err;
}

static int t_attach(uint32_t fid, uint32_t uid, struct qid *q)
{
    start(P9_TATTACH);
    u32(fid);
    u32(P9_NOFID);
    str("someone");
    str("/ignored");
    u32(uid);
    int err = send();
    if (!err)
        *q = gqid();
    return err;
}

/* Returns the number of qids (filled into qs when non-NULL) or -errno. */
static int t_walkv(uint32_t fid, uint32_t newfid, unsigned n,
                   const char *const *names, struct qid *qs)
{
    start(P9_TWALK);
    u32(fid);
    u32(newfid);
    u16((uint16_t)n);
    for (unsigned i = 0; i < n; i++)
        str(names[i]);
    int err = send();
    if (err)
        return -err;
    unsigned got = g16();
    assert_true(got <= n);
    for (unsigned i = 0; i < got; i++) {
        struct qid q = gqid();
        if (qs)
            qs[i] = q;
    }
    assert_int_equal(rpos, rlen);
    return (int)got;
}

#define t_walk(fid, newfid, qs, ...)                                        \
    t_walkv(fid, newfid,                                                    \
            sizeof((const char *[]){ __VA_ARGS__ }) / sizeof(const char *), \
            (const char *[]){ __VA_ARGS__ }, qs)

static int t_clunk(uint32_t fid)
{
    start(P9_TCLUNK);
    u32(fid);
    return send();
}

static int t_lopen(uint32_t fid, uint32_t flags, struct qid *q)
{
    start(P9_TLOPEN);
    u32(fid);
    u32(flags);
    int err = send();
    if (!err) {
        struct qid got = gqid();
        if (q)
            *q = got;
        g32();
    }
    return err;
}

static int t_lcreate(uint32_t fid, const char *name, uint32_t flags,
                     uint32_t mode, uint32_t gid)
{
    start(P9_TLCREATE);
    u32(fid);
    str(name);
    u32(flags);
    u32(mode);
    u32(gid);
    int err = send();
    if (!err) {
        assert_int_equal(gqid().type, P9_QTFILE);
        g32();
    }
    return err;
}

/* Returns the count read or -errno. */
static long t_read(uint32_t fid, uint64_t off, uint32_t count, char *buf)
{
    start(P9_TREAD);
    u32(fid);
    u64(off);
    u32(count);
    int err = send();
    if (err)
        return -err;
    uint32_t n = g32();
    assert_int_equal(rpos + n, rlen);
    memcpy(buf, resp + rpos, n);
    return n;
}

static long t_write(uint32_t fid, uint64_t off, const char *data)
{
    start(P9_TWRITE);
    u32(fid);
    u64(off);
    u32((uint32_t)strlen(data));
    put(data, strlen(data));
    int err = send();
    return err ? -err : (long)g32();
}

struct attr {
    struct qid qid;
    uint32_t mode, uid, gid;
    uint64_t nlink, size, mtime;
};

static int t_getattr(uint32_t fid, struct attr *a)
{
    start(P9_TGETATTR);
    u32(fid);
    u64(0x3fff);
    int err = send();
    if (err)
        return err;
    assert_int_equal(g64(), P9_GETATTR_BASIC);
    a->qid = gqid();
    a->mode = g32();
    a->uid = g32();
    a->gid = g32();
    a->nlink = g64();
    g64();                      /* rdev */
    a->size = g64();
    g64();                      /* blksize */
    g64();                      /* blocks */
    g64();                      /* atime */
    g64();
    a->mtime = g64();
    for (int i = 0; i < 7; i++)
        g64();
    assert_int_equal(rpos, rlen);
    return 0;
}

static int t_setattr(uint32_t fid, uint32_t valid, uint32_t mode, uint32_t uid,
                     uint32_t gid, uint64_t size, uint64_t mtime)
{
    start(P9_TSETATTR);
    u32(fid);
    u32(valid);
    u32(mode);
    u32(uid);
    u32(gid);
    u64(size);
    u64(0);
    u64(0);
    u64(mtime);
    u64(0);
    return send();
}

static int t_mkdir(uint32_t dfid, const char *name, uint32_t mode, struct qid *q)
{
    start(P9_TMKDIR);
    u32(dfid);
    str(name);
    u32(mode);
    u32(GID);
    int err = send();
    if (!err && q)
        *q = gqid();
    return err;
}

static int t_symlink(uint32_t dfid, const char *name, const char *target)
{
    start(P9_TSYMLINK);
    u32(dfid);
    str(name);
    str(target);
    u32(GID);
    int err = send();
    if (!err)
        assert_int_equal(gqid().type, P9_QTSYMLINK);
    return err;
}

static int t_mknod(uint32_t dfid, const char *name, uint32_t mode)
{
    start(P9_TMKNOD);
    u32(dfid);
    str(name);
    u32(mode);
    u32(1);
    u32(3);
    u32(GID);
    return send();
}

static int t_readlink(uint32_t fid, char *buf, size_t cap)
{
    start(P9_TREADLINK);
    u32(fid);
    int err = send();
    if (!err)
        gstr(buf, cap);
    return err;
}

static int t_renameat(uint32_t odir, const char *oname, uint32_t ndir,
                      const char *nname)
{
    start(P9_TRENAMEAT);
    u32(odir);
    str(oname);
    u32(ndir);
    str(nname);
    return send();
}

static int t_rename(uint32_t fid, uint32_t dfid, const char *name)
{
    start(P9_TRENAME);
    u32(fid);
    u32(dfid);
    str(name);
    return send();
}

static int t_unlinkat(uint32_t dfid, const char *name, uint32_t flags)
{
    start(P9_TUNLINKAT);
    u32(dfid);
    str(name);
    u32(flags);
    return send();
}

static int t_remove(uint32_t fid)
{
    start(P9_TREMOVE);
    u32(fid);
    return send();
}

static int t_link(uint32_t dfid, uint32_t fid, const char *name)
{
    start(P9_TLINK);
    u32(dfid);
    u32(fid);
    str(name);
    return send();
}

/* Reads a whole directory in requests of count bytes; appends "name/"
 * for each entry to out. Returns the number of entries or -errno. */
static int t_readdir_all(uint32_t fid, uint32_t count, char *out, size_t cap)
{
    uint64_t off = 0;
    int entries = 0;
    out[0] = 0;
    for (int round = 0; round < 1000; round++) {
        start(P9_TREADDIR);
        u32(fid);
        u64(off);
        u32(count);
        int err = send();
        if (err)
            return -err;
        uint32_t n = g32();
        assert_true(n <= count);
        assert_int_equal(rpos + n, rlen);
        if (!n)
            return entries;
        while (rpos < rlen) {
            struct qid q = gqid();
            off = g64();
            uint8_t type = g8();
            char name[NAME_MAX + 1];
            gstr(name, sizeof name);
            assert_int_equal(q.type == P9_QTDIR, type == DT_DIR);
            assert_true(strlen(out) + strlen(name) + 2 <= cap);
            strcat(out, name);
            strcat(out, "/");
            entries++;
        }
    }
    fail_msg("readdir never ended");
    return -1;
}

/* ---- the host side ---- */

static void host_write(const char *rel, const char *data)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", share, rel);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(data, f);
    fclose(f);
}

static void host_read(const char *path, char *buf, size_t cap)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t n = fread(buf, 1, cap - 1, f);
    buf[n] = 0;
    fclose(f);
}

static const char *in_share(const char *rel)
{
    static char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", share, rel);
    return path;
}

static void host_mkdir(const char *rel)
{
    assert_int_equal(mkdir(in_share(rel), 0755), 0);
}

static void host_symlink(const char *target, const char *rel)
{
    assert_int_equal(symlink(target, in_share(rel)), 0);
}

/* base holds share and outdir alone, outdir holds secret alone. */
static void names_are(const char *dir, const char *want)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char key[NAME_MAX + 3];
        snprintf(key, sizeof key, "/%s/", e->d_name);
        assert_non_null(strstr(want, key));
        n++;
    }
    closedir(d);
    size_t expect = 0;
    for (const char *p = want; (p = strchr(p + 1, '/')); )
        expect++;
    assert_int_equal(n, expect);
}

static void outside_untouched(void)
{
    names_are(base, "/share/outdir/");
    names_are(outdir, "/secret/");

    char buf[64];
    host_read(secret, buf, sizeof buf);
    assert_string_equal(buf, SECRET);
    struct stat st;
    assert_int_equal(stat(secret, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
    assert_int_equal(st.st_uid, 0);
}

static int rm_one(const char *path, const struct stat *st, int flag,
                  struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void start_fs(bool readonly)
{
    struct err e;
    fs = p9fs_new(share, readonly, &e);
    assert_non_null(fs);
    uint32_t msize;
    char v[32];
    assert_int_equal(t_version(MSIZE, P9_VERSION, &msize, v, sizeof v), 0);
    struct qid q;
    assert_int_equal(t_attach(ROOT, UID, &q), 0);
    assert_int_equal(q.type, P9_QTDIR);
}

static int setup(void **state)
{
    (void)state;
    snprintf(base, sizeof base, "/tmp/cella-p9-XXXXXX");
    assert_non_null(mkdtemp(base));
    snprintf(share, sizeof share, "%s/share", base);
    snprintf(outdir, sizeof outdir, "%s/outdir", base);
    snprintf(secret, sizeof secret, "%s/secret", outdir);
    assert_int_equal(mkdir(share, 0755), 0);
    assert_int_equal(mkdir(outdir, 0755), 0);
    FILE *f = fopen(secret, "w");
    assert_non_null(f);
    fputs(SECRET, f);
    fclose(f);
    assert_int_equal(chmod(secret, 0600), 0);
    start_fs(false);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    p9fs_free(fs);
    fs = NULL;
    outside_untouched();
    nftw(base, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    return 0;
}

/* ---- the tests ---- */

static void test_version(void **state)
{
    (void)state;
    uint32_t msize;
    char v[32];
    assert_int_equal(t_version(8192, P9_VERSION, &msize, v, sizeof v), 0);
    assert_int_equal(msize, 8192);
    assert_string_equal(v, "9P2000.L");
    assert_int_equal(t_version(1u << 30, P9_VERSION, &msize, v, sizeof v), 0);
    assert_int_equal(msize, P9FS_MAX_MSIZE);
    assert_int_equal(t_version(8192, "9P2000.L.x", &msize, v, sizeof v), 0);
    assert_string_equal(v, "unknown");
    assert_int_equal(t_version(100, P9_VERSION, &msize, v, sizeof v), EINVAL);

    /* No session after "unknown": nothing but Tversion is served. */
    struct qid q;
    assert_int_equal(t_attach(ROOT, UID, &q), EPROTO);
    assert_int_equal(t_version(MSIZE, "9P2000", &msize, v, sizeof v), 0);
    assert_string_equal(v, "unknown");
    assert_int_equal(t_attach(ROOT, UID, &q), EPROTO);

    /* A new version clunks every fid. */
    assert_int_equal(t_version(MSIZE, P9_VERSION, &msize, v, sizeof v), 0);
    assert_int_equal(t_attach(ROOT, UID, &q), 0);
    struct attr a;
    assert_int_equal(t_getattr(ROOT, &a), 0);
    assert_int_equal(t_version(MSIZE, P9_VERSION, &msize, v, sizeof v), 0);
    assert_int_equal(t_getattr(ROOT, &a), EBADF);
    assert_int_equal(t_attach(ROOT, UID, &q), 0);
    assert_int_equal(t_attach(ROOT, UID, &q), EBADF);   /* in use */
}

static void test_attach_walk_getattr(void **state)
{
    (void)state;
    host_mkdir("a");
    host_mkdir("a/b");
    host_write("a/b/file", "hello");
    struct qid qs[3];
    assert_int_equal(t_walk(ROOT, 1, qs, "a", "b", "file"), 3);
    assert_int_equal(qs[0].type, P9_QTDIR);
    assert_int_equal(qs[1].type, P9_QTDIR);
    assert_int_equal(qs[2].type, P9_QTFILE);
    struct stat st;
    assert_int_equal(lstat(in_share("a/b/file"), &st), 0);
    assert_int_equal(qs[2].path, st.st_ino);

    struct attr a;
    assert_int_equal(t_getattr(1, &a), 0);
    assert_int_equal(a.qid.path, st.st_ino);
    assert_int_equal(a.mode, st.st_mode);
    assert_int_equal(a.size, 5);
    assert_int_equal(a.nlink, 1);
    assert_int_equal(a.uid, st.st_uid);

    /* Errors: a missing first name fails; a later one is a partial walk
     * that leaves newfid unmade. */
    assert_int_equal(t_walk(ROOT, 2, NULL, "nope"), -ENOENT);
    assert_int_equal(t_walk(ROOT, 2, qs, "a", "nope", "file"), 1);
    assert_int_equal(qs[0].type, P9_QTDIR);
    assert_int_equal(t_getattr(2, &a), EBADF);
    assert_int_equal(t_walk(ROOT, 1, NULL, "a"), -EBADF);    /* newfid in use */
    assert_int_equal(t_walk(7, 2, NULL, "a"), -EBADF);       /* no such fid */
    assert_int_equal(t_walk(1, 2, NULL, "x"), -ENOTDIR);     /* from a file */

    /* A clone, and a walk of a fid onto itself. */
    assert_int_equal(t_walkv(1, 2, 0, NULL, NULL), 0);
    assert_int_equal(t_getattr(2, &a), 0);
    assert_int_equal(a.qid.path, st.st_ino);
    assert_int_equal(t_walk(ROOT, 3, NULL, "a"), 1);
    assert_int_equal(t_walk(3, 3, NULL, "b"), 1);
    assert_int_equal(t_getattr(3, &a), 0);
    assert_int_equal(lstat(in_share("a/b"), &st), 0);
    assert_int_equal(a.qid.path, st.st_ino);

    assert_int_equal(t_clunk(2), 0);
    assert_int_equal(t_clunk(2), EBADF);
    assert_int_equal(t_getattr(2, &a), EBADF);
}

static void test_create_write_read(void **state)
{
    (void)state;
    mode_t old = umask(022);
    assert_int_equal(t_walkv(ROOT, 1, 0, NULL, NULL), 0);
    assert_int_equal(t_lcreate(1, "new.txt", 2 /* O_RDWR */, 0100666, GID), 0);
    assert_int_equal(t_lcreate(ROOT, "new.txt", 2, 0100666, GID), EEXIST);
    assert_int_equal(t_write(1, 0, "hello world"), 11);
    char buf[64];
    assert_int_equal(t_read(1, 6, 100, buf), 5);
    assert_memory_equal(buf, "world", 5);
    assert_int_equal(t_read(1, 11, 100, buf), 0);

    struct stat st;
    assert_int_equal(stat(in_share("new.txt"), &st), 0);
    assert_int_equal(st.st_mode & 07777, 0666);       /* not the host's umask */
    if (geteuid() == 0) {
        assert_int_equal(st.st_uid, UID);
        assert_int_equal(st.st_gid, GID);
    }
    host_read(in_share("new.txt"), buf, sizeof buf);
    assert_string_equal(buf, "hello world");

    start(P9_TFSYNC);
    u32(1);
    u32(0);
    assert_int_equal(send(), 0);

    /* A second fid, opened read-only: reads, cannot write. */
    assert_int_equal(t_walk(ROOT, 2, NULL, "new.txt"), 1);
    assert_int_equal(t_read(2, 0, 5, buf), -EBADF);           /* not open */
    assert_int_equal(t_lopen(2, 0, NULL), 0);
    assert_int_equal(t_lopen(2, 0, NULL), EBADF);             /* already */
    assert_int_equal(t_read(2, 0, 5, buf), 5);
    assert_memory_equal(buf, "hello", 5);
    assert_int_equal(t_write(2, 0, "x"), -EBADF);

    /* Setattr: size, mode, owner, mtime. */
    assert_int_equal(t_setattr(2, P9_SETATTR_SIZE, 0, 0, 0, 5, 0), 0);
    assert_int_equal(t_setattr(2, P9_SETATTR_MODE, 0640, 0, 0, 0, 0), 0);
    assert_int_equal(t_setattr(2, P9_SETATTR_MTIME | P9_SETATTR_MTIME_SET,
                               0, 0, 0, 0, 1000000), 0);
    int chown_err = t_setattr(2, P9_SETATTR_UID | P9_SETATTR_GID, 0, 4321, 5678, 0, 0);
    assert_int_equal(chown_err, geteuid() == 0 ? 0 : EPERM);
    assert_int_equal(stat(in_share("new.txt"), &st), 0);
    assert_int_equal(st.st_size, 5);
    assert_int_equal(st.st_mode & 07777, 0640);
    assert_int_equal(st.st_mtime, 1000000);
    if (geteuid() == 0) {
        assert_int_equal(st.st_uid, 4321);
        assert_int_equal(st.st_gid, 5678);
    }
    struct attr a;
    assert_int_equal(t_getattr(2, &a), 0);
    assert_int_equal(a.size, 5);
    assert_int_equal(a.mtime, 1000000);

    /* lopen with O_TRUNC empties it. */
    assert_int_equal(t_walk(ROOT, 3, NULL, "new.txt"), 1);
    assert_int_equal(t_lopen(3, 1 | P9_DOTL_TRUNC, NULL), 0);
    assert_int_equal(stat(in_share("new.txt"), &st), 0);
    assert_int_equal(st.st_size, 0);
    umask(old);
}

static void test_mkdir_readdir(void **state)
{
    (void)state;
    struct qid q;
    assert_int_equal(t_mkdir(ROOT, "dir", 040750, &q), 0);
    assert_int_equal(q.type, P9_QTDIR);
    assert_int_equal(t_mkdir(ROOT, "dir", 040750, &q), EEXIST);
    struct stat st;
    assert_int_equal(stat(in_share("dir"), &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    assert_int_equal(st.st_mode & 07777, 0750);
    assert_int_equal(q.path, st.st_ino);

    host_write("dir/x", "1");
    host_mkdir("dir/sub");
    host_symlink("x", "dir/ln");
    assert_int_equal(t_walk(ROOT, 1, NULL, "dir"), 1);
    char names[4096];
    assert_int_equal(t_readdir_all(1, 8192, names, sizeof names), -EBADF);
    assert_int_equal(t_lopen(1, 0, &q), 0);
    assert_int_equal(q.type, P9_QTDIR);
    char buf[16];
    assert_int_equal(t_read(1, 0, 16, buf), -EISDIR);
    assert_int_equal(t_readdir_all(1, 8192, names, sizeof names), 5);
    for (const char *n = ".\0..\0x\0sub\0ln\0"; *n; n += strlen(n) + 1) {
        char want[64];
        snprintf(want, sizeof want, "/%s/", n);
        char all[4100];
        snprintf(all, sizeof all, "/%s", names);
        assert_non_null(strstr(all, want));
    }
    /* One entry per request: the offsets resume where the last one ended. */
    char again[4096];
    assert_int_equal(t_readdir_all(1, 40, again, sizeof again), 5);
    assert_string_equal(again, names);
    assert_int_equal(t_readdir_all(1, 10, again, sizeof again), -EINVAL);

    assert_int_equal(t_lopen(ROOT, 1 /* O_WRONLY */, NULL), EISDIR);
}

static void test_rename_unlink(void **state)
{
    (void)state;
    host_mkdir("d1");
    host_mkdir("d2");
    host_write("d1/f", "data");
    assert_int_equal(t_walk(ROOT, 1, NULL, "d1"), 1);
    assert_int_equal(t_walk(ROOT, 2, NULL, "d2"), 1);
    assert_int_equal(t_walk(1, 3, NULL, "f"), 1);

    /* renameat moves the file; the fid naming it follows (its lopen goes
     * by path). */
    assert_int_equal(t_renameat(1, "f", 2, "g"), 0);
    assert_int_equal(access(in_share("d1/f"), F_OK), -1);
    assert_int_equal(access(in_share("d2/g"), F_OK), 0);
    assert_int_equal(t_lopen(3, 0, NULL), 0);
    char buf[16];
    assert_int_equal(t_read(3, 0, 16, buf), 4);
    assert_int_equal(t_renameat(1, "f", 2, "g"), ENOENT);

    /* Trename of a directory fid; fids beneath it follow too. */
    assert_int_equal(t_walk(ROOT, 4, NULL, "d2", "g"), 2);
    assert_int_equal(t_rename(2, ROOT, "d3"), 0);
    assert_int_equal(access(in_share("d3/g"), F_OK), 0);
    assert_int_equal(t_lopen(4, 0, NULL), 0);
    assert_int_equal(t_rename(ROOT, 1, "x"), EBUSY);          /* the root */

    /* ".." goes by the renamed path. */
    struct qid q[2];
    assert_int_equal(t_walk(4, 5, q, "..", ".."), 2);
    struct stat st;
    assert_int_equal(stat(share, &st), 0);
    assert_int_equal(q[1].path, st.st_ino);
    assert_int_equal(stat(in_share("d3"), &st), 0);
    assert_int_equal(q[0].path, st.st_ino);

    assert_int_equal(t_unlinkat(2, "g", 0), 0);
    assert_int_equal(access(in_share("d3/g"), F_OK), -1);
    assert_int_equal(t_unlinkat(ROOT, "d1", 0), EISDIR);
    assert_int_equal(t_unlinkat(ROOT, "d1", P9_DOTL_AT_REMOVEDIR), 0);
    assert_int_equal(access(in_share("d1"), F_OK), -1);

    /* Tremove: the file goes, and so does the fid. */
    host_write("h", "x");
    assert_int_equal(t_walk(ROOT, 6, NULL, "h"), 1);
    assert_int_equal(t_remove(6), 0);
    assert_int_equal(access(in_share("h"), F_OK), -1);
    assert_int_equal(t_clunk(6), EBADF);
    assert_int_equal(t_walk(ROOT, 6, NULL, "d3"), 1);
    assert_int_equal(t_remove(6), 0);
    assert_int_equal(access(in_share("d3"), F_OK), -1);
    assert_int_equal(t_walkv(ROOT, 7, 0, NULL, NULL), 0);
    assert_int_equal(t_remove(7), EBUSY);
    assert_int_equal(t_clunk(7), EBADF);
    assert_int_equal(access(share, F_OK), 0);
}

static void test_symlink_link(void **state)
{
    (void)state;
    assert_int_equal(t_symlink(ROOT, "ln", "../../etc/passwd"), 0);
    char buf[PATH_MAX];
    ssize_t n = readlink(in_share("ln"), buf, sizeof buf - 1);
    assert_true(n > 0);
    buf[n] = 0;
    assert_string_equal(buf, "../../etc/passwd");

    struct qid q;
    assert_int_equal(t_walk(ROOT, 1, &q, "ln"), 1);
    assert_int_equal(q.type, P9_QTSYMLINK);
    assert_int_equal(t_readlink(1, buf, sizeof buf), 0);
    assert_string_equal(buf, "../../etc/passwd");
    struct attr a;
    assert_int_equal(t_getattr(1, &a), 0);
    assert_true(S_ISLNK(a.mode));
    assert_int_not_equal(t_readlink(ROOT, buf, sizeof buf), 0);

    host_write("f", "x");
    assert_int_equal(t_walk(ROOT, 2, NULL, "f"), 1);
    assert_int_equal(t_link(ROOT, 2, "f2"), 0);
    struct stat st1, st2;
    assert_int_equal(stat(in_share("f"), &st1), 0);
    assert_int_equal(stat(in_share("f2"), &st2), 0);
    assert_int_equal(st1.st_ino, st2.st_ino);
    assert_int_equal(st1.st_nlink, 2);

    /* mknod: a fifo is made (and never opened); devices are refused. */
    assert_int_equal(t_mknod(ROOT, "fifo", S_IFIFO | 0644), 0);
    assert_int_equal(lstat(in_share("fifo"), &st1), 0);
    assert_true(S_ISFIFO(st1.st_mode));
    assert_int_equal(t_walk(ROOT, 3, NULL, "fifo"), 1);
    assert_int_equal(t_lopen(3, 0, NULL), EPERM);
    assert_int_equal(t_mknod(ROOT, "null", S_IFCHR | 0666), EPERM);
    assert_int_equal(access(in_share("null"), F_OK), -1);

    /* Names that are not one component. */
    assert_int_equal(t_mkdir(ROOT, "a/b", 0755, NULL), EINVAL);
    assert_int_equal(t_mkdir(ROOT, "..", 0755, NULL), EINVAL);
    assert_int_equal(t_mkdir(ROOT, "", 0755, NULL), EINVAL);
    assert_int_equal(t_symlink(ROOT, "/abs", "x"), EINVAL);
}

static void test_misc_messages(void **state)
{
    (void)state;
    start(P9_TSTATFS);
    u32(ROOT);
    assert_int_equal(send(), 0);
    g32();
    assert_int_not_equal(g32(), 0);       /* bsize */
    for (int i = 0; i < 6; i++)
        g64();
    assert_int_equal(g32(), 255);         /* namelen */

    start(P9_TFLUSH);
    u16(77);
    assert_int_equal(send(), 0);
    assert_int_equal(rlen, P9_HDR_SIZE);

    host_write("f", "x");
    assert_int_equal(t_walk(ROOT, 1, NULL, "f"), 1);
    start(P9_TLOCK);
    u32(1);
    u8(1);
    u32(0);
    u64(0);
    u64(10);
    u32(42);
    str("guest");
    assert_int_equal(send(), 0);
    assert_int_equal(g8(), P9_LOCK_SUCCESS);

    start(P9_TGETLOCK);
    u32(1);
    u8(1);
    u64(5);
    u64(10);
    u32(42);
    str("guest");
    assert_int_equal(send(), 0);
    assert_int_equal(g8(), P9_LOCK_TYPE_UNLCK);
    assert_int_equal(g64(), 5);
    assert_int_equal(g64(), 10);
    assert_int_equal(g32(), 42);
    char id[16];
    gstr(id, sizeof id);
    assert_string_equal(id, "guest");

    start(P9_TXATTRWALK);
    u32(1);
    u32(2);
    str("user.x");
    assert_int_equal(send(), EOPNOTSUPP);
    start(P9_TAUTH);
    u32(5);
    str("u");
    str("a");
    u32(0);
    assert_int_equal(send(), EOPNOTSUPP);

    /* Read counts are cut to what the reply buffer holds. */
    char big[3000];
    memset(big, 'z', sizeof big - 1);
    big[sizeof big - 1] = 0;
    host_write("big", big);
    assert_int_equal(t_walk(ROOT, 3, NULL, "big"), 1);
    assert_int_equal(t_lopen(3, 0, NULL), 0);
    start(P9_TREAD);
    u32(3);
    u64(0);
    u32(100000);
    finish();
    assert_int_equal(send_cap(P9_IOHDR_SIZE + 100), 0);
    assert_int_equal(g32(), 100);
}

static void test_readonly(void **state)
{
    (void)state;
    p9fs_free(fs);
    host_mkdir("d");
    host_write("f", "data");
    start_fs(true);
    assert_int_equal(t_walk(ROOT, 1, NULL, "f"), 1);
    assert_int_equal(t_lopen(1, 1, NULL), EROFS);
    assert_int_equal(t_lopen(1, 2, NULL), EROFS);
    assert_int_equal(t_lopen(1, P9_DOTL_TRUNC, NULL), EROFS);
    assert_int_equal(t_lopen(1, 0, NULL), 0);
    char buf[16];
    assert_int_equal(t_read(1, 0, 16, buf), 4);
    assert_int_equal(t_write(1, 0, "x"), -EROFS);
    assert_int_equal(t_setattr(1, P9_SETATTR_SIZE, 0, 0, 0, 0, 0), EROFS);
    assert_int_equal(t_setattr(1, P9_SETATTR_MODE, 0777, 0, 0, 0, 0), EROFS);

    assert_int_equal(t_walkv(ROOT, 2, 0, NULL, NULL), 0);
    assert_int_equal(t_lcreate(2, "new", 2, 0644, GID), EROFS);
    assert_int_equal(t_mkdir(ROOT, "nd", 0755, NULL), EROFS);
    assert_int_equal(t_symlink(ROOT, "sl", "f"), EROFS);
    assert_int_equal(t_mknod(ROOT, "fifo", S_IFIFO | 0644), EROFS);
    assert_int_equal(t_renameat(ROOT, "f", ROOT, "g"), EROFS);
    assert_int_equal(t_rename(1, ROOT, "g"), EROFS);
    assert_int_equal(t_unlinkat(ROOT, "f", 0), EROFS);
    assert_int_equal(t_unlinkat(ROOT, "d", P9_DOTL_AT_REMOVEDIR), EROFS);
    assert_int_equal(t_link(ROOT, 1, "h"), EROFS);
    assert_int_equal(t_remove(1), EROFS);
    assert_int_equal(t_clunk(1), EBADF);      /* remove clunks regardless */

    char data[16];
    host_read(in_share("f"), data, sizeof data);
    assert_string_equal(data, "data");
    assert_int_equal(access(in_share("d"), F_OK), 0);
    for (const char *n = "new\0nd\0sl\0fifo\0g\0h\0"; *n; n += strlen(n) + 1)
        assert_int_equal(access(in_share(n), F_OK), -1);
}

static void test_escape_dotdot(void **state)
{
    (void)state;
    struct stat root_st;
    assert_int_equal(stat(share, &root_st), 0);
    struct qid q[P9_MAX_WALK];
    assert_int_equal(t_walk(ROOT, 1, q, ".."), 1);
    assert_int_equal(q[0].path, root_st.st_ino);
    assert_int_equal(t_walk(ROOT, 2, q, "..", "..", "outdir"), 2);
    assert_int_equal(q[1].path, root_st.st_ino);
    assert_int_equal(t_walk(ROOT, 2, NULL, "..", "outdir", "secret"), 1);
    assert_int_equal(t_getattr(2, &(struct attr){0}), EBADF);

    host_mkdir("a");
    assert_int_equal(t_walk(ROOT, 3, q, "a", "..", "..", "..", "outdir"), 4);
    assert_int_equal(q[3].path, root_st.st_ino);
    assert_int_equal(t_walk(1, 1, NULL, ".."), 1);    /* fid 1 is the root */
    assert_int_equal(t_lopen(1, 0, NULL), 0);
    char names[1024];
    assert_true(t_readdir_all(1, 8192, names, sizeof names) > 0);
    assert_null(strstr(names, "outdir"));
    assert_non_null(strstr(names, "a/"));

    /* Names that try to carry a path. */
    assert_int_equal(t_walk(ROOT, 4, NULL, "../outdir"), -EINVAL);
    assert_int_equal(t_walk(ROOT, 4, NULL, "a/.."), -EINVAL);
    assert_int_equal(t_walk(ROOT, 4, NULL, "/"), -EINVAL);
    assert_int_equal(t_walk(ROOT, 4, NULL, ""), -EINVAL);
    assert_int_equal(t_walk(ROOT, 4, NULL, "."), -EINVAL);
    assert_int_equal(t_lcreate(ROOT, "../escape", 2, 0644, GID), EINVAL);
    assert_int_equal(t_renameat(ROOT, "a", ROOT, "../moved"), EINVAL);
    assert_int_equal(t_unlinkat(ROOT, "..", 0), EINVAL);
    assert_int_equal(access(in_share("a"), F_OK), 0);
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/moved", base);
    assert_int_equal(access(path, F_OK), -1);
}

/* A symlink in the share is a leaf: it names itself, is never walked
 * through, opened, or used as a directory. */
static void symlink_is_a_dead_end(const char *name)
{
    struct qid q[2];
    assert_int_equal(t_walk(ROOT, 10, q, name), 1);
    assert_int_equal(q[0].type, P9_QTSYMLINK);
    assert_int_equal(t_walk(ROOT, 11, q, name, "secret"), 1);
    assert_int_equal(t_walk(ROOT, 11, q, name, "etc"), 1);
    assert_int_equal(t_walk(ROOT, 11, q, name, "passwd"), 1);
    assert_int_equal(t_walk(10, 11, NULL, "secret"), -ENOTDIR);
    assert_int_equal(t_lopen(10, 0, NULL), ELOOP);
    assert_int_equal(t_lopen(10, 2, NULL), ELOOP);
    assert_int_equal(t_setattr(10, P9_SETATTR_SIZE, 0, 0, 0, 0, 0), ELOOP);
    assert_int_not_equal(t_setattr(10, P9_SETATTR_MODE, 0777, 0, 0, 0, 0), 0);
    assert_int_not_equal(t_lcreate(10, "planted", 2, 0644, GID), 0);
    assert_int_not_equal(t_mkdir(10, "planted", 0755, NULL), 0);
    assert_int_not_equal(t_symlink(10, "planted", "x"), 0);
    assert_int_not_equal(t_unlinkat(10, "secret", 0), 0);
    assert_int_not_equal(t_renameat(10, "secret", ROOT, "stolen"), 0);
    struct attr a;
    assert_int_equal(t_getattr(10, &a), 0);
    assert_true(S_ISLNK(a.mode));
    assert_int_equal(t_clunk(10), 0);
    assert_int_equal(access(in_share("stolen"), F_OK), -1);
}

static void test_escape_symlinks(void **state)
{
    (void)state;
    host_symlink("/", "abs");
    host_symlink(outdir, "absout");
    host_symlink("../outdir", "rel");
    host_symlink("../../../../../../..", "relroot");
    host_symlink("/etc/passwd", "pw");
    host_symlink(secret, "sec");
    host_mkdir("d");
    host_symlink("../../outdir", "d/up");
    for (const char *n = "abs\0absout\0rel\0relroot\0pw\0sec\0"; *n; n += strlen(n) + 1)
        symlink_is_a_dead_end(n);
    assert_int_equal(t_walk(ROOT, 12, NULL, "d", "up", "secret"), 2);
    assert_int_equal(t_walk(ROOT, 12, NULL, "d", "up"), 2);
    assert_int_equal(t_lopen(12, 0, NULL), ELOOP);
    char buf[PATH_MAX];
    assert_int_equal(t_readlink(12, buf, sizeof buf), 0);
    assert_string_equal(buf, "../../outdir");

    /* A hard link to the symlink is still a symlink, not its target. */
    assert_int_equal(t_walk(ROOT, 13, NULL, "sec"), 1);
    assert_int_equal(t_link(ROOT, 13, "sec2"), 0);
    struct stat st;
    assert_int_equal(lstat(in_share("sec2"), &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    assert_int_equal(access("/planted", F_OK), -1);
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/planted", outdir);
    assert_int_equal(access(path, F_OK), -1);
}

/* The host swaps a directory the guest holds a fid in for a symlink to "/"
 * (and a file's parent for a symlink to the outside): the old fids reach
 * nothing outside. */
static void test_escape_swapped_dir(void **state)
{
    (void)state;
    host_mkdir("d");
    host_mkdir("e");
    host_write("e/secret", "inside");
    assert_int_equal(t_walk(ROOT, 1, NULL, "d"), 1);
    assert_int_equal(t_walk(ROOT, 2, NULL, "e", "secret"), 2);
    assert_int_equal(t_walk(ROOT, 3, NULL, "e"), 1);

    assert_int_equal(rmdir(in_share("d")), 0);
    host_symlink("/", "d");
    char moved[PATH_MAX];
    snprintf(moved, sizeof moved, "%s/e.old", share);
    assert_int_equal(rename(in_share("e"), moved), 0);
    host_symlink(outdir, "e");

    char name[64];
    snprintf(name, sizeof name, "cella-p9-escape-%d", (int)getpid());
    assert_int_not_equal(t_walk(1, 4, NULL, "etc"), 1);
    assert_int_not_equal(t_walk(1, 4, NULL, "tmp"), 1);
    assert_int_not_equal(t_lcreate(1, name, 2, 0644, GID), 0);
    assert_int_not_equal(t_mkdir(1, name, 0755, NULL), 0);
    assert_int_not_equal(t_symlink(1, name, "x"), 0);
    char root_entry[PATH_MAX];
    snprintf(root_entry, sizeof root_entry, "/%s", name);
    assert_int_equal(access(root_entry, F_OK), -1);
    assert_int_equal(access("/etc/passwd", F_OK), 0);
    /* The old directory itself is gone: opening it shows nothing of "/". */
    char names[1024] = "";
    if (t_lopen(1, 0, NULL) == 0 &&
        t_readdir_all(1, 8192, names, sizeof names) < 0)
        names[0] = 0;
    assert_null(strstr(names, "etc/"));
    assert_null(strstr(names, "tmp/"));

    /* ".." from the old fid re-resolves by path: the root, not "/". */
    struct stat root_st;
    assert_int_equal(stat(share, &root_st), 0);
    struct qid q[2];
    assert_int_equal(t_walk(1, 5, q, "..", "d"), 2);
    assert_int_equal(q[0].path, root_st.st_ino);
    assert_int_equal(q[1].type, P9_QTSYMLINK);
    assert_int_equal(t_lopen(5, 0, NULL), ELOOP);

    /* The file fid under e: its path now runs through the symlink. */
    assert_int_equal(t_lopen(2, 0, NULL), ELOOP);
    assert_int_equal(t_lopen(2, 2 | P9_DOTL_TRUNC, NULL), ELOOP);
    assert_int_equal(t_setattr(2, P9_SETATTR_SIZE, 0, 0, 0, 0, 0), ELOOP);
    assert_int_not_equal(t_remove(2), 0);
    assert_int_not_equal(t_rename(3, ROOT, "stolen"), 0);
    assert_int_equal(t_walk(3, 6, NULL, "secret"), 1);    /* e.old's own file */
    assert_int_equal(t_lopen(6, 0, NULL), ELOOP);         /* ...by path: no */
    struct attr a;
    assert_int_equal(t_getattr(6, &a), 0);
    assert_int_equal(a.size, strlen("inside"));
    char data[16];
    snprintf(moved, sizeof moved, "%s/e.old/secret", share);
    host_read(moved, data, sizeof data);
    assert_string_equal(data, "inside");
}

/* The host puts another file where a fid's file was: the fid's path now
 * names a file that is not the fid's, and nothing acts on it. */
static void test_stale_path(void **state)
{
    (void)state;
    host_write("f", "mine");
    assert_int_equal(t_walk(ROOT, 1, NULL, "f"), 1);
    char old[PATH_MAX];
    snprintf(old, sizeof old, "%s/f.old", share);
    assert_int_equal(rename(in_share("f"), old), 0);
    host_write("f", "other");

    assert_int_equal(t_lopen(1, 0, NULL), ESTALE);
    assert_int_equal(t_lopen(1, 2 | P9_DOTL_TRUNC, NULL), ESTALE);
    assert_int_equal(t_setattr(1, P9_SETATTR_SIZE, 0, 0, 0, 0, 0), ESTALE);
    assert_int_equal(t_rename(1, ROOT, "g"), ESTALE);
    assert_int_equal(t_remove(1), ESTALE);
    char buf[16];
    host_read(in_share("f"), buf, sizeof buf);
    assert_string_equal(buf, "other");
    host_read(old, buf, sizeof buf);
    assert_string_equal(buf, "mine");
    assert_int_equal(access(in_share("g"), F_OK), -1);
}

/* Malformed messages: each gets an Rlerror (or nothing when even the tag
 * is missing), never a crash or a read past the bytes given. */
static void test_malformed(void **state)
{
    (void)state;
    uint8_t *req = malloc(16);
    memcpy(req, (uint8_t[]){ 7, 0, 0, 0, P9_TCLUNK, 1 }, 6);
    assert_int_equal(p9fs_handle(fs, req, 6, resp, sizeof resp), 0);
    assert_int_equal(p9fs_handle(fs, req, 0, resp, sizeof resp), 0);
    free(req);

    start(P9_TCLUNK);
    u32(ROOT);
    finish();
    assert_int_equal(p9fs_handle(fs, m.b, m.n, resp, 10), 0);   /* no room */
    m.b[0] = 200;                                 /* size > the bytes */
    assert_int_equal(send_cap(MSIZE), EINVAL);
    m.b[0] = 5;                                   /* size < a header */
    assert_int_equal(send_cap(MSIZE), EINVAL);
    m.b[0] = 9;                                   /* fid cut short */
    assert_int_equal(send_cap(MSIZE), EINVAL);

    /* A heap copy of exactly the size, so ASan sees any overread. */
    start(P9_TWALK);
    u32(ROOT);
    u32(1);
    u16(1);
    u16(60000);                                   /* a huge string */
    put("abc", 3);
    finish();
    req = malloc(m.n);
    memcpy(req, m.b, m.n);
    rlen = p9fs_handle(fs, req, m.n, resp, sizeof resp);
    free(req);
    assert_int_equal(resp[4], P9_RLERROR);
    assert_int_equal(resp[7], EINVAL);

    start(P9_TWALK);
    u32(ROOT);
    u32(1);
    u16(17);
    for (int i = 0; i < 17; i++)
        str("a");
    assert_int_equal(send(), EINVAL);
    start(P9_TWALK);
    u32(ROOT);
    u32(1);
    u16(3);
    str("a");
    assert_int_equal(send(), EINVAL);             /* names missing */

    start(200);
    assert_int_equal(send(), EOPNOTSUPP);
    start(P9_TWALK + 1);                          /* a reply type */
    assert_int_equal(send(), EOPNOTSUPP);
    start(112);                                   /* plain 9P2000 Topen */
    u32(ROOT);
    u8(0);
    assert_int_equal(send(), EOPNOTSUPP);

    host_write("f", "x");
    assert_int_equal(t_walk(ROOT, 1, NULL, "f"), 1);
    assert_int_equal(t_lopen(1, 2, NULL), 0);
    start(P9_TWRITE);
    u32(1);
    u64(0);
    u32(1000);                                    /* more than follows */
    put("abc", 3);
    assert_int_equal(send(), EINVAL);
    start(P9_TREAD);
    u32(1);
    u64(UINT64_MAX);
    u32(10);
    assert_int_equal(send(), EINVAL);
    start(P9_TLCREATE);
    u32(ROOT);
    u16(3);
    put("a\0b", 3);                               /* a NUL in a name */
    u32(2);
    u32(0644);
    u32(GID);
    assert_int_equal(send(), EINVAL);
    char longname[NAME_MAX + 2];
    memset(longname, 'n', sizeof longname - 1);
    longname[sizeof longname - 1] = 0;
    assert_int_equal(t_mkdir(ROOT, longname, 0755, NULL), ENAMETOOLONG);
    assert_int_equal(t_walk(ROOT, 2, NULL, longname), -ENAMETOOLONG);
    assert_int_equal(t_walk(ROOT, 2, NULL, "f", longname), 1);
}

/* Random corruptions of valid requests, each sent from a heap buffer of
 * exactly its length: replies must always be well-framed and in bounds. */
static void test_fuzz(void **state)
{
    (void)state;
    host_mkdir("d");
    host_write("d/f", "some data");
    srand(1234);
    static const uint8_t types[] = {
        P9_TVERSION, P9_TATTACH, P9_TWALK, P9_TLOPEN, P9_TLCREATE, P9_TREAD,
        P9_TWRITE, P9_TCLUNK, P9_TGETATTR, P9_TSETATTR, P9_TREADDIR,
        P9_TMKDIR, P9_TSYMLINK, P9_TRENAMEAT, P9_TUNLINKAT, P9_TREADLINK,
        P9_TLOCK, P9_TGETLOCK, P9_TSTATFS, P9_TLINK, P9_TRENAME, P9_TREMOVE,
        P9_TFSYNC, P9_TMKNOD, P9_TFLUSH,
    };
    for (int iter = 0; iter < 20000; iter++) {
        if (iter % 50 == 0) {
            /* A fresh session with live fids: 0 the root, 1 "d", 2 "d/f"
             * opened. */
            uint32_t msize;
            char v[32];
            struct qid q;
            assert_int_equal(t_version(MSIZE, P9_VERSION, &msize, v, sizeof v), 0);
            assert_int_equal(t_attach(ROOT, UID, &q), 0);
            t_walk(ROOT, 1, NULL, "d");
            t_walk(ROOT, 2, NULL, "d", "f");
            t_lopen(2, 2, NULL);
        }
        start(types[rand() % (int)sizeof types]);
        unsigned fields = (unsigned)(rand() % 12);
        for (unsigned i = 0; i < fields; i++) {
            switch (rand() % 5) {
            case 0: u32((uint32_t)(rand() % 8)); break;
            case 1: str((const char *[]){ "d", "f", "..", "x", "" }[rand() % 5]); break;
            case 2: u16((uint16_t)rand()); break;
            case 3: u64((uint64_t)rand() << (rand() % 40)); break;
            default: u8((uint8_t)rand()); break;
            }
        }
        finish();
        if (rand() % 4 == 0)
            m.b[rand() % (int)m.n] = (uint8_t)rand();
        size_t len = rand() % 8 ? m.n : (size_t)rand() % (m.n + 1);
        size_t cap = rand() % 8 ? MSIZE : P9_HDR_SIZE + (size_t)(rand() % 64);
        uint8_t *req = malloc(len ? len : 1);
        memcpy(req, m.b, len);
        uint8_t *out = malloc(cap);
        size_t n = p9fs_handle(fs, req, len, out, cap);
        assert_true(n <= cap);
        if (n) {
            assert_true(n >= P9_HDR_SIZE + (out[4] == P9_RLERROR ? 4 : 0));
            assert_int_equal(out[0] | out[1] << 8 | out[2] << 16 | (uint32_t)out[3] << 24, n);
            assert_true(out[4] == P9_RLERROR || out[4] == m.b[4] + 1);
        } else {
            assert_true(len < P9_HDR_SIZE || cap < P9_HDR_SIZE + 4);
        }
        free(req);
        free(out);
    }
    outside_untouched();
}

/* The fid table is capped: a guest cannot pile up host descriptors. */
static void test_fid_cap(void **state)
{
    (void)state;
    struct rlimit rl = { 4 * 4096 + 64, 4 * 4096 + 64 };
    if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
        skip();
    uint32_t fid = 1;
    for (; fid < 100000; fid++) {
        int got = t_walkv(ROOT, fid, 0, NULL, NULL);
        if (got < 0) {
            assert_int_equal(got, -EMFILE);
            break;
        }
    }
    assert_int_equal(fid, P9_MAX_FIDS);   /* ROOT and the clones 1.. */
    assert_int_equal(t_clunk(1), 0);
    assert_int_equal(t_walkv(ROOT, fid, 0, NULL, NULL), 0);
    assert_int_equal(t_walkv(ROOT, fid + 1, 0, NULL, NULL), -EMFILE);
}

/* ---- the state record ---- */

/* The server as test_state.h takes it. */
static void fs_save(struct rec_out *o)
{
    p9fs_save(fs, o);
}

static int fs_load(struct rec_in *in, struct err *e)
{
    return p9fs_load(fs, in, e);
}

/* The server's state saved, and loaded into a fresh server on the same
 * share, which takes its place. */
static void move_fs(void)
{
    struct rec_out o;
    state_save(fs_save, &o);
    p9fs_free(fs);
    struct err e = {0};
    fs = p9fs_new(share, false, &e);
    assert_non_null(fs);
    if (state_load(fs_load, o.buf, o.len, &e) < 0)
        fail_msg("load: %s", e.msg);
    rec_out_free(&o);
}

/* Fids of every kind move: files open for reading, for writing (opened
 * with O_TRUNC, yet not cut again), a directory open for reading, a
 * symlink, a directory not open, one made by Tlcreate. */
static void test_state_moves(void **state)
{
    (void)state;
    host_write("a.txt", "hello world");
    host_mkdir("dir");
    host_write("dir/b.txt", "bee");
    host_symlink("a.txt", "link");
    assert_int_equal(t_walk(ROOT, 1, NULL, "a.txt"), 1);
    assert_int_equal(t_lopen(1, P9_DOTL_RDONLY, NULL), 0);
    assert_int_equal(t_walk(ROOT, 2, NULL, "dir", "b.txt"), 2);
    assert_int_equal(t_lopen(2, 2 | P9_DOTL_TRUNC, NULL), 0);
    assert_int_equal(t_write(2, 0, "bzz"), 3);
    assert_int_equal(t_walk(ROOT, 3, NULL, "dir"), 1);
    assert_int_equal(t_lopen(3, P9_DOTL_RDONLY, NULL), 0);
    assert_int_equal(t_walk(ROOT, 4, NULL, "link"), 1);
    assert_int_equal(t_walk(ROOT, 5, NULL, "dir"), 1);
    assert_int_equal(t_walk(ROOT, 6, NULL, "dir"), 1);
    assert_int_equal(t_lcreate(6, "new.txt", 1 | P9_DOTL_TRUNC, 0644, GID), 0);
    assert_int_equal(t_write(6, 0, "xyz"), 3);

    move_fs();

    char buf[64];
    assert_int_equal(t_read(1, 0, sizeof buf, buf), 11);
    assert_memory_equal(buf, "hello world", 11);
    assert_int_equal(t_write(1, 0, "x"), -EBADF);       /* read-only */
    assert_int_equal(t_read(2, 0, sizeof buf, buf), 3);
    assert_memory_equal(buf, "bzz", 3);
    assert_int_equal(t_write(2, 3, "!"), 1);
    char names[256];
    assert_int_equal(t_readdir_all(3, 4096, names, sizeof names), 4);
    assert_non_null(strstr(names, "new.txt/"));
    assert_int_equal(t_readlink(4, buf, sizeof buf), 0);
    assert_string_equal(buf, "a.txt");
    assert_int_equal(t_read(5, 0, sizeof buf, buf), -EBADF);   /* not open */
    assert_int_equal(t_lopen(5, P9_DOTL_RDONLY, NULL), 0);
    assert_int_equal(t_lopen(6, P9_DOTL_RDONLY, NULL), EBADF); /* open */
    assert_int_equal(t_write(6, 3, "w"), 1);
    host_read(in_share("dir/new.txt"), buf, sizeof buf);
    assert_string_equal(buf, "xyzw");
    host_read(in_share("dir/b.txt"), buf, sizeof buf);
    assert_string_equal(buf, "bzz!");
    assert_int_equal(t_walk(5, 7, NULL, "..", "a.txt"), 2);
    assert_int_equal(t_clunk(7), 0);
    assert_int_equal(t_clunk(8), EBADF);

    /* Without a session, nothing but Tversion; and no fid survives one. */
    uint32_t msize;
    char v[32];
    assert_int_equal(t_version(MSIZE, "9P2000", &msize, v, sizeof v), 0);
    move_fs();
    struct attr a;
    assert_int_equal(t_getattr(ROOT, &a), EPROTO);
}

/* A fid as the test writes it into a record (the layout in p9state.c). */
struct fid_rec {
    uint32_t num;
    uint8_t open;
    uint32_t oflags;
    const char *path;
    uint32_t len;               /* of path; 0: strlen */
};

static void put_fs_state(struct rec_out *o, uint32_t version, uint32_t msize,
                         uint32_t nfids, const struct fid_rec *f, unsigned n)
{
    rec_begin(o, "p9fs", version);
    rec_u32(o, msize);
    rec_u32(o, nfids);
    for (unsigned i = 0; i < n; i++) {
        uint32_t len = f[i].len ? f[i].len : (uint32_t)strlen(f[i].path);
        rec_u32(o, f[i].num);
        rec_u32(o, UID);
        rec_u8(o, f[i].open);
        rec_u32(o, f[i].oflags);
        rec_u32(o, len);
        rec_bytes(o, f[i].path, len);
    }
    rec_end(o);
}

static unsigned open_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    assert_non_null(d);
    unsigned n = 0;
    while (readdir(d))
        n++;
    closedir(d);
    return n;
}

#define BAD "state of p9fs: "

/* The record is refused with the message why (NULL: any), and the server
 * is as it was, with no descriptor left over and fid 1's file (a.txt,
 * "hello") still open. */
static void fs_refuses(const void *buf, size_t len, const char *why)
{
    unsigned fds = open_fds();
    state_expect_refused(fs_save, fs_load, NULL, buf, len, why);
    assert_int_equal(open_fds(), fds);
    char got[16];
    assert_int_equal(t_read(1, 0, sizeof got, got), 5);
}

/* A record with a good fid (8, open for reading and writing) and f: it
 * is refused for why, the good fid dropped with it. */
static void fid_refused(struct fid_rec f, const char *why)
{
    struct fid_rec both[] = { { 8, 1, 2, "a.txt", 0 }, f };
    struct rec_out o = {0};
    put_fs_state(&o, 1, MSIZE, 2, both, 2);
    fs_refuses(o.buf, o.len, why);
    rec_out_free(&o);
}

/* Paths out of the share, through a symlink, or not as the server writes
 * them; fids and flags it could not have had; cut short, other versions. */
static void test_state_refused(void **state)
{
    (void)state;
    host_write("a.txt", "hello");
    host_mkdir("dir");
    host_symlink("../outdir", "out");
    assert_int_equal(t_walk(ROOT, 1, NULL, "a.txt"), 1);
    assert_int_equal(t_lopen(1, P9_DOTL_RDONLY, NULL), 0);
    static const char *const escapes[] = {
        "..", "../outdir/secret", "/etc/passwd", "dir/../..", "dir/..",
        "dir//a", "./a.txt", "dir/",
    };
#define ESCAPE BAD "fid 9: a path that is not beneath the root as the " \
                   "server writes them"
    for (size_t i = 0; i < sizeof escapes / sizeof escapes[0]; i++)
        fid_refused((struct fid_rec){ 9, 0, 0, escapes[i], 0 }, ESCAPE);
    static char long_path[PATH_MAX];
    static const struct {
        struct fid_rec f;
        const char *why;
    } bad[] = {
        { { 9, 0, 0, "a\0b", 3 }, ESCAPE },
        { { 9, 0, 0, long_path, PATH_MAX }, BAD "fid 9: a path of 4096 bytes" },
        { { 9, 0, 0, "", 0 }, BAD "fid 9: a path of 0 bytes" },
        { { 9, 0, 0, "out/secret", 0 },
          BAD "fid 9, 'out/secret': Too many levels of symbolic links" },
        { { 9, 1, 0, "out", 0 },
          BAD "fid 9, 'out': Too many levels of symbolic links" },
        { { 9, 0, 0, "nope", 0 },
          BAD "fid 9, 'nope': No such file or directory" },
        { { 9, 1, 1, "dir", 0 }, BAD "fid 9, 'dir': Is a directory" },
        { { 9, 1, 3, "a.txt", 0 }, BAD "fid 9: open flags 0x3 refused" },
        { { 9, 0, 1, "a.txt", 0 }, BAD "fid 9: not open, yet open flags 0x1" },
        { { P9_NOFID, 0, 0, "a.txt", 0 }, BAD "fid 4294967295 is NOFID" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        fid_refused(bad[i].f, bad[i].why);

    struct fid_rec twice[] = { { 9, 0, 0, "a.txt", 0 },
                               { 9, 0, 0, "dir", 0 } };
    struct fid_rec down[] = { { 10, 0, 0, "a.txt", 0 },
                              { 9, 0, 0, "dir", 0 } };
    static const struct {
        uint32_t version, msize, nfids;
        unsigned n;
        bool down;
        const char *why;
    } whole[] = {
        { 1, MSIZE, 2, 2, false,
          BAD "fid 9 after fid 9: not in ascending order" },
        { 1, MSIZE, 2, 2, true,
          BAD "fid 9 after fid 10: not in ascending order" },
        { 1, 100, 1, 1, false, BAD "msize 100" },
        { 1, P9FS_MAX_MSIZE + 1, 1, 1, false, BAD "msize 524289" },
        { 1, 0, 1, 1, false, BAD "fids without a session" },
        { 1, MSIZE, P9_MAX_FIDS + 1, 1, false,
          BAD "4097 fids (at most 4096)" },
        { 1, MSIZE, 2, 1, false, BAD "truncated record" },
        { 1, MSIZE, 1, 2, false, BAD "20 bytes left unread" },
        { 2, MSIZE, 1, 1, false, BAD "version 2 (this build reads 1-1)" },
    };
    for (size_t i = 0; i < sizeof whole / sizeof whole[0]; i++) {
        struct rec_out o = {0};
        put_fs_state(&o, whole[i].version, whole[i].msize, whole[i].nfids,
                     whole[i].down ? down : twice, whole[i].n);
        fs_refuses(o.buf, o.len, whole[i].why);
        rec_out_free(&o);
    }
    struct rec_out o;
    state_save(fs_save, &o);
    fs_refuses(o.buf, o.len - 1, NULL);
    rec_out_free(&o);
}

/* Every byte of a record with fids of each kind set to each of a few
 * values: the server refuses it and is unchanged, or takes it (another
 * user, other open flags, another fid number in order, an msize in range)
 * and saves it back as it was. No descriptor is left behind. */
static void test_state_every_byte(void **state)
{
    (void)state;
    host_write("a.txt", "hello");
    host_mkdir("dir");
    assert_int_equal(t_walk(ROOT, 1, NULL, "a.txt"), 1);
    assert_int_equal(t_lopen(1, P9_DOTL_RDONLY, NULL), 0);
    assert_int_equal(t_walk(ROOT, 2, NULL, "dir"), 1);
    assert_int_equal(t_walk(ROOT, 3, NULL, "dir"), 1);
    assert_int_equal(t_lopen(3, P9_DOTL_RDONLY, NULL), 0);
    unsigned fds = open_fds();
    struct rec_out good;
    state_save(fs_save, &good);
    assert_true(state_check_every_byte(fs_save, fs_load, NULL, &good) > 0);
    struct err e = {0};
    assert_int_equal(state_load(fs_load, good.buf, good.len, &e), 0);
    assert_int_equal(open_fds(), fds);
    rec_out_free(&good);
}

/* A read-only share takes no fid open for writing. */
static void test_state_readonly(void **state)
{
    (void)state;
    host_write("a.txt", "hello");
    assert_int_equal(t_walk(ROOT, 1, NULL, "a.txt"), 1);
    assert_int_equal(t_lopen(1, 2, NULL), 0);
    struct rec_out o;
    state_save(fs_save, &o);
    p9fs_free(fs);
    start_fs(true);
    assert_int_equal(t_walk(ROOT, 1, NULL, "a.txt"), 1);
    assert_int_equal(t_lopen(1, P9_DOTL_RDONLY, NULL), 0);
    fs_refuses(o.buf, o.len, BAD "fid 1: open flags 0x2 refused");
    rec_out_free(&o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_version, setup, teardown),
        cmocka_unit_test_setup_teardown(test_attach_walk_getattr, setup, teardown),
        cmocka_unit_test_setup_teardown(test_create_write_read, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mkdir_readdir, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rename_unlink, setup, teardown),
        cmocka_unit_test_setup_teardown(test_symlink_link, setup, teardown),
        cmocka_unit_test_setup_teardown(test_misc_messages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_readonly, setup, teardown),
        cmocka_unit_test_setup_teardown(test_escape_dotdot, setup, teardown),
        cmocka_unit_test_setup_teardown(test_escape_symlinks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_escape_swapped_dir, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stale_path, setup, teardown),
        cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fuzz, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fid_cap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_state_moves, setup, teardown),
        cmocka_unit_test_setup_teardown(test_state_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_state_every_byte, setup, teardown),
        cmocka_unit_test_setup_teardown(test_state_readonly, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
