/* Unit tests for src/vm/rv/fpu.c: fpu_exec() on a hand-built hart and insn,
 * checking results and fflags for rounding modes (RMM ties included), NaN
 * canonicalization and boxing, min/max, compares, conversions at the
 * integer limits, FCLASS, fused multiply-add, exceptions and illegal rm. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <float.h>
#include <math.h>
#include <string.h>

#include "vm/rv/decode.h"
#include "vm/rv/fpu.h"
#include "vm/rv/hart.h"

enum { RNE, RTZ, RDN, RUP, RMM, DYN = 7 };
#define NV FFLAG_NV
#define DZ FFLAG_DZ
#define OF FFLAG_OF
#define UF FFLAG_UF
#define NX FFLAG_NX

#define BOX 0xffffffff00000000ull
#define S(bits) (BOX | (uint32_t)(bits))   /* a NaN-boxed single */
#define CNAN_S S(0x7fc00000)
#define CNAN_D 0x7ff8000000000000ull
#define SNAN_S S(0x7f800001)
#define QNAN_S S(0x7fc12345)              /* a quiet NaN with a payload */
#define SNAN_D 0x7ff0000000000001ull
#define QNAN_D 0x7ff8000000012345ull

static struct hart h;
static unsigned frm;        /* h.frm for the next run */
static uint32_t fflags0;    /* h.fflags before the next run */

static uint64_t fs(float v)
{
    uint32_t w;
    memcpy(&w, &v, sizeof w);
    return S(w);
}

static uint64_t fd(double v)
{
    uint64_t w;
    memcpy(&w, &v, sizeof w);
    return w;
}

/* Execute op with f1, f2, f3 = a, b, c and x1 = xa into rd 4 (f4 or x4). */
static int run_rd(unsigned op, unsigned rm, unsigned rd, uint64_t a,
                  uint64_t b, uint64_t c, uint64_t xa)
{
    struct insn in = { .op = op, .rd = rd, .rs1 = 1, .rs2 = 2, .rs3 = 3,
                       .rm = rm, .len = 4 };
    memset(&h, 0, sizeof h);
    h.f[1] = a;
    h.f[2] = b;
    h.f[3] = c;
    h.x[1] = xa;
    h.f[rd] = 0x5a5a;
    if (rd)
        h.x[rd] = 0x5a5a;
    h.frm = frm;
    h.fflags = fflags0;
    return fpu_exec(&h, &in);
}

#define RUN(op, rm, a, b, c, xa) run_rd(OP_##op, rm, 4, a, b, c, xa)

/* FP result in f4 and the flags. */
#define CHECK_F(op, rm, a, b, c, want, flags)                               \
    do {                                                                    \
        assert_int_equal(RUN(op, rm, a, b, c, 0), 0);                       \
        assert_int_equal(h.f[4], want);                                     \
        assert_int_equal(h.fflags, flags);                                  \
    } while (0)
/* Integer result in x4 and the flags. */
#define CHECK_X(op, rm, a, b, want, flags)                                  \
    do {                                                                    \
        assert_int_equal(RUN(op, rm, a, b, 0, 0), 0);                       \
        assert_int_equal(h.x[4], want);                                     \
        assert_int_equal(h.fflags, flags);                                  \
    } while (0)
/* FP result in f4 from the integer in x1. */
#define CHECK_I(op, rm, xa, want, flags)                                    \
    do {                                                                    \
        assert_int_equal(RUN(op, rm, 0, 0, 0, xa), 0);                      \
        assert_int_equal(h.f[4], want);                                     \
        assert_int_equal(h.fflags, flags);                                  \
    } while (0)

static int setup(void **state)
{
    (void)state;
    frm = 0;
    fflags0 = 0;
    return 0;
}

/* 1 + 2^-24 is halfway between 1 and the next single. */
static void test_round_add_ties(void **state)
{
    (void)state;
    uint64_t one = fs(1), half_ulp = fs(0x1p-24f);
    CHECK_F(FADD_S, RNE, one, half_ulp, 0, S(0x3f800000), NX);
    CHECK_F(FADD_S, RTZ, one, half_ulp, 0, S(0x3f800000), NX);
    CHECK_F(FADD_S, RDN, one, half_ulp, 0, S(0x3f800000), NX);
    CHECK_F(FADD_S, RUP, one, half_ulp, 0, S(0x3f800001), NX);
    CHECK_F(FADD_S, RMM, one, half_ulp, 0, S(0x3f800001), NX);
    /* negative tie */
    CHECK_F(FSUB_S, RNE, fs(-1), half_ulp, 0, S(0xbf800000), NX);
    CHECK_F(FSUB_S, RTZ, fs(-1), half_ulp, 0, S(0xbf800000), NX);
    CHECK_F(FSUB_S, RDN, fs(-1), half_ulp, 0, S(0xbf800001), NX);
    CHECK_F(FSUB_S, RUP, fs(-1), half_ulp, 0, S(0xbf800000), NX);
    CHECK_F(FSUB_S, RMM, fs(-1), half_ulp, 0, S(0xbf800001), NX);
    /* tie next to an odd value: even and away agree */
    CHECK_F(FADD_S, RNE, S(0x3f800001), half_ulp, 0, S(0x3f800002), NX);
    CHECK_F(FADD_S, RMM, S(0x3f800001), half_ulp, 0, S(0x3f800002), NX);
    CHECK_F(FADD_S, RTZ, S(0x3f800001), half_ulp, 0, S(0x3f800001), NX);
    /* not a tie: RMM rounds to nearest */
    CHECK_F(FADD_S, RMM, one, fs(0x1.8p-25f), 0, S(0x3f800000), NX);
    CHECK_F(FADD_S, RMM, one, fs(0x1.000002p-24f), 0, S(0x3f800001), NX);
    /* doubles */
    CHECK_F(FADD_D, RNE, fd(1), fd(0x1p-53), 0, 0x3ff0000000000000, NX);
    CHECK_F(FADD_D, RTZ, fd(1), fd(0x1p-53), 0, 0x3ff0000000000000, NX);
    CHECK_F(FADD_D, RDN, fd(1), fd(0x1p-53), 0, 0x3ff0000000000000, NX);
    CHECK_F(FADD_D, RUP, fd(1), fd(0x1p-53), 0, 0x3ff0000000000001, NX);
    CHECK_F(FADD_D, RMM, fd(1), fd(0x1p-53), 0, 0x3ff0000000000001, NX);
    CHECK_F(FADD_D, RMM, fd(-1), fd(-0x1p-53), 0, 0xbff0000000000001, NX);
    CHECK_F(FSUB_D, RTZ, fd(1), fd(0x1p-60), 0, 0x3fefffffffffffff, NX);
    CHECK_F(FSUB_D, RUP, fd(1), fd(0x1p-60), 0, 0x3ff0000000000000, NX);
    /* exact results raise nothing in any mode */
    CHECK_F(FADD_D, RMM, fd(1.5), fd(2.25), 0, fd(3.75), 0);
}

static void test_round_dynamic(void **state)
{
    (void)state;
    static const uint32_t want[5] = { 0x3f800000, 0x3f800000, 0x3f800000,
                                      0x3f800001, 0x3f800001 };
    for (frm = 0; frm < 5; frm++)
        CHECK_F(FADD_S, DYN, fs(1), fs(0x1p-24f), 0, S(want[frm]), NX);
    /* a static rm overrides frm */
    frm = RUP;
    CHECK_F(FADD_S, RTZ, fs(1), fs(0x1p-24f), 0, S(0x3f800000), NX);
}

static void test_round_mul_div_sqrt(void **state)
{
    (void)state;
    /* 1/3 and -1/3 */
    CHECK_F(FDIV_S, RNE, fs(1), fs(3), 0, S(0x3eaaaaab), NX);
    CHECK_F(FDIV_S, RTZ, fs(1), fs(3), 0, S(0x3eaaaaaa), NX);
    CHECK_F(FDIV_S, RDN, fs(1), fs(3), 0, S(0x3eaaaaaa), NX);
    CHECK_F(FDIV_S, RUP, fs(1), fs(3), 0, S(0x3eaaaaab), NX);
    CHECK_F(FDIV_S, RMM, fs(1), fs(3), 0, S(0x3eaaaaab), NX);
    CHECK_F(FDIV_S, RDN, fs(-1), fs(3), 0, S(0xbeaaaaab), NX);
    CHECK_F(FDIV_S, RUP, fs(-1), fs(3), 0, S(0xbeaaaaaa), NX);
    /* sqrt(2) = 0x1.6a09e667f3bcc908...p0 */
    CHECK_F(FSQRT_D, RNE, fd(2), 0, 0, 0x3ff6a09e667f3bcd, NX);
    CHECK_F(FSQRT_D, RTZ, fd(2), 0, 0, 0x3ff6a09e667f3bcc, NX);
    CHECK_F(FSQRT_D, RDN, fd(2), 0, 0, 0x3ff6a09e667f3bcc, NX);
    CHECK_F(FSQRT_D, RUP, fd(2), 0, 0, 0x3ff6a09e667f3bcd, NX);
    CHECK_F(FSQRT_D, RMM, fd(2), 0, 0, 0x3ff6a09e667f3bcd, NX);
    CHECK_F(FSQRT_S, RMM, fs(6.25f), 0, 0, fs(2.5f), 0);
    /* (1 + 2^-52)^2 = 1 + 2^-51 + 2^-104 */
    CHECK_F(FMUL_D, RNE, fd(0x1.0000000000001p0), fd(0x1.0000000000001p0),
            0, 0x3ff0000000000002, NX);
    CHECK_F(FMUL_D, RUP, fd(0x1.0000000000001p0), fd(0x1.0000000000001p0),
            0, 0x3ff0000000000003, NX);
    /* RMM ties in the subnormal range: 5 * 2^-149 * 0.5 = 2.5 * 2^-149 */
    CHECK_F(FMUL_S, RNE, S(5), fs(0.5f), 0, S(2), UF | NX);
    CHECK_F(FMUL_S, RMM, S(5), fs(0.5f), 0, S(3), UF | NX);
    CHECK_F(FMUL_S, RMM, S(0x80000005), fs(0.5f), 0, S(0x80000003), UF | NX);
    CHECK_F(FMUL_D, RMM, 1, fd(0.5), 0, 1, UF | NX);
    CHECK_F(FMUL_D, RNE, 1, fd(0.5), 0, 0, UF | NX);
    CHECK_F(FMUL_D, RDN, 0x8000000000000001, fd(0.5), 0, 0x8000000000000001,
            UF | NX);
}

/* Signed zeros of exact zero results. */
static void test_zero_signs(void **state)
{
    (void)state;
    CHECK_F(FADD_D, RNE, fd(1), fd(-1), 0, fd(0), 0);
    CHECK_F(FADD_D, RDN, fd(1), fd(-1), 0, fd(-0.0), 0);
    CHECK_F(FADD_S, RMM, fs(1), fs(-1), 0, fs(0), 0);
    CHECK_F(FADD_S, RDN, fs(1), fs(-1), 0, fs(-0.0f), 0);
    CHECK_F(FADD_S, RNE, fs(-0.0f), fs(-0.0f), 0, fs(-0.0f), 0);
    CHECK_F(FMUL_S, RTZ, fs(-0.0f), fs(3), 0, fs(-0.0f), 0);
    CHECK_F(FSQRT_D, RNE, fd(-0.0), 0, 0, fd(-0.0), 0);
}

static void test_nan_canonical(void **state)
{
    (void)state;
    CHECK_F(FADD_S, RNE, QNAN_S, fs(1), 0, CNAN_S, 0);
    CHECK_F(FADD_S, RNE, fs(1), SNAN_S, 0, CNAN_S, NV);
    CHECK_F(FMUL_S, RMM, SNAN_S, fs(1), 0, CNAN_S, NV);
    CHECK_F(FSUB_S, RNE, fs(INFINITY), fs(INFINITY), 0, CNAN_S, NV);
    CHECK_F(FADD_D, RNE, QNAN_D, fd(1), 0, CNAN_D, 0);
    CHECK_F(FADD_D, RNE, 0xfff8000000000000, fd(1), 0, CNAN_D, 0);
    CHECK_F(FDIV_D, RMM, SNAN_D, fd(1), 0, CNAN_D, NV);
    CHECK_F(FMUL_D, RNE, fd(INFINITY), fd(0), 0, CNAN_D, NV);
    CHECK_F(FSQRT_D, RNE, QNAN_D, 0, 0, CNAN_D, 0);
    CHECK_F(FCVT_S_D, RNE, QNAN_D, 0, 0, CNAN_S, 0);
    CHECK_F(FCVT_S_D, RNE, SNAN_D, 0, 0, CNAN_S, NV);
    CHECK_F(FCVT_D_S, RNE, QNAN_S, 0, 0, CNAN_D, 0);
    CHECK_F(FCVT_D_S, RNE, SNAN_S, 0, 0, CNAN_D, NV);
}

static void test_nan_boxing(void **state)
{
    (void)state;
    uint64_t unboxed_one = 0x3f800000;           /* upper bits not all ones */
    uint64_t half_boxed = 0xfffffffe3f800000;
    /* an unboxed operand is the canonical (quiet) NaN */
    CHECK_F(FADD_S, RNE, unboxed_one, fs(1), 0, CNAN_S, 0);
    CHECK_F(FMADD_S, RNE, fs(1), fs(1), half_boxed, CNAN_S, 0);
    CHECK_F(FSGNJ_S, 0, unboxed_one, fs(1), 0, S(0x7fc00000), 0);
    CHECK_F(FSGNJN_S, 1, unboxed_one, fs(1), 0, S(0xffc00000), 0);
    CHECK_F(FSGNJX_S, 2, fs(-2), unboxed_one, 0, fs(-2), 0);
    CHECK_F(FMAX_S, 1, unboxed_one, fs(1), 0, fs(1), 0);
    CHECK_X(FEQ_S, 2, unboxed_one, unboxed_one, 0, 0);
    CHECK_X(FCLASS_S, 1, unboxed_one, 0, 1u << 9, 0);
    CHECK_F(FCVT_D_S, RNE, unboxed_one, 0, 0, CNAN_D, 0);
    /* FMV.X.W takes the low bits as they are, sign-extended */
    CHECK_X(FMV_X_W, 0, 0x12345678cafef00d, 0, 0xffffffffcafef00d, 0);
    CHECK_X(FMV_X_W, 0, S(0x7f000000), 0, 0x7f000000, 0);
    CHECK_X(FMV_X_D, 0, 0x12345678cafef00d, 0, 0x12345678cafef00d, 0);
    /* moves from integer registers: FMV.W.X boxes, no canonicalization */
    CHECK_I(FMV_W_X, 0, 0x12345678ff800001, S(0xff800001), 0);
    CHECK_I(FMV_D_X, 0, 0x7ff0000000000001, 0x7ff0000000000001, 0);
    /* single results are boxed; sign injection keeps NaN payloads */
    CHECK_F(FSGNJN_S, 0, SNAN_S, SNAN_S, 0, S(0xff800001), 0);
    CHECK_F(FSGNJ_D, 0, SNAN_D, fd(-1), 0, 0xfff0000000000001, 0);
    CHECK_F(FSGNJX_D, 2, fd(-3), fd(-1), 0, fd(3), 0);
    CHECK_F(FCVT_S_D, RNE, fd(1.5), 0, 0, fs(1.5f), 0);
}

static void test_min_max(void **state)
{
    (void)state;
    CHECK_F(FMIN_S, 0, fs(-0.0f), fs(0), 0, fs(-0.0f), 0);
    CHECK_F(FMIN_S, 0, fs(0), fs(-0.0f), 0, fs(-0.0f), 0);
    CHECK_F(FMAX_S, 1, fs(-0.0f), fs(0), 0, fs(0), 0);
    CHECK_F(FMAX_S, 1, fs(0), fs(-0.0f), 0, fs(0), 0);
    CHECK_F(FMIN_D, 0, fd(0), fd(-0.0), 0, fd(-0.0), 0);
    CHECK_F(FMAX_D, 1, fd(-0.0), fd(0), 0, fd(0), 0);
    CHECK_F(FMIN_D, 0, fd(-INFINITY), fd(-1e300), 0, fd(-INFINITY), 0);
    CHECK_F(FMAX_D, 1, fd(3), fd(2), 0, fd(3), 0);
    /* one NaN: the other operand; a signaling one also raises NV */
    CHECK_F(FMIN_S, 0, QNAN_S, fs(2), 0, fs(2), 0);
    CHECK_F(FMAX_S, 1, fs(2), SNAN_S, 0, fs(2), NV);
    CHECK_F(FMIN_D, 0, SNAN_D, fd(-2), 0, fd(-2), NV);
    CHECK_F(FMAX_D, 1, fd(-2), QNAN_D, 0, fd(-2), 0);
    /* both NaN: canonical */
    CHECK_F(FMIN_S, 0, QNAN_S, QNAN_S, 0, CNAN_S, 0);
    CHECK_F(FMAX_S, 1, SNAN_S, QNAN_S, 0, CNAN_S, NV);
    CHECK_F(FMAX_D, 1, QNAN_D, SNAN_D, 0, CNAN_D, NV);
}

static void test_compare(void **state)
{
    (void)state;
    CHECK_X(FEQ_S, 2, fs(1), fs(1), 1, 0);
    CHECK_X(FEQ_S, 2, fs(-0.0f), fs(0), 1, 0);
    CHECK_X(FLT_S, 1, fs(-0.0f), fs(0), 0, 0);
    CHECK_X(FLE_S, 0, fs(-0.0f), fs(0), 1, 0);
    CHECK_X(FLT_D, 1, fd(-INFINITY), fd(-1e308), 1, 0);
    CHECK_X(FLE_D, 0, fd(2), fd(1), 0, 0);
    /* FEQ is quiet, FLT and FLE signal on any NaN */
    CHECK_X(FEQ_S, 2, QNAN_S, fs(1), 0, 0);
    CHECK_X(FEQ_S, 2, fs(1), SNAN_S, 0, NV);
    CHECK_X(FLT_S, 1, QNAN_S, fs(1), 0, NV);
    CHECK_X(FLE_S, 0, fs(1), QNAN_S, 0, NV);
    CHECK_X(FEQ_D, 2, QNAN_D, QNAN_D, 0, 0);
    CHECK_X(FEQ_D, 2, SNAN_D, fd(0), 0, NV);
    CHECK_X(FLT_D, 1, fd(0), QNAN_D, 0, NV);
    CHECK_X(FLE_D, 0, QNAN_D, fd(0), 0, NV);
}

/* Integer destinations: x0 is never written, 32-bit results sign-extend. */
static void test_int_dest(void **state)
{
    (void)state;
    assert_int_equal(run_rd(OP_FEQ_S, 2, 0, fs(1), fs(1), 0, 0), 0);
    assert_int_equal(h.x[0], 0);
    assert_int_equal(run_rd(OP_FCVT_W_D, RNE, 0, fd(-7), 0, 0, 0), 0);
    assert_int_equal(h.x[0], 0);
    assert_int_equal(run_rd(OP_FMV_X_D, 0, 0, fd(-7), 0, 0, 0), 0);
    assert_int_equal(h.x[0], 0);
    CHECK_X(FCVT_W_D, RNE, fd(-7), 0, (uint64_t)-7, 0);
}

static void test_fp_to_int(void **state)
{
    (void)state;
    /* rounding to an integer in each mode */
    CHECK_X(FCVT_W_S, RNE, fs(2.5f), 0, 2, NX);
    CHECK_X(FCVT_W_S, RMM, fs(2.5f), 0, 3, NX);
    CHECK_X(FCVT_W_S, RNE, fs(3.5f), 0, 4, NX);
    CHECK_X(FCVT_W_S, RNE, fs(-2.5f), 0, (uint64_t)-2, NX);
    CHECK_X(FCVT_W_S, RTZ, fs(-2.5f), 0, (uint64_t)-2, NX);
    CHECK_X(FCVT_W_S, RDN, fs(-2.5f), 0, (uint64_t)-3, NX);
    CHECK_X(FCVT_W_S, RUP, fs(-2.5f), 0, (uint64_t)-2, NX);
    CHECK_X(FCVT_W_S, RMM, fs(-2.5f), 0, (uint64_t)-3, NX);
    CHECK_X(FCVT_L_D, RMM, fd(-0.5), 0, (uint64_t)-1, NX);
    CHECK_X(FCVT_L_D, RNE, fd(-0.5), 0, 0, NX);
    CHECK_X(FCVT_L_D, RUP, fd(0.25), 0, 1, NX);
    CHECK_X(FCVT_W_D, RTZ, fd(-7), 0, (uint64_t)-7, 0);
    /* int32 limits */
    CHECK_X(FCVT_W_S, RNE, fs(0x1p31f), 0, 0x7fffffff, NV);
    CHECK_X(FCVT_W_S, RNE, fs(-0x1p31f), 0, 0xffffffff80000000, 0);
    CHECK_X(FCVT_W_S, RNE, fs(-0x1.000002p31f), 0, 0xffffffff80000000, NV);
    CHECK_X(FCVT_W_D, RTZ, fd(2147483647.5), 0, 0x7fffffff, NX);
    CHECK_X(FCVT_W_D, RUP, fd(2147483647.5), 0, 0x7fffffff, NV);
    CHECK_X(FCVT_W_D, RTZ, fd(-2147483648.5), 0, 0xffffffff80000000, NX);
    CHECK_X(FCVT_W_D, RDN, fd(-2147483648.5), 0, 0xffffffff80000000, NV);
    CHECK_X(FCVT_W_S, RNE, QNAN_S, 0, 0x7fffffff, NV);
    CHECK_X(FCVT_W_S, RNE, S(0xffc00000), 0, 0x7fffffff, NV);
    CHECK_X(FCVT_W_D, RNE, fd(INFINITY), 0, 0x7fffffff, NV);
    CHECK_X(FCVT_W_D, RNE, fd(-INFINITY), 0, 0xffffffff80000000, NV);
    /* uint32: results are sign-extended too */
    CHECK_X(FCVT_WU_S, RNE, fs(0x1.fffffep31f), 0, 0xffffffffffffff00, 0);
    CHECK_X(FCVT_WU_S, RNE, fs(0x1p32f), 0, 0xffffffffffffffff, NV);
    CHECK_X(FCVT_WU_D, RNE, fd(3e9), 0, 0xffffffffb2d05e00, 0);
    CHECK_X(FCVT_WU_D, RTZ, fd(-0.5), 0, 0, NX);
    CHECK_X(FCVT_WU_D, RNE, fd(-1), 0, 0, NV);
    CHECK_X(FCVT_WU_D, RNE, SNAN_D, 0, 0xffffffffffffffff, NV);
    CHECK_X(FCVT_WU_S, RNE, fs(-INFINITY), 0, 0, NV);
    /* int64 */
    CHECK_X(FCVT_L_D, RNE, fd(0x1p63), 0, 0x7fffffffffffffff, NV);
    CHECK_X(FCVT_L_D, RNE, fd(0x1.fffffffffffffp62), 0, 0x7ffffffffffffc00, 0);
    CHECK_X(FCVT_L_D, RNE, fd(-0x1p63), 0, 0x8000000000000000, 0);
    CHECK_X(FCVT_L_D, RNE, fd(-0x1.0000000000001p63), 0, 0x8000000000000000,
            NV);
    CHECK_X(FCVT_L_S, RNE, QNAN_S, 0, 0x7fffffffffffffff, NV);
    CHECK_X(FCVT_L_S, RNE, fs(-INFINITY), 0, 0x8000000000000000, NV);
    /* uint64 */
    CHECK_X(FCVT_LU_D, RNE, fd(0x1p64), 0, 0xffffffffffffffff, NV);
    CHECK_X(FCVT_LU_D, RNE, fd(0x1.fffffffffffffp63), 0, 0xfffffffffffff800,
            0);
    CHECK_X(FCVT_LU_S, RNE, fs(-1), 0, 0, NV);
    CHECK_X(FCVT_LU_S, RUP, fs(-0.75f), 0, 0, NX);
    CHECK_X(FCVT_LU_D, RNE, QNAN_D, 0, 0xffffffffffffffff, NV);
}

static void test_int_to_fp(void **state)
{
    (void)state;
    /* 2^24 + 1 is a tie in single precision */
    CHECK_I(FCVT_S_W, RNE, 16777217, fs(16777216), NX);
    CHECK_I(FCVT_S_W, RMM, 16777217, fs(16777218), NX);
    CHECK_I(FCVT_S_W, RMM, (uint64_t)-16777217, fs(-16777218), NX);
    CHECK_I(FCVT_S_W, RUP, 16777217, fs(16777218), NX);
    CHECK_I(FCVT_S_W, RTZ, 16777217, fs(16777216), NX);
    /* only the low 32 bits count for W and WU */
    CHECK_I(FCVT_S_WU, RNE, 0x12345678ffffffff, fs(0x1p32f), NX);
    CHECK_I(FCVT_S_WU, RTZ, 0xffffffff, S(0x4f7fffff), NX);
    CHECK_I(FCVT_D_W, RNE, 0x00000001ffffffff, fd(-1), 0);
    CHECK_I(FCVT_D_WU, RNE, 0xffffffff00000005, fd(5), 0);
    CHECK_I(FCVT_S_L, RNE, 0x7fffffffffffffff, fs(0x1p63f), NX);
    CHECK_I(FCVT_S_L, RTZ, 0x7fffffffffffffff, S(0x5effffff), NX);
    CHECK_I(FCVT_S_L, RNE, 0x8000000000000000, fs(-0x1p63f), 0);
    CHECK_I(FCVT_D_L, RNE, 0x8000000000000001, 0xc3e0000000000000, NX);
    CHECK_I(FCVT_D_L, RDN, 0x8000000000000001, 0xc3e0000000000000, NX);
    CHECK_I(FCVT_D_L, RUP, 0x8000000000000001, 0xc3dfffffffffffff, NX);
    CHECK_I(FCVT_D_LU, RNE, 0xffffffffffffffff, fd(0x1p64), NX);
    CHECK_I(FCVT_D_LU, RTZ, 0xffffffffffffffff, 0x43efffffffffffff, NX);
    /* 2^53 + 1 and 2^53 + 3: ties */
    CHECK_I(FCVT_D_LU, RNE, 0x20000000000001, fd(0x1p53), NX);
    CHECK_I(FCVT_D_LU, RMM, 0x20000000000001, 0x4340000000000001, NX);
    CHECK_I(FCVT_D_L, RNE, 0x20000000000003, 0x4340000000000002, NX);
    CHECK_I(FCVT_D_L, RMM, 0x20000000000003, 0x4340000000000002, NX);
    CHECK_I(FCVT_D_LU, RNE, 0, 0, 0);
}

static void test_fp_to_fp(void **state)
{
    (void)state;
    /* 1 + 2^-24 as a double is a tie in single */
    CHECK_F(FCVT_S_D, RNE, fd(0x1.000001p0), 0, 0, fs(1), NX);
    CHECK_F(FCVT_S_D, RMM, fd(0x1.000001p0), 0, 0, S(0x3f800001), NX);
    CHECK_F(FCVT_S_D, RDN, fd(-0x1.000001p0), 0, 0, S(0xbf800001), NX);
    CHECK_F(FCVT_S_D, RNE, fd(1e300), 0, 0, fs(INFINITY), OF | NX);
    CHECK_F(FCVT_S_D, RTZ, fd(1e300), 0, 0, S(0x7f7fffff), OF | NX);
    CHECK_F(FCVT_S_D, RNE, fd(-INFINITY), 0, 0, fs(-INFINITY), 0);
    CHECK_F(FCVT_S_D, RNE, fd(1e-300), 0, 0, fs(0), UF | NX);
    CHECK_F(FCVT_S_D, RUP, fd(1e-300), 0, 0, S(1), UF | NX);
    CHECK_F(FCVT_D_S, RNE, S(1), 0, 0, fd(0x1p-149), 0);
    CHECK_F(FCVT_D_S, RNE, fs(-INFINITY), 0, 0, fd(-INFINITY), 0);
    /* tininess is detected after rounding: 2^-126 * (1 - 2^-25) rounds to
     * the smallest normal (even at 24 bits with an unbounded exponent):
     * inexact but no underflow */
    CHECK_F(FCVT_S_D, RNE, fd(0x1.ffffffp-127), 0, 0, S(0x00800000), NX);
    CHECK_F(FCVT_S_D, RTZ, fd(0x1.ffffffp-127), 0, 0, S(0x007fffff),
            UF | NX);
}

static void test_fclass(void **state)
{
    (void)state;
    static const struct { uint64_t s, d; } cls[10] = {
        { S(0xff800000), 0xfff0000000000000 },    /* -inf */
        { S(0xbf800000), 0xbff0000000000000 },    /* -normal */
        { S(0x807fffff), 0x800fffffffffffff },    /* -subnormal */
        { S(0x80000000), 0x8000000000000000 },    /* -0 */
        { S(0x00000000), 0x0000000000000000 },    /* +0 */
        { S(0x00000001), 0x0000000000000001 },    /* +subnormal */
        { S(0x7f7fffff), 0x7fefffffffffffff },    /* +normal */
        { S(0x7f800000), 0x7ff0000000000000 },    /* +inf */
        { S(0xffbfffff), 0xfff7ffffffffffff },    /* signaling NaN */
        { S(0x7fc00000), 0x7ff8000000000000 },    /* quiet NaN */
    };
    for (unsigned i = 0; i < 10; i++) {
        CHECK_X(FCLASS_S, 1, cls[i].s, 0, 1u << i, 0);
        CHECK_X(FCLASS_D, 1, cls[i].d, 0, 1u << i, 0);
    }
}

static void test_fma(void **state)
{
    (void)state;
    /* (1 + 2^-23)^2 = 1 + 2^-22 + 2^-46: fused keeps the 2^-46 that a
     * separate multiply and add would lose */
    uint64_t a = fs(0x1.000002p0f), c = fs(-0x1.000004p0f);
    CHECK_F(FMADD_S, RNE, a, a, c, fs(0x1p-46f), 0);
    CHECK_F(FMSUB_S, RNE, a, a, fs(0x1.000004p0f), fs(0x1p-46f), 0);
    CHECK_F(FNMADD_S, RNE, a, a, c, fs(-0x1p-46f), 0);
    CHECK_F(FNMSUB_S, RNE, a, a, fs(0x1.000004p0f), fs(-0x1p-46f), 0);
    CHECK_F(FMUL_S, RNE, a, a, 0, fs(0x1.000004p0f), NX);
    uint64_t ad = fd(0x1.0000000000001p0), cd = fd(-0x1.0000000000002p0);
    CHECK_F(FMADD_D, RNE, ad, ad, cd, fd(0x1p-104), 0);
    CHECK_F(FMADD_D, RMM, ad, ad, cd, fd(0x1p-104), 0);
    CHECK_F(FNMADD_D, RTZ, ad, ad, cd, fd(-0x1p-104), 0);
    /* rounding of the fused result: 1 * 1 + 2^-53 is a tie */
    CHECK_F(FMADD_D, RNE, fd(1), fd(1), fd(0x1p-53), fd(1), NX);
    CHECK_F(FMADD_D, RMM, fd(1), fd(1), fd(0x1p-53), 0x3ff0000000000001, NX);
    CHECK_F(FMADD_S, RMM, fs(1), fs(1), fs(0x1p-24f), S(0x3f800001), NX);
    CHECK_F(FNMSUB_S, RMM, fs(1), fs(1), fs(0x1p-24f), S(0xbf7fffff), 0);
    /* far below the last bit: still inexact */
    CHECK_F(FMADD_D, RMM, fd(1), fd(1), fd(0x1p-100), fd(1), NX);
    CHECK_F(FADD_D, RMM, fd(-1), fd(-0x1p-100), 0, fd(-1), NX);
    /* inf * 0 is invalid even with a quiet NaN addend */
    CHECK_F(FMADD_D, RNE, fd(INFINITY), fd(0), QNAN_D, CNAN_D, NV);
    CHECK_F(FMADD_S, RNE, fs(0), fs(-INFINITY), QNAN_S, CNAN_S, NV);
    CHECK_F(FMADD_S, RNE, fs(1), fs(INFINITY), fs(-INFINITY), CNAN_S, NV);
    CHECK_F(FMADD_S, RNE, fs(1), fs(2), QNAN_S, CNAN_S, 0);
    CHECK_F(FMADD_S, RNE, fs(1), fs(2), SNAN_S, CNAN_S, NV);
    /* signed zeros: -(+0 * 1) - (+0) = -0 */
    CHECK_F(FNMADD_D, RNE, fd(0), fd(1), fd(0), fd(-0.0), 0);
    CHECK_F(FMADD_D, RNE, fd(0), fd(1), fd(-0.0), fd(0), 0);
    CHECK_F(FMADD_D, RDN, fd(0), fd(1), fd(-0.0), fd(-0.0), 0);
}

static void test_exceptions(void **state)
{
    (void)state;
    CHECK_F(FDIV_S, RNE, fs(1), fs(0), 0, fs(INFINITY), DZ);
    CHECK_F(FDIV_D, RNE, fd(-1), fd(0), 0, fd(-INFINITY), DZ);
    CHECK_F(FDIV_D, RMM, fd(1), fd(-0.0), 0, fd(-INFINITY), DZ);
    CHECK_F(FDIV_S, RNE, fs(0), fs(0), 0, CNAN_S, NV);
    CHECK_F(FDIV_D, RNE, fd(INFINITY), fd(0), 0, fd(INFINITY), 0);
    CHECK_F(FSQRT_S, RNE, fs(-1), 0, 0, CNAN_S, NV);
    CHECK_F(FSQRT_D, RMM, fd(-0x1p-1074), 0, 0, CNAN_D, NV);
    CHECK_F(FSQRT_D, RNE, fd(-INFINITY), 0, 0, CNAN_D, NV);
    CHECK_F(FSQRT_D, RNE, fd(INFINITY), 0, 0, fd(INFINITY), 0);
    /* overflow, per rounding mode and sign */
    CHECK_F(FMUL_S, RNE, fs(0x1p127f), fs(2), 0, fs(INFINITY), OF | NX);
    CHECK_F(FMUL_S, RTZ, fs(0x1p127f), fs(2), 0, S(0x7f7fffff), OF | NX);
    CHECK_F(FMUL_S, RDN, fs(0x1p127f), fs(2), 0, S(0x7f7fffff), OF | NX);
    CHECK_F(FMUL_S, RUP, fs(-0x1p127f), fs(2), 0, S(0xff7fffff), OF | NX);
    CHECK_F(FMUL_S, RMM, fs(-0x1p127f), fs(2), 0, fs(-INFINITY), OF | NX);
    CHECK_F(FADD_D, RNE, fd(DBL_MAX), fd(DBL_MAX), 0, fd(INFINITY), OF | NX);
    CHECK_F(FADD_D, RMM, fd(DBL_MAX), fd(0x1p970), 0, fd(INFINITY), OF | NX);
    CHECK_F(FADD_D, RMM, fd(DBL_MAX), fd(0x1.fffffp969), 0, fd(DBL_MAX), NX);
    /* underflow: tiny and inexact; tiny but exact raises nothing */
    CHECK_F(FMUL_S, RNE, fs(0x1p-126f), fs(0.5f), 0, S(0x00400000), 0);
    CHECK_F(FMUL_S, RNE, S(1), fs(0.5f), 0, S(0), UF | NX);
    CHECK_F(FMUL_S, RUP, S(1), fs(0.5f), 0, S(1), UF | NX);
    CHECK_F(FMUL_D, RNE, fd(0x1p-1000), fd(0x1p-100), 0, 0, UF | NX);
    /* tininess after rounding: 2^-126 * (1 - 2^-46) becomes 2^-126 when
     * rounded to 24 bits, so no underflow in the nearest modes; the same
     * with 2^-1022 * (1 - 2^-104) for doubles */
    CHECK_F(FMUL_S, RNE, S(0x00800001), S(0x3f7ffffe), 0, S(0x00800000), NX);
    CHECK_F(FMUL_S, RMM, S(0x00800001), S(0x3f7ffffe), 0, S(0x00800000), NX);
    CHECK_F(FMUL_S, RTZ, S(0x00800001), S(0x3f7ffffe), 0, S(0x007fffff),
            UF | NX);
    CHECK_F(FMUL_D, RNE, 0x0010000000000001, 0x3feffffffffffffe, 0,
            0x0010000000000000, NX);
    CHECK_F(FMUL_D, RMM, 0x0010000000000001, 0x3feffffffffffffe, 0,
            0x0010000000000000, NX);
    CHECK_F(FMUL_D, RDN, 0x0010000000000001, 0x3feffffffffffffe, 0,
            0x000fffffffffffff, UF | NX);
}

/* Flags accumulate in fflags and are never cleared by an op. */
static void test_flags_accrue(void **state)
{
    (void)state;
    fflags0 = NV | DZ;
    CHECK_F(FADD_S, RNE, fs(1), fs(2), 0, fs(3), NV | DZ);
    CHECK_F(FADD_S, RNE, fs(1), fs(0x1p-30f), 0, fs(1), NV | DZ | NX);
}

static void test_illegal_rm(void **state)
{
    (void)state;
    static const unsigned ops[] = { OP_FADD_S, OP_FMADD_D, OP_FSQRT_S,
                                    OP_FCVT_W_D, OP_FCVT_D_S, OP_FCVT_S_LU,
                                    OP_FCVT_D_W };
    for (unsigned i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        for (unsigned rm = 5; rm <= 6; rm++) {
            assert_int_equal(run_rd(ops[i], rm, 4, fd(1), fd(1), 0, 1), -1);
            assert_int_equal(h.f[4], 0x5a5a);
            assert_int_equal(h.x[4], 0x5a5a);
            assert_int_equal(h.fflags, 0);
        }
        for (frm = 5; frm <= 7; frm++)
            assert_int_equal(run_rd(ops[i], DYN, 4, fd(1), fd(1), 0, 1), -1);
        frm = RMM;
        assert_int_equal(run_rd(ops[i], DYN, 4, fd(1), fd(1), 0, 1), 0);
    }
    /* ops without a rounding mode ignore the field */
    frm = 7;
    CHECK_F(FSGNJ_D, DYN, fd(1), fd(-2), 0, fd(-1), 0);
    CHECK_F(FMIN_S, 6, fs(1), fs(2), 0, fs(1), 0);
    CHECK_X(FEQ_D, 5, fd(1), fd(1), 1, 0);
    CHECK_X(FCLASS_D, DYN, fd(1), 0, 1u << 6, 0);
    CHECK_X(FMV_X_D, 6, fd(1), 0, fd(1), 0);
    CHECK_I(FMV_W_X, 5, 7, S(7), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_round_add_ties, setup),
        cmocka_unit_test_setup(test_round_dynamic, setup),
        cmocka_unit_test_setup(test_round_mul_div_sqrt, setup),
        cmocka_unit_test_setup(test_zero_signs, setup),
        cmocka_unit_test_setup(test_nan_canonical, setup),
        cmocka_unit_test_setup(test_nan_boxing, setup),
        cmocka_unit_test_setup(test_min_max, setup),
        cmocka_unit_test_setup(test_compare, setup),
        cmocka_unit_test_setup(test_int_dest, setup),
        cmocka_unit_test_setup(test_fp_to_int, setup),
        cmocka_unit_test_setup(test_int_to_fp, setup),
        cmocka_unit_test_setup(test_fp_to_fp, setup),
        cmocka_unit_test_setup(test_fclass, setup),
        cmocka_unit_test_setup(test_fma, setup),
        cmocka_unit_test_setup(test_exceptions, setup),
        cmocka_unit_test_setup(test_flags_accrue, setup),
        cmocka_unit_test_setup(test_illegal_rm, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
