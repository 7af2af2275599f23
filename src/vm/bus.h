/* The physical address space of the board: guest RAM (one host mapping) and
 * the MMIO devices, each a window with read/write callbacks. */
#ifndef CELLA_VM_BUS_H
#define CELLA_VM_BUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A device window. Callbacks get the offset inside the window and an access
 * size of 1, 2, 4 or 8 bytes; they run on the calling vCPU thread, so a
 * device with state shared between harts locks it itself. A read of a
 * register that does not exist returns 0; a write to one is ignored. */
struct mmio_dev {
    const char *name;
    uint64_t base, size;
    uint64_t (*read)(void *opaque, uint64_t off, unsigned size);
    void (*write)(void *opaque, uint64_t off, uint64_t val, unsigned size);
    void *opaque;
};

#define BUS_MAX_DEVS 24

struct bus {
    uint8_t *ram;            /* host address of guest RAM */
    uint64_t ram_base;       /* guest physical address of RAM */
    uint64_t ram_size;
    struct mmio_dev devs[BUS_MAX_DEVS];
    int ndevs;
};

static inline bool bus_is_ram(const struct bus *b, uint64_t pa, uint64_t len)
{
    return pa >= b->ram_base && pa - b->ram_base < b->ram_size &&
           len <= b->ram_size - (pa - b->ram_base);
}

/* Host pointer for guest physical RAM [pa, pa+len), or NULL if any of it is
 * outside RAM. Every guest-controlled address goes through this check. */
static inline void *bus_ram_ptr(const struct bus *b, uint64_t pa, uint64_t len)
{
    return bus_is_ram(b, pa, len) ? b->ram + (pa - b->ram_base) : NULL;
}

void bus_add(struct bus *b, const struct mmio_dev *d);

/* MMIO (non-RAM) access. Return false when no device answers at pa: the
 * CPU turns that into an access fault. */
bool bus_mmio_read(struct bus *b, uint64_t pa, unsigned size, uint64_t *val);
bool bus_mmio_write(struct bus *b, uint64_t pa, unsigned size, uint64_t val);

#endif
