/* The target's side of a live migration (incoming.h). */
#include "vm/migrate/incoming.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "base/err.h"
#include "base/rec.h"
#include "vm/machine.h"
#include "vm/migrate/pages.h"
#include "vm/migrate/uri.h"
#include "vm/riscv/virtio_slots.h"
#include "vm/snapshot/config_rec.h"

static int accept_one(const char *uri, struct err *e)
{
    int lfd = migrate_listen(uri, e);
    if (lfd < 0)
        return -1;
    fprintf(stderr, "cella: waiting for a migration on %s\n", uri);
    int fd;
    do
        fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
    while (fd < 0 && errno == EINTR);
    int en = errno;
    close(lfd);
    if (!strncmp(uri, "unix:", 5))
        unlink(uri + 5);
    if (fd < 0)
        return err_set(e, en, "%s: cannot accept", uri);
    /* The hand-over's small answers go out at once (a unix socket
     * refuses the option, and needs none). */
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

int incoming_accept(struct incoming *in, const char *uri, struct err *e)
{
    *in = (struct incoming){.fd = -1};
    in->fd = accept_one(uri, e);
    if (in->fd < 0)
        return -1;
    if (stream_recv_header(in->fd, e) < 0 || frame_recv(in->fd, &in->f, e) < 0)
        return -1;
    if (in->f.type != FRAME_CONFIG)
        return err_set(e, 0, "the stream does not begin with the machine's "
                       "config (a frame of type %u)", in->f.type);
    struct rec_in r;
    rec_in_init(&r, in->f.buf, in->f.len);
    if (config_rec_load(&r, &in->cfg, e) < 0)
        return -1;
    if (r.off != r.len)
        return err_set(e, 0, "records past the machine's config");
    return 0;
}

static int load_state(struct incoming *in, struct machine *m, struct err *e)
{
    struct rec_in r;
    rec_in_init(&r, in->f.buf, in->f.len);
    if (board_load(m, &r, e) < 0)
        return -1;
    if (r.off != r.len)
        return err_set(e, 0, "records past the machine's");
    return 0;
}

/* RAM and state, up to END. */
static int receive(struct incoming *in, struct machine *m, struct err *e)
{
    bool state = false;
    for (;;) {
        if (frame_recv(in->fd, &in->f, e) < 0)
            return -1;
        switch (in->f.type) {
        case FRAME_PAGES:
            if (state)
                break;
            if (pages_apply(in->f.buf, in->f.len, m->bus.ram,
                            m->bus.ram_size / PAGE_SIZE, m->ram_fd, e) < 0)
                return -1;
            continue;
        case FRAME_SYNC:
            if (state || frame_send(in->fd, FRAME_SYNCED, NULL, 0, e) < 0)
                break;
            continue;
        case FRAME_STATE:
            if (state)
                break;
            if (load_state(in, m, e) < 0)
                return -1;
            state = true;
            continue;
        case FRAME_END:
            if (!state)
                break;
            return 0;
        }
        return err_set(e, 0, "a frame of type %u out of place",
                       in->f.type);
    }
}

static int send_ready(struct incoming *in, struct err *e)
{
    if (frame_send(in->fd, FRAME_READY, NULL, 0, e) < 0)
        return err_prefix(e, "the source ended the migration before the "
                          "hand-over");
    return 0;
}

/* The source's GO, after READY: a source that ends instead has kept its
 * machine. */
static int await_go(struct incoming *in, struct err *e)
{
    if (frame_recv(in->fd, &in->f, e) < 0)
        return err_prefix(e, "the source ended the migration before the "
                          "hand-over");
    if (in->f.type != FRAME_GO)
        return err_set(e, 0, "a frame of type %u instead of the hand-over",
                       in->f.type);
    return 0;
}

int incoming_receive(struct incoming *in, struct machine *m, struct err *e)
{
    if (receive(in, m, e) < 0 || send_ready(in, e) < 0 ||
        await_go(in, e) < 0 || virtio_devices_claim(m, true, e) < 0) {
        incoming_refuse(in, e);
        return -1;
    }
    return 0;
}

int incoming_running(struct incoming *in, struct err *e)
{
    in->answered = true;
    return frame_send(in->fd, FRAME_RUNNING, NULL, 0, e);
}

/* The line, then what the source still sends read and dropped until it
 * closes (briefly): closing with unread data would reset the connection,
 * and the line could be lost with it. */
void incoming_refuse(struct incoming *in, const struct err *e)
{
    if (in->fd < 0 || in->answered)
        return;
    in->answered = true;
    char line[sizeof e->msg + 64];
    err_format(e, line, sizeof line);
    struct err ignored = {0};
    if (frame_send(in->fd, FRAME_FAILED, line, strlen(line), &ignored) < 0)
        return;
    shutdown(in->fd, SHUT_WR);
    struct timeval tv = {.tv_sec = 2};
    setsockopt(in->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char drop[65536];
    while (read(in->fd, drop, sizeof drop) > 0)
        continue;
}

void incoming_close(struct incoming *in)
{
    if (in->fd >= 0)
        close(in->fd);
    config_rec_free(&in->cfg);
    free(in->f.buf);
    *in = (struct incoming){.fd = -1};
}
