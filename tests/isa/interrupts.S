/* Interrupts: the machine timer (CLINT mtimecmp) and machine software
 * interrupt (CLINT msip), masking by mstatus.MIE and mie while the bit in
 * mip stays visible, WFI waking on a pending interrupt, the exact mepc of
 * an interrupt taken right after the CSR write that enables it, priority
 * when several are pending (MSI > MTI > SEI > SSI > STI; MEI needs a PLIC
 * and is left out), M interrupts taken in S and U whatever MIE says,
 * delegation to S with mideleg (scause, sepc, SPP/SPIE; masked in M;
 * taken in U whatever SIE says), and the sip/sie views. */
#include "priv_test.h"

    .option norvc

/* Interrupt handlers used here append (cause, epc, status) to the log at
 * s1 and disable the interrupt in mie/sie, then return to the interrupted
 * instruction; they preserve every register but s1. Exceptions go to the
 * recording handlers of priv_test.h. */
#define LOG_RESET       la s1, irq_log;
/* Number of logged interrupts == k */
#define LOG_COUNT(n, k)                 \
    la a0, irq_log;                     \
    sub a0, s1, a0;                     \
    CHECK(n, a0, (k) * 24)
/* Field f (0 cause, 8 epc, 16 status) of log entry i */
#define LOG_FIELD(reg, i, f)            \
    la reg, irq_log;                    \
    addi reg, reg, (i) * 24 + (f);      \
    ld reg, 0(reg);

#define SET_MTIMECMP_REL(delta)         \
    li t0, CLINT_MTIME;                 \
    ld t1, 0(t0);                       \
    li t2, delta;                       \
    add t1, t1, t2;                     \
    li t0, CLINT_MTIMECMP;              \
    sd t1, 0(t0);
#define SET_MTIMECMP(val)               \
    li t0, CLINT_MTIMECMP;              \
    li t1, val;                         \
    sd t1, 0(t0);
#define SET_MSIP(val)                   \
    li t0, CLINT_MSIP;                  \
    li t1, val;                         \
    sw t1, 0(t0);

    TEST_BEGIN
    la t0, mtrap_irq
    csrw mtvec, t0
    la t0, strap_irq
    csrw stvec, t0
    PMP_ALLOW_ALL
    csrci mstatus, MSTATUS_MIE
    csrw mie, zero
    csrw mideleg, zero
    csrw medeleg, zero
    li t0, 1
    slli t0, t0, 63
    csrc menvcfg, t0                   /* STCE = 0: mip.STIP is writable */
    SET_MTIMECMP(-1)
    SET_MSIP(0)
    li a7, 0
    LOG_RESET

    /* ---- machine timer, masked by MIE = 0 ---- */
    li t0, MIP_MTIP
    csrw mie, t0
    SET_MTIMECMP_REL(100000)           /* 10 ms at 10 MHz */
    csrr a0, mip
    andi a0, a0, MIP_MTIP
    CHECK(1, a0, 0)                    /* not yet pending */
    /* WFI returns once MTIP is pending, although MIE = 0 (loop in case
     * WFI returns early, which the spec allows) */
1:  wfi
    csrr a0, mip
    andi a0, a0, MIP_MTIP
    beqz a0, 1b
    LOG_COUNT(2, 0)                    /* nothing taken */
    /* setting MIE takes it right after the csrsi: mepc = the next insn */
    csrsi mstatus, MSTATUS_MIE
2:  nop
    LOG_COUNT(3, 1)
    LOG_FIELD(a0, 0, 0)
    CHECK(4, a0, CAUSE_MTI)
    LOG_FIELD(a0, 0, 8)
    CHECK_ADDR(5, a0, 2b)
    LOG_FIELD(a0, 0, 16)               /* MPP = M, MPIE = 1 */
    li t0, MSTATUS_MPP | MSTATUS_MPIE
    and a0, a0, t0
    CHECKR(6, a0, t0)
    /* writing mtimecmp far ahead clears MTIP */
    SET_MTIMECMP(-1)
    csrr a0, mip
    andi a0, a0, MIP_MTIP
    CHECK(7, a0, 0)
    csrr a0, mie                       /* the handler masked MTIE */
    CHECK(8, a0, 0)

    /* ---- machine timer interrupting WFI with MIE = 1: mepc = wfi + 4 */
    LOG_RESET
    li t0, MIP_MTIP
    csrw mie, t0
    SET_MTIMECMP_REL(20000)            /* 2 ms */
    la s2, irq_log
    csrsi mstatus, MSTATUS_MIE
1:  wfi
2:  beq s1, s2, 2b                     /* if WFI returned early, wait here */
    csrci mstatus, MSTATUS_MIE
    LOG_COUNT(9, 1)
    LOG_FIELD(a0, 0, 0)
    CHECK(10, a0, CAUSE_MTI)
    LOG_FIELD(a0, 0, 8)
    CHECK_ADDR(11, a0, 2b)
    SET_MTIMECMP(-1)

    /* ---- machine software interrupt through msip ---- */
    LOG_RESET
    li t0, MIP_MSIP
    csrw mie, t0
    SET_MSIP(1)
    csrr a0, mip
    andi a0, a0, MIP_MSIP
    CHECK(12, a0, MIP_MSIP)            /* pending, masked by MIE = 0 */
    wfi                                /* returns: MSIP pending + enabled */
    LOG_COUNT(13, 0)
    csrsi mstatus, MSTATUS_MIE
2:  nop
    csrci mstatus, MSTATUS_MIE
    LOG_COUNT(14, 1)
    LOG_FIELD(a0, 0, 0)
    CHECK(15, a0, CAUSE_MSI)
    LOG_FIELD(a0, 0, 8)
    CHECK_ADDR(16, a0, 2b)
    SET_MSIP(0)
    csrr a0, mip
    andi a0, a0, MIP_MSIP
    CHECK(17, a0, 0)
    /* MSIP and MTIP are read-only in mip */
    li t0, MIP_MSIP | MIP_MTIP
    csrs mip, t0
    csrr a0, mip
    and a0, a0, t0
    CHECK(18, a0, 0)

    /* ---- mie masks a pending interrupt even with MIE = 1 ---- */
    LOG_RESET
    csrw mie, zero
    SET_MSIP(1)
    csrsi mstatus, MSTATUS_MIE
    nop
    nop
    csrci mstatus, MSTATUS_MIE
    LOG_COUNT(19, 0)
    SET_MSIP(0)

    /* ---- priority: MSI > MTI > SEI > SSI > STI, all to M ---- */
    LOG_RESET
    SET_MSIP(1)
    SET_MTIMECMP(0)
    li t0, MIP_SEIP | MIP_SSIP | MIP_STIP
    csrs mip, t0
    csrr a0, mip
    li t0, MIP_MSIP | MIP_MTIP | MIP_SEIP | MIP_SSIP | MIP_STIP
    and a0, a0, t0
    CHECKR(20, a0, t0)                 /* all five pending */
    csrw mie, t0
    csrsi mstatus, MSTATUS_MIE
2:  nop
    csrci mstatus, MSTATUS_MIE
    LOG_COUNT(21, 5)
#ifndef QEMU_SPIKE
#define PRIO_1ST CAUSE_MSI
#define PRIO_2ND CAUSE_MTI
#define PRIO_3RD CAUSE_SEI
#define PRIO_4TH CAUSE_SSI
#define PRIO_5TH CAUSE_STI
#else
    /* QEMU 7.2 (without AIA) takes the lowest-numbered interrupt first */
#define PRIO_1ST CAUSE_SSI
#define PRIO_2ND CAUSE_MSI
#define PRIO_3RD CAUSE_STI
#define PRIO_4TH CAUSE_MTI
#define PRIO_5TH CAUSE_SEI
#endif
    LOG_FIELD(a0, 0, 0)
    CHECK(22, a0, PRIO_1ST)
    LOG_FIELD(a0, 1, 0)
    CHECK(23, a0, PRIO_2ND)
    LOG_FIELD(a0, 2, 0)
    CHECK(24, a0, PRIO_3RD)
    LOG_FIELD(a0, 3, 0)
    CHECK(25, a0, PRIO_4TH)
    LOG_FIELD(a0, 4, 0)
    CHECK(26, a0, PRIO_5TH)
    LOG_FIELD(a0, 4, 8)                /* all taken before the nop */
    CHECK_ADDR(27, a0, 2b)
    SET_MSIP(0)
    SET_MTIMECMP(-1)
    li t0, MIP_SEIP | MIP_SSIP | MIP_STIP
    csrc mip, t0
    csrr a0, mip
    li t0, MIP_MSIP | MIP_MTIP | MIP_SEIP | MIP_SSIP | MIP_STIP
    and a0, a0, t0
    CHECK(28, a0, 0)

    /* ---- M interrupts are taken in S and U whatever MIE is ---- */
    LOG_RESET
    li t0, MIP_MSIP
    csrw mie, t0
    SET_MSIP(1)                        /* MIE = 0: not taken in M */
    li t0, MSTATUS_MPIE
    csrc mstatus, t0                   /* MIE stays 0 after the mret */
    MRET_TO(PRV_S, 1f)
1:  nop                                /* taken before this nop */
    GOTO_M(2f)
2:  SET_MSIP(0)
    LOG_COUNT(29, 1)
    LOG_FIELD(a0, 0, 0)
    CHECK(30, a0, CAUSE_MSI)
    LOG_FIELD(a0, 0, 8)
    CHECK_ADDR(31, a0, 1b)
    LOG_FIELD(a0, 0, 16)               /* MPP = S, MPIE = 0 */
    li t0, MSTATUS_MPP | MSTATUS_MPIE
    and a0, a0, t0
    CHECK(32, a0, MSTATUS_MPP_S)
    /* the timer, from U */
    LOG_RESET
    li t0, MIP_MTIP
    csrw mie, t0
    SET_MTIMECMP(0)
    li t0, MSTATUS_MPIE
    csrc mstatus, t0
    MRET_TO(PRV_U, 1f)
1:  nop
    GOTO_M(2f)
2:  SET_MTIMECMP(-1)
    LOG_COUNT(33, 1)
    LOG_FIELD(a0, 0, 0)
    CHECK(34, a0, CAUSE_MTI)
    LOG_FIELD(a0, 0, 8)
    CHECK_ADDR(35, a0, 1b)
    LOG_FIELD(a0, 0, 16)               /* MPP = U */
    li t0, MSTATUS_MPP
    and a0, a0, t0
    CHECK(36, a0, 0)
    /* an S-level interrupt that is not delegated goes to M, even from S
     * with SIE = 0 */
    LOG_RESET
    li t0, MIP_SSIP
    csrw mie, t0
    csrs mip, t0
    csrci mstatus, MSTATUS_SIE
    MRET_TO(PRV_S, 1f)
1:  nop
    GOTO_M(2f)
2:  li t0, MIP_SSIP
    csrc mip, t0
    LOG_COUNT(37, 1)
    LOG_FIELD(a0, 0, 0)
    CHECK(38, a0, CAUSE_SSI)
    LOG_FIELD(a0, 0, 8)
    CHECK_ADDR(39, a0, 1b)

    /* ---- delegation to S with mideleg ---- */
    li t0, MIP_SSIP | MIP_STIP | MIP_SEIP
    csrw mideleg, t0
    csrr a0, mideleg
    and a0, a0, t0
    CHECKR(40, a0, t0)
    /* sip/sie show only the delegated bits */
    li t0, MIP_SSIP
    csrw mideleg, t0
    li t0, MIP_SSIP | MIP_STIP
    csrs mip, t0
    csrr a0, sip
    CHECK(41, a0, MIP_SSIP)
    li t0, MIP_SSIP | MIP_STIP | MIP_MSIP
    csrw mie, t0
    csrr a0, sie
    CHECK(42, a0, MIP_SSIP)
    li t0, MIP_SSIP | MIP_STIP
    csrc mip, t0
    csrw sie, zero                     /* clears only delegated bits */
    csrr a0, mie
    CHECK(43, a0, MIP_STIP | MIP_MSIP)
    li t0, MIP_SSIP | MIP_STIP | MIP_SEIP
    csrw mideleg, t0
    /* a delegated interrupt is never taken in M */
    LOG_RESET
    li t0, MIP_SSIP
    csrw mie, t0
    csrs mip, t0
    csrsi mstatus, MSTATUS_MIE
    nop
    nop
    csrci mstatus, MSTATUS_MIE
    LOG_COUNT(44, 0)
    li t0, MIP_SSIP
    csrc mip, t0
    /* in S: SSIP set through sip, masked by SIE = 0, wakes WFI, taken
     * right after SIE is set; scause, sepc, SPP = S, SPIE = 1 */
    LOG_RESET
    csrci mstatus, MSTATUS_SIE
    MRET_TO(PRV_S, 1f)
1:  li t0, MIP_SSIP
    csrs sip, t0
    csrr a0, sip
    CHECK(45, a0, MIP_SSIP)
    wfi
    LOG_COUNT(46, 0)
    csrsi sstatus, MSTATUS_SIE
2:  nop
    csrci sstatus, MSTATUS_SIE
    LOG_COUNT(47, 1)
    LOG_FIELD(a0, 0, 0)
    CHECK(48, a0, CAUSE_SSI)
    LOG_FIELD(a0, 0, 8)
    CHECK_ADDR(49, a0, 2b)
    LOG_FIELD(a0, 0, 16)
    li t0, MSTATUS_SPP | MSTATUS_SPIE | MSTATUS_SIE
    and a0, a0, t0
    CHECK(50, a0, MSTATUS_SPP | MSTATUS_SPIE)
    csrr a0, sie                       /* the S handler masked SSIE */
    CHECK(51, a0, 0)
    li t0, MIP_SSIP
    csrc sip, t0
    csrr a0, sip
    CHECK(52, a0, 0)
    /* in U, a delegated interrupt is taken whatever SIE is */
    LOG_RESET
    li t0, MIP_SSIP
    csrs sie, t0
    csrs sip, t0                       /* SIE = 0: pending in S */
    li t0, MSTATUS_SPIE
    csrc sstatus, t0                   /* SIE stays 0 in U */
    SRET_TO(PRV_U, 1f)
1:  nop
    GOTO_M(2f)
2:  LOG_COUNT(53, 1)
    LOG_FIELD(a0, 0, 0)
    CHECK(54, a0, CAUSE_SSI)
    LOG_FIELD(a0, 0, 8)
    CHECK_ADDR(55, a0, 1b)
    LOG_FIELD(a0, 0, 16)               /* SPP = U */
    andi a0, a0, MSTATUS_SPP
    CHECK(56, a0, 0)
    li t0, MIP_SSIP
    csrc mip, t0
    /* STIP set by M, delegated: taken in S with SIE = 1 */
    LOG_RESET
    li t0, MIP_STIP
    csrw mie, t0
    csrs mip, t0
    csrsi mstatus, MSTATUS_SIE
    MRET_TO(PRV_S, 1f)
1:  nop
    GOTO_M(2f)
2:  li t0, MIP_STIP
    csrc mip, t0
    csrci mstatus, MSTATUS_SIE
    LOG_COUNT(57, 1)
    LOG_FIELD(a0, 0, 0)
    CHECK(58, a0, CAUSE_STI)
    LOG_FIELD(a0, 0, 8)
    CHECK_ADDR(59, a0, 1b)
    /* delegated interrupts are still below M ones: with MSI pending too,
     * an S-mode hart takes the MSI (to M) first */
    LOG_RESET
    li t0, MIP_SSIP | MIP_MSIP
    csrw mie, t0
    li t0, MIP_SSIP
    csrs mip, t0
    SET_MSIP(1)
    csrsi mstatus, MSTATUS_SIE
    li t0, MSTATUS_MPIE
    csrc mstatus, t0
    MRET_TO(PRV_S, 1f)
1:  nop
    GOTO_M(2f)
2:  SET_MSIP(0)
    li t0, MIP_SSIP
    csrc mip, t0
    csrci mstatus, MSTATUS_SIE
    LOG_COUNT(60, 2)
    LOG_FIELD(a0, 0, 0)
    CHECK(61, a0, CAUSE_MSI)
    LOG_FIELD(a0, 1, 0)
    CHECK(62, a0, CAUSE_SSI)
    csrw mideleg, zero

    TEST_PASS
    TEST_END
    TRAP_HANDLERS

    .text
    .balign 4
mtrap_irq:
    csrw mscratch, t6
    csrr t6, mcause
    bltz t6, 1f
    csrr t6, mscratch                  /* an exception */
    j mtrap_rec
1:  sd t5, 0(s1)                       /* borrow t5 */
    li t5, 1
    sll t5, t5, t6
    csrc mie, t5
    ld t5, 0(s1)
    sd t6, 0(s1)
    csrr t6, mepc
    sd t6, 8(s1)
    csrr t6, mstatus
    sd t6, 16(s1)
    addi s1, s1, 24
    csrr t6, mscratch
    mret

    .balign 4
strap_irq:
    csrw sscratch, t6
    csrr t6, scause
    bltz t6, 1f
    csrr t6, sscratch
    j strap_rec
1:  sd t5, 0(s1)
    li t5, 1
    sll t5, t5, t6
    csrc sie, t5
    ld t5, 0(s1)
    sd t6, 0(s1)
    csrr t6, sepc
    sd t6, 8(s1)
    csrr t6, sstatus
    sd t6, 16(s1)
    addi s1, s1, 24
    csrr t6, sscratch
    sret

    .data
    .balign 8
irq_log:
    .skip 24 * 16
