/* MMIO dispatch: find the device window that holds an address. */
#include "vm/bus.h"

#include <assert.h>

void bus_add(struct bus *b, const struct mmio_dev *d)
{
    assert(b->ndevs < BUS_MAX_DEVS);
    b->devs[b->ndevs++] = *d;
}

static struct mmio_dev *find(struct bus *b, uint64_t pa, unsigned size)
{
    for (int i = 0; i < b->ndevs; i++) {
        struct mmio_dev *d = &b->devs[i];
        if (pa >= d->base && pa - d->base + size <= d->size)
            return d;
    }
    return 0;
}

bool bus_mmio_read(struct bus *b, uint64_t pa, unsigned size, uint64_t *val)
{
    struct mmio_dev *d = find(b, pa, size);
    if (!d)
        return false;
    *val = d->read(d->opaque, pa - d->base, size);
    return true;
}

bool bus_mmio_write(struct bus *b, uint64_t pa, unsigned size, uint64_t val)
{
    struct mmio_dev *d = find(b, pa, size);
    if (!d)
        return false;
    d->write(d->opaque, pa - d->base, val, size);
    return true;
}
