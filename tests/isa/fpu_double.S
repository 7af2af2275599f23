# D extension: every instruction, results and fflags, rounding modes (RMM
# ties included), NaN canonicalization, min/max, compares, fclass,
# conversions at the integer limits and between formats, fused multiply-add,
# overflow/underflow, fld/fsd and the compressed c.fld/c.fsd/c.fldsp/c.fsdsp.
#include "fpu_test.h"

#define ONE 0x3ff0000000000000
#define TWO 0x4000000000000000
#define THREE 0x4008000000000000
#define MONE 0xbff0000000000000
#define HULP 0x3ca0000000000000     /* 2^-53: half an ulp of 1.0 */
#define PINF 0x7ff0000000000000
#define MINF 0xfff0000000000000
#define QNAN 0x7ff8000000012345     /* quiet, with a payload */
#define SNAN 0x7ff0000000000001
#define CNAN 0x7ff8000000000000
#define NZERO 0x8000000000000000
#define DMAX 0x7fefffffffffffff
#define P1EP52 0x3ff0000000000001   /* 1 + 2^-52 */

TEST_BEGIN
    FPU_ON

    # fld / fsd (32-bit encodings: ft0 and t1 are outside the RVC set)
    la t1, ddata
    fld ft0, 0(t1)
    fmv.x.d a0, ft0
    CHECK(1, a0, 0x400921fb54442d18)
    fsd ft0, 24(t1)
    ld a0, 24(t1)
    CHECK(2, a0, 0x400921fb54442d18)
    # flw boxes: the upper 32 bits read back as ones
    flw ft1, 8(t1)
    fmv.x.d a0, ft1
    CHECK(3, a0, 0xffffffff3f800000)

    # compressed loads and stores
    la s0, ddata
    la sp, dstack
c_fld:
    c.fld fa5, 0(s0)
    fmv.x.d a0, fa5
    CHECK(4, a0, 0x400921fb54442d18)
c_fsd:
    c.fsd fa5, 16(s0)
    ld a0, 16(s0)
    CHECK(5, a0, 0x400921fb54442d18)
c_fsdsp:
    c.fsdsp fa5, 8(sp)
    ld a0, 8(sp)
    CHECK(6, a0, 0x400921fb54442d18)
    li t0, 0x0123456789abcdef
    sd t0, 16(sp)
c_fldsp:
    c.fldsp ft11, 16(sp)
    fmv.x.d a0, ft11
    CHECK(7, a0, 0x0123456789abcdef)
    # c.fld of a boxed single keeps all 64 bits as they are
    c.fld fa4, 8(s0)
    fmv.x.d a0, fa4
    CHECK(8, a0, 0x000000003f800000)
    # the four really are 16-bit encodings (quadrants 0, 0, 2, 2)
    la a1, c_fld
    lhu a0, 0(a1)
    andi a0, a0, 3
    CHECK(9, a0, 0)
    la a1, c_fsd
    lhu a0, 0(a1)
    andi a0, a0, 3
    CHECK(10, a0, 0)
    la a1, c_fsdsp
    lhu a0, 0(a1)
    andi a0, a0, 3
    CHECK(11, a0, 2)
    la a1, c_fldsp
    lhu a0, 0(a1)
    andi a0, a0, 3
    CHECK(12, a0, 2)

    # basic arithmetic
    TEST_F2(20, D, fadd.d, THREE, 0, ONE, TWO)
    TEST_F2(21, D, fsub.d, MONE, 0, ONE, TWO)
    TEST_F2(22, D, fmul.d, 0x4018000000000000, 0, TWO, THREE)
    TEST_F2(23, D, fdiv.d, 0x3fd5555555555555, NX, ONE, THREE)
    TEST_F1(24, D, fsqrt.d, THREE, 0, 0x4022000000000000)
    TEST_F1(25, D, fsqrt.d, 0x3ff6a09e667f3bcd, NX, TWO)
    TEST_F2(26, D, fadd.d, 0, 0, ONE, MONE)
    TEST_F2(27, D, fadd.d, NZERO, 0, ONE, MONE, rdn)

    # rounding modes: 1 + 2^-53 is a tie
    TEST_F2(30, D, fadd.d, ONE, NX, ONE, HULP, rne)
    TEST_F2(31, D, fadd.d, ONE, NX, ONE, HULP, rtz)
    TEST_F2(32, D, fadd.d, ONE, NX, ONE, HULP, rdn)
    TEST_F2(33, D, fadd.d, P1EP52, NX, ONE, HULP, rup)
    TEST_F2(34, D, fadd.d, P1EP52, NX, ONE, HULP, rmm)
    TEST_F2(35, D, fsub.d, 0xbff0000000000001, NX, MONE, HULP, rmm)
    TEST_F2(36, D, fsub.d, 0xbff0000000000001, NX, MONE, HULP, rdn)
    TEST_F2(37, D, fsub.d, MONE, NX, MONE, HULP, rup)
    # (1 + 2^-52)^2 = 1 + 2^-51 + 2^-104
    TEST_F2(38, D, fmul.d, 0x3ff0000000000002, NX, P1EP52, P1EP52, rne)
    TEST_F2(39, D, fmul.d, 0x3ff0000000000003, NX, P1EP52, P1EP52, rup)
    TEST_F2(40, D, fmul.d, 0x3ff0000000000002, NX, P1EP52, P1EP52, rmm)
    TEST_F2(41, D, fdiv.d, 0x3fd5555555555555, NX, ONE, THREE, rtz)
    TEST_F2(42, D, fdiv.d, 0x3fd5555555555556, NX, ONE, THREE, rup)
    TEST_F2(43, D, fdiv.d, 0xbfd5555555555556, NX, MONE, THREE, rdn)
    TEST_F1(44, D, fsqrt.d, 0x3ff6a09e667f3bcc, NX, TWO, rtz)
    TEST_F1(45, D, fsqrt.d, 0x3ff6a09e667f3bcd, NX, TWO, rmm)
    # subnormal tie: 2^-1074 * 0.5
    TEST_F2(46, D, fmul.d, 0, UF | NX, 1, 0x3fe0000000000000, rne)
    TEST_F2(47, D, fmul.d, 1, UF | NX, 1, 0x3fe0000000000000, rmm)
    TEST_F2(48, D, fmul.d, 0x8000000000000001, UF | NX, 0x8000000000000001, 0x3fe0000000000000, rdn)
    # dynamic
    csrwi frm, 4
    TEST_F2(50, D, fadd.d, P1EP52, NX, ONE, HULP, dyn)
    csrwi frm, 3
    TEST_F2(51, D, fadd.d, P1EP52, NX, ONE, HULP, dyn)
    TEST_F2(52, D, fadd.d, ONE, NX, ONE, HULP, rne)
    csrwi frm, 1
    TEST_F1(53, D, fsqrt.d, 0x3ff6a09e667f3bcc, NX, TWO, dyn)
    csrwi frm, 0

    # fused multiply-add: (1 + 2^-52)^2 - (1 + 2^-51) = 2^-104 exactly
    TEST_F3(60, D, fmadd.d, 0x3970000000000000, 0, P1EP52, P1EP52, 0xbff0000000000002)
    TEST_F3(61, D, fmsub.d, 0x3970000000000000, 0, P1EP52, P1EP52, 0x3ff0000000000002)
    TEST_F3(62, D, fnmadd.d, 0xb970000000000000, 0, P1EP52, P1EP52, 0xbff0000000000002)
    TEST_F3(63, D, fnmsub.d, 0xb970000000000000, 0, P1EP52, P1EP52, 0x3ff0000000000002)
    TEST_F3(64, D, fmadd.d, P1EP52, NX, ONE, ONE, HULP, rmm)
    TEST_F3(65, D, fmadd.d, ONE, NX, ONE, ONE, HULP, rne)
    TEST_F3(66, D, fmadd.d, CNAN, NV, 0, PINF, QNAN)
    TEST_F3(67, D, fmsub.d, CNAN, NV, ONE, PINF, PINF)
    TEST_F3(68, D, fmadd.d, CNAN, NV, ONE, ONE, SNAN)
    TEST_F3(69, D, fmadd.d, NZERO, 0, 0, ONE, NZERO, rdn)
    TEST_F3(70, D, fmadd.d, 0, 0, 0, ONE, NZERO, rne)

    # sign injection
    TEST_F2(75, D, fsgnj.d, MONE, 0, ONE, 0xc000000000000000)
    TEST_F2(76, D, fsgnjn.d, ONE, 0, ONE, 0xc000000000000000)
    TEST_F2(77, D, fsgnjx.d, ONE, 0, MONE, 0xc000000000000000)
    TEST_F2(78, D, fsgnj.d, 0xfff0000000000001, 0, SNAN, MONE)
    TEST_F1(79, D, fneg.d, ONE, 0, MONE)

    # min / max
    TEST_F2(85, D, fmin.d, NZERO, 0, 0, NZERO)
    TEST_F2(86, D, fmax.d, 0, 0, NZERO, 0)
    TEST_F2(87, D, fmin.d, NZERO, 0, NZERO, 0)
    TEST_F2(88, D, fmax.d, 0, 0, 0, NZERO)
    TEST_F2(89, D, fmin.d, MONE, 0, MONE, QNAN)
    TEST_F2(90, D, fmax.d, MONE, NV, SNAN, MONE)
    TEST_F2(91, D, fmax.d, CNAN, 0, QNAN, QNAN)
    TEST_F2(92, D, fmin.d, CNAN, NV, SNAN, QNAN)
    TEST_F2(93, D, fmax.d, PINF, 0, DMAX, PINF)

    # compares
    TEST_X2(100, D, feq.d, 1, 0, NZERO, 0)
    TEST_X2(101, D, flt.d, 1, 0, MINF, MONE)
    TEST_X2(102, D, fle.d, 1, 0, ONE, ONE)
    TEST_X2(103, D, flt.d, 0, 0, ONE, ONE)
    TEST_X2(104, D, feq.d, 0, 0, QNAN, QNAN)
    TEST_X2(105, D, feq.d, 0, NV, ONE, SNAN)
    TEST_X2(106, D, flt.d, 0, NV, QNAN, ONE)
    TEST_X2(107, D, fle.d, 0, NV, QNAN, QNAN)

    # fclass
    TEST_X1(110, D, fclass.d, 1 << 0, 0, MINF)
    TEST_X1(111, D, fclass.d, 1 << 1, 0, MONE)
    TEST_X1(112, D, fclass.d, 1 << 2, 0, 0x800fffffffffffff)
    TEST_X1(113, D, fclass.d, 1 << 3, 0, NZERO)
    TEST_X1(114, D, fclass.d, 1 << 4, 0, 0)
    TEST_X1(115, D, fclass.d, 1 << 5, 0, 1)
    TEST_X1(116, D, fclass.d, 1 << 6, 0, DMAX)
    TEST_X1(117, D, fclass.d, 1 << 7, 0, PINF)
    TEST_X1(118, D, fclass.d, 1 << 8, 0, 0x7ff7ffffffffffff)
    TEST_X1(119, D, fclass.d, 1 << 9, 0, CNAN)

    # to integer
    TEST_X1(120, D, fcvt.w.d, 2, NX, 0x4004000000000000, rne)
    TEST_X1(121, D, fcvt.w.d, 3, NX, 0x4004000000000000, rmm)
    TEST_X1(122, D, fcvt.w.d, -3, NX, 0xc004000000000000, rdn)
    TEST_X1(123, D, fcvt.w.d, -2, NX, 0xc004000000000000, rup)
    TEST_X1(124, D, fcvt.w.d, 0x7fffffff, NX, 0x41dfffffffe00000, rtz)
    TEST_X1(125, D, fcvt.w.d, 0x7fffffff, NV, 0x41dfffffffe00000, rup)
    TEST_X1(126, D, fcvt.w.d, 0xffffffff80000000, NX, 0xc1e0000000100000, rtz)
    TEST_X1(127, D, fcvt.w.d, 0xffffffff80000000, NV, 0xc1e0000000100000, rdn)
    TEST_X1(128, D, fcvt.w.d, 0x7fffffff, NV, QNAN, rtz)
    TEST_X1(129, D, fcvt.w.d, 0xffffffff80000000, NV, MINF, rtz)
    TEST_X1(130, D, fcvt.wu.d, 0xffffffffb2d05e00, 0, 0x41e65a0bc0000000, rtz)
    TEST_X1(131, D, fcvt.wu.d, -1, NV, 0x41f0000000000000, rtz)
    TEST_X1(132, D, fcvt.wu.d, 0, NV, MONE, rtz)
    TEST_X1(133, D, fcvt.wu.d, 0, NX, 0xbfe0000000000000, rtz)
    TEST_X1(134, D, fcvt.wu.d, -1, NV, SNAN, rtz)
    TEST_X1(135, D, fcvt.l.d, 0x7fffffffffffffff, NV, 0x43e0000000000000, rtz)
    TEST_X1(136, D, fcvt.l.d, 0x7ffffffffffffc00, 0, 0x43dfffffffffffff, rtz)
    TEST_X1(137, D, fcvt.l.d, 0x8000000000000000, 0, 0xc3e0000000000000, rtz)
    TEST_X1(138, D, fcvt.l.d, 0x8000000000000000, NV, 0xc3e0000000000001, rtz)
    TEST_X1(139, D, fcvt.l.d, -1, NX, 0xbfe0000000000000, rmm)
    TEST_X1(140, D, fcvt.l.d, 0x7fffffffffffffff, NV, QNAN, rtz)
    TEST_X1(141, D, fcvt.lu.d, -1, NV, 0x43f0000000000000, rtz)
    TEST_X1(142, D, fcvt.lu.d, 0xfffffffffffff800, 0, 0x43efffffffffffff, rtz)
    TEST_X1(143, D, fcvt.lu.d, 0, NV, MINF, rtz)
    TEST_X1(144, D, fcvt.lu.d, 1, NX, 0x3fb999999999999a, rup)

    # from integer
    TEST_FX(150, D, fcvt.d.w, MONE, 0, 0x00000001ffffffff)
    TEST_FX(151, D, fcvt.d.w, 0xc1e0000000000000, 0, 0x80000000)
    TEST_FX(152, D, fcvt.d.wu, 0x41efffffffe00000, 0, -1)
    TEST_FX(153, D, fcvt.d.wu, 0x4014000000000000, 0, 0xffffffff00000005)
    TEST_FX(154, D, fcvt.d.l, 0xc3e0000000000000, NX, 0x8000000000000001, rne)
    TEST_FX(155, D, fcvt.d.l, 0xc3dfffffffffffff, NX, 0x8000000000000001, rup)
    TEST_FX(156, D, fcvt.d.l, 0x4340000000000002, NX, 0x20000000000003, rne)
    TEST_FX(157, D, fcvt.d.l, 0x4340000000000002, NX, 0x20000000000003, rmm)
    TEST_FX(158, D, fcvt.d.lu, 0x43f0000000000000, NX, -1, rne)
    TEST_FX(159, D, fcvt.d.lu, 0x43efffffffffffff, NX, -1, rtz)
    TEST_FX(160, D, fcvt.d.lu, 0x4340000000000000, NX, 0x20000000000001, rne)
    TEST_FX(161, D, fcvt.d.lu, 0x4340000000000001, NX, 0x20000000000001, rmm)
    TEST_FX(162, D, fcvt.d.lu, 0, 0, 0)

    # between formats (fcvt.s.d results are boxed singles)
    TEST_F1(170, D, fcvt.s.d, 0xffffffff3f800000, NX, 0x3ff0000010000000, rne)
    TEST_F1(171, D, fcvt.s.d, 0xffffffff3f800001, NX, 0x3ff0000010000000, rmm)
    TEST_F1(172, D, fcvt.s.d, 0xffffffffbf800001, NX, 0xbff0000010000000, rdn)
    TEST_F1(173, D, fcvt.s.d, 0xffffffff7f800000, OF | NX, 0x7e37e43c8800759c, rne)
    TEST_F1(174, D, fcvt.s.d, 0xffffffff7f7fffff, OF | NX, 0x7e37e43c8800759c, rtz)
    TEST_F1(175, D, fcvt.s.d, 0xffffffff00000000, UF | NX, 0x01a56e1fc2f8f359, rne)
    TEST_F1(176, D, fcvt.s.d, 0xffffffff00000001, UF | NX, 0x01a56e1fc2f8f359, rup)
    TEST_F1(177, D, fcvt.s.d, 0xffffffff7fc00000, 0, QNAN)
    TEST_F1(178, D, fcvt.s.d, 0xffffffff7fc00000, NV, SNAN)
    TEST_F1(179, D, fcvt.s.d, 0xffffffffff800000, 0, MINF)
    # tininess after rounding: 2^-126 * (1 - 2^-25)
    TEST_F1(180, D, fcvt.s.d, 0xffffffff00800000, NX, 0x380ffffff0000000, rne)
    TEST_F1(181, D, fcvt.s.d, 0xffffffff007fffff, UF | NX, 0x380ffffff0000000, rtz)
    TEST_F1(182, D, fcvt.d.s, 0x3ff8000000000000, 0, 0xffffffff3fc00000)
    TEST_F1(183, D, fcvt.d.s, 0x36a0000000000000, 0, 0xffffffff00000001)
    TEST_F1(184, D, fcvt.d.s, CNAN, 0, 0xffffffff7fc12345)
    TEST_F1(185, D, fcvt.d.s, CNAN, NV, 0xffffffff7f800001)
    TEST_F1(186, D, fcvt.d.s, CNAN, 0, 0x000000003f800000)
    TEST_F1(187, D, fcvt.d.s, MINF, 0, 0xffffffffff800000)

    # moves
    TEST_X1(190, D, fmv.x.d, 0x8000000000000001, 0, 0x8000000000000001)
    TEST_FX(191, D, fmv.d.x, SNAN, 0, SNAN)

    # NaN results are canonical
    TEST_F2(195, D, fadd.d, CNAN, 0, QNAN, ONE)
    TEST_F2(196, D, fadd.d, CNAN, NV, ONE, SNAN)
    TEST_F2(197, D, fsub.d, CNAN, NV, MINF, MINF)
    TEST_F2(198, D, fmul.d, CNAN, NV, PINF, 0)
    TEST_F2(199, D, fdiv.d, CNAN, NV, PINF, MINF)
    TEST_F1(200, D, fsqrt.d, CNAN, NV, 0x8000000000000001)
    TEST_F1(201, D, fsqrt.d, NZERO, 0, NZERO)

    # division by zero, overflow, underflow
    TEST_F2(205, D, fdiv.d, MINF, DZ, MONE, 0)
    TEST_F2(206, D, fdiv.d, PINF, DZ, MONE, NZERO)
    TEST_F2(207, D, fadd.d, PINF, OF | NX, DMAX, DMAX, rne)
    TEST_F2(208, D, fadd.d, DMAX, OF | NX, DMAX, DMAX, rdn)
    TEST_F2(209, D, fadd.d, PINF, OF | NX, DMAX, DMAX, rup)
    TEST_F2(210, D, fsub.d, 0xffefffffffffffff, OF | NX, 0xffefffffffffffff, DMAX, rtz)
    # DMAX + half an ulp overflows in rmm, a bit less does not
    TEST_F2(211, D, fadd.d, PINF, OF | NX, DMAX, 0x7c90000000000000, rmm)
    TEST_F2(212, D, fadd.d, DMAX, NX, DMAX, 0x7c8fffffffffffff, rmm)
    TEST_F2(213, D, fmul.d, 0x0008000000000000, 0, 0x0010000000000000, 0x3fe0000000000000)
    TEST_F2(214, D, fmul.d, 0, UF | NX, 0x0170000000000000, 0x39b0000000000000, rne)
    # tininess after rounding: 2^-1022 * (1 - 2^-104)
    TEST_F2(215, D, fmul.d, 0x0010000000000000, NX, 0x0010000000000001, 0x3feffffffffffffe, rne)
    TEST_F2(216, D, fmul.d, 0x000fffffffffffff, UF | NX, 0x0010000000000001, 0x3feffffffffffffe, rtz)

    TEST_PASS
TEST_END

    .data
    .balign 8
ddata:
    .dword 0x400921fb54442d18
    .word 0x3f800000, 0
    .dword 0, 0
    .balign 16
dstack:
    .skip 64
