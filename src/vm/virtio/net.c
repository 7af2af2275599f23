/* virtio-net (virtio 1.2, 5.1): queue 0 receives, queue 1 transmits;
 * every buffer starts with the 12-byte virtio-net header. The only
 * offload is transmit checksumming (VIRTIO_NET_F_CSUM): the guest leaves
 * the sum to us, and the host computes it faster than the guest can.
 * Frames from the back end that find no receive buffer wait in a short
 * backlog until the driver adds buffers; past it they are dropped, as a
 * full NIC would. After a migration it announces its MAC (ops->announce,
 * vm/backend/net_announce.h). Everything runs on the I/O thread. */
#include "vm/virtio/net.h"

#include <errno.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_net.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/rec.h"
#include "vm/backend/net.h"
#include "vm/backend/net_announce.h"
#include "vm/backend/net_opts.h"
#include "vm/virtio/mmio.h"

#define RXQ 0
#define TXQ 1
#define HDR_LEN sizeof(struct virtio_net_hdr_v1)
#define BACKLOG 64
#define FRAME_MAX 65536

struct frame {
    size_t len;
    uint8_t data[];
};

struct net {
    struct virtio_dev dev;
    struct net_backend *backend;
    struct net_announce *announce;  /* NULL without an I/O thread */
    bool in_notify;             /* the I/O thread holds the device lock */
    struct frame *backlog[BACKLOG];
    unsigned head, count;
    /* Apart: a transmit can deliver a frame before it finishes. */
    struct vq_req rx_req, tx_req;
    struct iovec slice[VQ_MAX_SEGS];
    uint8_t frame[FRAME_MAX];   /* a transmit whose checksum we finish */
};

/* Into the next receive buffer, behind a header that says: no offloads,
 * one buffer. False when the driver has offered none. */
static bool deliver(struct net *n, const uint8_t *frame, size_t len)
{
    struct virtio_dev *d = &n->dev;
    if (!virtio_pop(d, RXQ, &n->rx_req))
        return false;
    struct virtio_net_hdr_v1 h = { .num_buffers = 1 };
    size_t put = vq_scatter(&n->rx_req, 0, &h, HDR_LEN);
    if (put == HDR_LEN)
        put += vq_scatter(&n->rx_req, HDR_LEN, frame, len);
    /* A buffer too small for the frame gets nothing (no partial frames). */
    virtio_push(d, RXQ, &n->rx_req,
                put == HDR_LEN + len ? (uint32_t)put : 0);
    return true;
}

static void drain_backlog(struct net *n)
{
    while (n->count) {
        struct frame *f = n->backlog[n->head];
        if (!deliver(n, f->data, f->len))
            return;
        free(f);
        n->head = (n->head + 1) % BACKLOG;
        n->count--;
    }
}

static void drop_backlog(struct net *n)
{
    while (n->count) {
        free(n->backlog[n->head]);
        n->head = (n->head + 1) % BACKLOG;
        n->count--;
    }
}

/* The back end's receive callback (I/O thread). It also runs from inside
 * a transmit (slirp answers ARP at once), when the lock is already ours. */
static void net_rx(void *opaque, const uint8_t *frame, size_t len)
{
    struct net *n = opaque;
    bool lock = !n->in_notify;
    if (lock)
        pthread_mutex_lock(&n->dev.lock);
    if (virtio_running(&n->dev) && len <= FRAME_MAX) {
        drain_backlog(n);
        if (n->count || !deliver(n, frame, len)) {
            struct frame *f = n->count < BACKLOG ? malloc(sizeof *f + len)
                                                 : NULL;
            if (f) {
                f->len = len;
                memcpy(f->data, frame, len);
                n->backlog[(n->head + n->count++) % BACKLOG] = f;
            }
        }
    }
    if (lock)
        pthread_mutex_unlock(&n->dev.lock);
}

/* The Internet checksum (RFC 1071) of buf, folded, not complemented. */
static uint16_t sum16(const uint8_t *buf, size_t len)
{
    uint64_t sum = 0;
    for (size_t i = 0; i + 1 < len; i += 2)
        sum += (uint32_t)buf[i] << 8 | buf[i + 1];
    if (len & 1)
        sum += (uint32_t)buf[len - 1] << 8;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)sum;
}

/* NEEDS_CSUM: the field at csum_start + csum_offset holds the pseudo-
 * header sum; the sum from csum_start to the end goes there. A zero
 * result is sent as 0xffff (the same value in ones' complement, and the
 * only form UDP allows). False when the offsets do not fit the frame. */
static bool finish_checksum(uint8_t *f, size_t len,
                            const struct virtio_net_hdr_v1 *h)
{
    size_t start = h->csum_start, at = start + h->csum_offset;
    if (start >= len || at + 2 > len)
        return false;
    uint16_t c = (uint16_t)~sum16(f + start, len - start);
    if (c == 0)
        c = 0xffff;
    f[at] = (uint8_t)(c >> 8);
    f[at + 1] = (uint8_t)c;
    return true;
}

static void send_one(struct net *n, const struct vq_req *r)
{
    struct virtio_net_hdr_v1 h;
    size_t len = r->out_len - HDR_LEN;
    if (r->out_len <= HDR_LEN || len > FRAME_MAX ||
        vq_gather(r, 0, &h, HDR_LEN) != HDR_LEN)
        return;
    if (h.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
        vq_gather(r, HDR_LEN, n->frame, len);
        if (finish_checksum(n->frame, len, &h)) {
            struct iovec v = { n->frame, len };
            net_backend_send(n->backend, &v, 1);
        }
        return;
    }
    size_t got;
    unsigned cnt = vq_slice(r, false, HDR_LEN, len, n->slice, &got);
    net_backend_send(n->backend, n->slice, (int)cnt);
}

static void transmit(struct net *n)
{
    struct virtio_dev *d = &n->dev;
    do {
        while (virtio_pop(d, TXQ, &n->tx_req)) {
            send_one(n, &n->tx_req);
            virtio_push(d, TXQ, &n->tx_req, 0);
        }
    } while (virtio_rearm(d, TXQ));
}

static void net_notify(struct virtio_dev *d, unsigned q)
{
    struct net *n = d->priv;
    n->in_notify = true;
    if (q == TXQ)
        transmit(n);
    else
        drain_backlog(n);
    n->in_notify = false;
}

static void net_reset(struct virtio_dev *d)
{
    drop_backlog(d->priv);
}

static void net_destroy(struct virtio_dev *d)
{
    struct net *n = d->priv;
    net_announce_free(n->announce);
    net_backend_free(n->backend);
    drop_backlog(n);
    virtio_dev_destroy(d);
    free(n);
}

/* The device's record, version 2: the backlog, frames from the back end
 * not yet delivered to the guest, then the back end's part.
 *
 *   count       u32, at most BACKLOG
 *   each frame  len u32 (at most FRAME_MAX), then len bytes; oldest first
 *   back end    net_backend_save's fields (vm/backend/net.h): its kind,
 *               and user networking's libslirp state
 *
 * Version 1 (before the back end's part) still loads: user networking
 * then starts afresh, as it did. */
#define STATE_VERSION 2

static void net_save(const struct virtio_dev *d, struct rec_out *o)
{
    const struct net *n = d->priv;
    rec_begin(o, "virtio-net", STATE_VERSION);
    rec_u32(o, n->count);
    for (unsigned i = 0; i < n->count; i++) {
        const struct frame *f = n->backlog[(n->head + i) % BACKLOG];
        rec_u32(o, (uint32_t)f->len);
        rec_bytes(o, f->data, f->len);
    }
    net_backend_save(n->backend, o);
    rec_end(o);
}

static int net_load(struct virtio_dev *d, struct rec_in *in, struct err *e)
{
    struct net *n = d->priv;
    int version = rec_open(in, "virtio-net", STATE_VERSION, e);
    if (version < 0)
        return -1;
    struct frame *backlog[BACKLOG];
    uint32_t count = rec_get_u32(in);
    if (count > BACKLOG)
        rec_fail(in, "%u frames waiting (at most %u)", count, BACKLOG);
    unsigned got = 0;
    while (rec_ok(in) && got < count) {
        uint32_t len = rec_get_u32(in);
        struct frame *f = NULL;
        if (len > FRAME_MAX)
            rec_fail(in, "a frame of %u bytes (at most %u)", len, FRAME_MAX);
        else if (rec_ok(in) && !(f = malloc(sizeof *f + len)))
            rec_fail(in, "out of memory");
        if (!f)
            break;
        f->len = len;
        rec_get_bytes(in, f->data, len);
        backlog[got++] = f;
    }
    if (version >= 2 && rec_ok(in))
        net_backend_load(n->backend, in);
    int r = rec_close(in, e);
    if (r == 0) {
        drop_backlog(n);
        memcpy(n->backlog, backlog, got * sizeof backlog[0]);
        n->head = 0;
        n->count = got;
    } else {
        while (got)
            free(backlog[--got]);
    }
    return r;
}

static void net_self_announce(struct virtio_dev *d)
{
    struct net *n = d->priv;
    if (n->announce)
        net_announce_start(n->announce);
}

static const struct virtio_dev_ops net_ops = {
    .name = "virtio-net",
    .device_id = VIRTIO_ID_NET,
    .features = (1ull << VIRTIO_NET_F_MAC) | (1ull << VIRTIO_NET_F_STATUS) |
                (1ull << VIRTIO_NET_F_MTU) | (1ull << VIRTIO_NET_F_CSUM),
    .nqueues = 2,
    .notify = net_notify,
    .reset = net_reset,
    .destroy = net_destroy,
    .save = net_save,
    .load = net_load,
    .announce = net_self_announce,
};

struct virtio_dev *virtio_net_new(const struct bus *b, struct iothread *io,
                                  const char *arg, unsigned index,
                                  net_backend_new_fn *new_backend,
                                  struct err *e)
{
    struct net_opts o;
    if (net_opts_parse(arg, &o, e) < 0)
        return NULL;
    struct net *n = calloc(1, sizeof *n);
    if (!n) {
        err_set(e, ENOMEM, "virtio-net: out of memory");
        return NULL;
    }
    if (virtio_dev_init(&n->dev, &net_ops, n, b, e) < 0) {
        free(n);
        return NULL;
    }
    n->backend = new_backend(&o, io, net_rx, n, e);
    if (!n->backend) {
        virtio_dev_destroy(&n->dev);
        free(n);
        return NULL;
    }
    struct virtio_net_config c = {
        .status = VIRTIO_NET_S_LINK_UP,
        .mtu = (uint16_t)net_backend_mtu(n->backend),
    };
    static const uint8_t base_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
    memcpy(c.mac, o.mac_set ? o.mac : base_mac, sizeof c.mac);
    if (!o.mac_set)
        c.mac[5] = (uint8_t)(c.mac[5] + index);
    if (io && !(n->announce = net_announce_new(io, n->backend, c.mac, e))) {
        net_backend_free(n->backend);
        virtio_dev_destroy(&n->dev);
        free(n);
        return NULL;
    }
    memcpy(n->dev.config, &c, sizeof c);
    n->dev.config_len = sizeof c;
    return &n->dev;
}
