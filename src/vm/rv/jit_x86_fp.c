/* The x86-64 emitter's F and D arithmetic with SSE (jit_x86.h): add, sub,
 * mul, div, sqrt, min, max, the conversions between the formats and to
 * and from integers, compares, sign injection, moves and FCLASS, single
 * and double, and the fused multiply-adds with FMA3 where the host has it.
 * SSE computes what RISC-V specifies there but for three things, each
 * handled here: a NaN result is made the canonical NaN; the rounding mode
 * is MXCSR's; the exception flags gather in MXCSR, not in fflags.
 *
 * Reading or writing MXCSR costs more than the arithmetic (about 8 ns
 * here), so it is done once per stay in translated code: the first FP op
 * sets MXCSR from frm, flags clear (fp_on); from then on the guest's
 * flags gather there, until control leaves for C (a call, the exit),
 * which moves them into fflags and gives the host its MXCSR back (fp_off:
 * the ABI's default, which cella never changes).
 *
 * What SSE cannot do goes to fpu_exec (jx_fpu_call): at translation time,
 * the ops not listed here and a static RMM or reserved mode; at run time
 * (the slow path), a single that is not NaN-boxed, a dynamic mode that is
 * RMM or reserved, a static mode that is not frm's (for an op whose result
 * depends on it), a conversion to an integer whose answer is x86's
 * "indefinite" one (out of range, a NaN, or the most negative integer
 * itself) or, to an unsigned one, out of its range, a conversion from an
 * unsigned 64-bit integer of 2^63 or more, a min or max of a NaN, and the
 * class of a NaN. */
#include "vm/rv/jit_x86.h"

#include "vm/rv/cpu.h"

#define MXCSR_DEFAULT 0x1f80    /* exceptions masked, to nearest, no flags */
#define RM_DYN 7

enum form {
    ARITH,      /* rd = rs1 op rs2 (or op rs1) */
    FUSED,      /* rd = +-(rs1 * rs2) +- rs3, rounded once */
    TO_FMT,     /* rd = rs1 in the other format */
    FROM_INT,   /* rd = integer x[rs1] */
    TO_INT,     /* x[rd] = rs1 rounded to an integer */
    COMPARE,    /* x[rd] = rs1 cmp rs2 */
    SIGN,       /* rd = rs1 with a sign from rs2 */
    MOVE,       /* bits between x and f registers */
    MINMAX,     /* rd = the smaller (FP_MIN) or larger (FP_MAX) operand */
    CLASS,      /* x[rd] = rs1's class, one bit of ten */
};

struct fp_op {
    enum form form;
    int dbl;        /* the source format (the destination's for FROM_INT) */
    int x86;        /* ARITH, MINMAX: enum x86_fp; TO_INT, FROM_INT: INT_
                     * flags; SIGN, COMPARE: which one */
};

enum { INT_64 = 1, INT_UNSIGNED = 2 };

enum { SIGN_J, SIGN_JN, SIGN_JX };
enum { CMP_EQ, CMP_LT, CMP_LE };

/* What in is, or false when this file does not do it. */
static bool fp_op(const struct insn *in, struct fp_op *o)
{
    switch (in->op) {
#define CASE(op, f, d, x) \
    case OP_##op: *o = (struct fp_op){f, d, x}; return true;
    CASE(FADD_S, ARITH, 0, FP_ADD) CASE(FADD_D, ARITH, 1, FP_ADD)
    CASE(FSUB_S, ARITH, 0, FP_SUB) CASE(FSUB_D, ARITH, 1, FP_SUB)
    CASE(FMUL_S, ARITH, 0, FP_MUL) CASE(FMUL_D, ARITH, 1, FP_MUL)
    CASE(FDIV_S, ARITH, 0, FP_DIV) CASE(FDIV_D, ARITH, 1, FP_DIV)
    CASE(FSQRT_S, ARITH, 0, FP_SQRT) CASE(FSQRT_D, ARITH, 1, FP_SQRT)
    CASE(FMADD_S, FUSED, 0, FMA_ADD) CASE(FMADD_D, FUSED, 1, FMA_ADD)
    CASE(FMSUB_S, FUSED, 0, FMA_SUB) CASE(FMSUB_D, FUSED, 1, FMA_SUB)
    CASE(FNMSUB_S, FUSED, 0, FMA_NADD) CASE(FNMSUB_D, FUSED, 1, FMA_NADD)
    CASE(FNMADD_S, FUSED, 0, FMA_NSUB) CASE(FNMADD_D, FUSED, 1, FMA_NSUB)
    CASE(FCVT_S_D, TO_FMT, 1, 0) CASE(FCVT_D_S, TO_FMT, 0, 0)
    CASE(FMIN_S, MINMAX, 0, FP_MIN) CASE(FMIN_D, MINMAX, 1, FP_MIN)
    CASE(FMAX_S, MINMAX, 0, FP_MAX) CASE(FMAX_D, MINMAX, 1, FP_MAX)
    CASE(FCVT_S_W, FROM_INT, 0, 0) CASE(FCVT_S_L, FROM_INT, 0, INT_64)
    CASE(FCVT_D_W, FROM_INT, 1, 0) CASE(FCVT_D_L, FROM_INT, 1, INT_64)
    CASE(FCVT_S_WU, FROM_INT, 0, INT_UNSIGNED)
    CASE(FCVT_S_LU, FROM_INT, 0, INT_64 | INT_UNSIGNED)
    CASE(FCVT_D_WU, FROM_INT, 1, INT_UNSIGNED)
    CASE(FCVT_D_LU, FROM_INT, 1, INT_64 | INT_UNSIGNED)
    CASE(FCVT_W_S, TO_INT, 0, 0) CASE(FCVT_L_S, TO_INT, 0, INT_64)
    CASE(FCVT_W_D, TO_INT, 1, 0) CASE(FCVT_L_D, TO_INT, 1, INT_64)
    CASE(FCVT_WU_S, TO_INT, 0, INT_UNSIGNED)
    CASE(FCVT_LU_S, TO_INT, 0, INT_64 | INT_UNSIGNED)
    CASE(FCVT_WU_D, TO_INT, 1, INT_UNSIGNED)
    CASE(FCVT_LU_D, TO_INT, 1, INT_64 | INT_UNSIGNED)
    CASE(FEQ_S, COMPARE, 0, CMP_EQ) CASE(FEQ_D, COMPARE, 1, CMP_EQ)
    CASE(FLT_S, COMPARE, 0, CMP_LT) CASE(FLT_D, COMPARE, 1, CMP_LT)
    CASE(FLE_S, COMPARE, 0, CMP_LE) CASE(FLE_D, COMPARE, 1, CMP_LE)
    CASE(FSGNJ_S, SIGN, 0, SIGN_J) CASE(FSGNJ_D, SIGN, 1, SIGN_J)
    CASE(FSGNJN_S, SIGN, 0, SIGN_JN) CASE(FSGNJN_D, SIGN, 1, SIGN_JN)
    CASE(FSGNJX_S, SIGN, 0, SIGN_JX) CASE(FSGNJX_D, SIGN, 1, SIGN_JX)
    CASE(FMV_X_W, MOVE, 0, 0) CASE(FMV_X_D, MOVE, 1, 0)
    CASE(FMV_W_X, MOVE, 0, 1) CASE(FMV_D_X, MOVE, 1, 1)
    CASE(FCLASS_S, CLASS, 0, 0) CASE(FCLASS_D, CLASS, 1, 0)
#undef CASE
    default:
        return false;
    }
}

/* The forms with a rounding mode field (a reserved one is illegal). */
static bool has_rm(enum form f)
{
    return f == ARITH || f == FUSED || f == TO_FMT || f == FROM_INT ||
           f == TO_INT;
}

/* The jumps to the slow path, patched once it is placed. */
struct slow {
    uint8_t *at[8];
    int n;
};

static void to_slow(struct x86 *a, struct slow *s, enum x86_cc cc)
{
    s->at[s->n++] = x86_jcc32(a, cc);
}

/* A single in f[r] must be NaN-boxed, else it reads as the canonical NaN:
 * the slow path's business. */
static void boxed(struct x86 *a, struct slow *s, unsigned r)
{
    x86_alu_mi(a, 0, ALU_CMP, HART, FOFF(r) + 4, -1);
    to_slow(a, s, CC_NE);
}

/* fp_on: MXCSR for the guest, from frm, flags clear; eax = 0. When frm is
 * RMM or reserved, eax = 1 and nothing is set. RISC-V's modes 0-3 (RNE,
 * RTZ, RDN, RUP) are x86's rounding control 0, 3, 1, 2: the two-bit
 * fields of 0x9c.
 * fp_off: if the guest's MXCSR is on, its flags into fflags and the
 * host's MXCSR back. x86's IE, ZE, OE, UE, PE (bits 0, 2-5) are NV, DZ,
 * OF, UF, NX (bits 4-0): gathered into bits 0-4, they are fflags with the
 * bits in reverse order. Clobbers rcx and rdx only. */
void jx_fp_stubs(struct x86 *a, struct jit *j)
{
    static const uint8_t reversed[32] = {
        0, 16, 8, 24, 4, 20, 12, 28, 2, 18, 10, 26, 6, 22, 14, 30,
        1, 17, 9, 25, 5, 21, 13, 29, 3, 19, 11, 27, 7, 23, 15, 31,
    };
    j->fp_on = x86_here(a);
    x86_load(a, 0, RAX, HART, HOFF(frm));
    x86_alu_imm(a, 0, ALU_CMP, RAX, 3);
    uint8_t *reserved = x86_jcc8(a, CC_A);
    x86_mov32(a, RCX, RAX);
    x86_alu_rr(a, 0, ALU_ADD, RCX, RCX);
    x86_mov_imm32(a, RAX, 0x9c);
    x86_shift_cl(a, 0, SH_SHR, RAX);
    x86_alu_imm(a, 0, ALU_AND, RAX, 3);
    x86_shift_imm(a, 0, SH_SHL, RAX, 13);
    x86_alu_imm(a, 0, ALU_OR, RAX, MXCSR_DEFAULT);
    x86_store(a, 0, RAX, HART, HOFF(jit_mxcsr));
    x86_mxcsr(a, 0, HART, HOFF(jit_mxcsr));
    x86_store8_imm(a, HART, HOFF(jit_fp_on), 1);
    x86_alu_rr(a, 0, ALU_XOR, RAX, RAX);
    x86_ret(a);
    x86_patch8(a, reserved);
    x86_mov_imm32(a, RAX, 1);
    x86_ret(a);

    j->fp_off = x86_here(a);
    x86_cmp8_imm(a, HART, HOFF(jit_fp_on), 0);
    uint8_t *off = x86_jcc8(a, CC_E);
    x86_mxcsr(a, 1, HART, HOFF(jit_mxcsr));
    x86_load(a, 0, RCX, HART, HOFF(jit_mxcsr));
    x86_mov32(a, RDX, RCX);
    x86_alu_imm(a, 0, ALU_AND, RDX, 1);
    x86_shift_imm(a, 0, SH_SHR, RCX, 1);
    x86_alu_imm(a, 0, ALU_AND, RCX, 0x1e);
    x86_alu_rr(a, 0, ALU_OR, RCX, RDX);
    x86_mov_imm64(a, RDX, (uintptr_t)reversed);
    x86_alu_rr(a, 1, ALU_ADD, RCX, RDX);
    x86_load_ext(a, RCX, RCX, X86_NOREG, 0, 0, 1, 0);
    x86_alu_mr(a, 0, ALU_OR, HART, HOFF(fflags), RCX);
    x86_store32_imm(a, HART, HOFF(jit_mxcsr), MXCSR_DEFAULT);
    x86_mxcsr(a, 0, HART, HOFF(jit_mxcsr));
    x86_store8_imm(a, HART, HOFF(jit_fp_on), 0);
    x86_patch8(a, off);
    x86_ret(a);
}

void jx_fp_off(struct x86 *a, const struct jit_unit *u)
{
    x86_call(a, u->j->fp_off);
}

/* The guest's MXCSR on (else the slow path: frm is RMM or reserved); for
 * an op with a static mode that rounds, also that frm is that mode. */
static void ready(struct x86 *a, const struct jit_unit *u, struct slow *s,
                  const struct insn *in, bool rounding)
{
    x86_cmp8_imm(a, HART, HOFF(jit_fp_on), 0);
    uint8_t *on = x86_jcc8(a, CC_NE);
    x86_call(a, u->j->fp_on);
    x86_test_rr(a, 0, RAX, RAX);
    to_slow(a, s, CC_NE);
    x86_patch8(a, on);
    if (rounding && in->rm != RM_DYN) {
        x86_alu_mi(a, 0, ALU_CMP, HART, HOFF(frm), in->rm);
        to_slow(a, s, CC_NE);
    }
}

void jx_box(struct x86 *a)
{
    x86_mov32(a, RAX, RAX);
    x86_mov_imm64(a, RCX, 0xffffffff00000000ull);
    x86_alu_rr(a, 1, ALU_OR, RAX, RCX);
}

/* f[rd] = xmm0 in format dbl: a NaN made canonical, a single boxed. */
static void fp_result(struct x86 *a, int dbl, unsigned rd)
{
    x86_fp_compare(a, dbl, 1, 0, 0);
    uint8_t *number = x86_jcc8(a, CC_NP);
    x86_mov_imm64(a, RAX, dbl ? 0x7ff8000000000000ull : 0x7fc00000ull);
    x86_fp_from_gpr(a, 1, 0, RAX);
    x86_patch8(a, number);
    if (dbl) {
        x86_fp_store(a, 1, 0, HART, FOFF(rd));
    } else {
        x86_fp_to_gpr(a, 0, RAX, 0);
        jx_box(a);
        x86_store(a, 1, RAX, HART, FOFF(rd));
    }
}

/* rax = f[rs1] with its sign from rs2 (as o says); single or double. */
static void sign(struct x86 *a, const struct fp_op *o, const struct insn *in)
{
    int bit = o->dbl ? 63 : 31;
    x86_load(a, 1, RAX, HART, FOFF(in->rs1));
    x86_load(a, 1, RCX, HART, FOFF(in->rs2));
    if (o->x86 == SIGN_JX)
        x86_alu_rr(a, 1, ALU_XOR, RCX, RAX);
    else if (o->x86 == SIGN_JN)
        x86_not(a, RCX);
    x86_bit_imm(a, BIT_CLEAR, RAX, (uint8_t)bit);   /* rs1 without its sign */
    x86_shift_imm(a, 1, SH_SHR, RCX, (uint8_t)bit);
    x86_alu_imm(a, 0, ALU_AND, RCX, 1);
    x86_shift_imm(a, 1, SH_SHL, RCX, (uint8_t)bit);
    x86_alu_rr(a, 1, ALU_OR, RAX, RCX);
}

/* For a conversion of xmm0 (format dbl) to an unsigned integer of 64
 * bits (w) or 32, made as a signed 64-bit one: on to the slow path unless
 * 0 <= xmm0 <= the largest number of the format that is at most the
 * integer's maximum (for 64 bits, the signed one's), which rounds into
 * range. Past 2^63 the signed conversion has no answer, and a number out
 * of range could raise x86's inexact where RISC-V raises invalid alone; a
 * negative one (even one that rounds to 0, which RISC-V takes) is left to
 * the slow path too, for simplicity. xmm1 and rax are clobbered. */
static void unsigned_range(struct x86 *a, struct slow *s, int dbl, int w)
{
    static const uint64_t max[2][2] = {
        {0x4f7fffff, 0x5effffff},                       /* single */
        {0x41efffffffe00000, 0x43dfffffffffffff},       /* double */
    };
    x86_alu_rr(a, 0, ALU_XOR, RAX, RAX);
    x86_fp_from_gpr(a, dbl, 1, RAX);
    x86_fp_compare(a, dbl, 1, 0, 1);
    to_slow(a, s, CC_B);        /* below 0, or a NaN */
    x86_mov_imm64(a, RAX, max[dbl][w]);
    x86_fp_from_gpr(a, dbl, 1, RAX);
    x86_fp_compare(a, dbl, 1, 0, 1);
    to_slow(a, s, CC_A);
}

/* rdx = xmm0 (format dbl) as an integer (flags: INT_), rounded as in
 * says: truncated for RTZ, MXCSR's mode (frm's, checked) else. The
 * "indefinite" answer (out of range, a NaN, or the most negative integer
 * itself) goes to the slow path, which tells which; an unsigned one is
 * made as a signed 64-bit one, of a number checked to be in range. */
static void to_int(struct x86 *a, const struct jit_unit *u, struct slow *s,
                   const struct insn *in, int dbl, int flags)
{
    enum { RM_RTZ = 1 };
    int w = flags & INT_UNSIGNED ? 1 : flags & INT_64;
    ready(a, u, s, in, in->rm != RM_RTZ);
    x86_fp_m(a, FP_LOAD, dbl, 0, HART, FOFF(in->rs1));
    if (flags & INT_UNSIGNED)
        unsigned_range(a, s, dbl, flags & INT_64);
    if (in->rm == RM_RTZ)
        x86_fp_truncate(a, dbl, w, RDX, 0);
    else
        x86_fp_to_int(a, dbl, w, RDX, 0);
    if (flags & INT_UNSIGNED)
        return;
    if (w) {
        x86_mov_imm64(a, RAX, 1ull << 63);
        x86_alu_rr(a, 1, ALU_CMP, RDX, RAX);
    } else {
        x86_alu_imm(a, 0, ALU_CMP, RDX, INT32_MIN);
    }
    to_slow(a, s, CC_E);
}

/* f[rd] = the smaller or larger of f[rs1] and f[rs2] (as o says), in
 * xmm0 and xmm1 (a single's boxing checked). Distinct numbers are
 * x86's MIN or MAX; equal ones are the same bits, but for zeros, where
 * the minimum is -0 (their bits or'ed) and the maximum +0 (and'ed). A
 * NaN goes to the slow path, which picks the other operand or the
 * canonical NaN and raises invalid for a signalling one. */
static void min_max(struct x86 *a, struct slow *s, const struct fp_op *o,
                    const struct insn *in)
{
    x86_fp_m(a, FP_LOAD, o->dbl, 0, HART, FOFF(in->rs1));
    x86_fp_m(a, FP_LOAD, o->dbl, 1, HART, FOFF(in->rs2));
    x86_fp_compare(a, o->dbl, 1, 0, 1);
    to_slow(a, s, CC_P);
    uint8_t *distinct = x86_jcc8(a, CC_NE);
    x86_load(a, 1, RAX, HART, FOFF(in->rs1));
    x86_alu_rm(a, 1, o->x86 == FP_MIN ? ALU_OR : ALU_AND, RAX, HART,
               X86_NOREG, FOFF(in->rs2));
    x86_store(a, 1, RAX, HART, FOFF(in->rd));
    uint8_t *done = x86_jmp8(a);
    x86_patch8(a, distinct);
    x86_fp_m(a, (enum x86_fp)o->x86, o->dbl, 0, HART, FOFF(in->rs2));
    fp_result(a, o->dbl, in->rd);
    x86_patch8(a, done);
}

/* rax = the class of f[rs1] but for a NaN (the slow path's): bit 0-3 a
 * negative infinity, normal, subnormal number or zero, bit 4-7 a
 * positive zero, subnormal, normal number or infinity. From the bits
 * without the sign, at the top of rax, e = 0 (zero), 1 (subnormal), 2
 * (normal) or 3 (infinity) is the count of three tests, each adding its
 * carry (sbb -1 adds 1 when the compare did not borrow); the bit is
 * 4 + e, or for a negative number 3 - e, which is 4 + (e ^ -1). */
static void classify(struct x86 *a, struct slow *s, const struct insn *in,
                     int dbl)
{
    unsigned top = dbl ? 52 : 55;       /* exponent, first fraction bit */
    x86_load(a, 1, RCX, HART, FOFF(in->rs1));
    if (!dbl)
        x86_shift_imm(a, 1, SH_SHL, RCX, 32);
    x86_lea_scaled(a, RAX, RCX, RCX, 0, 0);     /* the sign shifted out */
    x86_mov_imm64(a, RDX, dbl ? 0xffe0000000000000ull
                              : 0xff00000000000000ull);
    x86_alu_rr(a, 1, ALU_CMP, RAX, RDX);
    to_slow(a, s, CC_A);                        /* a NaN */
    x86_shift_imm(a, 1, SH_SAR, RCX, 63);
    x86_alu_rr(a, 0, ALU_XOR, RDX, RDX);
    x86_alu_imm(a, 1, ALU_CMP, RAX, 1);         /* not zero */
    x86_alu_imm(a, 0, ALU_SBB, RDX, -1);
    x86_shift_imm(a, 1, SH_SHR, RAX, (uint8_t)top);
    x86_alu_imm(a, 0, ALU_CMP, RAX, 2);         /* exponent not 0 */
    x86_alu_imm(a, 0, ALU_SBB, RDX, -1);
    x86_alu_imm(a, 0, ALU_CMP, RAX, dbl ? 0xffe : 0x1fe);  /* all ones */
    x86_alu_imm(a, 0, ALU_SBB, RDX, -1);
    x86_alu_rr(a, 0, ALU_XOR, RDX, RCX);
    x86_lea32(a, RCX, RDX, 4);
    x86_mov_imm32(a, RAX, 1);
    x86_shift_cl(a, 0, SH_SHL, RAX);
}

/* The fast path; jumps to s when it cannot go on. */
static void fast(struct x86 *a, struct jit_unit *u, const struct insn *in,
                 const struct fp_op *o, struct slow *s)
{
    int dbl = o->dbl;
    switch (o->form) {
    case ARITH:
        if (!dbl) {
            boxed(a, s, in->rs1);
            if (o->x86 != FP_SQRT)
                boxed(a, s, in->rs2);
        }
        ready(a, u, s, in, true);
        if (o->x86 == FP_SQRT) {
            x86_fp_m(a, FP_SQRT, dbl, 0, HART, FOFF(in->rs1));
        } else {
            x86_fp_m(a, FP_LOAD, dbl, 0, HART, FOFF(in->rs1));
            x86_fp_m(a, (enum x86_fp)o->x86, dbl, 0, HART, FOFF(in->rs2));
        }
        fp_result(a, dbl, in->rd);
        return;
    case FUSED:
        /* RISC-V's FNMSUB is -(a * b) + c, x86's FNMADD (the table maps
         * them); a NaN addend goes the slow way: RISC-V raises invalid
         * for inf * 0 + qNaN */
        if (!dbl) {
            boxed(a, s, in->rs1);
            boxed(a, s, in->rs2);
            boxed(a, s, in->rs3);
        }
        ready(a, u, s, in, true);
        x86_fp_m(a, FP_LOAD, dbl, 2, HART, FOFF(in->rs3));
        x86_fp_compare(a, dbl, 1, 2, 2);
        to_slow(a, s, CC_P);
        x86_fp_m(a, FP_LOAD, dbl, 0, HART, FOFF(in->rs1));
        x86_fp_m(a, FP_LOAD, dbl, 1, HART, FOFF(in->rs2));
        x86_fma(a, (enum x86_fma)o->x86, dbl, 0, 1, HART, FOFF(in->rs3));
        fp_result(a, dbl, in->rd);
        return;
    case TO_FMT:        /* double to single rounds; single to double not */
        if (!dbl)
            boxed(a, s, in->rs1);
        ready(a, u, s, in, dbl);
        x86_fp_m(a, FP_CONVERT, dbl, 0, HART, FOFF(in->rs1));
        fp_result(a, !dbl, in->rd);
        return;
    case FROM_INT:      /* exact but for a 64-bit integer, or to single */
        ready(a, u, s, in, (o->x86 & INT_64) || !dbl);
        jx_ld(a, u, RDX, in->rs1);
        if (o->x86 == INT_UNSIGNED) {           /* as a signed 64-bit one */
            x86_mov32(a, RDX, RDX);
        } else if (o->x86 & INT_UNSIGNED) {     /* 2^63 or more: slow */
            x86_test_rr(a, 1, RDX, RDX);
            to_slow(a, s, CC_L);
        }
        x86_fp_from_int(a, dbl, o->x86 != 0, 0, RDX);
        fp_result(a, dbl, in->rd);
        return;
    case TO_INT:
        if (!dbl)
            boxed(a, s, in->rs1);
        to_int(a, u, s, in, dbl, o->x86);
        x86_mov(a, RAX, RDX);
        jx_result(a, u, in, o->x86 & INT_64);
        return;
    case MINMAX:
        if (!dbl) {
            boxed(a, s, in->rs1);
            boxed(a, s, in->rs2);
        }
        min_max(a, s, o, in);
        return;
    case COMPARE:
        if (!dbl) {
            boxed(a, s, in->rs1);
            boxed(a, s, in->rs2);
        }
        ready(a, u, s, in, false);
        x86_fp_m(a, FP_LOAD, dbl, 0, HART, FOFF(in->rs1));
        x86_fp_m(a, FP_LOAD, dbl, 1, HART, FOFF(in->rs2));
        /* a < b is b above a, a <= b b above or equal: unordered
         * operands set CF, so neither holds, as RISC-V says */
        if (o->x86 == CMP_EQ) {
            x86_fp_compare(a, dbl, 1, 0, 1);
            x86_setcc(a, CC_E, RAX);
            x86_setcc(a, CC_NP, RCX);
            x86_alu_rr(a, 0, ALU_AND, RAX, RCX);
        } else {
            x86_fp_compare(a, dbl, 0, 1, 0);
            x86_setcc(a, o->x86 == CMP_LT ? CC_A : CC_AE, RAX);
        }
        jx_result(a, u, in, 1);
        return;
    case SIGN:
        if (!dbl) {
            boxed(a, s, in->rs1);
            boxed(a, s, in->rs2);
        }
        sign(a, o, in);
        if (!dbl)
            jx_box(a);
        x86_store(a, 1, RAX, HART, FOFF(in->rd));
        return;
    case CLASS:
        if (!dbl)
            boxed(a, s, in->rs1);
        classify(a, s, in, dbl);
        jx_result(a, u, in, 1);
        return;
    case MOVE:
        if (o->x86) {       /* to f: a single's bits are boxed */
            jx_ld(a, u, RAX, in->rs1);
            if (!dbl)
                jx_box(a);
            x86_store(a, 1, RAX, HART, FOFF(in->rd));
        } else {            /* to x: a single's bits sign-extended */
            x86_load(a, 1, RAX, HART, FOFF(in->rs1));
            jx_result(a, u, in, dbl);
        }
        return;
    }
}

enum jit_emitted jx_fp(struct x86 *a, struct jit_unit *u,
                       const struct insn *in, int32_t d, uint32_t n)
{
    struct fp_op o;
    if (!fp_op(in, &o) || (has_rm(o.form) && in->rm > 3 && in->rm != RM_DYN) ||
        (o.form == FUSED && !__builtin_cpu_supports("fma")))
        return JIT_E_NONE;
    jx_need_fs(a, u, d, n);
    struct slow s = {.n = 0};
    /* the two paths join: what each wrote is held, and FS is dirty */
    uint32_t before = u->dirty;
    bool dirtied = u->fs_dirtied;
    fast(a, u, in, &o, &s);
    jx_fs_dirty(a, u);
    if (s.n == 0)
        return JIT_E_NEXT;
    uint8_t *done = x86_jmp32(a);
    uint32_t after = u->dirty;
    for (int i = 0; i < s.n; i++)
        x86_patch32(a, s.at[i]);
    u->dirty = before;
    u->fs_dirtied = dirtied;
    jx_fpu_call(a, u, in, d, n);
    u->dirty |= after;
    x86_patch32(a, done);
    return JIT_E_NEXT;
}
