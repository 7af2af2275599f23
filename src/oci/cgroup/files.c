/* Reading and writing cgroupfs files, with errors that name the file and
 * the value ("cgroup: memory.max: write 1k: Device or resource busy"),
 * and the limits whose files are the same on v1 and v2 (cpuset, pids). */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/err.h"
#include "oci/cgroup/internal.h"

char *cg_join(const char *a, const char *b)
{
    size_t la = strlen(a);
    while (la && a[la - 1] == '/')
        la--;
    while (*b == '/')
        b++;
    char *s = malloc(la + strlen(b) + 2);
    if (s)
        sprintf(s, "%.*s%s%s", (int)la, a, *b ? "/" : "", b);
    return s;
}

int cg_write(const char *dir, const char *file, const char *val,
             struct err *e)
{
    char *path = cg_join(dir, file);
    if (!path)
        return err_set(e, ENOMEM, "out of memory");
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    free(path);
    if (fd < 0)
        return err_set(e, errno, "cgroup: %s: open to write %s", file, val);
    size_t len = strlen(val);
    ssize_t w = write(fd, val, len);
    int saved = errno;
    close(fd);
    if (w < 0)
        return err_set(e, saved, "cgroup: %s: write %s", file, val);
    if ((size_t)w != len)
        return err_set(e, 0, "cgroup: %s: write %s: short write", file, val);
    return 0;
}

int cg_writef(const char *dir, const char *file, struct err *e,
              const char *fmt, ...)
{
    char val[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(val, sizeof val, fmt, ap);
    va_end(ap);
    return cg_write(dir, file, val, e);
}

int cg_read(const char *dir, const char *file, char *buf, size_t len,
            struct err *e)
{
    char *path = cg_join(dir, file);
    if (!path)
        return err_set(e, ENOMEM, "out of memory");
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    free(path);
    if (fd < 0)
        return err_set(e, errno, "cgroup: %s: open", file);
    size_t got = 0;
    while (got + 1 < len) {
        ssize_t r = read(fd, buf + got, len - 1 - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int saved = errno;
            close(fd);
            return err_set(e, saved, "cgroup: %s: read", file);
        }
        if (!r)
            break;
        got += r;
    }
    close(fd);
    while (got && buf[got - 1] == '\n')
        got--;
    buf[got] = 0;
    return 0;
}

bool cg_exists(const char *dir, const char *file)
{
    char *path = cg_join(dir, file);
    bool ok = path && access(path, F_OK) == 0;
    free(path);
    return ok;
}

int cg_slurp(const char *path, char **out, size_t *len, struct err *e)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return err_set(e, errno, "cgroup: %s: open", path);
    size_t cap = 4096, got = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (buf && got + 1 == cap) {
            char *bigger = realloc(buf, cap *= 2);
            if (!bigger)
                free(buf);
            buf = bigger;
        }
        if (!buf) {
            close(fd);
            return err_set(e, ENOMEM, "out of memory");
        }
        ssize_t r = read(fd, buf + got, cap - 1 - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int saved = errno;
            free(buf);
            close(fd);
            return err_set(e, saved, "cgroup: %s: read", path);
        }
        if (!r)
            break;
        got += r;
    }
    close(fd);
    buf[got] = 0;
    *out = buf;
    if (len)
        *len = got;
    return 0;
}

int cg_apply_cpuset_pids(const char *ctrl, const char *dir,
                         const struct cg_resources *r, struct err *e)
{
    if (!strcmp(ctrl, "cpuset")) {
        if (r->cpus && cg_write(dir, "cpuset.cpus", r->cpus, e) < 0)
            return -1;
        return r->mems ? cg_write(dir, "cpuset.mems", r->mems, e) : 0;
    }
    if (!r->has_pids_limit)
        return 0;
    if (r->pids_limit < 0)
        return cg_write(dir, "pids.max", "max", e);
    return cg_writef(dir, "pids.max", e, "%lld", (long long)r->pids_limit);
}
