/* Size and integer parsing, file reading, clocks. */
#include "base/util.h"
#include "base/err.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
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
    uint8_t *buf = malloc(st.st_size ? (size_t)st.st_size : 1);
    if (!buf) {
        close(fd);
        return err_set(e, ENOMEM, "cannot read '%s'", path);
    }
    size_t got = 0;
    while (got < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            int en = n < 0 ? errno : 0;
            free(buf);
            close(fd);
            return err_set(e, en, "cannot read '%s'", path);
        }
        got += (size_t)n;
    }
    close(fd);
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
