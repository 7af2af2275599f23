/* Bit-manipulation extensions Zba (address generation), Zbb (basic bit
 * manipulation) and Zbs (single-bit instructions): every instruction, with
 * zero inputs, 32-bit (.uw / W) edge cases and shift amounts >= XLEN. */
#include "test.h"

    .option norvc

#define MIN64 0x8000000000000000
#define MAX64 0x7fffffffffffffff

    TEST_BEGIN

    /* ---- Zba ---- */
    /* add.uw: rs2 + zext32(rs1) */
    TEST_RR(1, add.uw, 0x80000001, 0xffffffff80000000, 1)
    TEST_RR(2, add.uw, 0x100000000, 0x12345678ffffffff, 1)
    TEST_RR(3, add.uw, 0xffffffff, -1, 0)                /* zext.w */
    /* shNadd: (rs1 << N) + rs2 */
    TEST_RR(4, sh1add, 10, 3, 4)
    TEST_RR(5, sh2add, 16, 3, 4)
    TEST_RR(6, sh3add, 28, 3, 4)
    TEST_RR(7, sh1add, 1, MIN64, 1)                      /* bit 63 shifted out */
    TEST_RR(8, sh3add, 0x1, 0x2000000000000000, 1)
    TEST_RR(9, sh2add, -8, -1, -4)
    /* shNadd.uw: (zext32(rs1) << N) + rs2 */
    TEST_RR(10, sh1add.uw, 0x100000004, 0xffffffff80000001, 2)
    TEST_RR(11, sh2add.uw, 0x3fffffffc, -1, 0)
    TEST_RR(12, sh3add.uw, 0x400000001, 0x1234567880000000, 1)
    TEST_RR(13, sh3add.uw, 7, 0xffffffff00000000, 7)
    /* slli.uw: zext32(rs1) << shamt (shamt up to 63) */
    TEST_RI(14, slli.uw, 0x800000010, 0xffffffff80000001, 4)
    TEST_RI(15, slli.uw, 0xffffffff, -1, 0)
    TEST_RI(16, slli.uw, MIN64, -1, 63)
    TEST_RI(17, slli.uw, 0xffffffff00000000, 0x12345678ffffffff, 32)

    /* ---- Zbb: logic with negate ---- */
    TEST_RR(18, andn, 0xf000f000f000f000, 0xff00ff00ff00ff00, 0x0f0f0f0f0f0f0f0f)
    TEST_RR(19, orn,  0xfff0fff0fff0fff0, 0xff00ff00ff00ff00, 0x0f0f0f0f0f0f0f0f)
    TEST_RR(20, xnor, 0x0ff00ff00ff00ff0, 0xff00ff00ff00ff00, 0x0f0f0f0f0f0f0f0f)
    TEST_RR(21, andn, 0, -1, -1)
    TEST_RR(22, orn, -1, 0, 0)
    TEST_RR(23, xnor, -1, 0x1234, 0x1234)

    /* ---- Zbb: count leading/trailing zeros, population count ---- */
    TEST_R(24, clz, 64, 0)
    TEST_R(25, clz, 63, 1)
    TEST_R(26, clz, 0, -1)
    TEST_R(27, clz, 16, 0x0000800000000000)
    TEST_R(28, clzw, 32, 0)
    TEST_R(29, clzw, 31, 0xffffffff00000001)             /* upper word ignored */
    TEST_R(30, clzw, 0, 0x80000000)
    TEST_R(31, clzw, 15, 0x00010000)
    TEST_R(32, clzw, 32, 0xffffffff00000000)
    TEST_R(33, ctz, 64, 0)
    TEST_R(34, ctz, 0, 1)
    TEST_R(35, ctz, 63, MIN64)
    TEST_R(36, ctz, 8, 0x100)
    TEST_R(37, ctz, 0, -1)
    TEST_R(38, ctzw, 32, 0)
    TEST_R(39, ctzw, 32, 0xffffffff00000000)
    TEST_R(40, ctzw, 31, 0x80000000)
    TEST_R(41, ctzw, 4, 0x12345670)
    TEST_R(42, cpop, 0, 0)
    TEST_R(43, cpop, 64, -1)
    TEST_R(44, cpop, 32, 0x5555555555555555)
    TEST_R(45, cpop, 1, MIN64)
    TEST_R(46, cpopw, 0, 0)
    TEST_R(47, cpopw, 32, -1)
    TEST_R(48, cpopw, 1, 0xffffffff00000001)
    TEST_R(49, cpopw, 0, 0xffffffff00000000)

    /* ---- Zbb: integer min/max ---- */
    TEST_RR(50, max, 1, -1, 1)
    TEST_RR(51, maxu, -1, -1, 1)
    TEST_RR(52, min, -1, -1, 1)
    TEST_RR(53, minu, 1, -1, 1)
    TEST_RR(54, max, MAX64, MIN64, MAX64)
    TEST_RR(55, min, MIN64, MIN64, MAX64)
    TEST_RR(56, maxu, MIN64, MIN64, MAX64)
    TEST_RR(57, minu, MAX64, MIN64, MAX64)
    TEST_RR(58, max, 5, 5, 5)
    TEST_RR(59, minu, 0, 0, -1)

    /* ---- Zbb: sign and zero extension ---- */
    TEST_R(60, sext.b, 0xffffffffffffff80, 0x80)
    TEST_R(61, sext.b, 0x7f, 0x7f)
    TEST_R(62, sext.b, 1, 0x123456789abcde01)
    TEST_R(63, sext.b, -1, 0xff)
    TEST_R(64, sext.h, 0xffffffffffff8000, 0x8000)
    TEST_R(65, sext.h, 0x7fff, 0x12347fff)
    TEST_R(66, sext.h, -1, 0xffff)
    TEST_R(67, zext.h, 0x8000, 0xffffffffffff8000)
    TEST_R(68, zext.h, 0xffff, -1)
    TEST_R(69, zext.h, 0, 0x12340000)

    /* ---- Zbb: rotations (amount = low 6 bits, or 5 bits for W forms) ---- */
    TEST_RR(70, rol, 3, 0x8000000000000001, 1)
    TEST_RR(71, rol, 0x123456789abcdef0, 0x0123456789abcdef, 4)
    TEST_RR(72, rol, 0x123456789abcdef0, 0x0123456789abcdef, 0x44)
    TEST_RR(73, rol, 0x0123456789abcdef, 0x0123456789abcdef, 64)
    TEST_RR(74, ror, MIN64, 1, 1)
    TEST_RR(75, ror, 0xf0123456789abcde, 0x0123456789abcdef, 4)
    TEST_RR(76, ror, 0x0123456789abcdef, 0x0123456789abcdef, 0)
    TEST_RR(77, ror, 2, 1, 63)
    TEST_RI(78, rori, 2, 1, 63)
    TEST_RI(79, rori, 0xef0123456789abcd, 0x0123456789abcdef, 8)
    TEST_RI(80, rori, 0x0123456789abcdef, 0x0123456789abcdef, 0)
    TEST_RR(81, rolw, 3, 0x80000001, 1)
    TEST_RR(82, rolw, 0x23456781, 0x12345678, 4)
    TEST_RR(83, rolw, 0xffffffff80000000, 0xabcdef0040000000, 1)  /* sext */
    TEST_RR(84, rolw, 0xffffffff80000000, 0x80000000, 32)         /* amount 0 */
    TEST_RR(85, rorw, 0xffffffff80000000, 1, 1)
    TEST_RR(86, rorw, 0xffffffff81234567, 0x12345678, 4)
    TEST_RR(87, rorw, 0x23456781, 0xffffffff12345678, 0x3c)       /* 28 */
    TEST_RI(88, roriw, 0x78123456, 0x12345678, 8)
    TEST_RI(89, roriw, 0xffffffff80000000, 0x80000000, 0)
    TEST_RI(90, roriw, 0xffffffff80000000, 0x1, 1)
    TEST_RI(91, roriw, 0x2, 0xffffffff00000001, 31)

    /* ---- Zbb: OR-combine bytes, byte reverse ---- */
    TEST_R(92, orc.b, 0x00ff000000ff00ff, 0x0001000000ff0010)
    TEST_R(93, orc.b, 0, 0)
    TEST_R(94, orc.b, -1, 0x0101010101010180)
    TEST_R(95, rev8, 0xefcdab8967452301, 0x0123456789abcdef)
    TEST_R(96, rev8, 0xff, 0xff00000000000000)

    /* ---- Zbs: single bit (index = low 6 bits of rs2 / shamt) ---- */
    TEST_RR(97,  bclr, MAX64, -1, 63)
    TEST_RR(98,  bclr, 0xfffffffffffffffe, -1, 64)
    TEST_RR(99,  bclr, 0x10, 0x10, 3)
    TEST_RI(100, bclri, 0xffffffffffffffdf, -1, 5)
    TEST_RI(101, bclri, 0, MIN64, 63)
    TEST_RR(102, bext, 1, MIN64, 63)
    TEST_RR(103, bext, 0, MIN64, 62)
    TEST_RR(104, bext, 1, 4, 66)
    TEST_RI(105, bexti, 1, 0x10, 4)
    TEST_RI(106, bexti, 0, 0xffffffffffffffef, 4)
    TEST_RI(107, bexti, 1, 0x100000000, 32)
    TEST_RR(108, binv, MIN64, 0, 63)
    TEST_RR(109, binv, -2, -1, 0)
    TEST_RR(110, binv, 0, 0x400, 0x4a)                    /* 0x4a & 63 = 10 */
    TEST_RI(111, binvi, 0, 0x100, 8)
    TEST_RI(112, binvi, 0x100000000, 0, 32)
    TEST_RR(113, bset, MIN64, 0, 63)
    TEST_RR(114, bset, 8, 0, 67)
    TEST_RR(115, bset, 7, 7, 1)
    TEST_RI(116, bseti, 0x80000000, 0, 31)                /* not sign-extended */
    TEST_RI(117, bseti, -1, -1, 0)

    TEST_PASS
    TEST_END
