/* A hart's state as a record (hart_state.h): what is saved, in which
 * order, and the checks that make a loaded state one the hart could have
 * reached, since a record may come from anywhere.
 *
 * The record "hart<id>", version 1, little-endian:
 *   u64   pc, x1-x31, f0-f31, then the CSR fields in the order of
 *         `fields` below, minstret, mcycle - minstret, and the SBI HSM
 *         start address and opaque value
 *   u8    privilege mode, fflags, frm
 *   u64   misa (must be this hart's: it is read-only)
 *   bool  LR reservation held; u64 its guest physical address and the
 *         value LR read (both 0 when none is held)
 *   u64   mip without MSIP; stimecmp
 *   u8    SBI HSM state
 * Not saved: mip.MSIP and mtimecmp (the CLINT's record), mtime (the
 * machine's), caches (TLB, decoded instructions, translated code, the
 * fetch page), what derives from the rest (data_priv, data_slot), an
 * exception being raised (exc_cause, exc_tval: taken before the engine
 * returns), and WFI (a paused hart has retired it: it resumes after). */
#include "vm/rv/hart_state.h"

#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/rec.h"
#include "vm/bus.h"
#include "vm/rv/cpu.h"

#define HART_STATE_VERSION 1

/* n 64-bit fields of struct hart from offset off, saved as they are, and
 * the bits each can have set. An array's fields are named name<index>,
 * from first. */
struct field_run {
    const char *name;
    size_t off;
    unsigned first, n;
    uint64_t mask;
};

#define ONE(f, mask) {#f, offsetof(struct hart, f), 0, 1, mask}
#define MANY(f, first, n, mask) \
    {#f, offsetof(struct hart, f[first]), first, n, mask}

static const struct field_run fields[] = {
    ONE(pc, PC_MASK),
    MANY(x, 1, 31, ~0ull),      /* x0 is 0; x[32] is a sink */
    MANY(f, 0, 32, ~0ull),
    ONE(mstatus, MSTATUS_WRITABLE),
    ONE(medeleg, MEDELEG_MASK),
    ONE(mideleg, S_INTS),
    ONE(mie, S_INTS | M_INTS),
    ONE(mtvec, TVEC_MASK),
    ONE(mscratch, ~0ull),
    ONE(mepc, PC_MASK),
    ONE(mcause, ~0ull),
    ONE(mtval, ~0ull),
    ONE(mcounteren, COUNTEREN_MASK),
    ONE(mcountinhibit, MCOUNTINHIBIT_MASK),
    ONE(menvcfg, MENVCFG_MASK),
    ONE(mseccfg, MSECCFG_MASK),
    MANY(pmpcfg, 0, 8, ~0ull),
    MANY(pmpaddr, 0, 64, PMPADDR_MASK),
    ONE(stvec, TVEC_MASK),
    ONE(sscratch, ~0ull),
    ONE(sepc, PC_MASK),
    ONE(scause, ~0ull),
    ONE(stval, ~0ull),
    ONE(satp, SATP_MASK),
    ONE(scounteren, COUNTEREN_MASK),
    ONE(senvcfg, SENVCFG_MASK),
    ONE(instret, ~0ull),
    ONE(cycle_offset, ~0ull),
    ONE(hsm_start_addr, PC_MASK),
    ONE(hsm_opaque, ~0ull),
};

#define NFIELDS (sizeof fields / sizeof fields[0])

/* Interrupts the record holds pending: MSIP is the CLINT's. */
#define MIP_SAVED ((S_INTS | M_INTS) & ~MIP_MSIP)

static const char *record_name(const struct hart *h,
                               char name[REC_NAME_MAX + 1])
{
    snprintf(name, REC_NAME_MAX + 1, "hart%u", h->id);
    return name;
}

void hart_save(const struct hart *h, struct rec_out *o)
{
    char name[REC_NAME_MAX + 1];
    rec_begin(o, record_name(h, name), HART_STATE_VERSION);
    for (unsigned i = 0; i < NFIELDS; i++) {
        const uint64_t *p =
            (const uint64_t *)((const char *)h + fields[i].off);
        for (unsigned k = 0; k < fields[i].n; k++)
            rec_u64(o, p[k]);
    }
    rec_u8(o, (uint8_t)h->priv);
    rec_u8(o, (uint8_t)h->fflags);
    rec_u8(o, (uint8_t)h->frm);
    rec_u64(o, h->misa);
    /* The reservation is a host address: saved as the guest's. */
    const struct bus *b = h->env.bus;
    bool resv = h->resv_valid;
    rec_bool(o, resv);
    rec_u64(o, resv ? h->resv_addr - (uintptr_t)b->ram + b->ram_base : 0);
    rec_u64(o, resv ? h->resv_val : 0);
    rec_u64(o, atomic_load(&h->mip) & ~MIP_MSIP);
    rec_u64(o, atomic_load(&h->stimecmp));
    rec_u8(o, (uint8_t)atomic_load(&h->hsm_state));
    rec_end(o);
}

/* The 64-bit fields of the open record into t, each checked against
 * its mask. */
static void read_fields(struct rec_in *in, struct hart *t)
{
    for (unsigned i = 0; i < NFIELDS; i++) {
        const struct field_run *run = &fields[i];
        uint64_t *p = (uint64_t *)((char *)t + run->off);
        for (unsigned k = 0; k < run->n; k++) {
            p[k] = rec_get_u64(in);
            if (p[k] & ~run->mask) {
                if (run->n == 1)
                    rec_fail(in, "%s holds 0x%" PRIx64, run->name, p[k]);
                else
                    rec_fail(in, "%s%u holds 0x%" PRIx64, run->name,
                             run->first + k, p[k]);
            }
        }
    }
    uint64_t mpp = (t->mstatus & MSTATUS_MPP) >> MSTATUS_MPP_SHIFT;
    if (!priv_valid(mpp))
        rec_fail(in, "mstatus.MPP holds %" PRIu64, mpp);
    if (!satp_mode_valid(t->satp))
        rec_fail(in, "satp mode %" PRIu64, t->satp >> 60);
}

int hart_load(struct hart *h, struct rec_in *in, struct err *e)
{
    /* The fields go to a scratch hart first: h changes only once the
     * whole record is known good. */
    struct hart *t = malloc(sizeof *t);
    if (!t)
        return err_set(e, ENOMEM, "cannot load the state of hart %u", h->id);
    char name[REC_NAME_MAX + 1];
    if (rec_open(in, record_name(h, name), HART_STATE_VERSION, e) < 0) {
        free(t);
        return -1;
    }
    read_fields(in, t);
    uint8_t priv = rec_get_u8(in);
    if (!priv_valid(priv))
        rec_fail(in, "privilege mode %u", priv);
    uint8_t fflags = rec_get_u8(in), frm = rec_get_u8(in);
    if (fflags & ~FFLAGS_MASK)
        rec_fail(in, "fflags holds 0x%x", fflags);
    if (frm & ~FRM_MASK)
        rec_fail(in, "frm holds %u", frm);
    uint64_t misa = rec_get_u64(in);
    if (misa != h->misa)
        rec_fail(in, "misa 0x%" PRIx64 " (this hart's is 0x%" PRIx64 ")",
                 misa, h->misa);
    bool resv = rec_get_bool(in);
    uint64_t resv_pa = rec_get_u64(in), resv_val = rec_get_u64(in);
    void *resv_host = NULL;
    if (resv) {
        resv_host = bus_ram_ptr(h->env.bus, resv_pa, 4);
        if (!resv_host || resv_pa % 4)
            rec_fail(in, "reservation at 0x%" PRIx64
                     ", not a word of RAM", resv_pa);
    } else if (resv_pa || resv_val) {
        rec_fail(in, "an address or value of no reservation");
    }
    uint64_t mip = rec_get_u64(in), stimecmp = rec_get_u64(in);
    if (mip & ~MIP_SAVED)
        rec_fail(in, "mip holds 0x%" PRIx64, mip);
    uint8_t hsm = rec_get_u8(in);
    if (hsm != HSM_STARTED && hsm != HSM_STOPPED && hsm != HSM_START_PENDING)
        rec_fail(in, "HSM state %u", hsm);
    if (rec_close(in, e) < 0) {
        free(t);
        return -1;
    }

    for (unsigned i = 0; i < NFIELDS; i++)
        memcpy((char *)h + fields[i].off, (char *)t + fields[i].off,
               fields[i].n * sizeof(uint64_t));
    free(t);
    h->priv = priv;
    h->fflags = fflags;
    h->frm = frm;
    h->resv_valid = resv;
    h->resv_addr = (uintptr_t)resv_host;
    h->resv_val = resv_val;
    atomic_fetch_and(&h->mip, MIP_MSIP);
    atomic_fetch_or(&h->mip, mip);
    atomic_store(&h->stimecmp, stimecmp);
    atomic_store(&h->hsm_state, hsm);
    tlb_flush(h);
    icache_flush(h);
    hart_mode_changed(h);
    return 0;
}
