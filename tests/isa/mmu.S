/* Virtual memory: Sv39 and Sv48 page tables built at run time (4 KiB
 * pages, 2 MiB megapages, 1 GiB gigapages, a 512 GiB Sv48 terapage),
 * loads, stores and fetches through them from S and U mode, page faults
 * (cause 12/13/15, stval = the faulting virtual address, sepc) for invalid
 * PTEs, missing R/W/X, the reserved W-without-R encoding, a non-leaf PTE at
 * the last level, misaligned superpages, non-canonical addresses, U pages
 * from S (SUM; fetch always faults) and S pages from U; MXR; hardware
 * update of the A and D bits; SFENCE.VMA after PTE changes; MPRV; satp
 * WARL; instructions straddling a page boundary (physically discontiguous,
 * and with the second page unmapped).
 *
 * Page faults are delegated to S (strap_rec); everything else goes to M.
 *
 * Address map:
 *   0x80000000 + 1 GiB   identity gigapage (S, RWX): code, data, tohost
 *   0xc0000000 + 1 GiB   alias of the same memory (U, RWX): U-mode code
 *   HI + i * 4 KiB       test pages, i = 0..15 (pt_l0, see PAGE_*)
 *   HI + 2 MiB           misaligned megapage
 *   HI + 4 MiB           megapage onto 0x80000000 (S, R)
 *   0x1_0000_0000        misaligned gigapage
 */
#include "priv_test.h"

    .option norvc

#define PTE_V 0x01
#define PTE_R 0x02
#define PTE_W 0x04
#define PTE_X 0x08
#define PTE_U 0x10
#define PTE_A 0x40
#define PTE_D 0x80

#define SATP_SV39 (8 << 60)
#define SATP_SV48 (9 << 60)

#define HI 0xffffffffc0000000          /* VPN[2] = 511 (Sv39) */
#define VA(i) (HI + (i) * 0x1000)
#define ALIAS_OFF 0x40000000

/* the test pages, by pt_l0 index */
#define P_RW      0    /* pg0, RW */
#define P_RO      1    /* pg1, R */
#define P_WONLY   2    /* pg1, W without R: reserved */
#define P_XONLY   3    /* xpage, X only, A = 0 at first */
#define P_NOX     4    /* pg2, RW */
#define P_INVALID 5    /* V = 0 */
#define P_USER    6    /* pg3, RWX U */
#define P_AD      7    /* pg2, RW, A = D = 0 at first */
#define P_REMAP   8    /* pg0, then pg1, then read-only */
#define P_LATE    9    /* invalid, then pg0 */
#define P_NONLEAF 10   /* V, no RWX at level 0 */
#define P_STR1    12   /* spage: 32-bit insn at the end ... */
#define P_STR1B   13   /* ... and the next page unmapped */
#define P_STR2    14   /* spage2: 32-bit insn at the end ... */
#define P_STR2B   15   /* ... continuing on spage3 */

#define PG_MAGIC0 0x1111111111111111
#define PG_MAGIC1 0x2222222222222222
#define PG_MAGIC2 0x3333333333333333
#define PG_MAGIC3 0x4444444444444444

/* table[idx] = PTE for the physical address in register pa (clobbers
 * t0..t2) */
#define SET_PTE(table, idx, pa, flags)  \
    la t0, table;                       \
    li t1, (idx) * 8;                   \
    add t0, t0, t1;                     \
    srli t1, pa, 12;                    \
    slli t1, t1, 10;                    \
    li t2, flags;                       \
    or t1, t1, t2;                      \
    sd t1, 0(t0);
/* reg = address of table[idx] */
#define PTE_ADDR(reg, table, idx)       \
    la reg, table;                      \
    li t1, (idx) * 8;                   \
    add reg, reg, t1;

#define LEAF_RWX (PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D)

    TEST_BEGIN
    INSTALL_MTRAP
    INSTALL_STRAP
    PMP_ALLOW_ALL
    li a7, 0
    csrw mie, zero
    csrw mideleg, zero
    li t0, (1 << CAUSE_INSN_PAGE) | (1 << CAUSE_LOAD_PAGE) | (1 << CAUSE_STORE_PAGE)
    csrw medeleg, t0
    li t0, MSTATUS_SUM | MSTATUS_MXR | MSTATUS_MPRV | MSTATUS_TVM
    csrc mstatus, t0

    /* ---- page contents ---- */
    la t0, pg0
    li t1, PG_MAGIC0
    sd t1, 0(t0)
    la t0, pg1
    li t1, PG_MAGIC1
    sd t1, 0(t0)
    la t0, pg2
    li t1, PG_MAGIC2
    sd t1, 0(t0)
    la t0, pg3
    li t1, PG_MAGIC3
    sd t1, 0(t0)

    /* ---- Sv39 tables ---- */
    li t3, 0x80000000
    SET_PTE(pt_root, 2, t3, LEAF_RWX)                  /* identity */
    SET_PTE(pt_root, 3, t3, LEAF_RWX | PTE_U)          /* U alias */
    li t3, 0x80200000
    SET_PTE(pt_root, 4, t3, LEAF_RWX)                  /* misaligned 1G */
    la t3, pt_l1
    SET_PTE(pt_root, 511, t3, PTE_V)
    la t3, pt_l0
    SET_PTE(pt_l1, 0, t3, PTE_V)
    li t3, 0x80001000
    SET_PTE(pt_l1, 1, t3, LEAF_RWX)                    /* misaligned 2M */
    li t3, 0x80000000
    SET_PTE(pt_l1, 2, t3, PTE_V | PTE_R | PTE_A)       /* 2M, read-only */
    la t3, pg0
    SET_PTE(pt_l0, P_RW, t3, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D)
    SET_PTE(pt_l0, P_REMAP, t3, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D)
    SET_PTE(pt_l0, P_NONLEAF, t3, PTE_V)
    la t3, pg1
    SET_PTE(pt_l0, P_RO, t3, PTE_V | PTE_R | PTE_A)
    SET_PTE(pt_l0, P_WONLY, t3, PTE_V | PTE_W | PTE_A | PTE_D)
    la t3, xpage
    SET_PTE(pt_l0, P_XONLY, t3, PTE_V | PTE_X)
    la t3, pg2
    SET_PTE(pt_l0, P_NOX, t3, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D)
    SET_PTE(pt_l0, P_AD, t3, PTE_V | PTE_R | PTE_W)
    la t3, pg3
    SET_PTE(pt_l0, P_USER, t3, LEAF_RWX | PTE_U)
    la t3, spage
    SET_PTE(pt_l0, P_STR1, t3, PTE_V | PTE_X | PTE_A)
    la t3, spage2
    SET_PTE(pt_l0, P_STR2, t3, PTE_V | PTE_X | PTE_A)
    la t3, spage3
    SET_PTE(pt_l0, P_STR2B, t3, PTE_V | PTE_X | PTE_A)

    /* ---- satp WARL: Sv39 is accepted, a reserved mode is ignored ---- */
    la t0, pt_root
    srli t0, t0, 12
    li t1, SATP_SV39
    or s2, t0, t1                      /* s2 = the Sv39 satp value */
    csrw satp, s2
    sfence.vma
    csrr a0, satp
    CHECKR(1, a0, s2)
    li t0, 1 << 60                     /* mode 1: reserved */
    csrw satp, t0
    csrr a0, satp
    CHECKR(2, a0, s2)                  /* the whole write had no effect */

    /* M mode is not translated (MPRV = 0): mtime is not mapped */
    li t0, CLINT_MTIME
    TEST_NO_TRAP(3, ld a0, 0(t0))

    MRET_TO(PRV_S, s_tests)

    /* ======================= S mode, Sv39 ======================= */
s_tests:
    /* RW page: load, store, and the store reaches the physical page */
    li a1, VA(P_RW)
    ld a0, 0(a1)
    CHECK(4, a0, PG_MAGIC0)
    li a2, 0x0123456789abcdef
    sd a2, 8(a1)
    la t0, pg0
    ld a0, 8(t0)
    CHECK(5, a0, 0x0123456789abcdef)

    /* read-only page: load ok, store faults (15) */
    li a1, VA(P_RO)
    ld a0, 0(a1)
    CHECK(6, a0, PG_MAGIC1)
    TEST_TRAP(7, CAUSE_STORE_PAGE, sd a0, 16(a1))
    li t0, VA(P_RO) + 16
    CHECKR(8, s11, t0)
    la t0, pg1
    ld a0, 16(t0)
    CHECK(9, a0, 0)                    /* nothing written */

    /* W without R is reserved: every access faults */
    li a1, VA(P_WONLY)
    TEST_TRAP(10, CAUSE_LOAD_PAGE, ld a0, 0(a1))
    CHECKR(11, s11, a1)
    TEST_TRAP(12, CAUSE_STORE_PAGE, sd a0, 0(a1))
    CHECKR(13, s11, a1)

    /* execute-only page: a load faults and does not set A ... */
    li a1, VA(P_XONLY)
    TEST_TRAP(14, CAUSE_LOAD_PAGE, ld a0, 8(a1))
    li t0, VA(P_XONLY) + 8
    CHECKR(15, s11, t0)
    PTE_ADDR(a3, pt_l0, P_XONLY)
    ld a0, 0(a3)
    andi a0, a0, PTE_A
    CHECK(16, a0, 0)
    /* ... a fetch works (xpage returns 0x5a) and sets A ... */
    li a0, 0
    jalr ra, 0(a1)
    CHECK(17, a0, 0x5a)
    ld a0, 0(a3)
    andi a0, a0, PTE_A
    CHECK(18, a0, PTE_A)
    /* ... and with MXR a load works */
    li t0, MSTATUS_MXR
    csrs sstatus, t0
    li gp, 19
    ld a0, 0(a1)
    la t0, xpage
    ld t0, 0(t0)
    CHECKR(19, a0, t0)
    li t0, MSTATUS_MXR
    csrc sstatus, t0

    /* page without X: fetch faults (12), sepc = stval = the target */
    li a1, VA(P_NOX)
    li gp, 20
    EXPECT_TRAP(2f)
    jalr ra, 0(a1)
    j test_fail
2:  CHECK(20, s10, CAUSE_INSN_PAGE)
    CHECKR(21, s9, a1)
    CHECKR(22, s11, a1)

    /* invalid PTE: load 13, store 15, fetch 12 */
    li a1, VA(P_INVALID)
    TEST_TRAP(23, CAUSE_LOAD_PAGE, lw a0, 0x124(a1))
    li t0, VA(P_INVALID) + 0x124
    CHECKR(24, s11, t0)
    TEST_TRAP(25, CAUSE_STORE_PAGE, sb a0, 0x7ff(a1))
    li t0, VA(P_INVALID) + 0x7ff
    CHECKR(26, s11, t0)
    li gp, 27
    EXPECT_TRAP(2f)
    jalr ra, 0(a1)
    j test_fail
2:  CHECK(27, s10, CAUSE_INSN_PAGE)
    CHECKR(28, s11, a1)
    /* V = 1 but no R/W/X at the last level: not a leaf, page fault */
    li a1, VA(P_NONLEAF)
    TEST_TRAP(29, CAUSE_LOAD_PAGE, ld a0, 0(a1))
    CHECKR(30, s11, a1)
    /* an unmapped lower-half address (root entry invalid) */
    li a1, 0x12345000
    TEST_TRAP(31, CAUSE_LOAD_PAGE, ld a0, 0(a1))
    CHECKR(32, s11, a1)

    /* U page from S: faults without SUM ... */
    li a1, VA(P_USER)
    TEST_TRAP(33, CAUSE_LOAD_PAGE, ld a0, 0(a1))
    CHECKR(34, s11, a1)
    TEST_TRAP(35, CAUSE_STORE_PAGE, sd a0, 0(a1))
    CHECKR(36, s11, a1)
    /* ... S never executes from a U page, even with SUM ... */
    li t0, MSTATUS_SUM
    csrs sstatus, t0
    li gp, 37
    EXPECT_TRAP(2f)
    jalr ra, 0(a1)
    j test_fail
2:  CHECK(37, s10, CAUSE_INSN_PAGE)
    CHECKR(38, s11, a1)
    /* ... but loads and stores work with SUM */
    li gp, 39
    ld a0, 0(a1)
    CHECK(39, a0, PG_MAGIC3)
    li a2, 0x77
    sd a2, 8(a1)
    ld a0, 8(a1)
    CHECK(40, a0, 0x77)
#ifndef QEMU_SPIKE
    /* the fetch still faults after those loads (a translation cached for
     * them must not grant execution; QEMU 7.2 gets this wrong) */
    li gp, 41
    EXPECT_TRAP(2f)
    jalr ra, 0(a1)
    j test_fail
2:  CHECK(41, s10, CAUSE_INSN_PAGE)
    CHECKR(42, s11, a1)
#endif
    li t0, MSTATUS_SUM
    csrc sstatus, t0

    /* A and D are set by hardware: A on a load (D stays 0), D on a
     * store that follows the load */
    li a1, VA(P_AD)
    PTE_ADDR(a3, pt_l0, P_AD)
    ld a0, 0(a1)
    CHECK(43, a0, PG_MAGIC2)
    ld a0, 0(a3)
    andi a0, a0, PTE_A | PTE_D
    CHECK(44, a0, PTE_A)
    li a2, 0x55
    sd a2, 16(a1)
    ld a0, 0(a3)
    andi a0, a0, PTE_A | PTE_D
    CHECK(45, a0, PTE_A | PTE_D)
    la t0, pg2
    ld a0, 16(t0)
    CHECK(46, a0, 0x55)

    /* SFENCE.VMA makes PTE changes visible: remap to another page ... */
    li a1, VA(P_REMAP)
    ld a0, 0(a1)
    CHECK(47, a0, PG_MAGIC0)
    la t3, pg1
    SET_PTE(pt_l0, P_REMAP, t3, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D)
    sfence.vma a1, zero
    ld a0, 0(a1)
    CHECK(48, a0, PG_MAGIC1)
    la t3, pg0
    SET_PTE(pt_l0, P_REMAP, t3, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D)
    sfence.vma
    ld a0, 0(a1)
    CHECK(49, a0, PG_MAGIC0)
    /* ... remove W: a store now faults ... */
    li a2, 1
    sd a2, 24(a1)                      /* cached as writable */
    SET_PTE(pt_l0, P_REMAP, t3, PTE_V | PTE_R | PTE_A | PTE_D)
    sfence.vma zero, zero
    TEST_TRAP(50, CAUSE_STORE_PAGE, sd a2, 24(a1))
    /* ... and make an invalid page valid */
    li a1, VA(P_LATE)
    TEST_TRAP(51, CAUSE_LOAD_PAGE, ld a0, 0(a1))
    SET_PTE(pt_l0, P_LATE, t3, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D)
    sfence.vma a1, zero
    li gp, 52
    ld a0, 0(a1)
    CHECK(52, a0, PG_MAGIC0)

    /* superpages: a 2 MiB megapage works, misaligned ones fault */
    li a1, HI + 0x400000
    la t0, pg0
    li t1, 0x80000000
    sub t0, t0, t1
    add a1, a1, t0                     /* pg0 through the megapage */
    ld a0, 0(a1)
    CHECK(53, a0, PG_MAGIC0)
    TEST_TRAP(54, CAUSE_STORE_PAGE, sd a0, 0(a1))  /* read-only */
    li a1, HI + 0x200000 + 0x10
    TEST_TRAP(55, CAUSE_LOAD_PAGE, ld a0, 0(a1))
    CHECKR(56, s11, a1)
    li a1, 0x100000000 + 0x20
    TEST_TRAP(57, CAUSE_LOAD_PAGE, ld a0, 0(a1))
    CHECKR(58, s11, a1)

    /* non-canonical addresses (bits 63..39 != bit 38) fault */
    li a1, 0x0000004000000000
    TEST_TRAP(59, CAUSE_LOAD_PAGE, ld a0, 0(a1))
    CHECKR(60, s11, a1)
    li a1, 0x8000000000000000
    TEST_TRAP(61, CAUSE_STORE_PAGE, sd a0, 0(a1))
    CHECKR(62, s11, a1)
    li a1, 0xffffff8000001000          /* bit 38 clear, upper set */
    li gp, 63
    EXPECT_TRAP(2f)
    jalr ra, 0(a1)
    j test_fail
2:  CHECK(63, s10, CAUSE_INSN_PAGE)
    CHECKR(64, s11, a1)

    /* a 32-bit instruction across two pages that are not physically
     * adjacent: both halves come from their own pages (addi a0, a0, 1) */
    li a0, 5
    li a1, VA(P_STR2) + 4094
    jalr ra, 0(a1)
    CHECK(65, a0, 6)
    /* ... and with the second page unmapped: fetch page fault, sepc = the
     * instruction, stval = the start of the unmapped page */
    li a1, VA(P_STR1) + 4094
    li gp, 66
    EXPECT_TRAP(2f)
    jalr ra, 0(a1)
    j test_fail
2:  CHECK(66, s10, CAUSE_INSN_PAGE)
    CHECKR(67, s9, a1)
    li t0, VA(P_STR1B)
    CHECKR(68, s11, t0)

    /* ======================= U mode, Sv39 ======================= */
    /* U code runs in the U alias of the image */
    li t0, MSTATUS_SPP
    csrc sstatus, t0
    la t0, u_tests
    li t1, ALIAS_OFF
    add t0, t0, t1
    csrw sepc, t0
    sret

u_tests:
    /* running at the alias: pc-relative addresses are alias addresses */
1:  auipc a0, 0
    la a1, 1b
    li t0, 0x80000000 + ALIAS_OFF
    li gp, 69
    bltu a0, t0, test_fail
    /* U page: load and store */
    li a1, VA(P_USER)
    ld a0, 0(a1)
    CHECK(70, a0, PG_MAGIC3)
    li a2, 0x99
    sd a2, 8(a1)
    ld a0, 8(a1)
    CHECK(71, a0, 0x99)
    /* S pages: load 13, store 15, fetch 12 */
    li a1, VA(P_RW)
    TEST_TRAP(72, CAUSE_LOAD_PAGE, ld a0, 0(a1))
    CHECKR(73, s11, a1)
    TEST_TRAP(74, CAUSE_STORE_PAGE, sd a0, 0(a1))
    CHECKR(75, s11, a1)
    la a1, 1f                          /* the identity (S) copy of 1: */
    li t0, ALIAS_OFF
    sub a1, a1, t0
    li gp, 76
    EXPECT_TRAP(2f)
    jalr ra, 0(a1)
1:  j test_fail
2:  CHECK(76, s10, CAUSE_INSN_PAGE)
    CHECKR(77, s11, a1)
    /* back to M (the target is physical: undo the alias) */
    la a6, m_tests
    li t0, ALIAS_OFF
    sub a6, a6, t0
    GOTO_M_REG

    /* ======================= M mode with MPRV ======================= */
m_tests:
    /* MPRV = 1, MPP = S: M-mode loads and stores are translated */
    li t0, MSTATUS_MPP
    csrc mstatus, t0
    li t0, MSTATUS_MPP_S | MSTATUS_MPRV
    csrs mstatus, t0
    li a1, VA(P_RW)
    ld a0, 0(a1)
    CHECK(78, a0, PG_MAGIC0)
    li a2, 0xabc
    sd a2, 32(a1)
    ld a0, 32(a1)
    CHECK(79, a0, 0xabc)
    /* ... with S permissions: a U page faults without SUM, in M */
    li a1, VA(P_USER)
    TEST_TRAP(80, CAUSE_LOAD_PAGE, ld a0, 0(a1))
    CHECKR(81, s11, a1)
    csrr a0, mcause                    /* taken by M, not delegated */
    CHECK(82, a0, CAUSE_LOAD_PAGE)
    li t0, MSTATUS_MPRV                /* (the trap set MPP = M, the mret */
    csrc mstatus, t0                   /*  U: drop MPRV at once) */
    /* MPRV = 1, MPP = U: an S page faults */
    li t0, MSTATUS_MPP
    csrc mstatus, t0
    li t0, MSTATUS_MPRV
    csrs mstatus, t0
    li a1, VA(P_RW)
    TEST_TRAP(83, CAUSE_LOAD_PAGE, ld a0, 0(a1))
    li t0, MSTATUS_MPRV
    csrc mstatus, t0
    CHECKR(84, s11, a1)
    /* without MPRV, M mode is not translated */
    la a1, pg0
    ld a0, 0(a1)
    CHECK(85, a0, PG_MAGIC0)

    /* ======================= Sv48 ======================= */
    /* root: [0] and [511] -> the Sv39 root used as level 2 (same
     * mappings below 512 GiB and in the top 512 GiB), [1] a terapage onto
     * physical 0, [2] a misaligned terapage */
    la t3, pt_root
    SET_PTE(pt_root48, 0, t3, PTE_V)
    SET_PTE(pt_root48, 511, t3, PTE_V)
    li t3, 0
    SET_PTE(pt_root48, 1, t3, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D)
    li t3, 0x40000000
    SET_PTE(pt_root48, 2, t3, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D)
    la t0, pt_root48
    srli t0, t0, 12
    li t1, SATP_SV48
    or s3, t0, t1
    MRET_TO(PRV_S, sv48_tests)

sv48_tests:
    csrw satp, s3
    sfence.vma
    csrr a0, satp
    CHECKR(86, a0, s3)                 /* Sv48 is supported */
    /* the high test pages, through one more level */
    li a1, 0xffffffffc0000000 + P_RW * 0x1000
    ld a0, 0(a1)
    CHECK(87, a0, PG_MAGIC0)
    li a1, 0xffffffffc0000000 + P_RO * 0x1000
    TEST_TRAP(88, CAUSE_STORE_PAGE, sd a0, 0(a1))
    CHECKR(89, s11, a1)
    /* the terapage: VA 0x80_0000_0000 + PA (non-canonical in Sv39) */
    la a1, pg1
    li t0, 0x8000000000
    add a1, a1, t0
    ld a0, 0(a1)
    CHECK(90, a0, PG_MAGIC1)
    li a1, 0x10000000000 + 0x80000000  /* misaligned terapage */
    TEST_TRAP(91, CAUSE_LOAD_PAGE, ld a0, 0(a1))
    CHECKR(92, s11, a1)
    /* non-canonical in Sv48: bits 63..48 != bit 47 */
    li a1, 0x0000800000000000
    TEST_TRAP(93, CAUSE_LOAD_PAGE, ld a0, 0(a1))
    CHECKR(94, s11, a1)
    li a1, 0xffff000000000000
    TEST_TRAP(95, CAUSE_LOAD_PAGE, ld a0, 0(a1))
    CHECKR(96, s11, a1)
    /* back to bare, then M */
    csrw satp, zero
    sfence.vma
    GOTO_M(done)

done:
    TEST_PASS
    TEST_END
    TRAP_HANDLERS

    /* execute-only page: returns 0x5a */
    .text
    .balign 4096
xpage:
    li a0, 0x5a
    ret

    /* spage3 (mapped after spage2): the upper half of addi a0, a0, 1,
     * then ret; it lies physically BEFORE spage2 */
    .balign 4096
spage3:
    .half 0x0015
    ret
    .balign 4096
spage2:
    .skip 4094
    .half 0x0513                       /* lower half of addi a0, a0, 1 */
    /* physically next to spage2, starting with zeros: a wrong fetch of
     * the upper half from here would execute addi a0, zero, 0 */
    .balign 4096
spage:
    .skip 4094
    .half 0x0513
    .balign 4096
    .skip 16

    .data
    .balign 4096
pt_root:  .skip 4096
pt_l1:    .skip 4096
pt_l0:    .skip 4096
pt_root48: .skip 4096
pg0:      .skip 4096
pg1:      .skip 4096
pg2:      .skip 4096
pg3:      .skip 4096
