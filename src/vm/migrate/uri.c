/* Migration addresses (uri.h): parsing, listening, connecting. */
#include "vm/migrate/uri.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/err.h"
#include "base/usock.h"

#define CONNECT_S 10

struct addr {
    bool is_unix;
    char host[256], port[16];
    struct sockaddr_un sun;
};

static int parse(const char *uri, struct addr *a, struct err *e)
{
    *a = (struct addr){0};
    if (!strncmp(uri, "unix:", 5)) {
        const char *path = uri + 5;
        if (!*path || strlen(path) >= sizeof a->sun.sun_path)
            return err_set(e, 0, "%s: the socket's path is empty or too "
                           "long", uri);
        a->is_unix = true;
        a->sun.sun_family = AF_UNIX;
        memcpy(a->sun.sun_path, path, strlen(path) + 1);
        return 0;
    }
    if (strncmp(uri, "tcp:", 4))
        return err_set(e, 0, "%s: not tcp:HOST:PORT or unix:PATH", uri);
    const char *h = uri + 4, *colon;
    size_t hl;
    if (*h == '[') {
        const char *close = strchr(h, ']');
        if (!close || close[1] != ':')
            return err_set(e, 0, "%s: not tcp:[ADDRESS]:PORT", uri);
        h++;
        hl = (size_t)(close - h);
        colon = close + 1;
    } else {
        colon = strrchr(h, ':');
        if (!colon)
            return err_set(e, 0, "%s: not tcp:HOST:PORT", uri);
        hl = (size_t)(colon - h);
    }
    const char *port = colon + 1;
    char *end;
    long p = strtol(port, &end, 10);
    if (!hl || hl >= sizeof a->host || !*port || *end || p < 1 || p > 65535)
        return err_set(e, 0, "%s: not tcp:HOST:PORT (a port 1-65535)", uri);
    memcpy(a->host, h, hl);
    snprintf(a->port, sizeof a->port, "%ld", p);
    return 0;
}

int migrate_uri_check(const char *uri, struct err *e)
{
    struct addr a;
    return parse(uri, &a, e);
}

/* The TCP addresses of a, for listening (passive) or connecting. */
static struct addrinfo *resolve(const struct addr *a, bool passive,
                                const char *uri, struct err *e)
{
    struct addrinfo hints = {
        .ai_socktype = SOCK_STREAM,
        .ai_flags = passive ? AI_PASSIVE : 0,
    }, *res;
    int r = getaddrinfo(a->host, a->port, &hints, &res);
    if (r) {
        err_set(e, 0, "%s: %s", uri, gai_strerror(r));
        return NULL;
    }
    return res;
}

int migrate_listen(const char *uri, struct err *e)
{
    struct addr a;
    if (parse(uri, &a, e) < 0)
        return -1;
    if (a.is_unix)
        return usock_listen(a.sun.sun_path, 1, "unix:", e);
    struct addrinfo *res = resolve(&a, true, uri, e);
    if (!res)
        return -1;
    int fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1, en = errno;
    if (fd >= 0) {
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (bind(fd, res->ai_addr, res->ai_addrlen) < 0 || listen(fd, 1) < 0) {
            en = errno;
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    if (fd < 0)
        return err_set(e, en, "%s: cannot listen", uri);
    return fd;
}

int migrate_connect(const char *uri, struct err *e)
{
    struct addr a;
    if (parse(uri, &a, e) < 0)
        return -1;
    if (a.is_unix) {
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
            return err_set(e, errno, "%s: cannot make a socket", uri);
        if (connect(fd, (const struct sockaddr *)&a.sun, sizeof a.sun) < 0) {
            int en = errno;
            close(fd);
            return err_set(e, en, "%s: cannot connect", uri);
        }
        return fd;
    }
    struct addrinfo *res = resolve(&a, false, uri, e);
    if (!res)
        return -1;
    /* A host that does not answer: connect gives up after CONNECT_S (the
     * send timeout bounds it), not the kernel's minutes. */
    struct timeval limit = {.tv_sec = CONNECT_S}, none = {0};
    int fd = -1, en = 0;
    for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
        fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            en = errno;
            continue;
        }
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
            en = errno == EINPROGRESS ? ETIMEDOUT : errno;
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    if (fd < 0)
        return err_set(e, en, "%s: cannot connect", uri);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &none, sizeof none);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}
