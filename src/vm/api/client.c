/* One HTTP/1.1 request to the control API and its answer, read whole (up
 * to a limit) until the server closes, then parsed by response.c. */
#include "vm/api/client.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/err.h"
#include "base/usock.h"
#include "base/util.h"

#define MAX_ANSWER (1u << 20)
static int connect_to(const char *path, unsigned timeout_s, struct err *e)
{
    struct sockaddr_un a;
    if (usock_addr(path, &a, "--api ", e) < 0)
        return -1;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return err_set(e, errno, "--api %s: cannot make a socket", path);
    struct timeval tv = {.tv_sec = timeout_s};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
        int en = errno;
        close(fd);
        return err_set(e, 0, "--api %s: no machine listens (%s)", path,
                       strerror(en));
    }
    return fd;
}

/* Everything until the server closes, at most MAX_ANSWER bytes. */
static char *read_all(int fd, size_t *len)
{
    char *buf = malloc(MAX_ANSWER);
    if (!buf)
        return NULL;
    size_t n = 0;
    for (;;) {
        ssize_t r = read(fd, buf + n, MAX_ANSWER - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r > 0 && (n += (size_t)r) == MAX_ANSWER)
            errno = EFBIG;
        if (r < 0 || n == MAX_ANSWER) {
            free(buf);
            return NULL;
        }
        if (r == 0)
            break;
    }
    *len = n;
    return buf;
}

int api_call(const char *path, const char *method, const char *url,
             const char *body, unsigned timeout_s, struct http_response *r,
             char **buf, struct err *e)
{
    int fd = connect_to(path, timeout_s, e);
    if (fd < 0)
        return -1;
    size_t blen = body ? strlen(body) : 0;
    char req[256];
    int n = snprintf(req, sizeof req,
                     "%s %s HTTP/1.1\r\nHost: localhost\r\n"
                     "%sContent-Length: %zu\r\nConnection: close\r\n\r\n",
                     method, url,
                     body ? "Content-Type: application/json\r\n" : "", blen);
    if (n < 0 || (size_t)n >= sizeof req || send_all(fd, req, (size_t)n) ||
        send_all(fd, body, blen)) {
        int en = errno;
        close(fd);
        return err_set(e, en, "--api %s: cannot send the request", path);
    }
    size_t len = 0;
    *buf = read_all(fd, &len);
    int en = errno;
    close(fd);
    if (!*buf)
        return err_set(e, en, "--api %s: no whole answer", path);
    const char *why;
    if (http_response_parse(*buf, len, r, &why) < 0) {
        free(*buf);
        return err_set(e, 0, "--api %s: %s", path, why);
    }
    return 0;
}
