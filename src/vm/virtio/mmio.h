/* The virtio-mmio transport (virtio 1.2, 4.2, version 2 registers) and
 * what every virtio device shares: feature negotiation, device status and
 * reset, the virtqueues, config space, the interrupt status register and
 * line, and queue notifications handed to the I/O thread. A device fills
 * in a struct virtio_dev_ops and embeds a struct virtio_dev. */
#ifndef CELLA_VM_VIRTIO_MMIO_H
#define CELLA_VM_VIRTIO_MMIO_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "vm/devif.h"
#include "vm/virtio/virtqueue.h"

struct bus;
struct err;
struct iothread;
struct rec_in;
struct rec_out;
struct virtio_dev;

#define VIRTIO_MAX_QUEUES 4
#define VIRTIO_CONFIG_MAX 256

struct virtio_dev_ops {
    const char *name;           /* "virtio-blk": for messages */
    uint32_t device_id;         /* VIRTIO_ID_* */
    uint64_t features;          /* the device's own; the transport adds its */
    unsigned nqueues;
    /* Queue q has work (the driver notified it, or virtio_kick). Runs on
     * the I/O thread with the device lock held. */
    void (*notify)(struct virtio_dev *d, unsigned q);
    /* The driver wrote config space (NULL: writes are ignored). Lock held. */
    void (*config_write)(struct virtio_dev *d, uint64_t off, uint64_t val,
                         unsigned size);
    /* The driver reset the device: drop what is in flight (NULL: nothing
     * to drop). Lock held. */
    void (*reset)(struct virtio_dev *d);
    /* Free the device and its back end (the I/O thread has stopped). */
    void (*destroy)(struct virtio_dev *d);
    /* The device's own state, as a record after the transport's (NULL:
     * it has none). load changes nothing unless the whole record is
     * good. Lock held. */
    void (*save)(const struct virtio_dev *d, struct rec_out *o);
    int (*load)(struct virtio_dev *d, struct rec_in *in, struct err *e);
    /* Optional: says plainly (rec_fail) why config space from a record
     * (config_len bytes) cannot be this device's, before the transport
     * refuses any difference. */
    void (*config_check)(const struct virtio_dev *d, const uint8_t *saved,
                         struct rec_in *in);
    /* Optional (NULL: it has none): take (claim) or let go of the host
     * resources no other machine may use at the same time, a disk
     * image's lock, which a migration passes from its source to its
     * target. Taking returns 0, or -1 with e filled and nothing taken;
     * letting go cannot fail. Either is harmless when already done. */
    int (*claim)(struct virtio_dev *d, bool take, struct err *e);
    /* Optional: tell the network the device is now here (a NIC's
     * self-announce on a migration's target). Any thread; it must not
     * block (the work goes to the I/O thread). */
    void (*announce)(struct virtio_dev *d);
};

struct virtio_dev {
    const struct virtio_dev_ops *ops;
    void *priv;                 /* the device's own state */
    const struct bus *bus;
    uint64_t features;          /* ops->features and what this one adds */
    uint64_t base;              /* MMIO window (for messages) */
    struct irq_line irq;        /* set: NULL until attached */

    /* Held by MMIO register accesses and by the I/O thread while it works
     * on the device's queues; not by notifies and interrupt status. */
    pthread_mutex_t lock;
    uint32_t status;
    uint64_t driver_features;
    uint32_t dev_features_sel, drv_features_sel, queue_sel;
    uint32_t config_generation;
    uint8_t config[VIRTIO_CONFIG_MAX];
    uint32_t config_len;
    struct vq vqs[VIRTIO_MAX_QUEUES];
    bool broken;                /* guest broke a ring: NEEDS_RESET */

    pthread_mutex_t irq_lock;   /* isr and the line move together */
    uint32_t isr;

    atomic_uint kicked;         /* queues notified, not yet worked on */
    int kick_fd;                /* eventfd the I/O thread waits on */
};

/* Set up a device not yet on any board (tests, fuzzing): no interrupt
 * line until virtio_mmio_attach gives it one. */
int virtio_dev_init(struct virtio_dev *d, const struct virtio_dev_ops *ops,
                    void *priv, const struct bus *bus, struct err *e);
void virtio_dev_destroy(struct virtio_dev *d);

/* Put the device on the board: its MMIO window at base (size bytes) on
 * bus, its interrupt line, its notifications on the I/O thread io. */
int virtio_mmio_attach(struct virtio_dev *d, struct bus *bus,
                       struct iothread *io, uint64_t base, uint64_t size,
                       struct irq_line irq, struct err *e);

/* Requests (chains) the device took from all its queues since the
 * driver's last reset, and their bytes; any thread. */
void virtio_counters(struct virtio_dev *d, uint64_t *requests,
                     uint64_t *bytes);

/* The register window (what the bus calls). */
uint64_t virtio_mmio_read(void *dev, uint64_t off, unsigned size);
void virtio_mmio_write(void *dev, uint64_t off, uint64_t val, unsigned size);

/* The transport's state (the record "virtio-mmio"), then the device's
 * own (ops->save). The machine is paused. */
void virtio_save(const struct virtio_dev *d, struct rec_out *o);
/* Read what virtio_save wrote into a device made with the same options:
 * 0, or -1 with e filled ("state of NAME: ...") and the device as it was.
 * Then the interrupt line is driven at the saved level and every queue
 * is kicked, for the work the driver may have notified before the save. */
int virtio_load(struct virtio_dev *d, struct rec_in *in, struct err *e);

/* Work on every kicked queue now (the I/O thread's handler; tests call it
 * directly). */
void virtio_process(struct virtio_dev *d);
/* Mark queue q as having work, from any thread. */
void virtio_kick(struct virtio_dev *d, unsigned q);

/* For devices, with the lock held. Take the next chain of queue q: false
 * when there is none or the guest broke the ring (then the device is
 * marked NEEDS_RESET with one warning, and takes no more chains). */
bool virtio_pop(struct virtio_dev *d, unsigned q, struct vq_req *r);
/* Return the chain r with the bytes written into it, and interrupt the
 * driver if it asked for it. Its writable buffers and the used ring are
 * marked in the dirty log. */
void virtio_push(struct virtio_dev *d, unsigned q, const struct vq_req *r,
                 uint32_t written);
/* Before idling on queue q: true if more chains arrived (pop again). */
bool virtio_rearm(struct virtio_dev *d, unsigned q);
/* Whether the driver has set DRIVER_OK and the device is not broken. */
bool virtio_running(const struct virtio_dev *d);
/* Config space changed: new generation, config interrupt. Lock held. */
void virtio_config_changed(struct virtio_dev *d);

#endif
