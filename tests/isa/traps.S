/* Exceptions and privilege: ECALL from M/S/U, EBREAK, illegal instructions
 * (mtval = the instruction bits), access faults on loads, stores, AMOs and
 * fetches from unmapped addresses, misaligned loads/stores in M mode
 * (which Cella performs), MRET/SRET and the mstatus MPP/MPIE/MIE and
 * SPP/SPIE/SIE transitions, delegation with medeleg, privileged
 * instructions and CSRs from lower modes, read-only and unknown CSRs, Zicsr
 * semantics, WARL fields, misa/mhartid, the counters and their gating by
 * mcounteren/scounteren, WFI with TW, menvcfg and PMP CSRs. */
#include "priv_test.h"

    .option norvc                      /* instruction bits checked via lwu */

#define UNMAPPED 0x100000000000        /* no device, no memory */

    TEST_BEGIN
    INSTALL_MTRAP
    PMP_ALLOW_ALL
    csrw mie, zero
    csrw medeleg, zero
    csrw mideleg, zero

    /* ================= exceptions in M mode ================= */

    /* ECALL from M: cause 11, mepc = the ecall, mtval = 0 */
    li a7, 0
    TEST_TRAP(1, CAUSE_ECALL_M, ecall)
    CHECK(2, s11, 0)
    /* EBREAK: cause 3, mepc = the ebreak */
    TEST_TRAP(3, CAUSE_BREAKPOINT, ebreak)
    CHECK_EBREAK_TVAL(4, 1b)
    /* illegal instructions */
    TEST_TRAP(5, CAUSE_ILLEGAL, .word 0)       /* 16-bit all-zero insn */
    CHECK(6, s11, 0)
    TEST_ILLEGAL(7, .word 0x8765400b)          /* custom-0 opcode */
    CHECK(8, s11, 0x8765400b)                  /* zero-extended */
    TEST_ILLEGAL(9, .word 0xfe000033)          /* OP with funct7 = 0x7f */
    TEST_ILLEGAL(10, .word 0x0200101b)         /* SLLIW with shamt[5] = 1 */
    TEST_ILLEGAL(11, .word 0x00007003)         /* LOAD with funct3 = 7 */
    TEST_ILLEGAL(12, .word 0x00004023)         /* STORE with funct3 = 4 */
    TEST_ILLEGAL(13, .word 0x30300073)         /* SYSTEM, funct12 0x303: unallocated */

    /* access faults: cause 5 (load), 7 (store/AMO), 1 (fetch);
     * mtval = the faulting address */
    li a1, UNMAPPED
    TEST_TRAP(14, CAUSE_LOAD_ACCESS, ld a0, 8(a1))
    li a2, UNMAPPED + 8
    CHECKR(15, s11, a2)
    TEST_TRAP(16, CAUSE_LOAD_ACCESS, lbu a0, 3(a1))
    li a2, UNMAPPED + 3
    CHECKR(17, s11, a2)
    TEST_TRAP(18, CAUSE_STORE_ACCESS, sw a0, 16(a1))
    li a2, UNMAPPED + 16
    CHECKR(19, s11, a2)
    TEST_TRAP(20, AMO_ACCESS, amoadd.d a0, a0, (a1))
    CHECKR(21, s11, a1)
    TEST_TRAP(22, CAUSE_LOAD_ACCESS, lr.w a0, (a1))
    CHECKR(23, s11, a1)
    li a1, 0x10                        /* low unmapped address */
    TEST_TRAP(24, CAUSE_LOAD_ACCESS, lw a0, 0(a1))
    CHECK(25, s11, 0x10)
    /* instruction fetch from an unmapped address: mepc = mtval = target */
    li gp, 26
    li a1, UNMAPPED + 0x40
    EXPECT_TRAP(2f)
    jalr ra, 0(a1)
    j test_fail
2:  CHECK(26, s10, CAUSE_INSN_ACCESS)
    CHECKR(27, s9, a1)
    CHECKR(28, s11, a1)

    /* misaligned loads and stores in M mode are performed (Cella's
     * choice; the spec allows a trap or emulation instead), including
     * accesses that cross a page boundary (cross + 8 is page aligned) */
    la a1, cross
    lh a0, 1(a1)
    CHECK(29, a0, 0xffffffffffff8281)
    lhu a0, 1(a1)
    CHECK(30, a0, 0x8281)
    lw a0, 3(a1)
    CHECK(31, a0, 0xffffffff86858483)
    lwu a0, 2(a1)
    CHECK(32, a0, 0x85848382)
    ld a0, 3(a1)
    CHECK(33, a0, 0x8a89888786858483)
    lh a0, 7(a1)                       /* crosses the page boundary */
    CHECK(34, a0, 0xffffffffffff8887)
    lwu a0, 5(a1)
    CHECK(35, a0, 0x88878685)
    ld a0, 7(a1)
    CHECK(36, a0, 0x8e8d8c8b8a898887)
    li a2, 0x1122334455667788
    sd a2, 5(a1)                       /* crosses */
    ld a0, 0(a1)
    CHECK(37, a0, 0x6677888483828180)
    ld a0, 8(a1)
    CHECK(38, a0, 0x8f8e8d1122334455)
    li a2, 0xaabbccdd
    sw a2, 6(a1)                       /* crosses */
    ld a0, 0(a1)
    CHECK(39, a0, 0xccdd888483828180)
    ld a0, 8(a1)
    CHECK(40, a0, 0x8f8e8d112233aabb)
    li a2, 0xeeff
    sh a2, 1(a1)
    ld a0, 0(a1)
    CHECK(41, a0, 0xccdd888483eeff80)


    /* ================= Zicsr semantics (on mscratch/sscratch) ========== */
    li a0, 0x123456789abcdef0
    csrw mscratch, a0
    csrr a1, mscratch
    CHECK(42, a1, 0x123456789abcdef0)
    li a1, 0xff
    csrrw a2, mscratch, a1             /* returns the old value */
    CHECK(43, a2, 0x123456789abcdef0)
    li a1, 0xf00
    csrrs a2, mscratch, a1
    CHECK(44, a2, 0xff)
    li a1, 0x0f
    csrrc a2, mscratch, a1
    CHECK(45, a2, 0xfff)
    csrrwi a2, mscratch, 31
    CHECK(46, a2, 0xff0)
    csrrsi a2, mscratch, 0             /* uimm = 0: no write */
    CHECK(47, a2, 31)
    csrrci a2, mscratch, 1
    CHECK(48, a2, 31)
    csrr a2, mscratch
    CHECK(49, a2, 30)
    li a0, 77
    csrrw a0, mscratch, a0             /* rd == rs1: a swap */
    CHECK(50, a0, 30)
    csrr a0, mscratch
    CHECK(51, a0, 77)
    li a0, -1
    csrw sscratch, a0                  /* S CSRs are accessible from M */
    csrr a1, sscratch
    CHECK(52, a1, -1)
#ifndef QEMU_SPIKE
    /* xepc bit 0 always reads zero (IALIGN = 16). QEMU 7.2 returns the
     * value written. */
    li a0, 0x80000003
    csrw mepc, a0
    csrr a1, mepc
    CHECK(53, a1, 0x80000002)
    csrw sepc, a0
    csrr a1, sepc
    CHECK(54, a1, 0x80000002)
#endif
    /* mtvec/stvec hold a 4-byte aligned direct-mode base */
    la a0, mtrap_rec
    csrw stvec, a0
    csrr a1, stvec
    CHECKR(55, a1, a0)
    csrr a1, mtvec
    CHECKR(56, a1, a0)

    /* ================= identification, misa, mstatus WARL ============== */
    csrr a0, misa
    srli a1, a0, 62
    CHECK(57, a1, 2)                   /* MXL = 64 */
    li t0, (1 << 0) | (1 << 2) | (1 << 3) | (1 << 5) | (1 << 8) | (1 << 12) | (1 << 18) | (1 << 20)
    and a1, a0, t0                     /* A C D F I M S U */
    CHECKR(58, a1, t0)
    csrr a0, mhartid
    CHECK(59, a0, 0)
    TEST_NO_TRAP(60, csrr a0, mvendorid)
    TEST_NO_TRAP(61, csrr a0, marchid)
    TEST_NO_TRAP(62, csrr a0, mimpid)
    /* SXL = UXL = 2 (64-bit), read-only */
    csrr a0, mstatus
    srli a0, a0, 32
    andi a0, a0, 0xf
    CHECK(63, a0, 0xa)
#ifndef QEMU_SPIKE
    /* MPP is WARL: writing 2 (no H mode) reads back a legal mode. QEMU
     * 7.2 keeps the 2. */
    li t0, MSTATUS_MPP
    csrc mstatus, t0
    li t0, 2 << 11
    csrs mstatus, t0
    csrr a0, mstatus
    srli a0, a0, 11
    andi a0, a0, 3
    li gp, 64
    li t0, 2
    beq a0, t0, test_fail
#endif
    /* sstatus is a restricted view of mstatus */
    li t0, MSTATUS_MPP
    csrs mstatus, t0
    csrr a0, sstatus
    and a0, a0, t0
    CHECK(65, a0, 0)                   /* MPP not visible */
    csrci mstatus, MSTATUS_MIE
    csrsi sstatus, MSTATUS_MIE         /* MIE not writable via sstatus */
    csrr a0, mstatus
    andi a0, a0, MSTATUS_MIE
    CHECK(66, a0, 0)
    li t0, MSTATUS_SUM
    csrs sstatus, t0                   /* SUM is, and shows in mstatus */
    csrr a0, mstatus
    and a0, a0, t0
    CHECKR(67, a0, t0)
    csrc sstatus, t0
    csrr a0, mstatus
    and a0, a0, t0
    CHECK(68, a0, 0)

    /* ================= MRET transitions ================= */
    /* MRET with MPP = M: MIE <- MPIE (1), MPIE <- 1, MPP <- U */
    li t0, MSTATUS_MPP | MSTATUS_MPIE
    csrs mstatus, t0
    csrci mstatus, MSTATUS_MIE
    la t0, 1f
    csrw mepc, t0
    mret
1:  csrr a0, mstatus
    li t0, MSTATUS_MPP | MSTATUS_MPIE | MSTATUS_MIE
    and a0, a0, t0
    CHECK(69, a0, MSTATUS_MPIE | MSTATUS_MIE)
    /* MRET with MPIE = 0: MIE <- 0, MPIE <- 1 */
    li t0, MSTATUS_MPP
    csrs mstatus, t0
    li t0, MSTATUS_MPIE
    csrc mstatus, t0
    la t0, 1f
    csrw mepc, t0
    mret
1:  csrr a0, mstatus
    li t0, MSTATUS_MPP | MSTATUS_MPIE | MSTATUS_MIE
    and a0, a0, t0
    CHECK(70, a0, MSTATUS_MPIE)

    /* MRET to S clears MPRV; the ecall from S is cause 9 and records
     * MPP = S and MPIE = the MIE of S mode (0 here) */
    li t0, MSTATUS_MPRV
    csrs mstatus, t0
    li t0, MSTATUS_MPIE
    csrc mstatus, t0
    MRET_TO(PRV_S, 1f)
1:  li gp, 71
    la a6, 2f
    li a7, GOTO_M_MAGIC
3:  ecall
    j test_fail
2:  CHECK(71, s10, CAUSE_ECALL_S)
    CHECK_ADDR(72, s9, 3b)
    CHECK(73, s11, 0)
    li t0, MSTATUS_MPRV | MSTATUS_MPP | MSTATUS_MPIE
    and a0, s8, t0
#ifndef QEMU_SPIKE
    CHECK(74, a0, MSTATUS_MPP_S)
#else
    CHECK(74, a0, MSTATUS_MPP_S | MSTATUS_MPRV)    /* QEMU 7.2 keeps MPRV */
    li t0, MSTATUS_MPRV
    csrc mstatus, t0
#endif
    /* MRET to U with MPIE = 1: the ecall from U is cause 8, MPP = U,
     * MPIE = 1 (MIE was 1 in U) */
    li t0, MSTATUS_MPIE
    csrs mstatus, t0
    MRET_TO(PRV_U, 1f)
1:  li gp, 75
    la a6, 2f
    li a7, GOTO_M_MAGIC
3:  ecall
    j test_fail
2:  CHECK(75, s10, CAUSE_ECALL_U)
    CHECK_ADDR(76, s9, 3b)
    li t0, MSTATUS_MPP | MSTATUS_MPIE
    and a0, s8, t0
    CHECK(77, a0, MSTATUS_MPIE)
    csrci mstatus, MSTATUS_MIE

    /* ================= SRET transitions ================= */
    MRET_TO(PRV_S, 1f)
1:  /* SRET with SPP = S, SPIE = 0: SIE <- 0, SPIE <- 1, SPP <- U */
    li t0, MSTATUS_SPP
    csrs sstatus, t0
    li t0, MSTATUS_SPIE
    csrc sstatus, t0
    csrsi sstatus, MSTATUS_SIE
    la t0, 1f
    csrw sepc, t0
    sret
1:  csrr a0, sstatus
    li t0, MSTATUS_SPP | MSTATUS_SPIE | MSTATUS_SIE
    and a0, a0, t0
    CHECK(78, a0, MSTATUS_SPIE)
    /* SRET to U with SPIE = 1, SIE = 0: in U, SIE = 1 */
    csrci sstatus, MSTATUS_SIE
    SRET_TO(PRV_U, 1f)
1:  GOTO_M(1f)
1:  CHECK(79, s10, CAUSE_ECALL_U)
    li t0, MSTATUS_SPP | MSTATUS_SPIE | MSTATUS_SIE
    and a0, s8, t0
    CHECK(80, a0, MSTATUS_SPIE | MSTATUS_SIE)
    csrci mstatus, MSTATUS_SIE

    /* ================= read-only, unknown CSRs (from M) ================= */
    li a0, 1
    TEST_ILLEGAL(81, csrw mhartid, a0)
    TEST_ILLEGAL(82, csrw cycle, a0)
    TEST_ILLEGAL(83, csrwi time, 1)
    TEST_ILLEGAL(84, csrs mvendorid, a0)
    TEST_ILLEGAL(85, csrrc a1, marchid, a0)
    TEST_ILLEGAL(86, csrrw zero, instret, zero)   /* CSRRW always writes */
    /* the non-writing forms of CSRRS/CSRRC(I) are plain reads */
    TEST_NO_TRAP(87, csrrs a1, mhartid, zero)
    TEST_NO_TRAP(88, csrrc a1, cycle, zero)
    TEST_NO_TRAP(89, csrrsi a1, instret, 0)
    TEST_NO_TRAP(90, csrrci a1, mimpid, 0)
#ifndef QEMU_SPIKE
    TEST_ILLEGAL(91, csrr a1, 0x600)   /* hstatus: no H (QEMU's CPU has H) */
#endif
    TEST_ILLEGAL(92, csrr a1, 0x7b0)   /* dcsr: debug mode only */
    TEST_ILLEGAL(93, csrr a1, 0x123)   /* unallocated */
    TEST_ILLEGAL(94, csrw 0x123, a0)
    TEST_ILLEGAL(95, csrr a1, 0x0ff)   /* unallocated (user) */

    /* ================= S mode may not touch M state ================= */
    MRET_TO(PRV_S, 1f)
1:  TEST_ILLEGAL(96, csrr a0, mstatus)
    TEST_ILLEGAL(97, csrw mscratch, a0)
    TEST_ILLEGAL(98, csrr a0, mhartid)
    TEST_ILLEGAL(99, csrr a0, mcycle)
    TEST_ILLEGAL(100, mret)
    TEST_NO_TRAP(101, csrr a0, sstatus)
    li a0, 0x5a5a
    csrw sscratch, a0
    csrr a1, sscratch
    CHECK(102, a1, 0x5a5a)
    GOTO_M(1f)
1:
    /* TSR: SRET in S is illegal; TVM: satp and SFENCE.VMA in S are
     * illegal; TW: WFI in S is illegal (Cella traps at once) */
    li t0, MSTATUS_TSR | MSTATUS_TVM | MSTATUS_TW
    csrs mstatus, t0
    MRET_TO(PRV_S, 1f)
1:  TEST_ILLEGAL(103, sret)
    TEST_ILLEGAL(104, csrr a0, satp)
    TEST_ILLEGAL(105, csrw satp, zero)
    TEST_ILLEGAL(106, sfence.vma)
    TEST_ILLEGAL(107, wfi)
    GOTO_M(1f)
1:  li t0, MSTATUS_TSR | MSTATUS_TVM | MSTATUS_TW
    csrc mstatus, t0
    MRET_TO(PRV_S, 1f)                 /* and without them: allowed */
1:  TEST_NO_TRAP(108, csrr a0, satp)
    TEST_NO_TRAP(109, sfence.vma)
    GOTO_M(1f)
1:

    /* ================= U mode may not touch S or M state ============== */
    MRET_TO(PRV_U, 1f)
1:  TEST_ILLEGAL(110, csrr a0, sstatus)
    TEST_ILLEGAL(111, csrr a0, mstatus)
    TEST_ILLEGAL(112, csrw sscratch, a0)
    TEST_ILLEGAL(113, csrr a0, satp)
    TEST_ILLEGAL(114, sret)
    TEST_ILLEGAL(115, mret)
    TEST_ILLEGAL(116, sfence.vma)
    TEST_ILLEGAL(117, wfi)             /* Cella: illegal in U even with TW=0 */
    GOTO_M(1f)
1:

    /* ================= delegation (medeleg) ================= */
    li t0, (1 << CAUSE_ILLEGAL) | (1 << CAUSE_BREAKPOINT) | (1 << CAUSE_ECALL_U)
    csrw medeleg, t0
    csrr a0, medeleg
    and a0, a0, t0
    CHECKR(118, a0, t0)
    INSTALL_STRAP
    li a0, 0x1234
    csrw mscratch, a0
    MRET_TO(PRV_S, 1f)
1:  /* an illegal instruction in S goes to the S handler: scause, sepc,
     * stval = the instruction, SPP = S, SPIE = SIE before the trap */
    csrsi sstatus, MSTATUS_SIE
    TEST_ILLEGAL(119, csrr a0, mscratch)
    li t0, MSTATUS_SPP | MSTATUS_SPIE | MSTATUS_SIE
    and a0, s8, t0
    CHECK(120, a0, MSTATUS_SPP | MSTATUS_SPIE)
    csrr a0, sstatus                   /* SRET restored SIE */
    andi a0, a0, MSTATUS_SIE
    CHECK(121, a0, MSTATUS_SIE)
    csrci sstatus, MSTATUS_SIE
    TEST_TRAP(122, CAUSE_BREAKPOINT, ebreak)
    CHECK_EBREAK_TVAL(123, 1b)
    SRET_TO(PRV_U, 1f)
1:  /* from U: SPP = U */
    TEST_ILLEGAL(124, .word 0x8765400b)
    li t0, MSTATUS_SPP
    and a0, s8, t0
    CHECK(125, a0, 0)
    li a7, 0
    TEST_TRAP(126, CAUSE_ECALL_U, ecall)
    CHECK(127, s11, 0)
    GOTO_M(1f)                         /* through the S handler */
1:  csrr a0, mcause                    /* M saw only the ecall from S */
    CHECK(128, a0, CAUSE_ECALL_S)
    /* exceptions in M are never delegated */
    TEST_ILLEGAL(129, .word 0x8765400b)
    csrr a0, mcause
    CHECK(130, a0, CAUSE_ILLEGAL)
    csrw medeleg, zero

    /* ================= counters ================= */
    /* mcycle and minstret count up; cycle/instret are their shadows */
    csrr a0, mcycle
    li t0, 100
1:  addi t0, t0, -1
    bnez t0, 1b
    csrr a1, mcycle
    li gp, 131
    bgeu a0, a1, test_fail
    csrr a0, minstret
    nop; nop; nop; nop; nop; nop; nop; nop; nop; nop
    csrr a1, minstret
    sub a1, a1, a0
    li gp, 132
    li t0, 10
    bltu a1, t0, test_fail
    csrr a0, instret
    csrr a1, instret
    li gp, 133
    bgeu a0, a1, test_fail
    csrr a0, cycle
    csrr a1, cycle
    li gp, 134
    bltu a1, a0, test_fail
    /* minstret is writable */
    li a0, 1000
    csrw minstret, a0
    csrr a1, minstret
    li gp, 135
    bltu a1, a0, test_fail
    li t0, 1000 + 0x100000
    bgeu a1, t0, test_fail
#ifndef QEMU_SPIKE
    /* time reads the CLINT's mtime: mtime <= time <= mtime, and it moves.
     * (QEMU's spike machine has no time CSR: reads are illegal there.) */
    li t0, CLINT_MTIME
    ld a0, 0(t0)
    csrr a1, time
    ld a2, 0(t0)
    li gp, 136
    bltu a1, a0, test_fail
    bltu a2, a1, test_fail
    li t0, 10000000                    /* bounded wait for a tick */
1:  csrr a2, time
    bne a2, a1, 1f
    addi t0, t0, -1
    bnez t0, 1b
    li gp, 137
    j test_fail
1:  li gp, 137
    bltu a2, a1, test_fail
#endif

    /* counter access from S and U is gated by mcounteren / scounteren */
    csrw mcounteren, zero
    csrw scounteren, zero
    MRET_TO(PRV_S, 1f)
1:  TEST_ILLEGAL(138, csrr a0, cycle)
    TEST_ILLEGAL(139, csrr a0, time)
    TEST_ILLEGAL(140, csrr a0, instret)
    GOTO_M(1f)
1:  li a0, 1                           /* CY only */
    csrw mcounteren, a0
    csrr a1, mcounteren
    CHECK(141, a1, 1)
    MRET_TO(PRV_S, 1f)
1:  TEST_NO_TRAP(142, csrr a0, cycle)
    TEST_ILLEGAL(143, csrr a0, time)
    TEST_ILLEGAL(144, csrr a0, instret)
    SRET_TO(PRV_U, 1f)
1:  TEST_ILLEGAL(145, csrr a0, cycle)  /* scounteren.CY = 0 */
    GOTO_M(1f)
1:  li a0, 7
    csrw mcounteren, a0
    csrr a1, mcounteren
    CHECK(146, a1, 7)
    li a0, 2                           /* TM only for U */
    csrw scounteren, a0
    csrr a1, scounteren
    CHECK(147, a1, 2)
    MRET_TO(PRV_U, 1f)
1:
#ifndef QEMU_SPIKE
    TEST_NO_TRAP(148, csrr a0, time)
#endif
    TEST_ILLEGAL(149, csrr a0, cycle)
    TEST_ILLEGAL(150, csrr a0, instret)
    GOTO_M(1f)
1:  MRET_TO(PRV_S, 1f)
1:  TEST_NO_TRAP(151, csrr a0, cycle)
#ifndef QEMU_SPIKE
    TEST_NO_TRAP(152, csrr a0, time)
#endif
    TEST_NO_TRAP(153, csrr a0, instret)
    TEST_NO_TRAP(154, csrr a0, scounteren)
    GOTO_M(1f)
1:

    /* ================= envcfg, PMP CSRs ================= */
    TEST_NO_TRAP(155, csrr a0, menvcfg)
    TEST_NO_TRAP(156, csrw menvcfg, zero)
    TEST_NO_TRAP(157, csrr a0, senvcfg)
    TEST_NO_TRAP(158, csrw senvcfg, zero)
    /* pmpaddr1 and the entry-1 byte of pmpcfg0 read back (entry 0 keeps
     * S/U access open) */
    li a0, 0x20000400
    csrw pmpaddr1, a0
    csrr a1, pmpaddr1
    CHECK(159, a1, 0x20000400)
    csrr a1, pmpcfg0
    andi a1, a1, 0xff
    CHECK(160, a1, 0x1f)               /* entry 0: NAPOT, RWX */
    li t0, 0x0900                      /* entry 1: TOR, R */
    csrs pmpcfg0, t0
    csrr a1, pmpcfg0
    li t0, 0xffff
    and a1, a1, t0
    CHECK(161, a1, 0x091f)
    li t0, 0xff00
    csrc pmpcfg0, t0
    csrw pmpaddr1, zero
    /* pmpaddr0 (written with all ones) holds address bits 55..2 */
    csrr a1, pmpaddr0
    li t0, 0x003fffffffffffff
    and a1, a1, t0
    CHECKR(162, a1, t0)

    TEST_PASS
    TEST_END
    TRAP_HANDLERS

    .data
    .balign 4096
    .skip 4096 - 8
cross:
    .dword 0x8786858483828180
    .dword 0x8f8e8d8c8b8a8988
