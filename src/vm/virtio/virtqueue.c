/* Split virtqueue processing with the checks that keep a hostile guest
 * inside its own RAM: ring placement, avail index jumps, head and next
 * indices, descriptor addresses and lengths, chain loops, indirect tables,
 * and writable-before-readable ordering. */
#include "vm/virtio/virtqueue.h"

#include <string.h>

#include "base/rec.h"

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
               "virtio 1 rings are little-endian; so must the host be");

void vq_reset(struct vq *q)
{
    memset(q, 0, sizeof *q);
    q->num = VQ_MAX_SIZE;
}

/* One writer: a plain add that readers on other threads see whole. */
static void count(_Atomic uint64_t *c, uint64_t n)
{
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n,
                          memory_order_relaxed);
}

/* Ring sizes from the spec (2.7): 16 bytes a descriptor; flags, idx, the
 * ring and the event word for both the available and used rings. */
bool vq_enable(struct vq *q, const struct bus *b)
{
    uint64_t n = q->num;
    if (n == 0 || n > VQ_MAX_SIZE || (n & (n - 1)))
        return false;
    if (q->desc_gpa % 16 || q->avail_gpa % 2 || q->used_gpa % 4)
        return false;
    q->desc = bus_ram_ptr(b, q->desc_gpa, 16 * n);
    q->avail = bus_ram_ptr(b, q->avail_gpa, 6 + 2 * n);
    q->used = bus_ram_ptr(b, q->used_gpa, 6 + 8 * n);
    if (!q->desc || !q->avail || !q->used)
        return false;
    q->last_avail = q->used_idx = q->signalled = 0;
    q->ready = true;
    return true;
}

/* Host pointers are not saved: vq_load maps the rings again. */
void vq_save(const struct vq *q, struct rec_out *o)
{
    rec_u16(o, q->num);
    rec_bool(o, q->ready);
    rec_bool(o, q->event_idx);
    rec_bool(o, q->indirect);
    rec_u64(o, q->desc_gpa);
    rec_u64(o, q->avail_gpa);
    rec_u64(o, q->used_gpa);
    rec_u16(o, q->last_avail);
    rec_u16(o, q->used_idx);
    rec_u16(o, q->signalled);
}

/* A queue not ready holds whatever the driver wrote to its registers; the
 * rings are checked only when it is ready. A queue has room for num
 * chains: no more can be taken and not yet returned. */
void vq_load(struct vq *q, unsigned qi, struct rec_in *in,
             const struct bus *b)
{
    vq_reset(q);
    q->num = rec_get_u16(in);
    bool ready = rec_get_bool(in);
    q->event_idx = rec_get_bool(in);
    q->indirect = rec_get_bool(in);
    q->desc_gpa = rec_get_u64(in);
    q->avail_gpa = rec_get_u64(in);
    q->used_gpa = rec_get_u64(in);
    uint16_t last_avail = rec_get_u16(in), used_idx = rec_get_u16(in),
             signalled = rec_get_u16(in);
    if (rec_ok(in) && ready && !vq_enable(q, b))
        rec_fail(in, "queue %u: size %u or ring addresses refused", qi,
                 q->num);
    if ((uint16_t)(last_avail - used_idx) > q->num)
        rec_fail(in, "queue %u: %u chains taken and not returned, in a "
                 "queue of %u", qi, (uint16_t)(last_avail - used_idx),
                 q->num);
    q->last_avail = last_avail;
    q->used_idx = used_idx;
    q->signalled = signalled;
}

static uint16_t load16(const uint16_t *p)
{
    return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

/* One descriptor into the request; false with *why on a bad one. */
static bool add_seg(struct vq_req *r, const struct bus *b,
                    const struct vring_desc *d, const char **why)
{
    bool writable = d->flags & VRING_DESC_F_WRITE;
    if (!writable && r->nin) {
        *why = "readable descriptor after a writable one";
        return false;
    }
    if (r->nout + r->nin >= VQ_MAX_SEGS) {
        *why = "descriptor chain too long";
        return false;
    }
    void *p = bus_ram_ptr(b, d->addr, d->len);
    if (!p) {
        *why = "descriptor outside guest RAM";
        return false;
    }
    r->iov[r->nout + r->nin] = (struct iovec){ p, d->len };
    if (writable) {
        r->nin++;
        r->in_len += d->len;
    } else {
        r->nout++;
        r->out_len += d->len;
    }
    return true;
}

/* The entries of an indirect table: chained by next within the table,
 * each visited at most once. */
static bool walk_indirect(struct vq_req *r, const struct bus *b,
                          const struct vring_desc *ind, const char **why)
{
    if (ind->len == 0 || ind->len % sizeof(struct vring_desc) ||
        ind->len / sizeof(struct vring_desc) > VQ_MAX_SEGS) {
        *why = "bad indirect table length";
        return false;
    }
    unsigned count = ind->len / sizeof(struct vring_desc);
    const uint8_t *table = bus_ram_ptr(b, ind->addr, ind->len);
    if (!table) {
        *why = "indirect table outside guest RAM";
        return false;
    }
    unsigned i = 0;
    for (unsigned seen = 0;; seen++) {
        if (seen >= count) {
            *why = "loop in an indirect table";
            return false;
        }
        struct vring_desc d;
        memcpy(&d, table + i * sizeof d, sizeof d);
        if (d.flags & VRING_DESC_F_INDIRECT) {
            *why = "indirect descriptor inside an indirect table";
            return false;
        }
        if (!add_seg(r, b, &d, why))
            return false;
        if (!(d.flags & VRING_DESC_F_NEXT))
            return true;
        if (d.next >= count) {
            *why = "next index past the indirect table";
            return false;
        }
        i = d.next;
    }
}

int vq_pop(struct vq *q, const struct bus *b, struct vq_req *r,
           const char **why)
{
    if (!q->ready)
        return 0;
    uint16_t avail_idx = load16(&q->avail->idx);
    uint16_t waiting = (uint16_t)(avail_idx - q->last_avail);
    if (waiting == 0)
        return 0;
    if (waiting > q->num) {
        *why = "available index moved by more than the queue size";
        return -1;
    }
    uint16_t head = load16(&q->avail->ring[q->last_avail % q->num]);
    if (head >= q->num) {
        *why = "head index past the queue size";
        return -1;
    }
    r->head = head;
    r->nout = r->nin = 0;
    r->out_len = r->in_len = 0;
    uint16_t i = head;
    for (unsigned seen = 0;; seen++) {
        if (seen >= q->num) {
            *why = "loop in a descriptor chain";
            return -1;
        }
        struct vring_desc d;
        memcpy(&d, &q->desc[i], sizeof d);
        if (d.flags & VRING_DESC_F_INDIRECT) {
            if (!q->indirect || (d.flags & VRING_DESC_F_NEXT)) {
                *why = "indirect descriptor not allowed here";
                return -1;
            }
            if (!walk_indirect(r, b, &d, why))
                return -1;
            break;
        }
        if (!add_seg(r, b, &d, why))
            return -1;
        if (!(d.flags & VRING_DESC_F_NEXT))
            break;
        if (d.next >= q->num) {
            *why = "next index past the queue size";
            return -1;
        }
        i = d.next;
    }
    q->last_avail++;
    count(&q->taken, 1);
    count(&q->taken_bytes, r->out_len + r->in_len);
    return 1;
}

/* A chain finished after the driver disabled the queue (and perhaps gave
 * it a new size) or reset the device has no ring to go back to. */
void vq_push(struct vq *q, uint16_t head, uint32_t written)
{
    if (!q->ready)
        return;
    struct vring_used_elem *e = &q->used->ring[q->used_idx % q->num];
    e->id = head;
    e->len = written;
    q->used_idx++;
    __atomic_store_n(&q->used->idx, q->used_idx, __ATOMIC_RELEASE);
}

/* With event-idx: interrupt when used_idx has passed the driver's
 * used_event since the last interrupt (the spec's vring_need_event
 * condition, written out). Without: unless the driver masked them. */
bool vq_should_interrupt(struct vq *q)
{
    if (!q->ready)
        return false;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (!q->event_idx)
        return !(load16(&q->avail->flags) & VRING_AVAIL_F_NO_INTERRUPT);
    uint16_t event = load16(&q->avail->ring[q->num]);
    uint16_t old = q->signalled, now = q->used_idx;
    q->signalled = now;
    return (uint16_t)(now - event - 1) < (uint16_t)(now - old);
}

bool vq_arm_notify(struct vq *q)
{
    if (!q->ready)
        return false;
    if (q->event_idx)
        __atomic_store_n((uint16_t *)&q->used->ring[q->num], q->last_avail,
                         __ATOMIC_RELEASE);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    return load16(&q->avail->idx) != q->last_avail;
}

/* Copy between buf and the readable (writable = false) or writable part
 * of a chain, from byte offset off of that part. */
static size_t copy(const struct vq_req *r, bool writable, size_t off,
                   uint8_t *buf, size_t len)
{
    unsigned first = writable ? r->nout : 0;
    unsigned end = writable ? r->nout + r->nin : r->nout;
    size_t done = 0;
    for (unsigned i = first; i < end && done < len; i++) {
        const struct iovec *v = &r->iov[i];
        if (off >= v->iov_len) {
            off -= v->iov_len;
            continue;
        }
        size_t n = v->iov_len - off;
        if (n > len - done)
            n = len - done;
        uint8_t *seg = (uint8_t *)v->iov_base + off;
        if (writable)
            memcpy(seg, buf + done, n);
        else
            memcpy(buf + done, seg, n);
        done += n;
        off = 0;
    }
    return done;
}

size_t vq_gather(const struct vq_req *r, size_t off, void *dst, size_t len)
{
    return copy(r, false, off, dst, len);
}

size_t vq_scatter(const struct vq_req *r, size_t off, const void *src,
                  size_t len)
{
    return copy(r, true, off, (uint8_t *)src, len);
}

unsigned vq_slice(const struct vq_req *r, bool writable, size_t off,
                  size_t len, struct iovec *out, size_t *got)
{
    unsigned first = writable ? r->nout : 0;
    unsigned end = writable ? r->nout + r->nin : r->nout;
    unsigned n = 0;
    size_t done = 0;
    for (unsigned i = first; i < end && done < len; i++) {
        const struct iovec *v = &r->iov[i];
        if (off >= v->iov_len) {
            off -= v->iov_len;
            continue;
        }
        size_t take = v->iov_len - off;
        if (take > len - done)
            take = len - done;
        out[n++] = (struct iovec){ (uint8_t *)v->iov_base + off, take };
        done += take;
        off = 0;
    }
    *got = done;
    return n;
}
