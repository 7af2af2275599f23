/* Size and integer parsing, file reading, clocks. */
#include "base/util.h"
#include "base/err.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int parse_size(const char *s, uint64_t *out, struct err *e)
{
    char *end;
    if (!s || !*s || *s == '-')
        return err_set(e, 0, "invalid size '%s'", s ? s : "");
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s)
        return err_set(e, 0, "invalid size '%s'", s);
    unsigned shift = 0;
    switch (*end) {
    case 0: break;
    case 'k': case 'K': shift = 10; end++; break;
    case 'm': case 'M': shift = 20; end++; break;
    case 'g': case 'G': shift = 30; end++; break;
    case 't': case 'T': shift = 40; end++; break;
    default: return err_set(e, 0, "invalid size '%s'", s);
    }
    if (*end == 'i' && end[1] == 'B')
        end += 2;
    else if (*end == 'B')
        end++;
    if (*end)
        return err_set(e, 0, "invalid size '%s'", s);
    if (shift && v > (ULLONG_MAX >> shift))
        return err_set(e, 0, "size '%s' is too large", s);
    *out = (uint64_t)v << shift;
    return 0;
}

int parse_int(const char *s, long min, long max, long *out, const char *what,
              struct err *e)
{
    char *end;
    errno = 0;
    long v = s ? strtol(s, &end, 10) : 0;
    if (!s || !*s || errno || *end)
        return err_set(e, 0, "invalid %s '%s'", what, s ? s : "");
    if (v < min || v > max)
        return err_set(e, 0, "%s %ld out of range (%ld-%ld)", what, v, min, max);
    *out = v;
    return 0;
}

int read_file(const char *path, uint8_t **data, size_t *len, struct err *e)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return err_set(e, errno, "cannot open '%s'", path);
    struct stat st;
    if (fstat(fd, &st) < 0) {
        close(fd);
        return err_set(e, errno, "cannot stat '%s'", path);
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return err_set(e, 0, "'%s' is not a regular file", path);
    }
    /* Read to the end: files in /proc and /sys say they are empty. */
    size_t cap = (size_t)st.st_size + 1, got = 0;
    uint8_t *buf = malloc(cap < 4096 ? 4096 : cap);
    cap = cap < 4096 ? 4096 : cap;
    for (;;) {
        if (!buf) {
            close(fd);
            return err_set(e, ENOMEM, "cannot read '%s'", path);
        }
        if (got + 1 == cap) {
            uint8_t *bigger = realloc(buf, cap * 2);
            if (!bigger)
                free(buf);
            buf = bigger;
            cap *= 2;
            continue;
        }
        ssize_t n = read(fd, buf + got, cap - 1 - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int en = errno;
            free(buf);
            close(fd);
            return err_set(e, en, "cannot read '%s'", path);
        }
        if (n == 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    buf[got] = 0;
    *data = buf;
    *len = got;
    return 0;
}

uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Debian 12's headers predate it (Linux 6.3). */
#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

int memfd_exec(const char *name, unsigned flags)
{
    int fd = memfd_create(name, flags | MFD_EXEC);
    if (fd < 0 && errno == EINVAL)
        fd = memfd_create(name, flags);
    return fd;
}

int mkdir_parents(const char *path, mode_t mode, char *failed)
{
    size_t len = strlen(path);
    if (len == 0 || len >= PATH_MAX) {
        snprintf(failed, PATH_MAX, "%s", path);
        errno = len ? ENAMETOOLONG : ENOENT;
        return -1;
    }
    memcpy(failed, path, len + 1);
    for (char *p = failed + 1;; p++) {
        if (*p != '/' && *p)
            continue;
        char c = *p;
        *p = 0;
        if (mkdir(failed, mode) < 0 && errno != EEXIST)
            return -1;
        *p = c;
        if (!c)
            return 0;
    }
}

/* All n bytes of p through put (write or send), resumed after short
 * writes and EINTR; a put of nothing is an error (EIO). */
static int put_all(ssize_t (*put)(int, const void *, size_t), int fd,
                   const void *p, size_t n)
{
    const char *c = p;
    while (n) {
        ssize_t w = put(fd, c, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            if (w == 0)
                errno = EIO;
            return -1;
        }
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

int write_all(int fd, const void *p, size_t n)
{
    return put_all(write, fd, p, n);
}

static ssize_t send_nosignal(int fd, const void *p, size_t n)
{
    return send(fd, p, n, MSG_NOSIGNAL);
}

int send_all(int fd, const void *p, size_t n)
{
    return put_all(send_nosignal, fd, p, n);
}

bool all_zero(const void *p, size_t n)
{
    const uint8_t *b = p;
    return n == 0 || (b[0] == 0 && !memcmp(b, b + 1, n - 1));
}
