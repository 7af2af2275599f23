/* Makes the machine's virtio devices from its config, and puts each in its
 * virtio-mmio slot of the board table (window, interrupt line, the I/O
 * thread). The devices themselves never see the machine. */
#include "vm/riscv/virtio_slots.h"

#include <libfdt.h>

#include "base/err.h"
#include "base/rec.h"
#include "vm/backend/net.h"
#include "vm/machine.h"
#include "vm/riscv/board.h"
#include "vm/riscv/fdt.h"
#include "vm/virtio/9p.h"
#include "vm/virtio/blk.h"
#include "vm/virtio/console.h"
#include "vm/virtio/mmio.h"
#include "vm/virtio/net.h"
#include "vm/virtio/rng.h"

static int add(struct machine *m, struct virtio_dev *d, struct err *e)
{
    if (!d)
        return -1;
    if (m->nvirtio >= BOARD_VIRTIO_SLOTS) {
        d->ops->destroy(d);
        return err_set(e, 0, "too many virtio devices (%d slots)",
                       BOARD_VIRTIO_SLOTS);
    }
    m->virtio[m->nvirtio++] = d;
    return 0;
}

static struct virtio_dev *new_dev(struct machine *m,
                                  const struct vm_dev_arg *a,
                                  unsigned net_index, struct err *e)
{
    switch (a->kind) {
    case VM_DEV_DISK:
        return virtio_blk_new(&m->bus, a->arg, !m->cfg.incoming, e);
    case VM_DEV_NET:
        return virtio_net_new(&m->bus, m->io, a->arg, net_index,
                              net_backend_new, e);
    case VM_DEV_SHARE:
        return virtio_9p_new(&m->bus, a->arg, e);
    }
    err_set(e, 0, "unknown device kind for '%s'", a->arg);
    return NULL;
}

static void console_out(void *m, const struct iovec *iov, unsigned n)
{
    machine_console_writev(m, iov, n);
}

int virtio_devices_make(struct machine *m, struct err *e)
{
    unsigned nets = 0;
    for (unsigned i = 0; i < m->cfg.ndevs; i++) {
        const struct vm_dev_arg *a = &m->cfg.devs[i];
        if (add(m, new_dev(m, a, nets, e), e) < 0)
            return -1;
        nets += a->kind == VM_DEV_NET;
    }
    struct virtio_dev *console = virtio_console_new(&m->bus, console_out, m, e);
    if (add(m, console, e) < 0)
        return -1;
    m->console = console;
    return add(m, virtio_rng_new(&m->bus, e), e);
}

/* The device in d's slot, or NULL for an empty slot. */
static struct virtio_dev *slot_dev(const struct machine *m,
                                   const struct board_dev *d)
{
    unsigned slot = (unsigned)(d - &board_devs[BOARD_VIRTIO0]);
    return slot < m->nvirtio ? m->virtio[slot] : NULL;
}

int virtio_slot_create(struct machine *m, const struct board_dev *d,
                       struct err *e)
{
    struct virtio_dev *v = slot_dev(m, d);
    if (!v)
        return 0;
    return virtio_mmio_attach(v, &m->bus, m->io, d->base, d->size,
                              machine_irq_line(m, d->irq), e);
}

/* A slot with a device gets a node; Linux names disks in slot order. */
int virtio_slot_fdt(void *fdt, const struct machine *m,
                    const struct board_dev *d)
{
    if (!slot_dev(m, d))
        return 0;
    int r = fdt_plic_child(fdt, d, "virtio,mmio");
    return r < 0 ? r : fdt_end_node(fdt);
}

void virtio_slot_save(const struct machine *m, const struct board_dev *d,
                      struct rec_out *o)
{
    const struct virtio_dev *v = slot_dev(m, d);
    if (v)
        virtio_save(v, o);
}

int virtio_slot_load(struct machine *m, const struct board_dev *d,
                     struct rec_in *in, struct err *e)
{
    struct virtio_dev *v = slot_dev(m, d);
    return v ? virtio_load(v, in, e) : 0;
}

int virtio_devices_claim(struct machine *m, bool take, struct err *e)
{
    for (unsigned i = 0; i < m->nvirtio; i++) {
        struct virtio_dev *d = m->virtio[i];
        if (d->ops->claim && d->ops->claim(d, take, e) < 0) {
            virtio_devices_claim(m, false, NULL);
            return -1;
        }
    }
    return 0;
}

void virtio_devices_announce(struct machine *m)
{
    for (unsigned i = 0; i < m->nvirtio; i++)
        if (m->virtio[i]->ops->announce)
            m->virtio[i]->ops->announce(m->virtio[i]);
}

void virtio_devices_free(struct machine *m)
{
    for (unsigned i = 0; i < m->nvirtio; i++)
        m->virtio[i]->ops->destroy(m->virtio[i]);
    m->nvirtio = 0;
    m->console = NULL;
}
