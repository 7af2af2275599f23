/* The home directory of a uid, read from a passwd(5) file by hand: lines
 * of name:password:uid:gid:gecos:home:shell. */
#include "oci/passwd.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Field n (0-based) of a colon-separated line, its length in *flen. */
static const char *field(const char *line, int n, size_t *flen)
{
    for (; n > 0; n--) {
        line = strchr(line, ':');
        if (!line)
            return NULL;
        line++;
    }
    *flen = strcspn(line, ":\n");
    return line;
}

static int line_uid(const char *line, uid_t *uid)
{
    size_t n;
    const char *f = field(line, 2, &n);
    if (!f || n == 0 || n > 10)
        return -1;
    char num[11], *end;
    memcpy(num, f, n);
    num[n] = 0;
    errno = 0;
    unsigned long v = strtoul(num, &end, 10);
    if (errno || *end || num[0] < '0' || num[0] > '9' || v > (uid_t)-1)
        return -1;
    *uid = (uid_t)v;
    return 0;
}

int passwd_home(const char *path, uid_t uid, char *home, size_t len)
{
    /* O_NONBLOCK: a fifo in the container's place of /etc/passwd must not
     * hang the runtime. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    struct stat sb;
    if (fd < 0)
        return -1;
    if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        return -1;
    }
    FILE *f = fdopen(fd, "r");
    if (!f) {
        close(fd);
        return -1;
    }
    char *line = NULL;
    size_t cap = 0;
    int rc = -1;
    while (getline(&line, &cap, f) >= 0) {
        uid_t u;
        size_t n = 0;
        const char *h = field(line, 5, &n);
        if (line_uid(line, &u) < 0 || u != uid || !h)
            continue;
        if (n > 0 && n < len) {
            memcpy(home, h, n);
            home[n] = 0;
            rc = 0;
        }
        break;
    }
    free(line);
    fclose(f);
    return rc;
}
