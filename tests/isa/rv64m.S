/* RV64M: multiplication (low and high halves, every signedness), division
 * and remainder (signed and unsigned), the W forms, division by zero and
 * signed overflow (no traps: fixed results), sign extension of W results. */
#include "test.h"

/* 32-bit encodings only: the compressed forms are tested in rvc.S */
    .option norvc

#define MIN64 0x8000000000000000
#define MAX64 0x7fffffffffffffff

    TEST_BEGIN

    /* ---- MUL: low 64 bits of the product ---- */
    TEST_RR(1, mul, 6, 2, 3)
    TEST_RR(2, mul, -6, -2, 3)
    TEST_RR(3, mul, 6, -2, -3)
    TEST_RR(4, mul, 0, 0x8000000000000000, 2)           /* wraps */
    TEST_RR(5, mul, 1, -1, -1)
    TEST_RR(6, mul, 0x79be02468abdef00, 0x123456789abcdef0, 0x10010)
    TEST_RR(7, mul, MIN64, MIN64, -1)

    /* ---- MULH: high 64 bits, signed x signed ---- */
    TEST_RR(8,  mulh, 0, 2, 3)
    TEST_RR(9,  mulh, -1, -2, 3)                        /* -6: high = all ones */
    TEST_RR(10, mulh, 0, -1, -1)                        /* +1 */
    TEST_RR(11, mulh, 0x4000000000000000, MIN64, MIN64) /* 2^126 */
    TEST_RR(12, mulh, 0xc000000000000000, MIN64, MAX64)
    TEST_RR(13, mulh, 0x3fffffffffffffff, MAX64, MAX64)
    TEST_RR(14, mulh, 0, MIN64, 0)

    /* ---- MULHU: high 64 bits, unsigned x unsigned ---- */
    TEST_RR(15, mulhu, 0, 2, 3)
    TEST_RR(16, mulhu, 0xfffffffffffffffe, -1, -1)      /* (2^64-1)^2 */
    TEST_RR(17, mulhu, 1, -1, 2)
    TEST_RR(18, mulhu, 0x4000000000000000, MIN64, MIN64)
    TEST_RR(19, mulhu, 0x0123456789abcdef, 0x123456789abcdef0, 0x1000000000000000)

    /* ---- MULHSU: high 64 bits, signed rs1 x unsigned rs2 ---- */
    TEST_RR(20, mulhsu, 0, 2, 3)
    TEST_RR(21, mulhsu, -1, -1, 1)                      /* -1 * 1 */
    TEST_RR(22, mulhsu, -1, -1, -1)                     /* -(2^64-1): high = -1 */
    TEST_RR(23, mulhsu, 0x7ffffffffffffffe, MAX64, -1)
    TEST_RR(24, mulhsu, 0xc000000000000000, MIN64, MIN64)
    TEST_RR(25, mulhsu, 0, 1, -1)                       /* 2^64-1 */

    /* ---- MULW: low 32 bits, sign-extended; upper input bits ignored ---- */
    TEST_RR(26, mulw, 6, 2, 3)
    TEST_RR(27, mulw, 0xffffffff80000000, 0x40000000, 2)
    TEST_RR(28, mulw, 0, 0x10000, 0x10000)
    TEST_RR(29, mulw, 6, 0xffffffff00000002, 0x1234567800000003)
    TEST_RR(30, mulw, -6, -2, 3)
    TEST_RR(31, mulw, 0x7fffffff, 0x7fffffff, 0xffffffff00000001)

    /* ---- DIV: signed, rounds toward zero ---- */
    TEST_RR(32, div, 3, 20, 6)
    TEST_RR(33, div, -3, -20, 6)
    TEST_RR(34, div, -3, 20, -6)
    TEST_RR(35, div, 3, -20, -6)
    TEST_RR(36, div, 0, 5, 6)
    TEST_RR(37, div, MIN64, MIN64, -1)                  /* overflow */
    TEST_RR(38, div, -1, 20, 0)                         /* by zero: all ones */
    TEST_RR(39, div, -1, -20, 0)
    TEST_RR(40, div, -1, 0, 0)
    TEST_RR(41, div, MIN64, MIN64, 1)

    /* ---- DIVU ---- */
    TEST_RR(42, divu, 3, 20, 6)
    TEST_RR(43, divu, 0x2aaaaaaaaaaaaaa7, -20, 6)
    TEST_RR(44, divu, 0, 20, -6)
    TEST_RR(45, divu, -1, 20, 0)                        /* by zero: 2^64-1 */
    TEST_RR(46, divu, 0, MIN64, -1)
    TEST_RR(47, divu, 1, -1, -1)

    /* ---- REM: sign of the dividend ---- */
    TEST_RR(48, rem, 2, 20, 6)
    TEST_RR(49, rem, -2, -20, 6)
    TEST_RR(50, rem, 2, 20, -6)
    TEST_RR(51, rem, -2, -20, -6)
    TEST_RR(52, rem, 0, MIN64, -1)                      /* overflow: 0 */
    TEST_RR(53, rem, 20, 20, 0)                         /* by zero: dividend */
    TEST_RR(54, rem, -20, -20, 0)
    TEST_RR(55, rem, MIN64, MIN64, 0)

    /* ---- REMU ---- */
    TEST_RR(56, remu, 2, 20, 6)
    TEST_RR(57, remu, 2, -20, 6)                        /* 2^64-20 = 6k+2 */
    TEST_RR(58, remu, 20, 20, -6)
    TEST_RR(59, remu, 20, 20, 0)
    TEST_RR(60, remu, -20, -20, 0)
    TEST_RR(61, remu, MIN64, MIN64, -1)

    /* ---- DIVW / DIVUW / REMW / REMUW: 32-bit operands, sign-extended ---- */
    TEST_RR(62, divw, 3, 20, 6)
    TEST_RR(63, divw, -3, -20, 6)
    TEST_RR(64, divw, -3, 0x1234567800000014, 0xfffffffffffffffa) /* 20 / -6 */
    TEST_RR(65, divw, 0xffffffff80000000, 0x80000000, -1)  /* overflow */
    TEST_RR(66, divw, -1, 20, 0x100000000)                 /* low word 0 */
    TEST_RR(67, divw, 0xffffffffc0000000, 0x80000000, 2)
    TEST_RR(68, divuw, 3, 20, 6)
    TEST_RR(69, divuw, 0x2aaaaaa7, -20, 6)                 /* 0xffffffec / 6 */
    TEST_RR(70, divuw, 0xffffffff80000000, 0x80000000, 1)  /* sign-extended */
    TEST_RR(71, divuw, -1, 20, 0)                          /* 0xffffffff, sext */
    TEST_RR(72, divuw, 1, 0xffffffff, -1)
    TEST_RR(73, remw, 2, 20, 6)
    TEST_RR(74, remw, -2, -20, 6)
    TEST_RR(75, remw, 0, 0x80000000, -1)                   /* overflow */
    TEST_RR(76, remw, -20, 0xffffffec, 0)                  /* by zero: sext dividend */
    TEST_RR(77, remw, 0x12345678, 0xabcdef0012345678, 0)   /* low word only */
    TEST_RR(78, remuw, 2, 20, 6)
    TEST_RR(79, remuw, 2, -20, 6)                          /* 0xffffffec % 6 */
    TEST_RR(80, remuw, 0xffffffff80000000, 0x80000000, 0)  /* by zero, sext */
    TEST_RR(81, remuw, 20, 20, 0xffffffff00000000)         /* low word 0 */
    TEST_RR(82, remuw, 0xffffffffffffffff, 0xffffffff, 0)

    /* ---- rd overlapping sources ---- */
    li a1, 7
    mul a1, a1, a1
    CHECK(83, a1, 49)
    li a1, 100
    li a2, 7
    rem a2, a1, a2
    CHECK(84, a2, 2)
    li a1, 100
    li a2, 7
    div a1, a1, a2
    CHECK(85, a1, 14)

    /* ---- writes to x0 are discarded ---- */
    li a1, 5
    li a2, 3
    mul x0, a1, a2
    div x0, a1, a2
    mv a0, x0
    CHECK(86, a0, 0)

    TEST_PASS
    TEST_END
