/* Control and status registers (numbered in cpu.h): access rules (privilege,
 * read-only, FS gating, counter enables), WARL legalization, and the side
 * effects of writes (TLB flushes, interrupt re-evaluation, counters). */
#include "vm/rv/cpu.h"

#define SSTATUS_MASK (MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_UBE | \
                      MSTATUS_SPP | MSTATUS_FS | MSTATUS_SUM | MSTATUS_MXR | \
                      MSTATUS_UXL | MSTATUS_SD)

void hart_mode_changed(struct hart *h)
{
    int dp = h->priv;
    if (h->priv == PRV_M && (h->mstatus & MSTATUS_MPRV))
        dp = (int)((h->mstatus & MSTATUS_MPP) >> MSTATUS_MPP_SHIFT);
    h->data_priv = dp;
    h->data_slot = tlb_slot(dp, h->mstatus);
    h->fetch_vpn = UINT64_MAX;
    tlb_sites_drop(h);
}

static uint64_t mstatus_read(const struct hart *h)
{
    uint64_t s = h->mstatus | (2ull << 32) | (2ull << 34);
    if ((s & MSTATUS_FS) == MSTATUS_FS)
        s |= MSTATUS_SD;
    return s;
}

static void mstatus_write(struct hart *h, uint64_t v)
{
    uint64_t old = h->mstatus;
    uint64_t n = (old & ~MSTATUS_WRITABLE) | (v & MSTATUS_WRITABLE);
    if (!priv_valid((n & MSTATUS_MPP) >> MSTATUS_MPP_SHIFT))
        n = (n & ~MSTATUS_MPP) | (old & MSTATUS_MPP);
    h->mstatus = n;
    if ((old ^ n) & MSTATUS_MXR)
        tlb_flush(h);
    if ((old ^ n) & (MSTATUS_MPRV | MSTATUS_MPP | MSTATUS_SUM))
        hart_mode_changed(h);
}

static uint64_t mip_read(const struct hart *h)
{
    return atomic_load(&h->mip);
}

/* Counter CSRs from S/U are gated by mcounteren and scounteren. */
static bool counter_allowed(const struct hart *h, unsigned csr)
{
    uint64_t bit = 1ull << (csr & 31);
    if (h->priv < PRV_M && !(h->mcounteren & bit))
        return false;
    if (h->priv < PRV_S && !(h->scounteren & bit))
        return false;
    return true;
}

/* Sstc: stimecmp from S needs menvcfg.STCE and mcounteren.TM. */
static bool stimecmp_allowed(const struct hart *h)
{
    return h->priv == PRV_M ||
           ((h->menvcfg & MENVCFG_STCE) && (h->mcounteren & 2));
}

static bool fs_on(const struct hart *h)
{
    return (h->mstatus & MSTATUS_FS) != 0;
}

/* One cycle per retired instruction: mcycle = minstret + cycle_offset. */
static uint64_t mcycle_read(const struct hart *h)
{
    return h->instret + h->cycle_offset;
}

/* The CSR instruction that writes a counter retires after csr_exec, which
 * adds one to minstret and so to mcycle. A write replaces the writing
 * instruction's own increment (Zicsr: the value written is what the next
 * instruction reads), so what is stored is one less than the value. */
static void minstret_write(struct hart *h, uint64_t v)
{
    uint64_t cycle = mcycle_read(h);
    h->instret = v - 1;
    h->cycle_offset = cycle - h->instret;   /* mcycle counts on */
}

static void mcycle_write(struct hart *h, uint64_t v)
{
    h->cycle_offset = v - 1 - h->instret;
}

static bool csr_read(struct hart *h, unsigned csr, uint64_t *v)
{
    switch (csr) {
    case CSR_FFLAGS: if (!fs_on(h)) return false; *v = h->fflags; return true;
    case CSR_FRM: if (!fs_on(h)) return false; *v = h->frm; return true;
    case CSR_FCSR:
        if (!fs_on(h)) return false;
        *v = h->fflags | (h->frm << 5);
        return true;
    case CSR_CYCLE:
        if (!counter_allowed(h, csr)) return false;
        *v = mcycle_read(h);
        return true;
    case CSR_INSTRET:
        if (!counter_allowed(h, csr)) return false;
        *v = h->instret;
        return true;
    case CSR_TIME:
        if (!counter_allowed(h, csr)) return false;
        *v = vm_clock_now(h->env.clock);
        return true;
    case CSR_SSTATUS: *v = mstatus_read(h) & SSTATUS_MASK; return true;
    case CSR_SIE: *v = h->mie & h->mideleg; return true;
    case CSR_STVEC: *v = h->stvec; return true;
    case CSR_SCOUNTEREN: *v = h->scounteren; return true;
    case CSR_SENVCFG: *v = h->senvcfg; return true;
    case CSR_SSCRATCH: *v = h->sscratch; return true;
    case CSR_SEPC: *v = h->sepc; return true;
    case CSR_SCAUSE: *v = h->scause; return true;
    case CSR_STVAL: *v = h->stval; return true;
    case CSR_SIP: *v = mip_read(h) & h->mideleg; return true;
    case CSR_STIMECMP:
        if (!stimecmp_allowed(h)) return false;
        *v = atomic_load(&h->stimecmp);
        return true;
    case CSR_SATP:
        if (h->priv == PRV_S && (h->mstatus & MSTATUS_TVM)) return false;
        *v = h->satp;
        return true;
    case CSR_MVENDORID: case CSR_MARCHID: case CSR_MIMPID:
    case CSR_MCONFIGPTR:
        *v = 0;
        return true;
    case CSR_MHARTID: *v = h->id; return true;
    case CSR_MSTATUS: *v = mstatus_read(h); return true;
    case CSR_MISA: *v = h->misa; return true;
    case CSR_MEDELEG: *v = h->medeleg; return true;
    case CSR_MIDELEG: *v = h->mideleg; return true;
    case CSR_MIE: *v = h->mie; return true;
    case CSR_MTVEC: *v = h->mtvec; return true;
    case CSR_MCOUNTEREN: *v = h->mcounteren; return true;
    case CSR_MENVCFG: *v = h->menvcfg; return true;
    case CSR_MCOUNTINHIBIT: *v = h->mcountinhibit; return true;
    case CSR_MSCRATCH: *v = h->mscratch; return true;
    case CSR_MEPC: *v = h->mepc; return true;
    case CSR_MCAUSE: *v = h->mcause; return true;
    case CSR_MTVAL: *v = h->mtval; return true;
    case CSR_MIP: *v = mip_read(h); return true;
    case CSR_MSECCFG: *v = h->mseccfg; return true;
    /* A trigger module with no triggers (debug spec 1.0, where these
     * registers are optional without triggers): tselect holds 0, tdata1
     * reads type 0 ("no trigger at this tselect"), tinfo reads info = 1
     * ("the selected trigger doesn't exist"). Writes are ignored. */
    case CSR_TSELECT: case CSR_TDATA1: case CSR_TDATA2: case CSR_TDATA3:
        *v = 0;
        return true;
    case CSR_TINFO: *v = 1; return true;
    case CSR_MCYCLE: *v = mcycle_read(h); return true;
    case CSR_MINSTRET: *v = h->instret; return true;
    }
    if (csr >= CSR_HPMCOUNTER3 && csr <= CSR_HPMCOUNTER31) {
        if (!counter_allowed(h, csr)) return false;
        *v = 0;
        return true;
    }
    if ((csr >= CSR_MHPMCOUNTER3 && csr <= CSR_MHPMCOUNTER31) ||
        (csr >= CSR_MHPMEVENT3 && csr <= CSR_MHPMEVENT31)) {
        *v = 0;
        return true;
    }
    if (csr >= CSR_PMPCFG0 && csr <= CSR_PMPCFG15) {
        if (csr & 1) return false;      /* odd pmpcfg do not exist on RV64 */
        *v = h->pmpcfg[(csr - CSR_PMPCFG0) / 2];
        return true;
    }
    if (csr >= CSR_PMPADDR0 && csr <= CSR_PMPADDR63) {
        *v = h->pmpaddr[csr - CSR_PMPADDR0];
        return true;
    }
    return false;
}

static void fs_dirty(struct hart *h)
{
    h->mstatus |= MSTATUS_FS;
}

/* Apply to mip only the writable bits this write changes from what the
 * instruction read: bits devices drive meanwhile are left alone. */
static void mip_update(struct hart *h, uint64_t old, uint64_t v,
                       uint64_t writable)
{
    uint64_t diff = (old ^ v) & writable;
    if (diff & v)
        hart_set_mip(h, diff & v, true);
    if (diff & ~v)
        hart_set_mip(h, diff & ~v, false);
}

static bool csr_write(struct hart *h, unsigned csr, uint64_t v, uint64_t old)
{
    switch (csr) {
    case CSR_FFLAGS: h->fflags = v & FFLAGS_MASK; fs_dirty(h); return true;
    case CSR_FRM: h->frm = v & FRM_MASK; fs_dirty(h); return true;
    case CSR_FCSR:
        h->fflags = v & FFLAGS_MASK;
        h->frm = (v >> 5) & FRM_MASK;
        fs_dirty(h);
        return true;
    case CSR_SSTATUS:
        mstatus_write(h, (h->mstatus & ~SSTATUS_MASK) | (v & SSTATUS_MASK));
        return true;
    case CSR_SIE:
        h->mie = (h->mie & ~h->mideleg) | (v & h->mideleg & S_INTS);
        return true;
    case CSR_STVEC: h->stvec = v & TVEC_MASK; return true;
    case CSR_SCOUNTEREN: h->scounteren = v & COUNTEREN_MASK; return true;
    case CSR_SENVCFG: h->senvcfg = v & SENVCFG_MASK; return true;
    case CSR_SSCRATCH: h->sscratch = v; return true;
    case CSR_SEPC: h->sepc = v & PC_MASK; return true;
    case CSR_SCAUSE: h->scause = v; return true;
    case CSR_STVAL: h->stval = v; return true;
    case CSR_SIP:
        mip_update(h, old, v, h->mideleg & MIP_SSIP);
        return true;
    case CSR_STIMECMP:
        atomic_store(&h->stimecmp, v);
        hart_update_timer(h);
        return true;
    case CSR_SATP:
        if (h->priv == PRV_S && (h->mstatus & MSTATUS_TVM)) return false;
        if (!satp_mode_valid(v))
            return true;        /* unsupported mode: the write is ignored */
        h->satp = v & SATP_MASK;
        tlb_flush(h);
        return true;
    case CSR_MSTATUS: mstatus_write(h, v); return true;
    case CSR_MISA: return true;
    case CSR_MEDELEG: h->medeleg = v & MEDELEG_MASK; return true;
    case CSR_MIDELEG: h->mideleg = v & S_INTS; return true;
    case CSR_MIE: h->mie = v & (S_INTS | M_INTS); return true;
    case CSR_MTVEC: h->mtvec = v & TVEC_MASK; return true;
    case CSR_MCOUNTEREN: h->mcounteren = v & COUNTEREN_MASK; return true;
    case CSR_MENVCFG:
        h->menvcfg = v & MENVCFG_MASK;
        hart_update_timer(h);
        return true;
    case CSR_MCOUNTINHIBIT:
        h->mcountinhibit = v & MCOUNTINHIBIT_MASK;
        return true;
    case CSR_MSCRATCH: h->mscratch = v; return true;
    case CSR_MEPC: h->mepc = v & PC_MASK; return true;
    case CSR_MCAUSE: h->mcause = v; return true;
    case CSR_MTVAL: h->mtval = v; return true;
    case CSR_MIP:
        /* Software may set SSIP, STIP and SEIP; the M bits follow devices,
         * and STIP follows stimecmp while Sstc is on. */
        mip_update(h, old, v,
                   S_INTS & ~((h->menvcfg & MENVCFG_STCE) ? MIP_STIP : 0));
        return true;
    case CSR_MSECCFG: h->mseccfg = v & MSECCFG_MASK; return true;
    case CSR_TSELECT: case CSR_TDATA1: case CSR_TDATA2: case CSR_TDATA3:
    case CSR_TINFO:
        return true;
    case CSR_MCYCLE: mcycle_write(h, v); return true;
    case CSR_MINSTRET: minstret_write(h, v); return true;
    }
    if ((csr >= CSR_MHPMCOUNTER3 && csr <= CSR_MHPMCOUNTER31) ||
        (csr >= CSR_MHPMEVENT3 && csr <= CSR_MHPMEVENT31))
        return true;
    if (csr >= CSR_PMPCFG0 && csr <= CSR_PMPCFG15) {
        if (csr & 1) return false;
        h->pmpcfg[(csr - CSR_PMPCFG0) / 2] = v;
        return true;
    }
    if (csr >= CSR_PMPADDR0 && csr <= CSR_PMPADDR63) {
        h->pmpaddr[csr - CSR_PMPADDR0] = v & PMPADDR_MASK;
        return true;
    }
    return false;
}

bool csr_exec(struct hart *h, const struct insn *in)
{
    unsigned csr = (unsigned)in->imm & 0xfff;
    unsigned op = in->op;
    bool imm_form = op >= OP_CSRRWI;
    uint64_t src = imm_form ? in->rs1 : h->x[in->rs1];
    bool is_write = op == OP_CSRRW || op == OP_CSRRWI || in->rs1 != 0;

    if ((unsigned)h->priv < ((csr >> 8) & 3))
        return rv_raise(h, EXC_ILLEGAL, in->raw);
    if (is_write && (csr >> 10) == 3)
        return rv_raise(h, EXC_ILLEGAL, in->raw);
    /* Reads have no side effects, so every form reads: that also checks
     * the CSR exists and is accessible. */
    uint64_t old;
    if (!csr_read(h, csr, &old))
        return rv_raise(h, EXC_ILLEGAL, in->raw);
    if (is_write) {
        uint64_t nv = src;
        if (op == OP_CSRRS || op == OP_CSRRSI)
            nv = old | src;
        else if (op == OP_CSRRC || op == OP_CSRRCI)
            nv = old & ~src;
        if (!csr_write(h, csr, nv, old))
            return rv_raise(h, EXC_ILLEGAL, in->raw);
    }
    h->x[in->rd] = old;
    return true;
}
