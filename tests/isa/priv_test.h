/* Privileged-architecture helpers for the bare-metal ISA tests, on top of
 * test.h: CSR bit names, trap causes, a recording trap handler for M and for
 * S mode, and macros to move between privilege modes.
 *
 * Register conventions (in addition to test.h's gp = case number, t6 =
 * CHECK scratch):
 *   tp  (x4)  resume address for the next EXPECTED trap. The recording
 *             handlers jump there (with mret/sret, so the privilege mode
 *             is the one that trapped) and clear tp, so a trap is expected
 *             only once. A trap while tp == 0 is unexpected: the program
 *             fails with case number gp + 0x400 ("unexpected trap during
 *             case gp").
 *   s8        xstatus read at handler entry
 *   s9        xepc
 *   s10       xcause
 *   s11       xtval
 *   a6, a7    arguments of GOTO_M (see below)
 * The handlers clobber t6 and nothing else (besides s8..s11, tp).
 *
 * Where QEMU 7.2's spike machine differs from Cella's documented behaviour
 * the tests expect Cella's; building with -DQEMU_SPIKE expects QEMU's
 * instead, so that the rest of a program can still be validated there.
 * README.md lists these cases. */
#ifndef CELLA_ISA_PRIV_TEST_H
#define CELLA_ISA_PRIV_TEST_H

#include "test.h"

/* privilege modes */
#define PRV_U 0
#define PRV_S 1
#define PRV_M 3

/* mstatus / sstatus bits */
#define MSTATUS_SIE   (1 << 1)
#define MSTATUS_MIE   (1 << 3)
#define MSTATUS_SPIE  (1 << 5)
#define MSTATUS_MPIE  (1 << 7)
#define MSTATUS_SPP   (1 << 8)
#define MSTATUS_MPP   (3 << 11)
#define MSTATUS_MPP_S (1 << 11)
#define MSTATUS_FS    (3 << 13)
#define MSTATUS_MPRV  (1 << 17)
#define MSTATUS_SUM   (1 << 18)
#define MSTATUS_MXR   (1 << 19)
#define MSTATUS_TVM   (1 << 20)
#define MSTATUS_TW    (1 << 21)
#define MSTATUS_TSR   (1 << 22)

/* mip / mie bits */
#define MIP_SSIP (1 << 1)
#define MIP_MSIP (1 << 3)
#define MIP_STIP (1 << 5)
#define MIP_MTIP (1 << 7)
#define MIP_SEIP (1 << 9)
#define MIP_MEIP (1 << 11)

/* exception causes */
#define CAUSE_INSN_MISALIGNED  0
#define CAUSE_INSN_ACCESS      1
#define CAUSE_ILLEGAL          2
#define CAUSE_BREAKPOINT       3
#define CAUSE_LOAD_MISALIGNED  4
#define CAUSE_LOAD_ACCESS      5
#define CAUSE_STORE_MISALIGNED 6
#define CAUSE_STORE_ACCESS     7
#define CAUSE_ECALL_U          8
#define CAUSE_ECALL_S          9
#define CAUSE_ECALL_M          11
#define CAUSE_INSN_PAGE        12
#define CAUSE_LOAD_PAGE        13
#define CAUSE_STORE_PAGE       15

/* interrupt causes (mcause/scause with bit 63 set) */
#define IRQ_BIT  0x8000000000000000
#define CAUSE_SSI (IRQ_BIT | 1)
#define CAUSE_MSI (IRQ_BIT | 3)
#define CAUSE_STI (IRQ_BIT | 5)
#define CAUSE_MTI (IRQ_BIT | 7)
#define CAUSE_SEI (IRQ_BIT | 9)
#define CAUSE_MEI (IRQ_BIT | 11)

/* CLINT (same address on Cella's board and QEMU's spike), hart 0 */
#define CLINT_MSIP     0x2000000
#define CLINT_MTIMECMP 0x2004000
#define CLINT_MTIME    0x200bff8

/* a7 value that turns an ecall into a GOTO_M request */
#define GOTO_M_MAGIC 0x600d600d

/* Install the recording handlers as mtvec (and stvec). */
#define INSTALL_MTRAP       \
    la t0, mtrap_rec;       \
    csrw mtvec, t0;
#define INSTALL_STRAP       \
    la t0, strap_rec;       \
    csrw stvec, t0;

/* Compare two registers; fail as case n if they differ. */
#define CHECKR(n, reg, reg2)                \
    li gp, n;                               \
    bne reg, reg2, test_fail;

/* Check that reg holds the address of label (uses t6). */
#define CHECK_ADDR(n, reg, label)           \
    li gp, n;                               \
    la t6, label;                           \
    bne reg, t6, test_fail;

/* Exceptions of AMOs: a misaligned AMO raises store/AMO address misaligned
 * (6), an AMO to an unmapped address a store/AMO access fault (7). QEMU 7.2
 * reports them as load exceptions (4, 5). */
#ifdef QEMU_SPIKE
#define AMO_MISALIGNED CAUSE_LOAD_MISALIGNED
#define AMO_ACCESS     CAUSE_LOAD_ACCESS
#else
#define AMO_MISALIGNED CAUSE_STORE_MISALIGNED
#define AMO_ACCESS     CAUSE_STORE_ACCESS
#endif

/* mtval after an EBREAK: Cella writes the address of the ebreak (the spec
 * allows that or 0); QEMU 7.2 writes 0. */
#ifdef QEMU_SPIKE
#define CHECK_EBREAK_TVAL(n, label) CHECK(n, s11, 0)
#else
#define CHECK_EBREAK_TVAL(n, label) CHECK_ADDR(n, s11, label)
#endif

/* Expect one trap; the handler resumes at label. */
#define EXPECT_TRAP(label)  la tp, label;

/* The instruction at label 1: (inside the macro) must raise exception
 * `cause`; checks xcause and xepc. The trap resumes at 2:. */
#define TEST_TRAP(n, cause, insn...)    \
    li gp, n;                           \
    EXPECT_TRAP(2f);                    \
1:  insn;                               \
    j test_fail;                        \
2:  CHECK(n, s10, cause);               \
    CHECK_ADDR(n, s9, 1b);

/* An illegal instruction: cause 2, xtval = its instruction bits (the
 * instruction must be a 32-bit one). */
#define TEST_ILLEGAL(n, insn...)        \
    TEST_TRAP(n, CAUSE_ILLEGAL, insn)   \
    la t6, 1b;                          \
    lwu t6, 0(t6);                      \
    bne s11, t6, test_fail;

/* A CSR read or instruction that must NOT trap. */
#define TEST_NO_TRAP(n, insn...)        \
    li gp, n;                           \
    insn;

/* Let S and U mode access all of memory through PMP: entry 0 is a NAPOT
 * region covering the whole address space with R, W and X (an
 * implementation with PMP denies S/U accesses that match no entry). */
#define PMP_ALLOW_ALL       \
    li t0, -1;              \
    csrw pmpaddr0, t0;      \
    li t0, 0x1f;            \
    csrw pmpcfg0, t0;

/* From M mode: continue at label in privilege mode `mode` (mret with
 * MPP = mode; MPIE is left as it is, so MIE afterwards = current MPIE). */
#define MRET_TO(mode, label)            \
    li t0, MSTATUS_MPP;                 \
    csrc mstatus, t0;                   \
    li t0, (mode) << 11;                \
    csrs mstatus, t0;                   \
    la t0, label;                       \
    csrw mepc, t0;                      \
    mret;

/* From S mode: continue at label in mode (PRV_U or PRV_S) with sret. */
#define SRET_TO(mode, label)            \
    li t0, MSTATUS_SPP;                 \
    csrc sstatus, t0;                   \
    li t0, (mode) << 8;                 \
    csrs sstatus, t0;                   \
    la t0, label;                       \
    csrw sepc, t0;                      \
    sret;

/* From any mode: continue at label in M mode, through an ecall that
 * mtrap_rec recognises (strap_rec passes it on when ecalls from U are
 * delegated; ecalls from S must not be).
 * M mode is entered with MIE = 0. The target address is physical: from code running at a different
 * virtual address, compute it yourself and use GOTO_M_REG. */
#define GOTO_M(label)                   \
    la a6, label;                       \
    GOTO_M_REG
#define GOTO_M_REG                      \
    li a7, GOTO_M_MAGIC;                \
    ecall;

/* The handlers. Put TRAP_HANDLERS once in the program (in .text, after
 * TEST_END or before it). */
#define TRAP_HANDLERS                                                   \
    .text;                                                              \
    .balign 4;                                                          \
mtrap_rec:                                                              \
    csrr s8, mstatus;                                                   \
    csrr s9, mepc;                                                      \
    csrr s10, mcause;                                                   \
    csrr s11, mtval;                                                    \
    /* GOTO_M request: an ecall (cause 8, 9 or 11) with a7 = magic */   \
    li t6, GOTO_M_MAGIC;                                                \
    bne a7, t6, 1f;                                                     \
    addi t6, s10, -8;                                                   \
    sltiu t6, t6, 4;                                                    \
    beqz t6, 1f;                                                        \
    li a7, 0;                                                           \
    li t6, MSTATUS_MPP;                                                 \
    csrs mstatus, t6;                                                   \
    li t6, MSTATUS_MPIE;                                                \
    csrc mstatus, t6;                                                   \
    csrw mepc, a6;                                                      \
    mret;                                                               \
1:  /* an interrupt: disable its source in mie so it is taken once */   \
    bgez s10, 2f;                                                       \
    li t6, 1;                                                           \
    sll t6, t6, s10;                                                    \
    csrc mie, t6;                                                       \
2:  beqz tp, trap_unexpected;                                           \
    csrw mepc, tp;                                                      \
    li tp, 0;                                                           \
    mret;                                                               \
                                                                        \
    .balign 4;                                                          \
strap_rec:                                                              \
    csrr s8, sstatus;                                                   \
    csrr s9, sepc;                                                      \
    csrr s10, scause;                                                   \
    csrr s11, stval;                                                    \
    /* a GOTO_M request from U (ecall delegated to S): pass it on to M  \
     * with an ecall from S (which must not be delegated) */            \
    li t6, GOTO_M_MAGIC;                                                \
    bne a7, t6, 1f;                                                     \
    addi t6, s10, -8;                                                   \
    sltiu t6, t6, 4;                                                    \
    beqz t6, 1f;                                                        \
    ecall;                                                              \
1:  bgez s10, 1f;                                                       \
    li t6, 1;                                                           \
    sll t6, t6, s10;                                                    \
    csrc sie, t6;                                                       \
1:  beqz tp, trap_unexpected;                                           \
    csrw sepc, tp;                                                      \
    li tp, 0;                                                           \
    sret;                                                               \
                                                                        \
trap_unexpected:                                                        \
    addi gp, gp, 0x400;                                                 \
    j test_fail;

#endif
