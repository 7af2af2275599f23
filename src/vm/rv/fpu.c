/* The F and D extensions' arithmetic: fpu_exec() for every F/D op except
 * loads and stores. Values are computed with the host's IEEE arithmetic
 * under the guest's rounding mode (<fenv.h>), with the exception flags read
 * back from the host. RMM (ties away from zero) has no host mode: such ops
 * are computed in long double rounded to odd, then rounded to the target
 * format by hand. NaN results are canonical, singles are NaN-boxed, and
 * FP-to-integer conversions saturate as RISC-V specifies. */
#include "vm/rv/fpu.h"

#include <fenv.h>
#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "vm/rv/cpu.h"
#include "vm/rv/decode.h"
#include "vm/rv/hart.h"

#ifdef __clang__
#pragma STDC FENV_ACCESS ON
#endif

/* Rounding to odd at p' bits, then rounding to p <= p' - 2 bits, gives the
 * correctly rounded p-bit result: the RMM path depends on this. */
_Static_assert(LDBL_MANT_DIG >= DBL_MANT_DIG + 2,
               "the RMM path needs a long double wider than double");

enum { RM_RNE, RM_RTZ, RM_RDN, RM_RUP, RM_RMM, RM_DYN = 7 };


/* The two formats, as raw bits in a uint64_t. */
struct fmt {
    uint64_t sign, expo, quiet, cnan;
};
static const struct fmt fmts[2] = {
    { 1ull << 31, 0xffull << 23, 1ull << 22, 0x7fc00000ull },
    { 1ull << 63, 0x7ffull << 52, 1ull << 51, 0x7ff8000000000000ull },
};
#define BOX 0xffffffff00000000ull

static bool is_nan(uint64_t v, const struct fmt *f)
{
    return (v & ~f->sign) > f->expo;
}

static bool is_snan(uint64_t v, const struct fmt *f)
{
    return is_nan(v, f) && !(v & f->quiet);
}

/* Register rs as raw bits of the format; a single that is not properly
 * NaN-boxed reads as the canonical NaN. */
static uint64_t freg(const struct hart *h, unsigned rs, bool dbl)
{
    uint64_t v = h->f[rs];
    if (dbl)
        return v;
    return (v >> 32) == 0xffffffff ? (uint32_t)v : fmts[0].cnan;
}

static void fset(struct hart *h, unsigned rd, bool dbl, uint64_t v)
{
    h->f[rd] = dbl ? v : BOX | (uint32_t)v;
}

static void xset(struct hart *h, unsigned rd, uint64_t v)
{
    if (rd)
        h->x[rd] = v;
}

/* Raw bits <-> host value; a single's value is exact in a double. */
static double to_host(uint64_t v, bool dbl)
{
    if (dbl) {
        double d;
        memcpy(&d, &v, sizeof d);
        return d;
    }
    uint32_t w = (uint32_t)v;
    float s;
    memcpy(&s, &w, sizeof s);
    return s;
}

static uint64_t from_host(double d, bool dbl)
{
    if (isnan(d))
        return fmts[dbl].cnan;
    if (dbl) {
        uint64_t v;
        memcpy(&v, &d, sizeof v);
        return v;
    }
    float s = (float)d;
    uint32_t w;
    memcpy(&w, &s, sizeof w);
    return w;
}

/* Host exceptions: host_begin() clears them and sets the rounding mode,
 * host_end() returns them as FFLAG_* and restores round-to-nearest. The
 * operations in between read their operands from and write their result
 * to volatile variables, so that the compiler neither folds them nor moves
 * them out of that window. */
static void host_begin(int mode)
{
    feclearexcept(FE_ALL_EXCEPT);
    fesetround(mode);
}

static uint32_t host_end(void)
{
    int e = fetestexcept(FE_ALL_EXCEPT);
    fesetround(FE_TONEAREST);
    return (e & FE_INVALID ? FFLAG_NV : 0) |
           (e & FE_DIVBYZERO ? FFLAG_DZ : 0) |
           (e & FE_OVERFLOW ? FFLAG_OF : 0) |
           (e & FE_UNDERFLOW ? FFLAG_UF : 0) |
           (e & FE_INEXACT ? FFLAG_NX : 0);
}

/* The same for float and double arithmetic alone. On x86-64 that is SSE,
 * whose control and status register (MXCSR) holds the rounding mode and
 * the flags: setting and reading it directly costs a few cycles, where
 * glibc's feclearexcept and fesetround also store and reload the x87
 * environment (ten times the whole operation). */
#ifdef __x86_64__
#define MXCSR_DEFAULT 0x1f80u   /* every exception masked, to nearest */

static void sse_begin(unsigned rm)
{
    static const unsigned rc[] = {
        [RM_RNE] = 0, [RM_RTZ] = 3, [RM_RDN] = 1, [RM_RUP] = 2,
    };
    __builtin_ia32_ldmxcsr(MXCSR_DEFAULT | rc[rm] << 13);
}

static uint32_t sse_end(void)
{
    unsigned c = __builtin_ia32_stmxcsr();
    __builtin_ia32_ldmxcsr(MXCSR_DEFAULT);
    return (c & 0x01 ? FFLAG_NV : 0) | (c & 0x04 ? FFLAG_DZ : 0) |
           (c & 0x08 ? FFLAG_OF : 0) | (c & 0x10 ? FFLAG_UF : 0) |
           (c & 0x20 ? FFLAG_NX : 0);
}
#else
static void sse_begin(unsigned rm)
{
    static const int host_mode[] = {
        [RM_RNE] = FE_TONEAREST, [RM_RTZ] = FE_TOWARDZERO,
        [RM_RDN] = FE_DOWNWARD, [RM_RUP] = FE_UPWARD,
    };
    host_begin(host_mode[rm]);
}

static uint32_t sse_end(void)
{
    return host_end();
}
#endif

/* The rounding operations, on host values of each type. K_MOV is a plain
 * conversion: the rounding happens when the operand is converted to T. */
enum kind { K_ADD, K_SUB, K_MUL, K_DIV, K_SQRT, K_FMA, K_MOV };

#define DEFINE_APPLY(name, T, sqrt_fn, fma_fn)                                \
    static T name(enum kind k, T a, T b, T c)                                 \
    {                                                                         \
        switch (k) {                                                          \
        case K_ADD: return a + b;                                             \
        case K_SUB: return a - b;                                             \
        case K_MUL: return a * b;                                             \
        case K_DIV: return a / b;                                             \
        case K_SQRT: return sqrt_fn(a);                                       \
        case K_FMA: return fma_fn(a, b, c);                                   \
        default: return a;                                                    \
        }                                                                     \
    }
DEFINE_APPLY(apply_s, float, sqrtf, fmaf)
DEFINE_APPLY(apply_d, double, sqrt, fma)
DEFINE_APPLY(apply_w, long double, sqrtl, fmal)

/* Round x to the target format (dbl) to nearest, ties away from zero.
 * x is exact or rounded to odd in long double, so rounding it to nearest
 * even gives the right flags, and the result only has to move away from
 * zero when x lies exactly halfway between two values of the format. */
static double round_rmm(long double x, bool dbl, uint32_t *fl)
{
    volatile long double vx = x;
    volatile double vr;
    host_begin(FE_TONEAREST);
    vr = dbl ? (double)vx : (float)vx;
    *fl |= host_end();
    double r = vr;
    if (isfinite(r) && fabsl(x) > fabs(r)) {
        double away = dbl ? nextafter(r, copysign(INFINITY, r))
                          : nextafterf((float)r, copysignf(INFINITY, (float)r));
        if (away - x == x - r)
            r = away;
    }
    return r;
}

/* k on a, b, c in long double, rounded to odd: toward zero, and if that was
 * inexact, the neighbour with an odd last significand bit. */
static long double wide_odd(enum kind k, double a, double b, double c,
                            uint32_t *fl)
{
    volatile long double va = a, vb = b, vc = c, vr;
    host_begin(FE_TOWARDZERO);
    vr = apply_w(k, va, vb, vc);
    uint32_t e = host_end();
    long double r = vr;
    *fl |= e & (FFLAG_NV | FFLAG_DZ);
    if (e & FFLAG_NX) {
        int ex;
        long double sig = ldexpl(frexpl(r, &ex), LDBL_MANT_DIG);
        if (fmodl(sig, 2) == 0)
            r = nextafterl(r, copysignl(INFINITY, r));
    }
    return r;
}

/* k on raw operands a, b, c of format din, result in format dout under
 * rounding mode rm (0..4). Unused operands must be 0. */
static uint64_t arith(enum kind k, bool din, bool dout, unsigned rm,
                      uint64_t a, uint64_t b, uint64_t c, uint32_t *fl)
{
    const struct fmt *f = &fmts[din];
    double x = to_host(a, din), y = to_host(b, din), z = to_host(c, din);
    double r;
    if (is_snan(a, f) || is_snan(b, f) || is_snan(c, f))
        *fl |= FFLAG_NV;
    /* RISC-V: inf * 0 is invalid even when the addend is a quiet NaN. */
    if (k == K_FMA && ((isinf(x) && y == 0) || (x == 0 && isinf(y))))
        *fl |= FFLAG_NV;
    if (rm == RM_RMM) {
        r = round_rmm(wide_odd(k, x, y, z, fl), dout, fl);
    } else {
        volatile double vx = x, vy = y, vz = z, vr;
        sse_begin(rm);
        vr = dout ? apply_d(k, vx, vy, vz)
                  : apply_s(k, (float)vx, (float)vy, (float)vz);
        *fl |= sse_end();
        r = vr;
    }
    return from_host(r, dout);
}

/* Integer v (signed if sgn) to format dbl. */
static uint64_t from_int(uint64_t v, bool sgn, bool dbl, unsigned rm,
                         uint32_t *fl)
{
    volatile int64_t vs = (int64_t)v;
    volatile uint64_t vu = v;
    volatile double vr;
    if (rm == RM_RMM)
        return from_host(round_rmm(sgn ? (long double)vs : (long double)vu,
                                   dbl, fl), dbl);
    sse_begin(rm);
    if (dbl)
        vr = sgn ? (double)vs : (double)vu;
    else
        vr = sgn ? (float)vs : (float)vu;
    *fl |= sse_end();
    return from_host(vr, dbl);
}

static double round_integral(double x, unsigned rm)
{
    switch (rm) {
    case RM_RNE: return roundeven(x);
    case RM_RTZ: return trunc(x);
    case RM_RDN: return floor(x);
    case RM_RUP: return ceil(x);
    default: return round(x);
    }
}

/* Raw operand a of format dbl to a 32- or 64-bit integer (signed if sgn),
 * saturating; 32-bit results come back sign-extended. */
static uint64_t to_int(uint64_t a, bool dbl, unsigned bits, bool sgn,
                       unsigned rm, uint32_t *fl)
{
    double lim = ldexp(1, (int)bits - sgn);   /* first value above the range */
    uint64_t max = sgn ? (1ull << (bits - 1)) - 1 : UINT64_MAX >> (64 - bits);
    uint64_t min = sgn ? (uint64_t)0 - (1ull << (bits - 1)) : 0;
    uint64_t v;
    double x = to_host(a, dbl), r = round_integral(x, rm);
    if (isnan(x) || r >= lim || r < (sgn ? -lim : 0)) {
        *fl |= FFLAG_NV;
        v = isnan(x) || r > 0 ? max : min;
    } else {
        if (r != x)
            *fl |= FFLAG_NX;
        v = r < 0 ? (uint64_t)(int64_t)r : (uint64_t)r;
    }
    return bits == 32 ? sx32(v) : v;
}

static uint64_t fclass(uint64_t v, const struct fmt *f)
{
    bool neg = v & f->sign;
    uint64_t e = v & f->expo, m = v & (f->sign - 1) & ~f->expo;
    if (e == f->expo && m == 0)
        return neg ? 1u << 0 : 1u << 7;
    if (e == f->expo)
        return m & f->quiet ? 1u << 9 : 1u << 8;
    if (e == 0 && m == 0)
        return neg ? 1u << 3 : 1u << 4;
    if (e == 0)
        return neg ? 1u << 2 : 1u << 5;
    return neg ? 1u << 1 : 1u << 6;
}

static uint64_t minmax(uint64_t a, uint64_t b, bool dbl, bool max,
                       uint32_t *fl)
{
    const struct fmt *f = &fmts[dbl];
    if (is_snan(a, f) || is_snan(b, f))
        *fl |= FFLAG_NV;
    if (is_nan(a, f))
        return is_nan(b, f) ? f->cnan : b;
    if (is_nan(b, f))
        return a;
    double x = to_host(a, dbl), y = to_host(b, dbl);
    bool a_less = x < y || (x == y && (a & f->sign)); /* -0 < +0 */
    return a_less != max ? a : b;
}

/* FEQ is quiet (only signaling NaNs are invalid), FLT and FLE signal. */
enum cmp { CMP_EQ, CMP_LT, CMP_LE };

static uint64_t compare(uint64_t a, uint64_t b, bool dbl, enum cmp cmp,
                        uint32_t *fl)
{
    const struct fmt *f = &fmts[dbl];
    if (is_nan(a, f) || is_nan(b, f)) {
        if (cmp != CMP_EQ || is_snan(a, f) || is_snan(b, f))
            *fl |= FFLAG_NV;
        return 0;
    }
    double x = to_host(a, dbl), y = to_host(b, dbl);
    return cmp == CMP_EQ ? x == y : cmp == CMP_LT ? x < y : x <= y;
}

#define TWIN(name) case OP_##name##_S: case OP_##name##_D

/* The ops that round, under rounding mode rm (0..4). */
static void exec_rounded(struct hart *h, const struct insn *in, bool dbl,
                         unsigned rm, uint32_t *fl)
{
    uint64_t sign = fmts[dbl].sign, xa = h->x[in->rs1];
    uint64_t a = freg(h, in->rs1, dbl), b = freg(h, in->rs2, dbl);
    uint64_t c = freg(h, in->rs3, dbl);
    unsigned rd = in->rd;

    switch (in->op) {
    TWIN(FMADD):
        fset(h, rd, dbl, arith(K_FMA, dbl, dbl, rm, a, b, c, fl));
        break;
    TWIN(FMSUB):
        fset(h, rd, dbl, arith(K_FMA, dbl, dbl, rm, a, b, c ^ sign, fl));
        break;
    TWIN(FNMSUB):
        fset(h, rd, dbl, arith(K_FMA, dbl, dbl, rm, a ^ sign, b, c, fl));
        break;
    TWIN(FNMADD):
        fset(h, rd, dbl, arith(K_FMA, dbl, dbl, rm, a ^ sign, b, c ^ sign, fl));
        break;
    TWIN(FADD):
        fset(h, rd, dbl, arith(K_ADD, dbl, dbl, rm, a, b, 0, fl));
        break;
    TWIN(FSUB):
        fset(h, rd, dbl, arith(K_SUB, dbl, dbl, rm, a, b, 0, fl));
        break;
    TWIN(FMUL):
        fset(h, rd, dbl, arith(K_MUL, dbl, dbl, rm, a, b, 0, fl));
        break;
    TWIN(FDIV):
        fset(h, rd, dbl, arith(K_DIV, dbl, dbl, rm, a, b, 0, fl));
        break;
    TWIN(FSQRT):
        fset(h, rd, dbl, arith(K_SQRT, dbl, dbl, rm, a, 0, 0, fl));
        break;
    case OP_FCVT_S_D:
        fset(h, rd, false, arith(K_MOV, true, false, rm, a, 0, 0, fl));
        break;
    case OP_FCVT_D_S:
        fset(h, rd, true,
             arith(K_MOV, false, true, rm, freg(h, in->rs1, false), 0, 0, fl));
        break;
    TWIN(FCVT_W):
        xset(h, rd, to_int(a, dbl, 32, true, rm, fl));
        break;
    TWIN(FCVT_WU):
        xset(h, rd, to_int(a, dbl, 32, false, rm, fl));
        break;
    TWIN(FCVT_L):
        xset(h, rd, to_int(a, dbl, 64, true, rm, fl));
        break;
    TWIN(FCVT_LU):
        xset(h, rd, to_int(a, dbl, 64, false, rm, fl));
        break;
    case OP_FCVT_S_W: case OP_FCVT_D_W:
        fset(h, rd, dbl, from_int(sx32(xa), true, dbl, rm, fl));
        break;
    case OP_FCVT_S_WU: case OP_FCVT_D_WU:
        fset(h, rd, dbl, from_int((uint32_t)xa, false, dbl, rm, fl));
        break;
    case OP_FCVT_S_L: case OP_FCVT_D_L:
        fset(h, rd, dbl, from_int(xa, true, dbl, rm, fl));
        break;
    case OP_FCVT_S_LU: case OP_FCVT_D_LU:
        fset(h, rd, dbl, from_int(xa, false, dbl, rm, fl));
        break;
    }
}

int fpu_exec(struct hart *h, const struct insn *in)
{
    unsigned op = in->op, rd = in->rd;
    bool dbl = op >= OP_FMADD_D;
    uint64_t sign = fmts[dbl].sign;
    uint64_t a = freg(h, in->rs1, dbl), b = freg(h, in->rs2, dbl);
    uint32_t fl = 0;

    switch (op) {
    TWIN(FSGNJ):
        fset(h, rd, dbl, (a & ~sign) | (b & sign));
        break;
    TWIN(FSGNJN):
        fset(h, rd, dbl, (a & ~sign) | (~b & sign));
        break;
    TWIN(FSGNJX):
        fset(h, rd, dbl, a ^ (b & sign));
        break;
    TWIN(FMIN):
        fset(h, rd, dbl, minmax(a, b, dbl, false, &fl));
        break;
    TWIN(FMAX):
        fset(h, rd, dbl, minmax(a, b, dbl, true, &fl));
        break;
    TWIN(FEQ):
        xset(h, rd, compare(a, b, dbl, CMP_EQ, &fl));
        break;
    TWIN(FLT):
        xset(h, rd, compare(a, b, dbl, CMP_LT, &fl));
        break;
    TWIN(FLE):
        xset(h, rd, compare(a, b, dbl, CMP_LE, &fl));
        break;
    TWIN(FCLASS):
        xset(h, rd, fclass(a, &fmts[dbl]));
        break;
    case OP_FMV_X_W:
        xset(h, rd, sx32(h->f[in->rs1]));
        break;
    case OP_FMV_X_D:
        xset(h, rd, h->f[in->rs1]);
        break;
    case OP_FMV_W_X: case OP_FMV_D_X:
        fset(h, rd, dbl, h->x[in->rs1]);
        break;
    default: {
        unsigned rm = in->rm == RM_DYN ? h->frm : in->rm;
        if (op < OP_FIRST_FPU || op > OP_LAST_FPU || rm > RM_RMM)
            return -1;
        exec_rounded(h, in, dbl, rm, &fl);
    }
    }
    h->fflags |= fl;
    return 0;
}
