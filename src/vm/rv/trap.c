/* Traps: exceptions and interrupts, delegation to S-mode, vectored
 * interrupts, and the xRET instructions. With no firmware (paravirtual
 * boot) the monitor is M-mode: an ecall from S leaves the engine as an SBI
 * exit for the run loop. */
#include "vm/rv/cpu.h"

#include <inttypes.h>
#include <stdio.h>

#include "vm/devif.h"

#define INT_BIT (1ull << 63)

static void take_trap(struct hart *h, uint64_t cause, uint64_t tval, bool irq)
{
    uint64_t deleg = irq ? h->mideleg : h->medeleg;
    uint64_t s = h->mstatus;
    if (h->priv <= PRV_S && ((deleg >> cause) & 1)) {
        h->scause = cause | (irq ? INT_BIT : 0);
        h->sepc = h->pc;
        h->stval = tval;
        s = (s & ~MSTATUS_SPIE) | ((s & MSTATUS_SIE) ? MSTATUS_SPIE : 0);
        s &= ~(MSTATUS_SIE | MSTATUS_SPP);
        if (h->priv == PRV_S)
            s |= MSTATUS_SPP;
        h->mstatus = s;
        h->priv = PRV_S;
        h->pc = (h->stvec & ~3ull) + ((irq && (h->stvec & 1)) ? 4 * cause : 0);
    } else {
        if (h->env.paravirt) {
            fprintf(stderr,
                    "cella: hart %u: guest %s %" PRIu64 " at pc 0x%" PRIx64
                    " (tval 0x%" PRIx64 ") needs firmware, and none runs\n",
                    h->id, irq ? "interrupt" : "exception", cause, h->pc,
                    tval);
            vm_power_stop(&h->env.power, EXIT_ERROR);
            return;
        }
        h->mcause = cause | (irq ? INT_BIT : 0);
        h->mepc = h->pc;
        h->mtval = tval;
        s = (s & ~MSTATUS_MPIE) | ((s & MSTATUS_MIE) ? MSTATUS_MPIE : 0);
        s &= ~(MSTATUS_MIE | MSTATUS_MPP);
        s |= (uint64_t)h->priv << MSTATUS_MPP_SHIFT;
        h->mstatus = s;
        h->priv = PRV_M;
        h->pc = (h->mtvec & ~3ull) + ((irq && (h->mtvec & 1)) ? 4 * cause : 0);
    }
    hart_mode_changed(h);
}

enum hart_exit trap_exception(struct hart *h)
{
    if (h->exc_cause == EXC_ECALL_S && h->env.paravirt)
        return HART_EXIT_SBI;
    take_trap(h, h->exc_cause, h->exc_tval, false);
    return HART_RAN;
}

/* Interrupt causes from highest to lowest priority. */
static const unsigned irq_order[] = {11, 3, 7, 9, 1, 5};

bool trap_interrupt(struct hart *h)
{
    uint64_t pend = atomic_load_explicit(&h->mip, memory_order_acquire) & h->mie;
    if (!pend)
        return false;
    bool m_on = h->priv < PRV_M || (h->mstatus & MSTATUS_MIE);
    bool s_on = h->priv < PRV_S || (h->priv == PRV_S && (h->mstatus & MSTATUS_SIE));
    uint64_t ready = 0;
    if (m_on)
        ready = pend & ~h->mideleg;
    if (!ready && s_on)
        ready = pend & h->mideleg;
    if (!ready)
        return false;
    for (unsigned i = 0; i < sizeof irq_order / sizeof irq_order[0]; i++) {
        if (ready & (1ull << irq_order[i])) {
            take_trap(h, irq_order[i], 0, true);
            return true;
        }
    }
    return false;
}

void do_mret(struct hart *h)
{
    uint64_t s = h->mstatus;
    int mpp = (int)((s & MSTATUS_MPP) >> MSTATUS_MPP_SHIFT);
    s = (s & ~MSTATUS_MIE) | ((s & MSTATUS_MPIE) ? MSTATUS_MIE : 0);
    s |= MSTATUS_MPIE;
    s &= ~MSTATUS_MPP;
    if (mpp != PRV_M)
        s &= ~MSTATUS_MPRV;
    h->mstatus = s;
    h->priv = mpp;
    h->pc = h->mepc;
    hart_mode_changed(h);
}

void do_sret(struct hart *h)
{
    uint64_t s = h->mstatus;
    int spp = (s & MSTATUS_SPP) ? PRV_S : PRV_U;
    s = (s & ~MSTATUS_SIE) | ((s & MSTATUS_SPIE) ? MSTATUS_SIE : 0);
    s |= MSTATUS_SPIE;
    s &= ~(MSTATUS_SPP | MSTATUS_MPRV);
    h->mstatus = s;
    h->priv = spp;
    h->pc = h->sepc;
    hart_mode_changed(h);
}
