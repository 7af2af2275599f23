/* virtio-console (virtio 1.2, 5.3) with a single port: no multiport, no
 * console size, no emergency write. The transmit queue's readable buffers
 * go from guest RAM straight to the console output (the sink
 * virtio_console_new was given). Input the terminal offers waits
 * in a bounded ring (back pressure when it is full) and is copied into the
 * receive queue's buffers on the I/O thread. */
#include "vm/virtio/console.h"

#include <errno.h>
#include <linux/virtio_ids.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/rec.h"
#include "vm/virtio/mmio.h"

enum { RECEIVEQ = 0, TRANSMITQ = 1 };

#define RX_RING 4096

struct console {
    struct virtio_dev dev;
    console_out_fn *out;
    void *out_opaque;
    /* Input not yet delivered: filled by the terminal's thread, drained
     * on the I/O thread. Kept across device resets, like type-ahead. */
    pthread_mutex_t rx_lock;
    uint8_t rx[RX_RING];
    size_t rx_head, rx_count;
    struct vq_req req;
};

static bool rx_pending(struct console *c)
{
    pthread_mutex_lock(&c->rx_lock);
    bool pending = c->rx_count > 0;
    pthread_mutex_unlock(&c->rx_lock);
    return pending;
}

/* Move as much pending input as fits into one receive chain; returns the
 * bytes written. */
static uint32_t deliver(struct console *c, const struct vq_req *r)
{
    pthread_mutex_lock(&c->rx_lock);
    size_t n = c->rx_count < r->in_len ? c->rx_count : r->in_len;
    size_t first = RX_RING - c->rx_head;    /* up to where the ring wraps */
    if (first > n)
        first = n;
    vq_scatter(r, 0, c->rx + c->rx_head, first);
    vq_scatter(r, first, c->rx, n - first);
    c->rx_head = (c->rx_head + n) % RX_RING;
    c->rx_count -= n;
    pthread_mutex_unlock(&c->rx_lock);
    return (uint32_t)n;
}

/* Receive buffers are taken only while there is input for them; with
 * input left and no buffers, ask to be notified when some arrive. */
static void receive(struct console *c)
{
    struct virtio_dev *d = &c->dev;
    do {
        while (rx_pending(c) && virtio_pop(d, RECEIVEQ, &c->req))
            virtio_push(d, RECEIVEQ, &c->req, deliver(c, &c->req));
    } while (rx_pending(c) && virtio_rearm(d, RECEIVEQ));
}

/* Writable segments of a transmit chain are ignored; nothing is written
 * back. */
static void transmit(struct console *c)
{
    struct virtio_dev *d = &c->dev;
    do {
        while (virtio_pop(d, TRANSMITQ, &c->req)) {
            c->out(c->out_opaque, c->req.iov, c->req.nout);
            virtio_push(d, TRANSMITQ, &c->req, 0);
        }
    } while (virtio_rearm(d, TRANSMITQ));
}

static void console_notify(struct virtio_dev *d, unsigned q)
{
    if (q == RECEIVEQ)
        receive(d->priv);
    else
        transmit(d->priv);
}

static void console_destroy(struct virtio_dev *d)
{
    struct console *c = d->priv;
    virtio_dev_destroy(d);
    pthread_mutex_destroy(&c->rx_lock);
    free(c);
}

/* The device's record, version 1: the input not yet delivered.
 *
 *   rx_count    u32, at most RX_RING
 *   rx          rx_count bytes, the oldest first
 *
 * Output is never held: a transmit chain is written out before it is
 * returned. */
#define STATE_VERSION 1

static void console_save(const struct virtio_dev *d, struct rec_out *o)
{
    struct console *c = d->priv;
    pthread_mutex_lock(&c->rx_lock);
    rec_begin(o, "virtio-console", STATE_VERSION);
    rec_u32(o, (uint32_t)c->rx_count);
    rec_ring(o, c->rx, RX_RING, c->rx_head, c->rx_count);
    rec_end(o);
    pthread_mutex_unlock(&c->rx_lock);
}

static int console_load(struct virtio_dev *d, struct rec_in *in,
                        struct err *e)
{
    struct console *c = d->priv;
    if (rec_open(in, "virtio-console", STATE_VERSION, e) < 0)
        return -1;
    uint32_t count = rec_get_u32(in);
    if (count > RX_RING)
        rec_fail(in, "%u bytes of input (at most %u)", count, RX_RING);
    uint8_t rx[RX_RING];
    rec_get_bytes(in, rx, rec_ok(in) ? count : 0);
    if (rec_close(in, e) < 0)
        return -1;
    pthread_mutex_lock(&c->rx_lock);
    memcpy(c->rx, rx, count);
    c->rx_head = 0;
    c->rx_count = count;
    pthread_mutex_unlock(&c->rx_lock);
    return 0;
}

static const struct virtio_dev_ops console_ops = {
    .name = "virtio-console",
    .device_id = VIRTIO_ID_CONSOLE,
    .nqueues = 2,
    .notify = console_notify,
    .destroy = console_destroy,
    .save = console_save,
    .load = console_load,
};

struct virtio_dev *virtio_console_new(const struct bus *b,
                                      console_out_fn *out, void *opaque,
                                      struct err *e)
{
    struct console *c = calloc(1, sizeof *c);
    if (!c) {
        err_set(e, ENOMEM, "virtio-console: out of memory");
        return NULL;
    }
    c->out = out;
    c->out_opaque = opaque;
    if (virtio_dev_init(&c->dev, &console_ops, c, b, e) < 0) {
        free(c);
        return NULL;
    }
    pthread_mutex_init(&c->rx_lock, NULL);
    return &c->dev;
}

size_t virtio_console_rx(struct virtio_dev *d, const uint8_t *buf,
                         size_t len)
{
    struct console *c = d->priv;
    pthread_mutex_lock(&c->rx_lock);
    size_t n = RX_RING - c->rx_count;
    if (n > len)
        n = len;
    for (size_t i = 0; i < n; i++)
        c->rx[(c->rx_head + c->rx_count + i) % RX_RING] = buf[i];
    c->rx_count += n;
    pthread_mutex_unlock(&c->rx_lock);
    if (n)
        virtio_kick(d, RECEIVEQ);
    return n;
}
