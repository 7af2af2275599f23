/* Unix stream sockets at a path (usock.h). */
#include "base/usock.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/err.h"

int usock_addr(const char *path, struct sockaddr_un *a, const char *prefix,
               struct err *e)
{
    size_t n = strlen(path);
    if (n >= sizeof a->sun_path)
        return err_set(e, 0, "%s%s: path too long (at most %zu bytes)",
                       prefix, path, sizeof a->sun_path - 1);
    memset(a, 0, sizeof *a);
    a->sun_family = AF_UNIX;
    memcpy(a->sun_path, path, n + 1);
    return 0;
}

/* Whether something accepts connections at a. */
static bool listened(const struct sockaddr_un *a)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return false;
    bool yes = connect(fd, (const struct sockaddr *)a, sizeof *a) == 0;
    close(fd);
    return yes;
}

int usock_listen(const char *path, int backlog, const char *prefix,
                 struct err *e)
{
    struct sockaddr_un a;
    if (usock_addr(path, &a, prefix, e) < 0)
        return -1;
    struct stat st;
    if (lstat(path, &st) == 0) {
        if (!S_ISSOCK(st.st_mode))
            return err_set(e, 0, "%s%s: exists and is not a socket", prefix,
                           path);
        if (listened(&a))
            return err_set(e, 0, "%s%s: a machine already listens there",
                           prefix, path);
        if (unlink(path) < 0)
            return err_set(e, errno, "%s%s: cannot remove the stale socket",
                           prefix, path);
    }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return err_set(e, errno, "%s%s: cannot make a socket", prefix, path);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0 ||
        listen(fd, backlog) < 0) {
        int en = errno;
        close(fd);
        return err_set(e, en, "%s%s", prefix, path);
    }
    return fd;
}
