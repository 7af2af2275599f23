/* Internal interface between the parts of the CPU engine (interpreter,
 * MMU, CSRs, traps, SBI): not for devices. Memory-access fast paths are
 * inline here so the interpreter's hot loop stays short. */
#ifndef CELLA_VM_RV_CPU_H
#define CELLA_VM_RV_CPU_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "vm/rv/decode.h"
#include "vm/rv/hart.h"

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

/* CSR numbers (the privileged spec's). */
enum {
    CSR_FFLAGS = 0x001, CSR_FRM = 0x002, CSR_FCSR = 0x003,
    CSR_CYCLE = 0xc00, CSR_TIME = 0xc01, CSR_INSTRET = 0xc02,
    CSR_HPMCOUNTER3 = 0xc03, CSR_HPMCOUNTER31 = 0xc1f,
    CSR_SSTATUS = 0x100, CSR_SIE = 0x104, CSR_STVEC = 0x105,
    CSR_SCOUNTEREN = 0x106, CSR_SENVCFG = 0x10a, CSR_SSCRATCH = 0x140,
    CSR_SEPC = 0x141, CSR_SCAUSE = 0x142, CSR_STVAL = 0x143, CSR_SIP = 0x144,
    CSR_STIMECMP = 0x14d, CSR_SATP = 0x180,
    CSR_MVENDORID = 0xf11, CSR_MARCHID = 0xf12, CSR_MIMPID = 0xf13,
    CSR_MHARTID = 0xf14, CSR_MCONFIGPTR = 0xf15,
    CSR_MSTATUS = 0x300, CSR_MISA = 0x301, CSR_MEDELEG = 0x302,
    CSR_MIDELEG = 0x303, CSR_MIE = 0x304, CSR_MTVEC = 0x305,
    CSR_MCOUNTEREN = 0x306, CSR_MENVCFG = 0x30a, CSR_MCOUNTINHIBIT = 0x320,
    CSR_MHPMEVENT3 = 0x323, CSR_MHPMEVENT31 = 0x33f,
    CSR_MSCRATCH = 0x340, CSR_MEPC = 0x341, CSR_MCAUSE = 0x342,
    CSR_MTVAL = 0x343, CSR_MIP = 0x344,
    CSR_PMPCFG0 = 0x3a0, CSR_PMPCFG15 = 0x3af,
    CSR_PMPADDR0 = 0x3b0, CSR_PMPADDR63 = 0x3ef,
    CSR_MSECCFG = 0x747,
    CSR_TSELECT = 0x7a0, CSR_TDATA1 = 0x7a1, CSR_TDATA2 = 0x7a2,
    CSR_TDATA3 = 0x7a3, CSR_TINFO = 0x7a4,
    CSR_MCYCLE = 0xb00, CSR_MINSTRET = 0xb02,
    CSR_MHPMCOUNTER3 = 0xb03, CSR_MHPMCOUNTER31 = 0xb1f,
};

/* The low 32 bits of v, sign-extended: what every W op writes. */
static inline uint64_t sx32(uint64_t v)
{
    return (uint64_t)(int64_t)(int32_t)v;
}

/* Decoded instructions, one slot per guest page of code, direct-mapped
 * by the page's host address. A slot is claimed for a page with a new
 * generation number; an entry is valid when its cache_gen equals the
 * slot's. Nothing watches stores to code: as the ISA allows, a hart sees
 * modified instructions after FENCE.I (or a remote fence.i through the
 * SBI), which drops every slot (icache_flush). */
/* 1024 slots (32 MiB reserved, touched as code runs): Linux's hot kernel
 * code spans more than 64 pages; 256 made boot 15% and console output 11%
 * faster (bench/vm-boot, bench/vm-console), and 1024 over 256 made
 * interpreted blk reads 6% faster (bench/vm-blk) for 6 MiB more peak RSS. */
#define ICACHE_PAGES 1024
_Static_assert(ICACHE_PAGES == 64 * sizeof ((struct hart *)0)->icache_claimed /
                                    sizeof(uint64_t),
               "a claimed bit per icache slot");
struct icache_page {
    uintptr_t host_page;     /* 0: free */
    uint8_t gen;             /* never 0 while claimed */
    /* One entry per halfword, plus a sentinel past the end that is never
     * valid (cache_gen 0): straight-line code running off the page lands
     * on it and goes to the next page. */
    struct insn insn[2048 + 1];
};

/* The slot for the code page at host address page, claimed if needed. */
static inline struct icache_page *icache_slot(struct hart *h,
                                              const uint8_t *page)
{
    unsigned i = ((uintptr_t)page >> 12) & (ICACHE_PAGES - 1);
    struct icache_page *s = &h->icache[i];
    if (s->host_page != (uintptr_t)page) {
        h->icache_claimed[i / 64] |= 1ull << (i % 64);
        s->host_page = (uintptr_t)page;
        if (++s->gen == 0) {
            memset(s->insn, 0, sizeof s->insn);
            s->gen = 1;
        }
        s->insn[2048].cache_gen = 0;
    }
    return s;
}

/* The bits of the instruction at byte off of the code page at host.
 * false for a 32-bit instruction at 0xffe, which runs into the next page:
 * *raw then holds its low half only. */
static inline bool code_bits(const uint8_t *host, unsigned off,
                             uint32_t *raw)
{
    uint16_t lo;
    memcpy(&lo, host + off, 2);
    *raw = lo;
    if ((lo & 3) != 3)
        return true;
    if (off == 0xffe)
        return false;
    memcpy(raw, host + off, 4);
    return true;
}

/* FENCE.I: forget every decoded instruction. */
void icache_flush(struct hart *h);

/* ---- MMU (mmu.c) ---- */

/* Translate va for an access of kind TLB_R/W/X at privilege priv. On
 * success fill *pa; on failure set h->exc_* (page or access fault). */
bool mmu_translate(struct hart *h, uint64_t va, int kind, int priv,
                   uint64_t *pa);
/* Drop every cached translation (sfence.vma, satp/mstatus changes). */
void tlb_flush(struct hart *h);
/* Drop the cached translations of one virtual page. */
void tlb_flush_page(struct hart *h, uint64_t va);
/* Drop the translator's copies of data-TLB entries and its jump cache by
 * guest address (each of the above does, as does a mode change). */
void tlb_sites_drop(struct hart *h);
static inline int tlb_slot(int priv, uint64_t mstatus)
{
    return priv == PRV_S && (mstatus & MSTATUS_SUM) ? 2 : priv;
}
/* Slow paths: TLB miss, page-crossing, MMIO. false = exception raised. */
bool mem_load_slow(struct hart *h, uint64_t va, unsigned size, uint64_t *v);
bool mem_store_slow(struct hart *h, uint64_t va, unsigned size, uint64_t v);
/* Host pointer for an aligned atomic access (LR/SC/AMO) of size bytes, or
 * NULL with the exception raised (misaligned, fault, not RAM). */
void *mem_atomic_ptr(struct hart *h, uint64_t va, unsigned size, bool lr);
/* Make h->fetch_* describe the page holding h->pc. */
bool fetch_page(struct hart *h);

/* Look va up in one TLB slot for an access of size bytes. The entry is
 * found by the first byte's page and its tag compared with the last
 * byte's, so one compare says both "hit" and "within one page" (the entry
 * at index vpn % TLB_SIZE never holds vpn + 1). */
static inline bool tlb_lookup(struct tlb_entry (*slot)[TLB_SIZE], int kind,
                              uint64_t va, unsigned size, void **host)
{
    const struct tlb_entry *t = &slot[kind][(va >> 12) & (TLB_SIZE - 1)];
    *host = (void *)(uintptr_t)(va + t->addend);
    return likely(t->vpn == (va + size - 1) >> 12);
}

static inline void *tlb_hit(struct hart *h, uint64_t va, int kind,
                            unsigned size)
{
    void *p;
    return tlb_lookup(h->tlb[h->data_slot], kind, va, size, &p) ? p : 0;
}

/* Make the fetch page the one holding pc, if the fetch TLB has it. */
static inline bool fetch_tlb_hit(struct hart *h, uint64_t pc)
{
    uint64_t vpn = pc >> 12;
    const struct tlb_entry *t = &h->tlb[h->priv][TLB_X][vpn & (TLB_SIZE - 1)];
    if (t->vpn != vpn)
        return false;
    uint8_t *page = (uint8_t *)(uintptr_t)((pc & ~0xfffull) + t->addend);
    struct icache_page *slot = icache_slot(h, page);
    h->fetch_vpn = vpn;
    h->fetch_host = page;
    h->fetch_code = slot->insn;
    h->fetch_gen = slot->gen;
    return true;
}

static inline bool mem_load(struct hart *h, uint64_t va, unsigned size,
                            uint64_t *v)
{
    void *p = tlb_hit(h, va, TLB_R, size);
    if (likely(p != 0)) {
        switch (size) {
        case 1: *v = *(uint8_t *)p; return true;
        case 2: { uint16_t x; memcpy(&x, p, 2); *v = x; return true; }
        case 4: { uint32_t x; memcpy(&x, p, 4); *v = x; return true; }
        default: memcpy(v, p, 8); return true;
        }
    }
    return mem_load_slow(h, va, size, v);
}

static inline bool mem_store(struct hart *h, uint64_t va, unsigned size,
                             uint64_t v)
{
    void *p = tlb_hit(h, va, TLB_W, size);
    if (likely(p != 0)) {
        switch (size) {
        case 1: *(uint8_t *)p = (uint8_t)v; return true;
        case 2: { uint16_t x = (uint16_t)v; memcpy(p, &x, 2); return true; }
        case 4: { uint32_t x = (uint32_t)v; memcpy(p, &x, 4); return true; }
        default: memcpy(p, &v, 8); return true;
        }
    }
    return mem_store_slow(h, va, size, v);
}

/* Record an exception for the trap path to take; always false, so a
 * failing step can `return rv_raise(...)`. Prefixed: <signal.h> has raise. */
static inline bool rv_raise(struct hart *h, uint64_t cause, uint64_t tval)
{
    h->exc_cause = cause;
    h->exc_tval = tval;
    return false;
}

/* ---- CSRs (csr.c) ---- */

/* WARL: the bits of a CSR's field in struct hart that writes and traps
 * can set. csr.c keeps no others, so a loaded state may hold no others
 * (hart_state.c). */
#define MSTATUS_WRITABLE (MSTATUS_SIE | MSTATUS_MIE | MSTATUS_SPIE | \
                          MSTATUS_MPIE | MSTATUS_SPP | MSTATUS_MPP | \
                          MSTATUS_FS | MSTATUS_MPRV | MSTATUS_SUM | \
                          MSTATUS_MXR | MSTATUS_TVM | MSTATUS_TW | \
                          MSTATUS_TSR)
#define S_INTS (MIP_SSIP | MIP_STIP | MIP_SEIP)
#define M_INTS (MIP_MSIP | MIP_MTIP | MIP_MEIP)
/* Exceptions that may be delegated (not ecall from M). */
#define MEDELEG_MASK 0xb3ffull
/* pc, mepc, sepc: instructions are 2-byte aligned (C is always on). */
#define PC_MASK (~1ull)
/* mtvec, stvec: mode 0 (direct) or 1 (vectored). */
#define TVEC_MASK (~2ull)
#define COUNTEREN_MASK 0xffffffffull
/* mcountinhibit: no bit for time */
#define MCOUNTINHIBIT_MASK 0xfffffffdull
/* menvcfg: STCE and FIOM; senvcfg: FIOM */
#define MENVCFG_MASK (MENVCFG_STCE | 1)
#define SENVCFG_MASK 1ull
#define MSECCFG_MASK 7ull
/* satp: MODE and PPN (ASID is 0) */
#define SATP_MASK ((0xfull << 60) | ((1ull << 44) - 1))
#define PMPADDR_MASK ((1ull << 54) - 1)
#define FFLAGS_MASK 0x1fu
#define FRM_MASK 7u

/* A privilege mode (priv, mstatus.MPP): 2 is reserved. */
static inline bool priv_valid(uint64_t p)
{
    return p == PRV_U || p == PRV_S || p == PRV_M;
}

/* satp.MODE: Bare, Sv39 or Sv48; a write of another is ignored. */
static inline bool satp_mode_valid(uint64_t satp)
{
    uint64_t mode = satp >> 60;
    return mode == 0 || mode == 8 || mode == 9;
}

/* Execute an LR, SC or AMO (atomic.c); false = exception raised, and
 * then nothing changed. */
bool rv_atomic(struct hart *h, const struct insn *in);

/* Execute a Zicsr instruction; false = illegal instruction raised. On
 * success the caller counts the instruction as retired (minstret + 1):
 * writes to minstret and mcycle allow for that. */
bool csr_exec(struct hart *h, const struct insn *in);

/* ---- traps (trap.c) ---- */

/* Take exception h->exc_cause/exc_tval at h->pc; HART_EXIT_SBI instead
 * for an ecall from S-mode when no firmware runs (the run loop's). */
enum hart_exit trap_exception(struct hart *h);
/* Take the highest-priority pending and enabled interrupt, if any.
 * Returns true when one was taken. */
bool trap_interrupt(struct hart *h);
/* Pending-and-enabled interrupts that would wake WFI. */
static inline bool irq_wakeup(const struct hart *h)
{
    return (atomic_load_explicit(&h->mip, memory_order_relaxed) & h->mie) != 0;
}
void do_mret(struct hart *h);
void do_sret(struct hart *h);

/* ---- hart life cycle (hart.c) ---- */

/* Serve TLB flushes other harts asked of this one. */
void hart_serve_flushes(struct hart *h);
/* Park in WFI until an interrupt is pending (or the timer fires, or the
 * machine stops). */
void hart_wfi(struct hart *h);

#endif
