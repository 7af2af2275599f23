/* One RISC-V hart (vCPU): architectural state, CSRs, its software TLB,
 * what it sees of the machine (struct hart_env), and the interface other
 * threads (devices, other harts, the SBI) use to raise interrupts in it and
 * wake it from WFI. */
#ifndef CELLA_VM_RV_HART_H
#define CELLA_VM_RV_HART_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "vm/devif.h"

struct bus;
struct insn;
struct icache_page;
struct jit;

enum { PRV_U = 0, PRV_S = 1, PRV_M = 3 };

/* HSM hart states (SBI spec, hart state management extension). */
enum {
    HSM_STARTED = 0,
    HSM_STOPPED = 1,
    HSM_START_PENDING = 2,
};

/* What a hart sees of the machine it runs in, and no more; the board
 * fills it in. */
struct hart_env {
    struct bus *bus;                /* guest RAM and MMIO */
    const struct vm_clock *clock;   /* mtime */
    struct vm_power power;          /* ends the machine on a fatal state */
    const atomic_int *ending;       /* >= 0 once the machine is ending */
    const atomic_bool *pausing;     /* true: the board wants the hart back
                                     * between slices (leave WFI and the
                                     * HSM park, then it parks the thread) */
    bool paravirt;                  /* no firmware: ecalls from S-mode
                                     * leave as HART_EXIT_SBI */
    bool perf_map;                  /* the translator names its blocks in
                                     * /tmp/perf-PID.map (--perf-map) */
};

/* mip / mie bits */
#define MIP_SSIP (1ull << 1)
#define MIP_MSIP (1ull << 3)
#define MIP_STIP (1ull << 5)
#define MIP_MTIP (1ull << 7)
#define MIP_SEIP (1ull << 9)
#define MIP_MEIP (1ull << 11)

/* mstatus bits */
#define MSTATUS_SIE (1ull << 1)
#define MSTATUS_MIE (1ull << 3)
#define MSTATUS_SPIE (1ull << 5)
#define MSTATUS_UBE (1ull << 6)
#define MSTATUS_MPIE (1ull << 7)
#define MSTATUS_SPP (1ull << 8)
#define MSTATUS_MPP_SHIFT 11
#define MSTATUS_MPP (3ull << 11)
#define MSTATUS_FS_SHIFT 13
#define MSTATUS_FS (3ull << 13)
#define MSTATUS_MPRV (1ull << 17)
#define MSTATUS_SUM (1ull << 18)
#define MSTATUS_MXR (1ull << 19)
#define MSTATUS_TVM (1ull << 20)
#define MSTATUS_TW (1ull << 21)
#define MSTATUS_TSR (1ull << 22)
#define MSTATUS_UXL (3ull << 32)
#define MSTATUS_SD (1ull << 63)

#define MENVCFG_STCE (1ull << 63)

/* exception causes */
enum {
    EXC_INSN_MISALIGNED = 0, EXC_INSN_ACCESS = 1, EXC_ILLEGAL = 2,
    EXC_BREAKPOINT = 3, EXC_LOAD_MISALIGNED = 4, EXC_LOAD_ACCESS = 5,
    EXC_STORE_MISALIGNED = 6, EXC_STORE_ACCESS = 7, EXC_ECALL_U = 8,
    EXC_ECALL_S = 9, EXC_ECALL_M = 11, EXC_INSN_PAGE = 12,
    EXC_LOAD_PAGE = 13, EXC_STORE_PAGE = 15,
};

/* fflags bits */
#define FFLAG_NX 1u
#define FFLAG_UF 2u
#define FFLAG_OF 4u
#define FFLAG_DZ 8u
#define FFLAG_NV 16u

/* Software TLB: guest virtual page -> host address addend, one set per
 * access kind and effective privilege, direct-mapped. Only RAM pages are
 * cached; MMIO always takes the slow path. */
/* 1024 entries: with 256, a 1 MiB O_DIRECT read's page walks and page
 * structures evicted each other (bench/vm-blk: 5x fewer translated loads
 * falling back to the interpreter at 1024, and reads 5% faster). */
#define TLB_BITS 10
#define TLB_SIZE (1u << TLB_BITS)
enum { TLB_R, TLB_W, TLB_X, TLB_KINDS };

#define JIT_SITES 1024    /* struct hart's jit_site, per kind */
#define JIT_SITE_NONE 8u  /* an empty site's tag: no access's (bit 3 clear) */
#define JIT_SITE_FILLS 256  /* sites tlb_sites_drop empties one by one */
#define JIT_VJUMPS 1024     /* struct hart's jit_vjump */

/* An entry of the translator's jump cache by guest address (hart's
 * jit_vjump; jit_x86.c). */
struct jit_vjump {
    uint64_t pc, gen;
    const uint8_t *code;        /* the block's entry */
    uint64_t unused;
};

struct tlb_entry {
    uint64_t vpn;        /* vaddr >> 12, or UINT64_MAX when empty */
    uintptr_t addend;    /* host address = vaddr + addend */
};

struct hart {
    /* hot state first */
    uint64_t x[33];          /* x[32]: RV_RD_SINK, results meant for x0 */
    uint64_t pc;
    uint64_t f[32];          /* F/D registers; singles are NaN-boxed */
    uint32_t fflags;         /* fcsr[4:0] */
    uint32_t frm;            /* fcsr[7:5] */
    int priv;
    int data_priv;           /* privilege loads/stores use (MPRV aware) */
    int data_slot;           /* its TLB slot: tlb_slot(data_priv, SUM) */

    /* Where instruction fetch is: the guest page, its host address, and
     * its decoded-instruction slot with the slot's generation. */
    uint64_t fetch_vpn;
    uint8_t *fetch_host;
    struct insn *fetch_code;
    uint8_t fetch_gen;
    struct icache_page *icache;
    /* Which icache slots were ever claimed since the last icache_flush,
     * a bit each (ICACHE_PAGES of them, cpu.h): a flush clears those
     * alone, and never touches the pages of slots never used. */
    uint64_t icache_claimed[16];
    struct jit *jit;         /* the translator's blocks; NULL: interpret */
    /* The translator's own copies of data-TLB entries, one per load or
     * store it translated (a site; jit_x86_mem.c), loads' copied from
     * TLB_R and stores' from TLB_W, each kind in its own array so that a
     * store never takes a load's (read-only) page. An entry's vpn field
     * holds its tag: the page's address (bits 0-11 clear), or
     * JIT_SITE_NONE. Every TLB flush and mode change empties the entries
     * filled since the last (tlb_sites_drop): jit_site_filled lists them
     * (their index in jit_site, in jit_site_nfilled bytes of it); when
     * more were filled than it holds, the drop empties them all. */
    uint32_t jit_site_nfilled;
    /* The translator's while its code runs (jit_x86.h): the stack
     * pointer it was entered from C with, and the lowest its return
     * addresses may take the stack below that; the instruction a call
     * into C passes, the dword MXCSR goes through, and whether MXCSR is
     * set for the guest; the budget it was entered with, in instructions
     * (COUNT counts from minus it: jit_x86.h), moved on by what a read of
     * minstret counts into it. */
    uintptr_t jit_sp, jit_sp_low;
    int64_t jit_budget;
    uint64_t jit_insn[2];
    uint32_t jit_mxcsr;
    uint8_t jit_fp_on;

    /* The exception a failed step raised (cause, xtval). */
    uint64_t exc_cause, exc_tval;

    /* [slot]: 0 = U, 1 = S, 2 = S with mstatus.SUM, 3 = M */
    struct tlb_entry tlb[4][TLB_KINDS][TLB_SIZE];
    struct tlb_entry jit_site[TLB_W + 1][JIT_SITES];    /* [TLB_R or TLB_W] */
    uint32_t jit_site_filled[JIT_SITE_FILLS];
    /* The translator's jump cache by guest address, which a JALR probes
     * before the fetch TLB: the block entry for pc, which counts only in
     * the generation it was filled in. jit_vgen moves on wherever the
     * fetch TLB's mappings may change (tlb_sites_drop: a TLB flush or a
     * mode change) and wherever blocks die (icache_flush); it starts at
     * 1, for an empty entry's is 0. */
    uint64_t jit_vgen;
    struct jit_vjump jit_vjump[JIT_VJUMPS];

    /* machine-level CSRs */
    uint64_t mstatus, misa, medeleg, mideleg, mie, mtvec, mscratch, mepc,
        mcause, mtval, mcounteren, mcountinhibit, menvcfg, mseccfg;
    uint64_t pmpcfg[16 / 2];         /* RV64: even-numbered pmpcfg only */
    uint64_t pmpaddr[64];
    /* supervisor-level CSRs (sstatus, sie, sip are views of the m ones) */
    uint64_t stvec, sscratch, sepc, scause, stval, satp, scounteren, senvcfg;

    uint64_t instret;                /* retired instructions (minstret) */
    uint64_t cycle_offset;           /* mcycle - minstret */

    /* LR/SC reservation */
    uint64_t resv_addr;
    uint64_t resv_val;
    bool resv_valid;

    /* Pending interrupts. Devices, the CLINT and other harts change bits
     * here from their own threads with hart_set_mip(). */
    _Atomic uint64_t mip;
    /* CLINT timer compare, written by the CLINT from any thread. */
    _Atomic uint64_t mtimecmp;
    /* Sstc supervisor timer compare (also the SBI timer without firmware). */
    _Atomic uint64_t stimecmp;
    /* Number of TLB flushes requested of this hart by other harts. */
    atomic_uint_fast64_t flush_req;
    atomic_uint_fast64_t flush_done;

    /* HSM state (SBI): STARTED, STOPPED, START_PENDING ... */
    _Atomic int hsm_state;
    uint64_t hsm_start_addr, hsm_opaque;

    pthread_mutex_t lock;            /* protects the sleeping handshake */
    pthread_cond_t wake;
    bool sleeping;

    unsigned id;
    struct hart_env env;
};

struct err;

/* Set up hart id in env (reset state: M-mode, pc 0), with the translator
 * when translate is true. Returns 0, -1 on failure, or 1 when the host
 * refused the translator executable memory: the hart interprets, and e
 * says why. */
int hart_init(struct hart *h, const struct hart_env *env, bool translate,
              unsigned id, struct err *e);
void hart_destroy(struct hart *h);
/* Back to the reset state: every register and CSR as at power-on (M-mode,
 * pc 0, timers off, no reservation), caches of the old state dropped. */
void hart_reset(struct hart *h);
/* Why hart_exec returned. */
enum hart_exit {
    HART_RAN,           /* the slice ended, or something needs the loop */
    HART_EXIT_SBI,      /* an ecall from S-mode with no firmware to take
                         * it: pc is still at the ecall, for the run loop
                         * to answer (sbi_call) and step past, as a KVM
                         * exit is answered */
};

/* Run up to n taken branches, jumps and page changes (fewer if something
 * needs the outer loop). */
enum hart_exit hart_exec(struct hart *h, unsigned n);

/* One slice of a vCPU: a hart the SBI HSM stopped waits until it is
 * started or the machine ends; a running one serves other harts' flush
 * requests, takes a pending interrupt, and runs hart_exec(h, n). */
enum hart_exit hart_run(struct hart *h, unsigned n);

/* Atomically set (level true) or clear bits of mip and wake the hart. */
void hart_set_mip(struct hart *h, uint64_t bits, bool level);

/* Recompute what depends on the privilege mode (data_priv, data_slot,
 * fetch page) after priv, mstatus.MPRV/MPP/SUM or satp changed. */
void hart_mode_changed(struct hart *h);

/* Re-evaluate the timer interrupt bit (MTIP, or STIP when the monitor is
 * the firmware) against the current time. Any thread. */
void hart_update_timer(struct hart *h);

/* Wake the hart if it sleeps (WFI, or stopped by the SBI HSM). */
void hart_kick(struct hart *h);

/* Drop the hart's mappings of pages for writing, so that its next write
 * to each page marks it in the bus's dirty log again; while the hart
 * does not run. */
void tlb_forget_writes(struct hart *h);

#endif
