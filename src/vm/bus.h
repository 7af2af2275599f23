/* The physical address space of the board: guest RAM (one host mapping) and
 * the MMIO devices, each a window with read/write callbacks. */
#ifndef CELLA_VM_BUS_H
#define CELLA_VM_BUS_H

#include <stdatomic.h>
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
    /* The dirty log: a bit per page of RAM, set by every writer of guest
     * RAM once it has a page to write (the harts when they map a page for
     * writing or update a page-table entry, the devices when they hand a
     * buffer back), cleared by whoever reads the log (live migration).
     * NULL: not kept (a bus in a unit test). */
    _Atomic uint64_t *dirty;
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

/* The dirty log's length, in 64-bit words. */
static inline size_t bus_dirty_words(const struct bus *b)
{
    return (size_t)((b->ram_size / 4096 + 63) / 64);
}

/* Mark the pages of RAM under host [p, p+len) written: p points into
 * b->ram (a pointer bus_ram_ptr gave). */
static inline void bus_mark_dirty(const struct bus *b, const void *p,
                                  size_t len)
{
    if (!b->dirty || !len)
        return;
    size_t off = (size_t)((const uint8_t *)p - b->ram);
    for (size_t pg = off >> 12; pg <= (off + len - 1) >> 12; pg++)
        atomic_fetch_or_explicit(&b->dirty[pg / 64], 1ull << (pg % 64),
                                 memory_order_relaxed);
}

/* MMIO (non-RAM) access. Return false when no device answers at pa: the
 * CPU turns that into an access fault. */
bool bus_mmio_read(struct bus *b, uint64_t pa, unsigned size, uint64_t *val);
bool bus_mmio_write(struct bus *b, uint64_t pa, unsigned size, uint64_t val);

#endif
