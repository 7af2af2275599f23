/* CLINT (sifive,clint0 layout): msip per hart, mtimecmp per hart, mtime.
 * It keeps no state of its own: msip is the hart's mip.MSIP bit, mtimecmp
 * lives in the hart (which compares it against mtime itself), and mtime is
 * the machine's clock. */
#include "vm/riscv/clint.h"

#include <stddef.h>

#include "base/err.h"
#include "base/rec.h"
#include "vm/machine.h"
#include "vm/rv/hart.h"

#define CLINT_MSIP      0x0000u     /* + 4 * hart, 32-bit */
#define CLINT_MTIMECMP  0x4000u     /* + 8 * hart, 64-bit */
#define CLINT_MTIME     0xbff8u     /* 64-bit */

static struct hart *hart_at(struct machine *m, uint64_t idx)
{
    return idx < m->nharts && idx < VM_MAX_CPUS ? m->harts[idx] : NULL;
}

/* The 64-bit registers take 8-byte accesses or 4-byte halves; anything
 * else reads 0. Returns the value seen by an access of `size` at byte `sub`
 * of the register. */
static uint64_t part(uint64_t reg, uint64_t sub, unsigned size)
{
    if (size == 8 && sub == 0)
        return reg;
    if (size == 4 && (sub == 0 || sub == 4))
        return (uint32_t)(reg >> (sub * 8));
    return 0;
}

static uint64_t clint_read(void *opaque, uint64_t off, unsigned size)
{
    struct machine *m = opaque;
    if (off < CLINT_MTIMECMP) {
        struct hart *h = hart_at(m, off / 4);
        if (!h || size != 4 || off % 4)
            return 0;
        return (atomic_load(&h->mip) & MIP_MSIP) != 0;
    }
    if (off >= CLINT_MTIME)
        return part(vm_clock_now(&m->clock), off - CLINT_MTIME, size);
    struct hart *h = hart_at(m, (off - CLINT_MTIMECMP) / 8);
    if (!h)
        return 0;
    return part(atomic_load(&h->mtimecmp), (off - CLINT_MTIMECMP) % 8, size);
}

/* mtime is read-only here: the machine's clock follows host time, and a
 * guest write (firmware zeroing it at boot) is ignored rather than letting
 * one hart shift the time base under the others. */
static void clint_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    struct machine *m = opaque;
    if (off < CLINT_MTIMECMP) {
        struct hart *h = hart_at(m, off / 4);
        if (h && size == 4 && off % 4 == 0)
            hart_set_mip(h, MIP_MSIP, val & 1);
        return;
    }
    if (off >= CLINT_MTIME)
        return;
    struct hart *h = hart_at(m, (off - CLINT_MTIMECMP) / 8);
    uint64_t sub = (off - CLINT_MTIMECMP) % 8;
    if (!h)
        return;
    if (size == 8 && sub == 0) {
        atomic_store(&h->mtimecmp, val);
    } else if (size == 4 && (sub == 0 || sub == 4)) {
        /* One half: merge with the other without losing a concurrent
         * write to it. */
        uint64_t shift = sub * 8, mask = 0xffffffffull << shift;
        uint64_t old = atomic_load(&h->mtimecmp);
        while (!atomic_compare_exchange_weak(
            &h->mtimecmp, &old, (old & ~mask) | ((val & 0xffffffffull) << shift)))
            ;
    } else {
        return;
    }
    /* MTIP follows the new compare value at once; a hart asleep in WFI
     * wakes to re-arm its deadline. */
    hart_update_timer(h);
    hart_kick(h);
}

void clint_attach(struct machine *m, uint64_t base, uint64_t size)
{
    struct mmio_dev d = {
        .name = "clint",
        .base = base,
        .size = size,
        .read = clint_read,
        .write = clint_write,
        .opaque = m,
    };
    bus_add(&m->bus, &d);
}

/* The state record, version 1:
 *
 *   nharts                     u32
 *   per hart: msip             bool: mip.MSIP
 *             mtimecmp         u64
 *
 * mtime is not here: it is the machine's clock, saved with the machine. */
#define CLINT_REC_VERSION 1

/* The harts the CLINT serves: those hart_at reaches. */
static unsigned clint_harts(const struct machine *m)
{
    return m->nharts < VM_MAX_CPUS ? m->nharts : VM_MAX_CPUS;
}

void clint_save(const struct machine *m, struct rec_out *o)
{
    unsigned n = clint_harts(m);
    rec_begin(o, "clint", CLINT_REC_VERSION);
    rec_u32(o, n);
    for (unsigned i = 0; i < n; i++) {
        struct hart *h = m->harts[i];
        rec_bool(o, h && (atomic_load(&h->mip) & MIP_MSIP));
        rec_u64(o, h ? atomic_load(&h->mtimecmp) : UINT64_MAX);
    }
    rec_end(o);
}

int clint_load(struct machine *m, struct rec_in *in, struct err *e)
{
    if (rec_open(in, "clint", CLINT_REC_VERSION, e) < 0)
        return -1;
    unsigned n = clint_harts(m);
    uint32_t count = rec_get_u32(in);
    if (rec_ok(in) && count != n)
        rec_fail(in, "%u harts, this machine has %u", count, n);
    /* Read into a copy: the harts change only once all of it is good. */
    bool msip[VM_MAX_CPUS] = {0};
    uint64_t mtimecmp[VM_MAX_CPUS] = {0};
    if (rec_ok(in)) {
        for (unsigned i = 0; i < n; i++) {
            msip[i] = rec_get_bool(in);
            mtimecmp[i] = rec_get_u64(in);
        }
    }
    if (rec_close(in, e) < 0)
        return -1;
    /* As the registers' writes do it. */
    for (unsigned i = 0; i < n; i++) {
        struct hart *h = m->harts[i];
        if (!h)
            continue;
        hart_set_mip(h, MIP_MSIP, msip[i]);
        atomic_store(&h->mtimecmp, mtimecmp[i]);
        hart_update_timer(h);
        hart_kick(h);
    }
    return 0;
}
