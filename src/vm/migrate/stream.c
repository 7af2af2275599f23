/* Migration stream headers and frames (stream.h) over a socket. */
#include "vm/migrate/stream.h"

#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>
#include <zlib.h>

#include "base/err.h"
#include "base/util.h"

#define MAGIC "CELLAMIG"
#define HEADER_SIZE 16

/* Read n bytes: 0, or -1 with errno set (0 for an end of stream). */
static int read_full(int fd, void *p, size_t n)
{
    uint8_t *b = p;
    while (n) {
        ssize_t r = read(fd, b, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            if (r == 0)
                errno = 0;
            return -1;
        }
        b += r;
        n -= (size_t)r;
    }
    return 0;
}

static int read_failed(struct err *e, const char *what)
{
    if (!errno)
        return err_set(e, 0, "the stream ended inside %s", what);
    if (errno == EAGAIN)        /* the socket's receive timeout */
        return err_set(e, ETIMEDOUT, "no answer in time (%s)", what);
    return err_set(e, errno, "cannot read %s", what);
}

int stream_send_header(int fd, struct err *e)
{
    uint8_t h[HEADER_SIZE] = {0};
    memcpy(h, MAGIC, 8);
    uint32_t v = htole32(MIGRATE_FORMAT);
    memcpy(h + 8, &v, 4);
    if (send_all(fd, h, sizeof h) < 0)
        return err_set(e, errno, "cannot send the stream's header");
    return 0;
}

int stream_recv_header(int fd, struct err *e)
{
    uint8_t h[HEADER_SIZE];
    if (read_full(fd, h, sizeof h) < 0)
        return read_failed(e, "the stream's header");
    if (memcmp(h, MAGIC, 8))
        return err_set(e, 0, "not a cella migration stream");
    uint32_t v;
    memcpy(&v, h + 8, 4);
    v = le32toh(v);
    if (v != MIGRATE_FORMAT)
        return err_set(e, 0, "a migration stream of format %u (this cella "
                       "reads format %u)", v, MIGRATE_FORMAT);
    return 0;
}

int frame_send(int fd, uint32_t type, const void *p, size_t len,
               struct err *e)
{
    uint32_t head[2] = {htole32(type), htole32((uint32_t)len)};
    uLong crc = crc32(0, (const Bytef *)head, sizeof head);
    if (len)
        crc = crc32(crc, p, (uInt)len);
    uint32_t tail = htole32((uint32_t)crc);
    struct iovec iov[3] = {
        {head, sizeof head}, {(void *)p, len}, {&tail, sizeof tail},
    };
    struct msghdr msg = {.msg_iov = iov, .msg_iovlen = 3};
    size_t left = sizeof head + len + sizeof tail;
    while (left) {
        ssize_t w = sendmsg(fd, &msg, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return err_set(e, w < 0 ? errno : EPIPE, "cannot send");
        left -= (size_t)w;
        while (msg.msg_iovlen && (size_t)w >= msg.msg_iov->iov_len) {
            w -= (ssize_t)msg.msg_iov->iov_len;
            msg.msg_iov++;
            msg.msg_iovlen--;
        }
        if (msg.msg_iovlen) {
            msg.msg_iov->iov_base = (uint8_t *)msg.msg_iov->iov_base + w;
            msg.msg_iov->iov_len -= (size_t)w;
        }
    }
    return 0;
}

int frame_recv(int fd, struct frame *f, struct err *e)
{
    uint32_t head[2];
    if (read_full(fd, head, sizeof head) < 0)
        return read_failed(e, "a frame");
    f->type = le32toh(head[0]);
    f->len = le32toh(head[1]);
    if (f->type < FRAME_CONFIG || f->type > FRAME_SYNCED)
        return err_set(e, 0, "a frame of unknown type %u", f->type);
    if (f->len > FRAME_MAX)
        return err_set(e, 0, "a frame of %zu bytes (at most %u)", f->len,
                       FRAME_MAX);
    if (f->len > f->cap) {
        uint8_t *b = realloc(f->buf, f->len);
        if (!b)
            return err_set(e, ENOMEM, "a frame of %zu bytes", f->len);
        f->buf = b;
        f->cap = f->len;
    }
    uint32_t tail;
    if (read_full(fd, f->buf, f->len) < 0 ||
        read_full(fd, &tail, sizeof tail) < 0)
        return read_failed(e, "a frame");
    uLong crc = crc32(0, (const Bytef *)head, sizeof head);
    if (f->len)
        crc = crc32(crc, f->buf, (uInt)f->len);
    if ((uint32_t)crc != le32toh(tail))
        return err_set(e, 0, "a frame of type %u fails its checksum",
                       f->type);
    return 0;
}
