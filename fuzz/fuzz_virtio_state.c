/* libFuzzer target for loading virtio state: the transport's record
 * (virtio_load) and each device's own. The records are either a device's
 * own saved state edited by the input, or the input itself; their
 * checksums are made good, so that every value reaches the checks behind
 * them (test_rec covers the checksum). They are loaded into a fresh
 * device: a refusal must leave it as it was; a state it takes must let
 * the device work its queues and reset, and saved, load into another
 * device that saves the same bytes. The layout is in fuzz/README.md. */
#include "virtio_common.h"

#include "base/rec.h"
#include "rec_checksums.h"

/* The input starts with this header, little-endian; missing bytes are 0. */
struct state_header {
    uint8_t device;             /* index into devices[], modulo */
    uint8_t raw;                /* bit 0: the records are the input's */
    uint16_t len;               /* bytes of records, or of edits, next */
    uint16_t input;             /* host-side input before the save */
    uint8_t pad[2];
};

/* Without raw, len / 4 of these, applied in order to the saved state.
 * The rest of the input is the first bytes of guest RAM (the rest is
 * zero). */
struct edit {
    uint16_t at;                /* a byte offset, modulo the stream's length */
    uint8_t kind;               /* modulo 4: see apply() */
    uint8_t val;
};

_Static_assert(sizeof(struct state_header) == 8, "header layout");
_Static_assert(sizeof(struct edit) == 4, "edit layout");

/* A record stream being edited. */
struct stream {
    uint8_t *b;
    size_t len, cap;
};

static void apply(struct stream *s, const struct edit *ed)
{
    size_t at = s->len ? ed->at % s->len : 0;
    switch (ed->kind % 4) {
    case 0:                     /* set a byte */
        if (s->len)
            s->b[at] = ed->val;
        break;
    case 1:                     /* cut the stream short */
        s->len = ed->at % (s->len + 1);
        break;
    case 2:                     /* insert a byte */
        if (s->len == s->cap) {
            s->cap = s->cap * 2 + 16;
            s->b = realloc(s->b, s->cap);
            check(s->b != NULL, "out of memory");
        }
        at = ed->at % (s->len + 1);
        memmove(s->b + at + 1, s->b + at, s->len - at);
        s->b[at] = ed->val;
        s->len++;
        break;
    case 3:                     /* move a count or a length by -128..127 */
        if (s->len >= 4) {
            at %= s->len - 3;
            uint32_t v;
            memcpy(&v, s->b + at, 4);
            v += (uint32_t)(int8_t)ed->val;
            memcpy(s->b + at, &v, 4);
        }
        break;
    }
}

static struct bus new_bus(void)
{
    struct bus b = { .ram = aligned_alloc(4096, RAM_SIZE),
                     .ram_base = RAM_BASE, .ram_size = RAM_SIZE };
    check(b.ram != NULL, "out of memory");
    return b;
}

static struct virtio_dev *make(unsigned dev, const struct bus *b)
{
    struct err e;
    struct virtio_dev *d = devices[dev].new(b, &e);
    check(d != NULL, e.msg);
    return d;
}

static struct rec_out save(const struct virtio_dev *d)
{
    struct rec_out o = { 0 };
    virtio_save(d, &o);
    check(rec_out_check(&o, NULL) == 0, "out of memory");
    return o;
}

static int load(struct virtio_dev *d, const struct stream *s)
{
    struct rec_in in;
    rec_in_init(&in, s->b, s->len);
    struct err e;
    return virtio_load(d, &in, &e);
}

/* The state every edit starts from: the device on b, running, queue q
 * of 8 entries at 0x400 * q in RAM (descriptors, then the available ring
 * at +0x100 and the used ring at +0x200), the chains RAM holds worked
 * on, then input bytes from the host side (three frames, or text three
 * times) offered to it. */
static void saved_state(unsigned dev, uint16_t input, const struct bus *b,
                        struct stream *s)
{
    struct virtio_dev *d = make(dev, b);
    uint32_t status = negotiate(d, ~0ull);
    for (uint32_t q = 0; q < d->ops->nqueues; q++)
        set_queue(d, q, 8, 0x400 * q, 0x400 * q + 0x100, 0x400 * q + 0x200);
    wr(d, VIRTIO_MMIO_STATUS, status | VIRTIO_CONFIG_S_DRIVER_OK);
    virtio_process(d);
    for (unsigned i = 0; i < 3 && devices[dev].input; i++)
        devices[dev].input(d, input);
    struct rec_out o = save(d);
    d->ops->destroy(d);
    s->b = o.buf;
    s->len = o.len;
    s->cap = o.cap;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct state_header h = { 0 };
    size_t n = size < sizeof h ? size : sizeof h;
    memcpy(&h, data, n);
    data += n;
    size -= n;
    size_t len = h.len < size ? h.len : size;
    unsigned dev = h.device % NDEVICES;

    struct bus b = new_bus();
    memset(b.ram, 0, RAM_SIZE);
    if (size > len)
        memcpy(b.ram, data + len, size - len < RAM_SIZE ? size - len
                                                        : RAM_SIZE);
    struct stream s = { 0 };
    if (h.raw & 1) {
        s.b = malloc(len ? len : 1);
        check(s.b != NULL, "out of memory");
        memcpy(s.b, data, len);
        s.len = s.cap = len;
    } else {
        saved_state(dev, h.input, &b, &s);
        for (size_t i = 0; i + sizeof(struct edit) <= len;
             i += sizeof(struct edit)) {
            struct edit ed;
            memcpy(&ed, data + i, sizeof ed);
            apply(&s, &ed);
        }
    }
    fix_checksums(s.b, s.len);

    /* On the RAM as the saved device left it. */
    struct virtio_dev *d = make(dev, &b);
    struct rec_out fresh = save(d);
    if (load(d, &s) < 0) {
        struct rec_out after = save(d);
        check(after.len == fresh.len &&
              !memcmp(after.buf, fresh.buf, fresh.len),
              "a refused load changed the device");
        rec_out_free(&after);
    } else {
        /* What it took, it saves; another device takes that, saves the
         * same bytes, and works its queues from there. */
        struct rec_out again = save(d);
        d->ops->destroy(d);
        d = make(dev, &b);
        struct stream t = { again.buf, again.len, again.cap };
        check(load(d, &t) == 0, "saved state refused");
        struct rec_out third = save(d);
        check(third.len == again.len &&
              !memcmp(third.buf, again.buf, again.len),
              "state saved again differs");
        rec_out_free(&third);
        rec_out_free(&again);
        for (uint32_t q = 0; q < d->ops->nqueues; q++) {
            if (devices[dev].input)
                devices[dev].input(d, h.input);
            notify(d, q);
        }
        check_reset(d);
    }
    rec_out_free(&fresh);
    d->ops->destroy(d);
    free(b.ram);
    free(s.b);
    return 0;
}
