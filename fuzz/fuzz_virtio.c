/* libFuzzer target for the virtio core (virtqueues, the virtio-mmio
 * transport) and each device's request parser. The input picks a device
 * and one of its queues, which is set up through the real registers over
 * a small guest RAM the input fills; the queue is notified and the device
 * run in this thread, then a short script of register accesses, notifies
 * and guest RAM stores is played. The layout is in fuzz/README.md. */
#include "virtio_common.h"

#define REG_WINDOW 0x200u       /* registers, then config space at 0x100 */
#define MAX_OPS 16

/* The input starts with this header, little-endian; missing bytes are 0. */
struct fuzz_header {
    uint8_t device;             /* index into devices[], modulo */
    uint8_t queue;              /* QueueSel, modulo the device's queues */
    uint16_t num;               /* QueueNum, as is */
    uint32_t desc, avail, used; /* ring addresses, offsets from RAM_BASE */
    uint64_t features;          /* kept where offered; VERSION_1 added */
    uint8_t nops;               /* script entries that follow, modulo */
    uint8_t pad[7];
};

/* Then nops % (MAX_OPS + 1) of these; the rest of the input is the first
 * bytes of guest RAM (the remainder is zero). */
struct fuzz_op {
    uint8_t kind;               /* modulo 4: see play() */
    uint8_t size;               /* register access of 1 << (size % 4) bytes */
    uint16_t where;             /* register offset modulo REG_WINDOW, or
                                   RAM offset rounded down to 4 bytes */
    uint32_t val;
};

_Static_assert(sizeof(struct fuzz_header) == 32, "header layout");
_Static_assert(sizeof(struct fuzz_op) == 8, "script entry layout");
_Static_assert(RAM_SIZE == 1u << 16, "RAM stores take a 16-bit offset");

static struct bus bus;

/* The driver's side of initialisation for one queue, which is notified. */
static void set_up(struct virtio_dev *d, const struct fuzz_header *h)
{
    uint32_t status = negotiate(d, h->features);
    uint32_t q = h->queue % d->ops->nqueues;
    set_queue(d, q, h->num, h->desc, h->avail, h->used);
    wr(d, VIRTIO_MMIO_STATUS, status | VIRTIO_CONFIG_S_DRIVER_OK);
    notify(d, q);
}

/* One script entry: what a hostile driver may do next. */
static void play(struct virtio_dev *d, device_input_fn *input,
                 const struct fuzz_op *op)
{
    uint64_t reg = op->where % REG_WINDOW;
    unsigned size = 1u << (op->size % 4);
    switch (op->kind % 4) {
    case 0:
        virtio_mmio_write(d, reg, op->val, size);
        break;
    case 1:
        virtio_mmio_read(d, reg, size);
        break;
    case 2:
        if (input)
            input(d, op->where);
        notify(d, op->val);
        break;
    case 3:
        memcpy(bus.ram + (op->where & ~3u), &op->val, sizeof op->val);
        break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!bus.ram) {
        bus.ram = aligned_alloc(4096, RAM_SIZE);
        check(bus.ram != NULL, "out of memory");
        bus.ram_base = RAM_BASE;
        bus.ram_size = RAM_SIZE;
    }
    struct fuzz_header h = { 0 };
    size_t n = size < sizeof h ? size : sizeof h;
    memcpy(&h, data, n);
    data += n;
    size -= n;

    struct fuzz_op ops[MAX_OPS];
    unsigned nops = h.nops % (MAX_OPS + 1);
    if (nops > size / sizeof ops[0])
        nops = size / sizeof ops[0];
    memcpy(ops, data, nops * sizeof ops[0]);
    data += nops * sizeof ops[0];
    size -= nops * sizeof ops[0];

    memset(bus.ram, 0, RAM_SIZE);
    memcpy(bus.ram, data, size < RAM_SIZE ? size : RAM_SIZE);

    struct err e;
    unsigned dev = h.device % NDEVICES;
    struct virtio_dev *d = devices[dev].new(&bus, &e);
    check(d != NULL, e.msg);
    set_up(d, &h);
    for (unsigned i = 0; i < nops; i++)
        play(d, devices[dev].input, &ops[i]);

    check_reset(d);
    d->ops->destroy(d);
    return 0;
}
