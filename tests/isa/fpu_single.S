# F extension (single precision): every instruction, results and fflags,
# static and dynamic rounding modes (RMM ties included), NaN canonicalization
# and NaN-boxing, min/max, compares, fclass, conversions at the limits,
# fused multiply-add, overflow/underflow. Operands are raw bit patterns.
#include "fpu_test.h"

#define ONE 0x3f800000
#define TWO 0x40000000
#define MONE 0xbf800000
#define HULP 0x33800000         /* 2^-24: half an ulp of 1.0 */
#define PINF 0x7f800000
#define MINF 0xff800000
#define QNAN 0x7fc12345         /* quiet, with a payload */
#define SNAN 0x7f800001
#define CNAN 0x7fc00000
#define NZERO 0x80000000

TEST_BEGIN
    FPU_ON

    # flw boxes, fsw stores exactly 32 bits
    la a1, sdata
    flw fa0, 0(a1)
    fmv.x.d a0, fa0
    CHECK(1, a0, 0xffffffff3f800000)
    flw fa1, 4(a1)
    fsw fa1, 8(a1)
    lwu a0, 8(a1)
    CHECK(2, a0, 0x40490fdb)
    lwu a0, 12(a1)
    CHECK(3, a0, 0x11111111)
    # fsw stores the low 32 bits even of an unboxed value
    li t0, 0x00000000c0000000
    fmv.d.x fa2, t0
    fsw fa2, 8(a1)
    lwu a0, 8(a1)
    CHECK(4, a0, 0xc0000000)

    # basic arithmetic
    TEST_F2(10, S, fadd.s, 0x40400000, 0, ONE, TWO)
    TEST_F2(11, S, fsub.s, MONE, 0, ONE, TWO)
    TEST_F2(12, S, fmul.s, 0x40c00000, 0, TWO, 0x40400000)
    TEST_F2(13, S, fdiv.s, 0x3eaaaaab, NX, ONE, 0x40400000)
    TEST_F1(14, S, fsqrt.s, TWO, 0, 0x40800000)
    TEST_F1(15, S, fsqrt.s, 0x3fb504f3, NX, TWO)
    TEST_F2(16, S, fadd.s, 0, 0, ONE, MONE)
    TEST_F2(17, S, fadd.s, NZERO, 0, ONE, MONE, rdn)
    TEST_F2(18, S, fadd.s, NZERO, 0, NZERO, NZERO)

    # static rounding: 1 + 2^-24 is a tie
    TEST_F2(20, S, fadd.s, ONE, NX, ONE, HULP, rne)
    TEST_F2(21, S, fadd.s, ONE, NX, ONE, HULP, rtz)
    TEST_F2(22, S, fadd.s, ONE, NX, ONE, HULP, rdn)
    TEST_F2(23, S, fadd.s, 0x3f800001, NX, ONE, HULP, rup)
    TEST_F2(24, S, fadd.s, 0x3f800001, NX, ONE, HULP, rmm)
    TEST_F2(25, S, fsub.s, MONE, NX, MONE, HULP, rne)
    TEST_F2(26, S, fsub.s, MONE, NX, MONE, HULP, rtz)
    TEST_F2(27, S, fsub.s, 0xbf800001, NX, MONE, HULP, rdn)
    TEST_F2(28, S, fsub.s, MONE, NX, MONE, HULP, rup)
    TEST_F2(29, S, fsub.s, 0xbf800001, NX, MONE, HULP, rmm)
    # a tie next to an odd value rounds the same in rne and rmm
    TEST_F2(30, S, fadd.s, 0x3f800002, NX, 0x3f800001, HULP, rne)
    TEST_F2(31, S, fadd.s, 0x3f800002, NX, 0x3f800001, HULP, rmm)
    # 1/3 and -1/3
    TEST_F2(32, S, fdiv.s, 0x3eaaaaaa, NX, ONE, 0x40400000, rtz)
    TEST_F2(33, S, fdiv.s, 0x3eaaaaab, NX, ONE, 0x40400000, rup)
    TEST_F2(34, S, fdiv.s, 0xbeaaaaab, NX, MONE, 0x40400000, rdn)
    TEST_F2(35, S, fdiv.s, 0xbeaaaaaa, NX, MONE, 0x40400000, rup)
    TEST_F2(36, S, fdiv.s, 0xbeaaaaab, NX, MONE, 0x40400000, rmm)
    # sqrt(2) = 0x3fb504f3.4...
    TEST_F1(37, S, fsqrt.s, 0x3fb504f4, NX, TWO, rup)
    TEST_F1(38, S, fsqrt.s, 0x3fb504f3, NX, TWO, rmm)
    # ties in the subnormal range: 5 * 2^-149 * 0.5
    TEST_F2(39, S, fmul.s, 2, UF | NX, 5, 0x3f000000, rne)
    TEST_F2(40, S, fmul.s, 3, UF | NX, 5, 0x3f000000, rmm)
    TEST_F2(41, S, fmul.s, 0x80000003, UF | NX, 0x80000005, 0x3f000000, rmm)

    # dynamic rounding from frm; a static mode overrides it
    csrwi frm, 3
    TEST_F2(50, S, fadd.s, 0x3f800001, NX, ONE, HULP, dyn)
    TEST_F2(51, S, fadd.s, ONE, NX, ONE, HULP, rtz)
    csrwi frm, 4
    TEST_F2(52, S, fadd.s, 0x3f800001, NX, ONE, HULP, dyn)
    TEST_X1(53, S, fcvt.w.s, 3, NX, 0x40200000, dyn)
    csrwi frm, 1
    TEST_F2(54, S, fadd.s, ONE, NX, ONE, HULP, dyn)
    csrwi frm, 2
    TEST_F2(55, S, fsub.s, 0xbf800001, NX, MONE, HULP, dyn)
    TEST_X1(56, S, fcvt.w.s, -3, NX, 0xc0200000, dyn)
    csrwi frm, 0
    TEST_F2(57, S, fadd.s, ONE, NX, ONE, HULP, dyn)

    # fused multiply-add: (1 + 2^-23)^2 - (1 + 2^-22) = 2^-46 exactly
    TEST_F3(60, S, fmadd.s, 0x28800000, 0, 0x3f800001, 0x3f800001, 0xbf800002)
    TEST_F3(61, S, fmsub.s, 0x28800000, 0, 0x3f800001, 0x3f800001, 0x3f800002)
    TEST_F3(62, S, fnmadd.s, 0xa8800000, 0, 0x3f800001, 0x3f800001, 0xbf800002)
    TEST_F3(63, S, fnmsub.s, 0xa8800000, 0, 0x3f800001, 0x3f800001, 0x3f800002)
    TEST_F2(64, S, fmul.s, 0x3f800002, NX, 0x3f800001, 0x3f800001)
    TEST_F3(65, S, fmadd.s, 0x3f800001, NX, ONE, ONE, HULP, rmm)
    TEST_F3(66, S, fmadd.s, ONE, NX, ONE, ONE, HULP, rne)
    TEST_F3(67, S, fmadd.s, CNAN, NV, PINF, 0, QNAN)
    TEST_F3(68, S, fmadd.s, CNAN, NV, ONE, PINF, MINF)
    TEST_F3(69, S, fmadd.s, CNAN, 0, ONE, ONE, QNAN)
    TEST_F3(70, S, fnmadd.s, NZERO, 0, 0, ONE, 0)

    # sign injection works on raw bits and keeps NaN payloads
    TEST_F2(75, S, fsgnj.s, MONE, 0, ONE, 0xc0000000)
    TEST_F2(76, S, fsgnjn.s, ONE, 0, ONE, 0xc0000000)
    TEST_F2(77, S, fsgnjx.s, ONE, 0, MONE, 0xc0000000)
    TEST_F2(78, S, fsgnjn.s, 0xff800001, 0, SNAN, SNAN)
    TEST_F1(79, S, fabs.s, ONE, 0, MONE)
    TEST_F1(80, S, fneg.s, 0xffc12345, 0, QNAN)

    # min / max: -0 < +0; NaN operands
    TEST_F2(85, S, fmin.s, NZERO, 0, NZERO, 0)
    TEST_F2(86, S, fmin.s, NZERO, 0, 0, NZERO)
    TEST_F2(87, S, fmax.s, 0, 0, NZERO, 0)
    TEST_F2(88, S, fmax.s, 0, 0, 0, NZERO)
    TEST_F2(89, S, fmin.s, ONE, 0, QNAN, ONE)
    TEST_F2(90, S, fmax.s, ONE, NV, SNAN, ONE)
    TEST_F2(91, S, fmin.s, CNAN, 0, QNAN, QNAN)
    TEST_F2(92, S, fmax.s, CNAN, NV, QNAN, SNAN)
    TEST_F2(93, S, fmax.s, TWO, 0, ONE, TWO)
    TEST_F2(94, S, fmin.s, MINF, 0, MINF, ONE)

    # compares: feq is quiet, flt/fle signal on any NaN
    TEST_X2(100, S, feq.s, 1, 0, ONE, ONE)
    TEST_X2(101, S, feq.s, 1, 0, NZERO, 0)
    TEST_X2(102, S, flt.s, 0, 0, NZERO, 0)
    TEST_X2(103, S, fle.s, 1, 0, NZERO, 0)
    TEST_X2(104, S, flt.s, 1, 0, ONE, TWO)
    TEST_X2(105, S, fle.s, 0, 0, TWO, ONE)
    TEST_X2(106, S, feq.s, 0, 0, QNAN, ONE)
    TEST_X2(107, S, feq.s, 0, NV, SNAN, ONE)
    TEST_X2(108, S, flt.s, 0, NV, QNAN, ONE)
    TEST_X2(109, S, fle.s, 0, NV, ONE, QNAN)

    # fclass: one bit per class
    TEST_X1(110, S, fclass.s, 1 << 0, 0, MINF)
    TEST_X1(111, S, fclass.s, 1 << 1, 0, MONE)
    TEST_X1(112, S, fclass.s, 1 << 2, 0, 0x807fffff)
    TEST_X1(113, S, fclass.s, 1 << 3, 0, NZERO)
    TEST_X1(114, S, fclass.s, 1 << 4, 0, 0)
    TEST_X1(115, S, fclass.s, 1 << 5, 0, 1)
    TEST_X1(116, S, fclass.s, 1 << 6, 0, 0x7f7fffff)
    TEST_X1(117, S, fclass.s, 1 << 7, 0, PINF)
    TEST_X1(118, S, fclass.s, 1 << 8, 0, SNAN)
    TEST_X1(119, S, fclass.s, 1 << 9, 0, QNAN)

    # to integer: rounding, saturation, NaN
    TEST_X1(120, S, fcvt.w.s, 2, NX, 0x40200000, rne)
    TEST_X1(121, S, fcvt.w.s, 3, NX, 0x40200000, rmm)
    TEST_X1(122, S, fcvt.w.s, -3, NX, 0xc0200000, rdn)
    TEST_X1(123, S, fcvt.w.s, -2, NX, 0xc0200000, rup)
    TEST_X1(124, S, fcvt.w.s, -2, NX, 0xc0200000, rtz)
    TEST_X1(125, S, fcvt.w.s, -3, NX, 0xc0200000, rmm)
    TEST_X1(126, S, fcvt.w.s, 0x7fffffff, NV, 0x4f000000, rtz)
    TEST_X1(127, S, fcvt.w.s, 0xffffffff80000000, 0, 0xcf000000, rtz)
    TEST_X1(128, S, fcvt.w.s, 0x7fffffff, NV, QNAN, rtz)
    TEST_X1(129, S, fcvt.w.s, 0x7fffffff, NV, 0xffc00000, rtz)
    TEST_X1(130, S, fcvt.w.s, 0xffffffff80000000, NV, MINF, rtz)
    TEST_X1(131, S, fcvt.wu.s, 0xffffffffffffff00, 0, 0x4f7fffff, rtz)
    TEST_X1(132, S, fcvt.wu.s, 0, NV, MONE, rtz)
    TEST_X1(133, S, fcvt.wu.s, 0, NX, 0xbf000000, rtz)
    TEST_X1(134, S, fcvt.wu.s, -1, NV, 0x4f800000, rtz)
    TEST_X1(135, S, fcvt.l.s, 0x7fffffffffffffff, NV, 0x5f000000, rtz)
    TEST_X1(136, S, fcvt.l.s, 0x8000000000000000, 0, 0xdf000000, rtz)
    TEST_X1(137, S, fcvt.l.s, 0x4000000000000000, 0, 0x5e800000, rtz)
    TEST_X1(138, S, fcvt.l.s, 0x7fffffffffffffff, NV, PINF, rtz)
    TEST_X1(139, S, fcvt.lu.s, -1, NV, 0x5f800000, rtz)
    TEST_X1(140, S, fcvt.lu.s, 0xffffff0000000000, 0, 0x5f7fffff, rtz)
    TEST_X1(141, S, fcvt.lu.s, 0, NV, MONE, rtz)
    TEST_X1(142, S, fcvt.lu.s, -1, NV, SNAN, rtz)
    TEST_X1(143, S, fcvt.lu.s, 1, NX, 0x3e800000, rup)

    # from integer
    TEST_FX(150, S, fcvt.s.w, 0x4b800000, NX, 16777217, rne)
    TEST_FX(151, S, fcvt.s.w, 0x4b800001, NX, 16777217, rmm)
    TEST_FX(152, S, fcvt.s.w, 0xcb800001, NX, -16777217, rmm)
    TEST_FX(153, S, fcvt.s.w, MONE, 0, -1)
    TEST_FX(154, S, fcvt.s.w, 0x40400000, 0, 0x1234567800000003)
    TEST_FX(155, S, fcvt.s.wu, 0x4f800000, NX, 0xffffffff, rne)
    TEST_FX(156, S, fcvt.s.wu, 0x4f7fffff, NX, 0xffffffff, rtz)
    TEST_FX(157, S, fcvt.s.wu, 0x4f000000, 0, 0xffffffff80000000)
    TEST_FX(158, S, fcvt.s.l, 0x5f000000, NX, 0x7fffffffffffffff, rne)
    TEST_FX(159, S, fcvt.s.l, 0x5effffff, NX, 0x7fffffffffffffff, rtz)
    TEST_FX(160, S, fcvt.s.l, 0xdf000000, 0, 0x8000000000000000)
    TEST_FX(161, S, fcvt.s.lu, 0x5f800000, NX, -1, rne)
    TEST_FX(162, S, fcvt.s.lu, 0x5f7fffff, NX, -1, rdn)

    # moves: fmv.x.w sign-extends, fmv.w.x boxes
    TEST_X1(170, S, fmv.x.w, 0xffffffffbf800000, 0, MONE)
    TEST_X1(171, S, fmv.x.w, 0x3f800000, 0, ONE)
    TEST_FX(172, S, fmv.w.x, 0x9abcdef0, 0, 0x123456789abcdef0)

    # an improperly boxed single reads as the canonical NaN
    TEST_F2(180, D, fadd.s, 0xffffffff7fc00000, 0, 0x000000003f800000, 0xffffffff3f800000)
    TEST_F2(181, D, fsgnjn.s, 0xffffffffffc00000, 0, 0xfffffffe3f800000, 0xffffffff3f800000)
    TEST_F2(182, D, fmin.s, 0xffffffff3f800000, 0, 0x000000003f800000, 0xffffffff3f800000)
    TEST_X1(183, D, fclass.s, 1 << 9, 0, 0x000000003f800000)
    TEST_X2(184, D, feq.s, 0, 0, 0x3f800000, 0x3f800000)
    # ... but fmv.x.w just takes the low 32 bits
    TEST_X1(185, D, fmv.x.w, 0xffffffffbf800000, 0, 0x00000000bf800000)

    # NaN results are canonical
    TEST_F2(190, S, fadd.s, CNAN, 0, QNAN, ONE)
    TEST_F2(191, S, fadd.s, CNAN, NV, ONE, SNAN)
    TEST_F2(192, S, fsub.s, CNAN, NV, PINF, PINF)
    TEST_F2(193, S, fmul.s, CNAN, NV, 0, MINF)
    TEST_F2(194, S, fdiv.s, CNAN, NV, 0, 0)
    TEST_F1(195, S, fsqrt.s, CNAN, NV, MONE)
    TEST_F1(196, S, fsqrt.s, NZERO, 0, NZERO)
    TEST_F1(197, S, fsqrt.s, CNAN, 0, 0xffc12345)

    # division by zero, overflow, underflow
    TEST_F2(200, S, fdiv.s, PINF, DZ, ONE, 0)
    TEST_F2(201, S, fdiv.s, MINF, DZ, ONE, NZERO)
    TEST_F2(202, S, fdiv.s, PINF, 0, PINF, 0)
    TEST_F2(203, S, fmul.s, PINF, OF | NX, 0x7f000000, TWO, rne)
    TEST_F2(204, S, fmul.s, 0x7f7fffff, OF | NX, 0x7f000000, TWO, rtz)
    TEST_F2(205, S, fmul.s, 0xff7fffff, OF | NX, 0xff000000, TWO, rup)
    TEST_F2(206, S, fmul.s, MINF, OF | NX, 0xff000000, TWO, rmm)
    # tiny but exact: no underflow
    TEST_F2(207, S, fmul.s, 0x00400000, 0, 0x00800000, 0x3f000000)
    TEST_F2(208, S, fmul.s, 0, UF | NX, 1, 0x3f000000, rne)
    TEST_F2(209, S, fmul.s, 1, UF | NX, 1, 0x3f000000, rup)
    # tininess after rounding: 2^-126 * (1 - 2^-46) rounds to 2^-126
    TEST_F2(210, S, fmul.s, 0x00800000, NX, 0x00800001, 0x3f7ffffe, rne)
    TEST_F2(211, S, fmul.s, 0x007fffff, UF | NX, 0x00800001, 0x3f7ffffe, rtz)

    # flags accumulate
    csrwi fflags, 0
    LOAD_S(fa0, ONE)
    LOAD_S(fa1, 0)
    fdiv.s fa2, fa0, fa1
    LOAD_S(fa1, 0x30800000)
    fadd.s fa2, fa0, fa1
    fadd.s fa2, fa0, fa0
    CHECK_FLAGS(220, DZ | NX)

    TEST_PASS
TEST_END

    .data
    .balign 8
sdata:
    .word 0x3f800000, 0x40490fdb, 0, 0x11111111
