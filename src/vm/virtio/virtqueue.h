/* Split virtqueues (virtio 1.2, 2.7): taking descriptor chains (direct and
 * indirect) from the available ring with every guest-supplied address,
 * length, index and flag checked; returning them through the used ring;
 * notification suppression both ways (event-idx). The guest writes these
 * rings while we read them: each field is read once into a local. */
#ifndef CELLA_VM_VIRTIO_VIRTQUEUE_H
#define CELLA_VM_VIRTIO_VIRTQUEUE_H

#include <linux/virtio_ring.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "vm/bus.h"

struct rec_in;
struct rec_out;

#define VQ_MAX_SIZE 256     /* QueueNumMax of every queue */
#define VQ_MAX_SEGS 1024    /* descriptors in one chain, indirect included */

struct vq {
    uint16_t num;           /* queue size, a power of 2 */
    bool ready;
    bool event_idx;         /* VIRTIO_F_RING_EVENT_IDX negotiated */
    bool indirect;          /* VIRTIO_F_RING_INDIRECT_DESC negotiated */
    uint64_t desc_gpa, avail_gpa, used_gpa;
    /* Host views of the rings, set by vq_enable once they are checked. */
    struct vring_desc *desc;
    struct vring_avail *avail;
    struct vring_used *used;
    uint16_t last_avail;    /* next available entry to take */
    uint16_t used_idx;      /* our copy of used->idx */
    uint16_t signalled;     /* used_idx when we last interrupted */
    /* Chains taken since the reset, and their bytes (readable and
     * writable): written by the queue's one worker, read by anyone (the
     * control API's counters). */
    _Atomic uint64_t taken, taken_bytes;
};

/* One chain: the device-readable segments [0, nout), then the writable
 * ones [nout, nout + nin), as host pointers into guest RAM. */
struct vq_req {
    uint16_t head;
    unsigned nout, nin;
    size_t out_len, in_len;
    struct iovec iov[VQ_MAX_SEGS];
};

/* Forget the rings (device reset); the size goes back to the maximum. */
void vq_reset(struct vq *q);
/* Check the ring addresses and size against guest RAM and map them;
 * false (and the queue stays not ready) when they do not fit. */
bool vq_enable(struct vq *q, const struct bus *b);

/* The queue's set-up and positions, as fields of the open record. */
void vq_save(const struct vq *q, struct rec_out *o);
/* Read what vq_save wrote into q, queue qi (for messages): a ready
 * queue's rings are checked and mapped by vq_enable, as when the driver
 * sets QueueReady. A value the registers could not have produced fails
 * the record; q is then to be dropped. */
void vq_load(struct vq *q, unsigned qi, struct rec_in *in,
             const struct bus *b);

/* Take the next chain: 1 when r holds one, 0 when the ring is empty, -1
 * when the guest broke the ring (*why says how; the device must stop). */
int vq_pop(struct vq *q, const struct bus *b, struct vq_req *r,
           const char **why);
/* Give a chain back with the number of bytes written into it (dropped
 * when the queue is no longer ready). */
void vq_push(struct vq *q, uint16_t head, uint32_t written);
/* After pushing: whether the driver wants an interrupt now. */
bool vq_should_interrupt(struct vq *q);
/* Before going idle: ask for a notification when the driver adds more.
 * Returns true if entries arrived meanwhile (pop again). */
bool vq_arm_notify(struct vq *q);

/* Copy between a chain and a linear buffer, from byte offset off of the
 * readable (gather) or writable (scatter) part. Return the bytes copied,
 * less than len when the chain is shorter. */
size_t vq_gather(const struct vq_req *r, size_t off, void *dst, size_t len);
size_t vq_scatter(const struct vq_req *r, size_t off, const void *src,
                  size_t len);
/* The iovecs covering len bytes from byte offset off of the readable
 * (writable = false) or writable part, into out (VQ_MAX_SEGS entries).
 * Returns how many; *got is the bytes they cover (less than len when the
 * chain is shorter). */
unsigned vq_slice(const struct vq_req *r, bool writable, size_t off,
                  size_t len, struct iovec *out, size_t *got);

#endif
