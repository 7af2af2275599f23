/* virtio-mmio registers, feature negotiation, status and reset, queue
 * set-up, notifications to the I/O thread and the interrupt line. */
#include "vm/virtio/mmio.h"

#include <errno.h>
#include <inttypes.h>
#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "base/err.h"
#include "base/rec.h"
#include "vm/iothread.h"
#include "vm/bus.h"

#define MAGIC 0x74726976u       /* "virt" */
#define VENDOR_ID 0x414c4543u   /* "CELA" */

/* What the transport offers on top of every device's own features. */
#define TRANSPORT_FEATURES                                          \
    ((1ull << VIRTIO_F_VERSION_1) | (1ull << VIRTIO_RING_F_INDIRECT_DESC) | \
     (1ull << VIRTIO_RING_F_EVENT_IDX))

static uint64_t offered(const struct virtio_dev *d)
{
    return d->features | TRANSPORT_FEATURES;
}

static void set_isr(struct virtio_dev *d, uint32_t bits)
{
    pthread_mutex_lock(&d->irq_lock);
    bool was = d->isr != 0;
    d->isr |= bits;
    if (!was && d->irq.set)
        irq_line_set(&d->irq, true);
    pthread_mutex_unlock(&d->irq_lock);
}

static void ack_isr(struct virtio_dev *d, uint32_t bits)
{
    pthread_mutex_lock(&d->irq_lock);
    bool was = d->isr != 0;
    d->isr &= ~bits;
    if (was && !d->isr && d->irq.set)
        irq_line_set(&d->irq, false);
    pthread_mutex_unlock(&d->irq_lock);
}

static void reset(struct virtio_dev *d)
{
    d->status = 0;
    d->driver_features = 0;
    d->dev_features_sel = d->drv_features_sel = d->queue_sel = 0;
    d->broken = false;
    for (unsigned q = 0; q < VIRTIO_MAX_QUEUES; q++)
        vq_reset(&d->vqs[q]);
    atomic_store(&d->kicked, 0);
    ack_isr(d, ~0u);
    if (d->ops->reset)
        d->ops->reset(d);
}

/* One warning per reset: the guest may keep poking a broken queue. */
static void set_broken(struct virtio_dev *d, unsigned q, const char *why)
{
    if (d->broken)
        return;
    d->broken = true;
    fprintf(stderr, "cella: %s at %#" PRIx64 ": %s (queue %u); device needs "
            "reset\n", d->ops->name, d->base, why, q);
    d->status |= VIRTIO_CONFIG_S_NEEDS_RESET;
    set_isr(d, VIRTIO_MMIO_INT_CONFIG);
}

bool virtio_running(const struct virtio_dev *d)
{
    return (d->status & VIRTIO_CONFIG_S_DRIVER_OK) && !d->broken;
}

bool virtio_pop(struct virtio_dev *d, unsigned q, struct vq_req *r)
{
    if (!virtio_running(d))
        return false;
    const char *why = "";
    int got = vq_pop(&d->vqs[q], d->bus, r, &why);
    if (got < 0)
        set_broken(d, q, why);
    return got > 0;
}

/* The used ring, which vq_push and vq_arm_notify write. */
static void used_dirty(struct virtio_dev *d, unsigned q)
{
    struct vq *v = &d->vqs[q];
    if (v->used)
        bus_mark_dirty(d->bus, v->used, 6 + 8 * (size_t)v->num);
}

void virtio_push(struct virtio_dev *d, unsigned q, const struct vq_req *r,
                 uint32_t written)
{
    for (unsigned i = r->nout; i < r->nout + r->nin; i++)
        bus_mark_dirty(d->bus, r->iov[i].iov_base, r->iov[i].iov_len);
    vq_push(&d->vqs[q], r->head, written);
    used_dirty(d, q);
    if (vq_should_interrupt(&d->vqs[q]))
        set_isr(d, VIRTIO_MMIO_INT_VRING);
}

bool virtio_rearm(struct virtio_dev *d, unsigned q)
{
    if (!virtio_running(d))
        return false;
    bool more = vq_arm_notify(&d->vqs[q]);
    used_dirty(d, q);
    return more;
}

void virtio_config_changed(struct virtio_dev *d)
{
    d->config_generation++;
    if (d->status & VIRTIO_CONFIG_S_DRIVER_OK)
        set_isr(d, VIRTIO_MMIO_INT_CONFIG);
}

void virtio_kick(struct virtio_dev *d, unsigned q)
{
    atomic_fetch_or(&d->kicked, 1u << q);
    uint64_t one = 1;
    if (write(d->kick_fd, &one, sizeof one) < 0) {
        /* Only EAGAIN is possible (counter full): a wake-up is pending. */
    }
}

void virtio_process(struct virtio_dev *d)
{
    uint64_t count;
    if (read(d->kick_fd, &count, sizeof count) < 0) {
        /* EAGAIN: no new kick; the bits below still say what to do. */
    }
    unsigned kicked = atomic_exchange(&d->kicked, 0);
    pthread_mutex_lock(&d->lock);
    for (unsigned q = 0; q < d->ops->nqueues; q++)
        if ((kicked & (1u << q)) && d->vqs[q].ready && virtio_running(d))
            d->ops->notify(d, q);
    pthread_mutex_unlock(&d->lock);
}

static void io_kicked(void *opaque)
{
    virtio_process(opaque);
}

/* Work the driver may have asked for without a notification being seen:
 * notifies before DRIVER_OK, or before the state was saved. A queue
 * without work takes none. */
static void kick_all(struct virtio_dev *d)
{
    for (unsigned q = 0; q < d->ops->nqueues; q++)
        virtio_kick(d, q);
}

/* What the driver may have agreed to: a subset of what we offer that
 * includes VERSION_1 (we have no legacy interface). */
static bool features_acceptable(const struct virtio_dev *d, uint64_t f)
{
    return !(f & ~offered(d)) && (f & (1ull << VIRTIO_F_VERSION_1));
}

/* FEATURES_OK holds only for features_acceptable. */
static void write_status(struct virtio_dev *d, uint32_t val)
{
    if (val == 0) {
        reset(d);
        return;
    }
    bool was_ok = d->status & VIRTIO_CONFIG_S_DRIVER_OK;
    if ((val & VIRTIO_CONFIG_S_FEATURES_OK) &&
        !(d->status & VIRTIO_CONFIG_S_FEATURES_OK) &&
        !features_acceptable(d, d->driver_features))
        val &= ~VIRTIO_CONFIG_S_FEATURES_OK;
    d->status = (val & 0xff) | (d->status & VIRTIO_CONFIG_S_NEEDS_RESET);
    if (!was_ok && (d->status & VIRTIO_CONFIG_S_DRIVER_OK))
        kick_all(d);
}

static void write_queue_ready(struct virtio_dev *d, struct vq *q, unsigned qi,
                              uint32_t val)
{
    if (!val) {
        q->ready = false;
        return;
    }
    q->event_idx = d->driver_features & (1ull << VIRTIO_RING_F_EVENT_IDX);
    q->indirect = d->driver_features & (1ull << VIRTIO_RING_F_INDIRECT_DESC);
    if (!vq_enable(q, d->bus))
        set_broken(d, qi, "queue rings outside guest RAM or misaligned");
}

static uint64_t read_config(struct virtio_dev *d, uint64_t off, unsigned size)
{
    uint64_t val = 0;
    if (off + size <= d->config_len)
        memcpy(&val, d->config + off, size);
    return val;
}

static uint32_t read_reg(struct virtio_dev *d, uint64_t off)
{
    struct vq *q = d->queue_sel < d->ops->nqueues ? &d->vqs[d->queue_sel] : 0;
    switch (off) {
    case VIRTIO_MMIO_MAGIC_VALUE: return MAGIC;
    case VIRTIO_MMIO_VERSION: return 2;
    case VIRTIO_MMIO_DEVICE_ID: return d->ops->device_id;
    case VIRTIO_MMIO_VENDOR_ID: return VENDOR_ID;
    case VIRTIO_MMIO_DEVICE_FEATURES:
        return d->dev_features_sel < 2 ?
               (uint32_t)(offered(d) >> (32 * d->dev_features_sel)) : 0;
    case VIRTIO_MMIO_QUEUE_NUM_MAX: return q ? VQ_MAX_SIZE : 0;
    case VIRTIO_MMIO_QUEUE_READY: return q && q->ready;
    case VIRTIO_MMIO_INTERRUPT_STATUS: {
        pthread_mutex_lock(&d->irq_lock);
        uint32_t isr = d->isr;
        pthread_mutex_unlock(&d->irq_lock);
        return isr;
    }
    case VIRTIO_MMIO_STATUS: return d->status;
    case VIRTIO_MMIO_CONFIG_GENERATION: return d->config_generation;
    default: return 0;
    }
}

/* Queue addresses are written in 32-bit halves. */
static void set_half(uint64_t *addr, bool high, uint32_t val)
{
    *addr = high ? (*addr & 0xffffffffull) | (uint64_t)val << 32
                 : (*addr & ~0xffffffffull) | val;
}

static void write_reg(struct virtio_dev *d, uint64_t off, uint32_t val)
{
    struct vq *q = d->queue_sel < d->ops->nqueues ? &d->vqs[d->queue_sel] : 0;
    switch (off) {
    case VIRTIO_MMIO_DEVICE_FEATURES_SEL: d->dev_features_sel = val; return;
    case VIRTIO_MMIO_DRIVER_FEATURES_SEL: d->drv_features_sel = val; return;
    case VIRTIO_MMIO_DRIVER_FEATURES:
        if (d->drv_features_sel < 2 &&
            !(d->status & VIRTIO_CONFIG_S_FEATURES_OK))
            set_half(&d->driver_features, d->drv_features_sel, val);
        return;
    case VIRTIO_MMIO_QUEUE_SEL: d->queue_sel = val; return;
    case VIRTIO_MMIO_STATUS: write_status(d, val); return;
    }
    if (!q || q->ready)     /* a live queue's set-up is read-only */
        return;
    switch (off) {
    case VIRTIO_MMIO_QUEUE_NUM: q->num = (uint16_t)val; return;
    case VIRTIO_MMIO_QUEUE_READY:
        write_queue_ready(d, q, d->queue_sel, val);
        return;
    case VIRTIO_MMIO_QUEUE_DESC_LOW:
    case VIRTIO_MMIO_QUEUE_DESC_HIGH:
        set_half(&q->desc_gpa, off == VIRTIO_MMIO_QUEUE_DESC_HIGH, val);
        return;
    case VIRTIO_MMIO_QUEUE_AVAIL_LOW:
    case VIRTIO_MMIO_QUEUE_AVAIL_HIGH:
        set_half(&q->avail_gpa, off == VIRTIO_MMIO_QUEUE_AVAIL_HIGH, val);
        return;
    case VIRTIO_MMIO_QUEUE_USED_LOW:
    case VIRTIO_MMIO_QUEUE_USED_HIGH:
        set_half(&q->used_gpa, off == VIRTIO_MMIO_QUEUE_USED_HIGH, val);
        return;
    }
}

/* Registers are naturally aligned 32-bit accesses; config space takes any
 * size. Notify and interrupt acknowledge skip the device lock, so a vCPU
 * never waits for the I/O thread to finish a request. */
void virtio_counters(struct virtio_dev *d, uint64_t *requests,
                     uint64_t *bytes)
{
    *requests = *bytes = 0;
    for (unsigned q = 0; q < d->ops->nqueues; q++) {
        *requests += atomic_load_explicit(&d->vqs[q].taken,
                                          memory_order_relaxed);
        *bytes += atomic_load_explicit(&d->vqs[q].taken_bytes,
                                       memory_order_relaxed);
    }
}

uint64_t virtio_mmio_read(void *dev, uint64_t off, unsigned size)
{
    struct virtio_dev *d = dev;
    uint64_t val = 0;
    pthread_mutex_lock(&d->lock);
    if (off >= VIRTIO_MMIO_CONFIG)
        val = read_config(d, off - VIRTIO_MMIO_CONFIG, size);
    else if (size == 4 && off % 4 == 0)
        val = read_reg(d, off);
    pthread_mutex_unlock(&d->lock);
    return val;
}

void virtio_mmio_write(void *dev, uint64_t off, uint64_t val, unsigned size)
{
    struct virtio_dev *d = dev;
    if (off == VIRTIO_MMIO_QUEUE_NOTIFY && size == 4) {
        if (val < d->ops->nqueues)
            virtio_kick(d, (unsigned)val);
        return;
    }
    if (off == VIRTIO_MMIO_INTERRUPT_ACK && size == 4) {
        ack_isr(d, (uint32_t)val);
        return;
    }
    pthread_mutex_lock(&d->lock);
    if (off >= VIRTIO_MMIO_CONFIG) {
        if (d->ops->config_write && off - VIRTIO_MMIO_CONFIG + size <=
                                    d->config_len)
            d->ops->config_write(d, off - VIRTIO_MMIO_CONFIG, val, size);
    } else if (size == 4 && off % 4 == 0) {
        write_reg(d, off, (uint32_t)val);
    }
    pthread_mutex_unlock(&d->lock);
}

int virtio_dev_init(struct virtio_dev *d, const struct virtio_dev_ops *ops,
                    void *priv, const struct bus *bus, struct err *e)
{
    memset(d, 0, sizeof *d);
    d->ops = ops;
    d->priv = priv;
    d->bus = bus;
    d->features = ops->features;
    d->kick_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (d->kick_fd < 0)
        return err_set(e, errno, "%s: cannot create an eventfd", ops->name);
    pthread_mutex_init(&d->lock, NULL);
    pthread_mutex_init(&d->irq_lock, NULL);
    for (unsigned q = 0; q < VIRTIO_MAX_QUEUES; q++)
        vq_reset(&d->vqs[q]);
    return 0;
}

void virtio_dev_destroy(struct virtio_dev *d)
{
    close(d->kick_fd);
    pthread_mutex_destroy(&d->lock);
    pthread_mutex_destroy(&d->irq_lock);
}

int virtio_mmio_attach(struct virtio_dev *d, struct bus *bus,
                       struct iothread *io, uint64_t base, uint64_t size,
                       struct irq_line irq, struct err *e)
{
    d->base = base;
    d->irq = irq;
    if (iothread_add_fd(io, d->kick_fd, io_kicked, d, e) < 0)
        return -1;
    struct mmio_dev md = {
        .name = d->ops->name,
        .base = base,
        .size = size,
        .read = virtio_mmio_read,
        .write = virtio_mmio_write,
        .opaque = d,
    };
    bus_add(bus, &md);
    return 0;
}

/* The state record, version 1:
 *
 *   device_id               u32: must be this device's
 *   offered                 u64: the features offered; must be this one's
 *   status                  u32
 *   driver_features         u64
 *   dev_features_sel, drv_features_sel, queue_sel,
 *   config_generation       u32 each
 *   config_len              u32, then config_len bytes: must be this
 *                           device's (made with the same options)
 *   broken                  bool
 *   isr                     u32
 *   nqueues                 u32: must be this device's
 *   each queue              vq_save's fields
 *
 * The selectors and queues not ready hold whatever the driver wrote; the
 * rest must be what the registers could have made it. The kicks pending
 * are not saved: loading kicks every queue. */
#define STATE_VERSION 1

void virtio_save(const struct virtio_dev *cd, struct rec_out *o)
{
    /* The locks only: the state is read, not changed. */
    struct virtio_dev *d = (struct virtio_dev *)cd;
    pthread_mutex_lock(&d->lock);
    rec_begin(o, "virtio-mmio", STATE_VERSION);
    rec_u32(o, d->ops->device_id);
    rec_u64(o, offered(d));
    rec_u32(o, d->status);
    rec_u64(o, d->driver_features);
    rec_u32(o, d->dev_features_sel);
    rec_u32(o, d->drv_features_sel);
    rec_u32(o, d->queue_sel);
    rec_u32(o, d->config_generation);
    rec_u32(o, d->config_len);
    rec_bytes(o, d->config, d->config_len);
    rec_bool(o, d->broken);
    pthread_mutex_lock(&d->irq_lock);
    rec_u32(o, d->isr);
    pthread_mutex_unlock(&d->irq_lock);
    rec_u32(o, d->ops->nqueues);
    for (unsigned q = 0; q < d->ops->nqueues; q++)
        vq_save(&d->vqs[q], o);
    rec_end(o);
    if (d->ops->save)
        d->ops->save(d, o);
    pthread_mutex_unlock(&d->lock);
}

/* Into n, a copy: d changes only once the device's record is good too. */
static int read_state(const struct virtio_dev *d, struct virtio_dev *n,
                      struct rec_in *in, struct err *e)
{
    if (rec_open(in, "virtio-mmio", STATE_VERSION, e) < 0)
        return -1;
    uint32_t id = rec_get_u32(in);
    if (id != d->ops->device_id)
        rec_fail(in, "device id %u, this is %s (%u)", id, d->ops->name,
                 d->ops->device_id);
    uint64_t features = rec_get_u64(in);
    if (features != offered(d))
        rec_fail(in, "features %#" PRIx64 " offered, this %s offers %#"
                 PRIx64, features, d->ops->name, offered(d));
    n->status = rec_get_u32(in);
    n->driver_features = rec_get_u64(in);
    if (n->status > 0xff)
        rec_fail(in, "status %#x", n->status);
    if ((n->status & VIRTIO_CONFIG_S_FEATURES_OK) &&
        !features_acceptable(d, n->driver_features))
        rec_fail(in, "FEATURES_OK with driver features %#" PRIx64,
                 n->driver_features);
    n->dev_features_sel = rec_get_u32(in);
    n->drv_features_sel = rec_get_u32(in);
    n->queue_sel = rec_get_u32(in);
    n->config_generation = rec_get_u32(in);
    n->config_len = rec_get_u32(in);
    if (n->config_len != d->config_len)
        rec_fail(in, "%u bytes of config space, this %s has %u",
                 n->config_len, d->ops->name, d->config_len);
    else
        rec_get_bytes(in, n->config, n->config_len);
    if (rec_ok(in) && d->ops->config_check)
        d->ops->config_check(d, n->config, in);
    if (rec_ok(in) && memcmp(n->config, d->config, d->config_len))
        rec_fail(in, "config space differs from this %s's", d->ops->name);
    n->broken = rec_get_bool(in);
    if (n->broken && !(n->status & VIRTIO_CONFIG_S_NEEDS_RESET))
        rec_fail(in, "broken without NEEDS_RESET");
    n->isr = rec_get_u32(in);
    if (n->isr & ~(uint32_t)(VIRTIO_MMIO_INT_VRING | VIRTIO_MMIO_INT_CONFIG))
        rec_fail(in, "interrupt status %#x", n->isr);
    uint32_t nqueues = rec_get_u32(in);
    if (nqueues != d->ops->nqueues)
        rec_fail(in, "queues: %u, this %s has %u", nqueues, d->ops->name,
                 d->ops->nqueues);
    for (unsigned q = 0; q < d->ops->nqueues; q++)
        vq_load(&n->vqs[q], q, in, d->bus);
    return rec_close(in, e);
}

int virtio_load(struct virtio_dev *d, struct rec_in *in, struct err *e)
{
    struct virtio_dev n = {0};
    if (read_state(d, &n, in, e) < 0)
        return -1;
    pthread_mutex_lock(&d->lock);
    if (d->ops->load && d->ops->load(d, in, e) < 0) {
        pthread_mutex_unlock(&d->lock);
        return -1;
    }
    d->status = n.status;
    d->driver_features = n.driver_features;
    d->dev_features_sel = n.dev_features_sel;
    d->drv_features_sel = n.drv_features_sel;
    d->queue_sel = n.queue_sel;
    d->config_generation = n.config_generation;
    d->broken = n.broken;
    memcpy(d->vqs, n.vqs, d->ops->nqueues * sizeof d->vqs[0]);
    /* Drive the line even where it has not moved: whatever the interrupt
     * controller held before, it now hears this device's level. */
    pthread_mutex_lock(&d->irq_lock);
    d->isr = n.isr;
    if (d->irq.set)
        irq_line_set(&d->irq, d->isr != 0);
    pthread_mutex_unlock(&d->irq_lock);
    kick_all(d);
    pthread_mutex_unlock(&d->lock);
    return 0;
}
