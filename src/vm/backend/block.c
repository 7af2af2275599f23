/* Raw disk images: opened first and locked (claimed) apart, so that a
 * migration's target can open the image its source still holds; vectored
 * reads and writes that finish whole requests, fdatasync for flushes,
 * fallocate for discard and zeroing (with a write of zeros where the file
 * system cannot). */
#include "vm/backend/block.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/err.h"

#define SECTOR 512u

int block_open(struct block *b, const char *path, bool readonly,
               struct err *e)
{
    *b = (struct block){ .readonly = readonly };
    b->fd = open(path, (readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC);
    if (b->fd < 0)
        return err_set(e, errno, "--disk: cannot open '%s'", path);
    struct stat st;
    uint64_t size = 0;
    const char *bad = NULL;
    if (fstat(b->fd, &st) < 0)
        bad = "cannot stat";
    else if (S_ISDIR(st.st_mode))
        bad = "is a directory, not a disk image";
    else if (S_ISBLK(st.st_mode) && ioctl(b->fd, BLKGETSIZE64, &size) < 0)
        bad = "cannot get the size of";
    else if (!S_ISBLK(st.st_mode) && !S_ISREG(st.st_mode))
        bad = "is not a file or block device";
    else if (!(b->path = strdup(path)))
        bad = "cannot open";
    if (bad) {
        int en = errno;
        block_close(b);
        if (bad[0] == 'c')
            return err_set(e, en, "--disk: %s '%s'", bad, path);
        return err_set(e, 0, "--disk: '%s' %s", path, bad);
    }
    if (S_ISREG(st.st_mode))
        size = (uint64_t)st.st_size;
    b->size = (size + SECTOR - 1) / SECTOR * SECTOR;
    return 0;
}

void block_close(struct block *b)
{
    if (b->fd >= 0)
        close(b->fd);
    b->fd = -1;
    b->claimed = false;
    free(b->path);
    b->path = NULL;
}

/* flock: the lock belongs to this open file, so it holds against another
 * open of the image in this process too, and goes with the last close. */
int block_claim(struct block *b, struct err *e)
{
    if (b->claimed)
        return 0;
    if (flock(b->fd, (b->readonly ? LOCK_SH : LOCK_EX) | LOCK_NB) < 0) {
        if (errno == EWOULDBLOCK)
            return err_set(e, 0, "--disk: '%s' is in use by another process",
                           b->path);
        return err_set(e, errno, "--disk: cannot lock '%s'", b->path);
    }
    b->claimed = true;
    return 0;
}

/* What this machine wrote reaches the image's storage before another may
 * take it (a target on another host, over shared storage). */
void block_release(struct block *b)
{
    if (b->claimed) {
        if (!b->readonly)
            fdatasync(b->fd);
        flock(b->fd, LOCK_UN);
    }
    b->claimed = false;
}

/* Advance an iovec array past done bytes (after a short transfer). */
static unsigned skip(struct iovec *iov, unsigned n, size_t done,
                     unsigned *first)
{
    unsigned i = *first;
    while (i < n && done >= iov[i].iov_len)
        done -= iov[i++].iov_len;
    if (i < n) {
        iov[i].iov_base = (uint8_t *)iov[i].iov_base + done;
        iov[i].iov_len -= done;
    }
    *first = i;
    return n - i;
}

/* Reads past the end of the file (the rounded-up tail) give zeros. */
int block_read(struct block *b, uint64_t off, const struct iovec *iov,
               unsigned n)
{
    struct iovec v[IOV_MAX];
    if (n > IOV_MAX)
        return errno = EINVAL, -1;
    memcpy(v, iov, n * sizeof *v);
    unsigned first = 0;
    while (first < n) {
        ssize_t got = preadv(b->fd, v + first, (int)(n - first), (off_t)off);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            return -1;
        if (got == 0) {
            for (unsigned i = first; i < n; i++)
                memset(v[i].iov_base, 0, v[i].iov_len);
            return 0;
        }
        off += (uint64_t)got;
        skip(v, n, (size_t)got, &first);
    }
    return 0;
}

int block_write(struct block *b, uint64_t off, const struct iovec *iov,
                unsigned n)
{
    struct iovec v[IOV_MAX];
    if (n > IOV_MAX)
        return errno = EINVAL, -1;
    memcpy(v, iov, n * sizeof *v);
    unsigned first = 0;
    while (first < n) {
        ssize_t put = pwritev(b->fd, v + first, (int)(n - first), (off_t)off);
        if (put < 0 && errno == EINTR)
            continue;
        if (put <= 0)
            return put < 0 ? -1 : (errno = EIO, -1);
        off += (uint64_t)put;
        skip(v, n, (size_t)put, &first);
    }
    return 0;
}

int block_flush(struct block *b)
{
    return fdatasync(b->fd);
}

int block_discard(struct block *b, uint64_t off, uint64_t len)
{
    /* Discard is a hint: a file system that cannot punch holes keeps the
     * data, which is allowed. */
    if (fallocate(b->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                  (off_t)off, (off_t)len) < 0 && errno != EOPNOTSUPP)
        return -1;
    return 0;
}

int block_zero(struct block *b, uint64_t off, uint64_t len, bool unmap)
{
    int mode = unmap ? FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE
                     : FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE;
    if (fallocate(b->fd, mode, (off_t)off, (off_t)len) == 0)
        return 0;
    if (errno != EOPNOTSUPP)
        return -1;
    /* Not const: in .bss it takes no room in the binary, which every
     * container start copies into a sealed memfd. Only ever read. */
    static uint8_t zeros[65536];
    while (len) {
        size_t n = len < sizeof zeros ? (size_t)len : sizeof zeros;
        struct iovec v = { (void *)zeros, n };
        if (block_write(b, off, &v, 1) < 0)
            return -1;
        off += n;
        len -= n;
    }
    return 0;
}
