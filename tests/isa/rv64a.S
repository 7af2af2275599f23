/* RV64A: LR/SC (success, failure without a reservation, failure after the
 * reservation was consumed or disturbed, the value written to rd), every
 * AMO in .W and .D form (old value returned and sign-extended, memory
 * updated, neighbouring bytes untouched, signed vs unsigned min/max on
 * 32-bit values), operand aliasing, and address-misaligned exceptions for
 * misaligned LR/SC/AMO. Single hart. */
#include "priv_test.h"

    .option norvc

/* AMO on a word: mem = init; a0 = insn(a2 = src, mem). Checks the value
 * returned in rd, the new memory word (zero-extended view), and that the
 * word after it is untouched. */
#define TEST_AMO_W(n, insn, init, src, rd_val, mem_val)  \
    la a1, amobuf;                          \
    li t0, init;                            \
    sw t0, 0(a1);                           \
    li t0, 0x5a5a5a5a;                      \
    sw t0, 4(a1);                           \
    li a2, src;                             \
    insn a0, a2, (a1);                      \
    CHECK(n, a0, rd_val);                   \
    lwu a0, 0(a1);                          \
    CHECK(n, a0, mem_val);                  \
    lw a0, 4(a1);                           \
    CHECK(n, a0, 0x5a5a5a5a);

/* AMO on a doubleword; the doubleword after it must be untouched. */
#define TEST_AMO_D(n, insn, init, src, rd_val, mem_val)  \
    la a1, amobuf;                          \
    li t0, init;                            \
    sd t0, 0(a1);                           \
    li t0, 0x5a5a5a5a5a5a5a5a;              \
    sd t0, 8(a1);                           \
    li a2, src;                             \
    insn a0, a2, (a1);                      \
    CHECK(n, a0, rd_val);                   \
    ld a0, 0(a1);                           \
    CHECK(n, a0, mem_val);                  \
    ld a0, 8(a1);                           \
    CHECK(n, a0, 0x5a5a5a5a5a5a5a5a);

#define MIN64 0x8000000000000000
#define MAX64 0x7fffffffffffffff

    TEST_BEGIN
    INSTALL_MTRAP

    /* ---- AMO .W: rd = sign-extended old word, mem = op(old, rs2[31:0]) ---- */
    TEST_AMO_W(1, amoswap.w, 0x80000001, 0x12345678, 0xffffffff80000001, 0x12345678)
    TEST_AMO_W(2, amoswap.w, 0x7fffffff, 0xffffffff80000000, 0x7fffffff, 0x80000000)
    TEST_AMO_W(3, amoadd.w, 0x7fffffff, 1, 0x7fffffff, 0x80000000)  /* 32-bit wrap */
    TEST_AMO_W(4, amoadd.w, 0xffffffff, 0xffffffff00000001, -1, 0)  /* rs2 upper ignored */
    TEST_AMO_W(5, amoxor.w, 0xff00ff00, 0x0ff00ff0, 0xffffffffff00ff00, 0xf0f0f0f0)
    TEST_AMO_W(6, amoand.w, 0xff00ff00, 0x0ff00ff0, 0xffffffffff00ff00, 0x0f000f00)
    TEST_AMO_W(7, amoor.w,  0xff00ff00, 0x0ff00ff0, 0xffffffffff00ff00, 0xfff0fff0)
    /* min/max compare the 32-bit values: 0xffffffff in rs2 is -1 (signed) */
    TEST_AMO_W(8,  amomin.w,  1, 0xffffffff, 1, 0xffffffff)
    TEST_AMO_W(9,  amomin.w,  0x80000000, 1, 0xffffffff80000000, 0x80000000)
    TEST_AMO_W(10, amomax.w,  1, 0xffffffff, 1, 1)
    TEST_AMO_W(11, amomax.w,  0x80000000, 0x7fffffff, 0xffffffff80000000, 0x7fffffff)
    TEST_AMO_W(12, amominu.w, 1, 0xffffffff, 1, 1)
    TEST_AMO_W(13, amominu.w, 0xffffffff, 0x100000002, -1, 2)       /* rs2 upper ignored */
    TEST_AMO_W(14, amomaxu.w, 1, 0xffffffff, 1, 0xffffffff)
    TEST_AMO_W(15, amomaxu.w, 0x80000000, 0x7fffffff, 0xffffffff80000000, 0x80000000)
    TEST_AMO_W(16, amomin.w,  5, 5, 5, 5)

    /* ---- AMO .D ---- */
    TEST_AMO_D(17, amoswap.d, 0x0123456789abcdef, MIN64, 0x0123456789abcdef, MIN64)
    TEST_AMO_D(18, amoadd.d, MAX64, 1, MAX64, MIN64)
    TEST_AMO_D(19, amoadd.d, 0x00000000ffffffff, 1, 0xffffffff, 0x100000000) /* carry */
    TEST_AMO_D(20, amoxor.d, 0xff00ff00ff00ff00, 0x0ff00ff00ff00ff0, 0xff00ff00ff00ff00, 0xf0f0f0f0f0f0f0f0)
    TEST_AMO_D(21, amoand.d, 0xff00ff00ff00ff00, 0x0ff00ff00ff00ff0, 0xff00ff00ff00ff00, 0x0f000f000f000f00)
    TEST_AMO_D(22, amoor.d,  0xff00ff00ff00ff00, 0x0ff00ff00ff00ff0, 0xff00ff00ff00ff00, 0xfff0fff0fff0fff0)
    TEST_AMO_D(23, amomin.d,  1, -1, 1, -1)
    TEST_AMO_D(24, amomax.d,  1, -1, 1, 1)
    TEST_AMO_D(25, amominu.d, 1, -1, 1, 1)
    TEST_AMO_D(26, amomaxu.d, 1, -1, 1, -1)
    TEST_AMO_D(27, amomin.d,  MIN64, MAX64, MIN64, MIN64)
    TEST_AMO_D(28, amomaxu.d, MIN64, MAX64, MIN64, MIN64)
    TEST_AMO_D(29, amomin.d,  0xffffffff, 0x100000000, 0xffffffff, 0xffffffff) /* 64-bit compare */

    /* ---- aq/rl bits do not change the result ---- */
    TEST_AMO_W(30, amoadd.w.aq, 10, 5, 10, 15)
    TEST_AMO_W(31, amoor.w.rl, 1, 2, 1, 3)
    TEST_AMO_D(32, amoswap.d.aqrl, 7, 9, 7, 9)
    TEST_AMO_D(33, amomaxu.d.aqrl, 7, 9, 7, 9)

    /* ---- operand aliasing ---- */
    /* rd == rs2: memory gets the old register value, rd the old memory */
    la a1, amobuf
    li t0, 111
    sd t0, 0(a1)
    li a2, 222
    amoswap.d a2, a2, (a1)
    CHECK(34, a2, 111)
    ld a0, 0(a1)
    CHECK(35, a0, 222)
    /* rd == rs1: the address is read before rd is written */
    li t0, 1000
    sd t0, 0(a1)
    li a2, 1
    mv a3, a1
    amoadd.d a3, a2, (a3)
    CHECK(36, a3, 1000)
    ld a0, 0(a1)
    CHECK(37, a0, 1001)
    /* rd == x0: memory still updated */
    li a2, 5
    amoadd.w x0, a2, (a1)
    ld a0, 0(a1)
    CHECK(38, a0, 1006)

    /* ---- LR/SC ---- */
    la a1, amobuf
    li t0, 0x80000000
    sw t0, 0(a1)
    li t0, 0x5a5a5a5a
    sw t0, 4(a1)
    /* LR.W sign-extends; SC.W succeeds (rd = 0) and writes 32 bits only */
    lr.w a0, (a1)
    CHECK(39, a0, 0xffffffff80000000)
    li a2, 0x11223344
    li a0, 99
    sc.w a0, a2, (a1)
    CHECK(40, a0, 0)
    lw a0, 0(a1)
    CHECK(41, a0, 0x11223344)
    lw a0, 4(a1)
    CHECK(42, a0, 0x5a5a5a5a)
    /* the SC consumed the reservation: a second SC fails with rd = 1 and
     * does not write */
    li a2, 0x55
    li a0, 99
    sc.w a0, a2, (a1)
    CHECK(43, a0, 1)
    lw a0, 0(a1)
    CHECK(44, a0, 0x11223344)
    /* LR.D / SC.D */
    li t0, MIN64
    sd t0, 0(a1)
    lr.d a0, (a1)
    CHECK(45, a0, MIN64)
    li a2, 0x0123456789abcdef
    li a0, 99
    sc.d a0, a2, (a1)
    CHECK(46, a0, 0)
    ld a0, 0(a1)
    CHECK(47, a0, 0x0123456789abcdef)
    li a0, 99
    sc.d a0, a2, (a1)                  /* no reservation any more */
    CHECK(48, a0, 1)
    /* SC with rd == rs2: stores the old rs2, then writes the result */
    lr.d a0, (a1)
    li a2, 0x777
    sc.d a2, a2, (a1)
    CHECK(49, a2, 0)
    ld a0, 0(a1)
    CHECK(50, a0, 0x777)
    /* a failing SC leaves memory alone even when the value differs */
    li a2, 0x888
    sc.d a2, a2, (a1)
    CHECK(51, a2, 1)
    ld a0, 0(a1)
    CHECK(52, a0, 0x777)
    /* aq/rl forms */
    lr.d.aq a0, (a1)
    li a2, 0x999
    sc.d.rl a3, a2, (a1)
    CHECK(53, a3, 0)
    lr.w.aqrl a0, (a1)
    li a2, 0xaaa
    sc.w.aqrl a3, a2, (a1)
    CHECK(54, a3, 0)
    ld a0, 0(a1)
    CHECK(55, a0, 0xaaa)
    /* Implementation choice (Cella, QEMU): an SC to an address other than
     * the reserved one fails (the spec allows a larger reservation set). */
    la a4, amobuf2                     /* a different page */
    sd zero, 0(a4)
    lr.d a0, (a1)
    li a2, 0x1234
    sc.d a3, a2, (a4)
    CHECK(56, a3, 1)
    ld a0, 0(a4)
    CHECK(57, a0, 0)
    /* Implementation choice (Cella, QEMU): a plain store of a different
     * value to the reserved doubleword between LR and SC makes the SC
     * fail (the spec only requires this for stores by other harts). */
    lr.d a0, (a1)
    li t0, 0x4321
    sd t0, 0(a1)
    li a2, 0x1234
    sc.d a3, a2, (a1)
    CHECK(58, a3, 1)
    ld a0, 0(a1)
    CHECK(59, a0, 0x4321)
    /* an atomic increment loop with LR/SC retries */
    li t0, 40
    sd t0, 0(a1)
    li a4, 0
1:  lr.d a0, (a1)
    addi a0, a0, 2
    sc.d a3, a0, (a1)
    bnez a3, 1b
    addi a4, a4, 1
    li t0, 5
    blt a4, t0, 1b
    ld a0, 0(a1)
    CHECK(60, a0, 50)

    /* ---- misaligned atomics raise address-misaligned exceptions ---- */
    /* memory and rd are left unchanged; mtval = the address, mepc = the
     * instruction */
    la a1, amobuf
    li t0, 0x1111111111111111
    sd t0, 0(a1)
    sd t0, 8(a1)
    li a2, 1
    /* AMO.W at a 2-byte offset: store/AMO address misaligned (6) */
    li a0, 77
    addi a3, a1, 2
    li gp, 61
    EXPECT_TRAP(2f)
1:  amoadd.w a0, a2, (a3)
    j test_fail
2:  CHECK(61, s10, AMO_MISALIGNED)
    CHECKR(62, s11, a3)
    CHECK_ADDR(63, s9, 1b)
    CHECK(64, a0, 77)
    ld a0, 0(a1)
    CHECK(65, a0, 0x1111111111111111)
    /* AMO.D at a 4-byte offset (word aligned is not enough) */
    li a0, 77
    addi a3, a1, 4
    li gp, 66
    EXPECT_TRAP(2f)
1:  amoswap.d a0, a2, (a3)
    j test_fail
2:  CHECK(66, s10, AMO_MISALIGNED)
    CHECKR(67, s11, a3)
    CHECK_ADDR(68, s9, 1b)
    CHECK(69, a0, 77)
    ld a0, 0(a1)
    CHECK(70, a0, 0x1111111111111111)
    ld a0, 8(a1)
    CHECK(71, a0, 0x1111111111111111)
    /* AMOMAXU.W at an odd address */
    addi a3, a1, 1
    li gp, 72
    EXPECT_TRAP(2f)
    amomaxu.w a0, a2, (a3)
    j test_fail
2:  CHECK(72, s10, AMO_MISALIGNED)
    CHECKR(73, s11, a3)
    /* LR.W / LR.D misaligned: load address misaligned (4) */
    addi a3, a1, 2
    li gp, 74
    EXPECT_TRAP(2f)
1:  lr.w a0, (a3)
    j test_fail
2:  CHECK(74, s10, CAUSE_LOAD_MISALIGNED)
    CHECKR(75, s11, a3)
    CHECK_ADDR(76, s9, 1b)
    addi a3, a1, 4
    li gp, 77
    EXPECT_TRAP(2f)
    lr.d a0, (a3)
    j test_fail
2:  CHECK(77, s10, CAUSE_LOAD_MISALIGNED)
    CHECKR(78, s11, a3)
#ifndef QEMU_SPIKE
    /* QEMU 7.2 skips these: its SC compares the address with the
     * reservation first and fails (rd = 1) without an exception. */
    /* SC.W / SC.D misaligned: store/AMO address misaligned (6), even
     * right after an LR of the aligned word; memory unchanged */
    lr.w a0, (a1)
    addi a3, a1, 2
    li a0, 77
    li gp, 79
    EXPECT_TRAP(2f)
1:  sc.w a0, a2, (a3)
    j test_fail
2:  CHECK(79, s10, CAUSE_STORE_MISALIGNED)
    CHECKR(80, s11, a3)
    CHECK_ADDR(81, s9, 1b)
    CHECK(82, a0, 77)
    lr.d a0, (a1)
    addi a3, a1, 4
    li gp, 83
    EXPECT_TRAP(2f)
    sc.d a0, a2, (a3)
    j test_fail
2:  CHECK(83, s10, CAUSE_STORE_MISALIGNED)
    CHECKR(84, s11, a3)
#endif
    ld a0, 0(a1)
    CHECK(85, a0, 0x1111111111111111)
    ld a0, 8(a1)
    CHECK(86, a0, 0x1111111111111111)

    TEST_PASS
    TEST_END
    TRAP_HANDLERS

    .data
    .balign 16
amobuf:
    .dword 0, 0
    .balign 4096
amobuf2:
    .dword 0
