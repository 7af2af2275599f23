/* The x86-64 emitter's integer ops (jit_x86.h): RV64I arithmetic, M
 * (with RISC-V's results for division by zero and overflow, where x86
 * would fault) and Zba/Zbb/Zbs. Each reads its sources (from the host
 * registers the block holds them in, or the hart), computes in rd's own
 * host register where it can and rax else (rcx, rdx as scratch), and
 * writes rd. */
#include "vm/rv/jit_x86.h"

#include <stdbool.h>

#include "vm/rv/cpu.h"

/* rd = x[rs]: from rs's own register straight to rd's place where the
 * block holds rs and not rd */
static enum jit_emitted move(struct x86 *a, struct jit_unit *u,
                             const struct insn *in, unsigned rs)
{
    int r = jx_dst(u, in->rd);
    if (r == RAX && rs && u->host[rs] >= 0) {
        jx_st(a, u, u->host[rs], in->rd);
        return JIT_E_NEXT;
    }
    jx_ld(a, u, r, rs);
    return jx_done(a, u, in, r, 1);
}

static enum jit_emitted alu_imm(struct x86 *a, struct jit_unit *u,
                                const struct insn *in, int w, enum x86_alu op)
{
    int r = jx_dst(u, in->rd);
    if (in->rs1 == 0 && op != ALU_AND) {    /* li: the value itself */
        x86_mov_sx(a, r, in->imm);
        return jx_done(a, u, in, r, 1);
    }
    /* mv, and sext.w of a value sign-extended already */
    if (!in->imm && op == ALU_ADD && (w || u->sext >> in->rs1 & 1))
        return move(a, u, in, in->rs1);
    jx_ld(a, u, r, in->rs1);
    if (in->imm || op == ALU_AND)   /* sext.w: no op */
        x86_alu_imm(a, w, op, r, in->imm);
    return jx_done(a, u, in, r, w);
}

static enum jit_emitted alu_reg(struct x86 *a, struct jit_unit *u,
                                const struct insn *in, int w, enum x86_alu op)
{
    bool with_zero = op == ALU_ADD || op == ALU_OR || op == ALU_XOR;
    if (w && with_zero && (in->rs1 == 0 || in->rs2 == 0))
        /* mv (C.MV is ADD rd, x0, rs2): the other source itself */
        return move(a, u, in, in->rs1 ? in->rs1 : in->rs2);
    int r = in->rs2 == in->rd && in->rs1 != in->rd ? RAX : jx_dst(u, in->rd);
    jx_ld(a, u, r, in->rs1);
    jx_alu(a, u, w, op, r, in->rs2);
    return jx_done(a, u, in, r, w);
}

static enum jit_emitted set_if(struct x86 *a, struct jit_unit *u,
                               const struct insn *in, bool imm,
                               enum x86_cc cc)
{
    jx_ld(a, u, RAX, in->rs1);
    if (imm)
        x86_alu_imm(a, 1, ALU_CMP, RAX, in->imm);
    else
        jx_alu(a, u, 1, ALU_CMP, RAX, in->rs2);
    x86_setcc(a, cc, RAX);
    return jx_result(a, u, in, 1);
}

static enum jit_emitted shift_imm(struct x86 *a, struct jit_unit *u,
                                  const struct insn *in, int w,
                                  enum x86_shift op)
{
    int r = jx_dst(u, in->rd);
    jx_ld(a, u, r, in->rs1);
    uint8_t sh = (uint8_t)(in->imm & (w ? 63 : 31));
    x86_shift_imm(a, w, op, r, sh);
    /* SRLIW by 1 or more leaves bit 31 clear: sign-extended already */
    return jx_done(a, u, in, r, w || (op == SH_SHR && sh));
}

/* x86 masks a shift or rotate count by CL as RISC-V does (to 63, or 31
 * for W), and BMI2's shifts by their count register alike. */
static enum jit_emitted shift_reg(struct x86 *a, struct jit_unit *u,
                                  const struct insn *in, int w,
                                  enum x86_shift op)
{
    int r = jx_dst(u, in->rd);
    if (u->j->bmi2 && op != SH_ROL && op != SH_ROR) {
        int src = in->rs1 && u->host[in->rs1] >= 0 ? u->host[in->rs1] : RAX;
        int by = in->rs2 && u->host[in->rs2] >= 0 ? u->host[in->rs2] : RCX;
        jx_ld(a, u, src, in->rs1);
        jx_ld(a, u, by, in->rs2);
        x86_shiftx(a, w, op, r, src, by);
        return jx_done(a, u, in, r, w);
    }
    jx_ld(a, u, RCX, in->rs2);      /* first: r may be rs2's */
    jx_ld(a, u, r, in->rs1);
    x86_shift_cl(a, w, op, r);
    return jx_done(a, u, in, r, w);
}

static enum jit_emitted mul(struct x86 *a, struct jit_unit *u,
                            const struct insn *in, int w)
{
    int r = jx_dst(u, in->rd);
    if (in->rs2 && u->host[in->rs2] < 0) {
        jx_ld(a, u, r, in->rs1);    /* r is not rs2's: it has none */
        x86_imul_rm(a, w, r, HART, XOFF(in->rs2));
        return jx_done(a, u, in, r, w);
    }
    int by = in->rs2 && u->host[in->rs2] >= 0 && u->host[in->rs2] != r
                 ? u->host[in->rs2] : RCX;
    if (by == RCX)
        jx_ld(a, u, RCX, in->rs2);  /* first: r may be rs2's */
    jx_ld(a, u, r, in->rs1);
    x86_imul_rr(a, w, r, by);
    return jx_done(a, u, in, r, w);
}

/* The high half: rdx of rdx:rax = rs1 * rs2. MULHSU is MULHU less rs2
 * when rs1 is negative (rs1 read as signed adds -2^64 * rs2). */
static enum jit_emitted mul_high(struct x86 *a, struct jit_unit *u,
                                 const struct insn *in,
                                 int sign1, int sign2)
{
    jx_ld(a, u, RAX, in->rs1);
    jx_ld(a, u, RCX, in->rs2);
    x86_mul_r(a, sign1 && sign2, RCX);
    if (sign1 && !sign2) {
        jx_ld(a, u, RCX, in->rs1);
        x86_shift_imm(a, 1, SH_SAR, RCX, 63);
        jx_alu(a, u, 1, ALU_AND, RCX, in->rs2);
        x86_alu_rr(a, 1, ALU_SUB, RDX, RCX);
    }
    x86_mov(a, RAX, RDX);
    return jx_result(a, u, in, 1);
}

/* Division: by zero, the quotient is all ones and the remainder the
 * dividend; signed by -1, the quotient is the negated dividend (the most
 * negative one stays itself) and the remainder 0. Neither reaches the
 * x86 divide, which would fault. */
static enum jit_emitted divide(struct x86 *a, struct jit_unit *u,
                               const struct insn *in, int w,
                               int sign, int rem)
{
    jx_ld(a, u, RCX, in->rs2);
    jx_ld(a, u, RAX, in->rs1);
    x86_test_rr(a, w, RCX, RCX);
    uint8_t *nonzero = x86_jcc8(a, CC_NE);
    if (!rem)
        x86_alu_imm(a, 1, ALU_OR, RAX, -1);
    uint8_t *by_zero = x86_jmp8(a);
    x86_patch8(a, nonzero);
    uint8_t *by_minus_one = NULL;
    if (sign) {
        x86_alu_imm(a, w, ALU_CMP, RCX, -1);
        uint8_t *other = x86_jcc8(a, CC_NE);
        if (rem)
            x86_alu_rr(a, 0, ALU_XOR, RAX, RAX);
        else
            x86_neg(a, w, RAX);
        by_minus_one = x86_jmp8(a);
        x86_patch8(a, other);
        x86_cqo(a, w);
    } else {
        x86_alu_rr(a, 0, ALU_XOR, RDX, RDX);
    }
    x86_div(a, w, sign, RCX);
    if (rem)
        x86_mov(a, RAX, RDX);
    x86_patch8(a, by_zero);
    if (by_minus_one)
        x86_patch8(a, by_minus_one);
    return jx_result(a, u, in, w);
}

/* Whether the SHnADD in (rd = rs1 << sh + rs2), whose next instruction
 * in the block is k, is left to it (u->deferred): an integer load from
 * rd + imm into rd, which no branch jumps to, with rd, rs1 and rs2 held.
 * Its sum is then only ever an address, which x86 adds up in the load
 * itself: it never lengthens the chain to memory. */
static bool leave_to_load(struct jit_unit *u, const struct insn *in,
                          uint8_t sh, uint32_t k)
{
    if (k >= u->n || jx_jumped_to(u, k))
        return false;
    const struct insn *ld = &u->run[k];
    if (ld->op < OP_LB || ld->op > OP_LWU || !in->rd ||
        ld->rd != in->rd || ld->rs1 != in->rd)
        return false;
    if (!in->rs1 || !in->rs2 || u->host[in->rd] < 0 ||
        u->host[in->rs1] < 0 || u->host[in->rs2] < 0)
        return false;
    u->deferred.rd = in->rd;
    u->deferred.base = u->host[in->rs2];
    u->deferred.index = u->host[in->rs1];
    u->deferred.scale = sh;
    u->dirty |= 1u << in->rd;
    return true;
}

/* rd = (rs1, zero-extended from 32 bits if uw) << sh + rs2 */
static enum jit_emitted shadd(struct x86 *a, struct jit_unit *u,
                              const struct insn *in, uint8_t sh, bool uw)
{
    if (!uw && leave_to_load(u, in, sh, u->cur + 1 + u->fused_next))
        return JIT_E_NEXT;
    int index = RCX, base = RDX;
    if (!uw && in->rs1 && u->host[in->rs1] >= 0) {
        index = u->host[in->rs1];
    } else {
        jx_ld(a, u, RCX, in->rs1);
        if (uw)
            x86_mov32(a, RCX, RCX);
    }
    if (in->rs2 && u->host[in->rs2] >= 0)
        base = u->host[in->rs2];
    else
        jx_ld(a, u, RDX, in->rs2);
    int r = jx_dst(u, in->rd);
    x86_lea_scaled(a, r, base, index, sh, 0);
    return jx_done(a, u, in, r, 1);
}

/* SLLI by 1 to 3 and an ADD of its result, from the same register into
 * it, as the block's instruction n and the next: one SHnADD, when no
 * branch in the block jumps to the ADD. */
static bool fuse_shift_add(const struct jit_unit *u, const struct insn *in,
                           uint32_t n, struct insn *out)
{
    if (n + 1 >= u->n || in->op != OP_SLLI || !in->rd ||
        (in->imm & 63) < 1 || (in->imm & 63) > 3)
        return false;
    const struct insn *add = &u->run[n + 1];
    if (add->op != OP_ADD || add->rd != in->rd ||
        (add->rs1 == in->rd) == (add->rs2 == in->rd))
        return false;
    if (jx_jumped_to(u, n + 1))
        return false;
    *out = *in;
    out->op = (uint8_t)(OP_SH1ADD + (in->imm & 63) - 1);
    out->rs2 = add->rs1 == in->rd ? add->rs2 : add->rs1;
    return true;
}

/* rd = rs1 op ~rs2 */
static enum jit_emitted alu_not(struct x86 *a, struct jit_unit *u,
                                const struct insn *in,
                                enum x86_alu op)
{
    jx_ld(a, u, RCX, in->rs2);
    x86_not(a, RCX);
    jx_ld(a, u, RAX, in->rs1);
    x86_alu_rr(a, 1, op, RAX, RCX);
    return jx_result(a, u, in, 1);
}

/* rd = rs2 if (rs1 cc rs2), else rs1 */
static enum jit_emitted pick(struct x86 *a, struct jit_unit *u,
                             const struct insn *in,
                             enum x86_cc cc)
{
    jx_ld(a, u, RAX, in->rs1);
    jx_ld(a, u, RCX, in->rs2);
    x86_alu_rr(a, 1, ALU_CMP, RAX, RCX);
    x86_cmov(a, 1, cc, RAX, RCX);
    return jx_result(a, u, in, 1);
}

/* Leading zeros: the highest set bit's index i gives (bits - 1) - i,
 * which is i ^ (bits - 1); none gives bits, which an index of
 * 2 * bits - 1 makes. Trailing zeros: the lowest set bit's index, or
 * bits. */
static enum jit_emitted count_zeros(struct x86 *a, struct jit_unit *u,
                                    const struct insn *in,
                                    int w, bool leading)
{
    int32_t bits = w ? 64 : 32;
    jx_ld(a, u, RCX, in->rs1);
    x86_bitscan(a, w, leading ? BS_REVERSE : BS_FORWARD, RAX, RCX);
    x86_mov_imm32(a, RCX, (uint32_t)(leading ? 2 * bits - 1 : bits));
    x86_cmov(a, 0, CC_E, RAX, RCX);
    if (leading)
        x86_alu_imm(a, 0, ALU_XOR, RAX, bits - 1);
    return jx_result(a, u, in, 1);
}

static enum jit_emitted bit_reg(struct x86 *a, struct jit_unit *u,
                                const struct insn *in,
                                enum x86_bit op)
{
    jx_ld(a, u, RAX, in->rs1);
    jx_ld(a, u, RCX, in->rs2);
    x86_bit(a, op, RAX, RCX);
    if (op == BIT_TEST)
        x86_setcc(a, CC_B, RAX);
    return jx_result(a, u, in, 1);
}

static enum jit_emitted bit_imm(struct x86 *a, struct jit_unit *u,
                                const struct insn *in,
                                enum x86_bit op)
{
    jx_ld(a, u, RAX, in->rs1);
    x86_bit_imm(a, op, RAX, (uint8_t)(in->imm & 63));
    if (op == BIT_TEST)
        x86_setcc(a, CC_B, RAX);
    return jx_result(a, u, in, 1);
}

static enum jit_emitted extend(struct x86 *a, struct jit_unit *u,
                               const struct insn *in,
                               unsigned size, int sign)
{
    int r = jx_dst(u, in->rd);
    jx_ld(a, u, r, in->rs1);
    x86_extend(a, r, r, size, sign);
    return jx_done(a, u, in, r, 1);
}

enum jit_emitted jx_int(struct x86 *a, struct jit_unit *u,
                        const struct insn *in)
{
    switch (in->op) {
    case OP_LUI: {
        int r = jx_dst(u, in->rd);
        x86_mov_sx(a, r, in->imm);
        return jx_done(a, u, in, r, 1);
    }
    case OP_ADDI: return alu_imm(a, u, in, 1, ALU_ADD);
    case OP_XORI: return alu_imm(a, u, in, 1, ALU_XOR);
    case OP_ORI: return alu_imm(a, u, in, 1, ALU_OR);
    case OP_ANDI: return alu_imm(a, u, in, 1, ALU_AND);
    case OP_ADDIW: return alu_imm(a, u, in, 0, ALU_ADD);
    case OP_SLTI: return set_if(a, u, in, true, CC_L);
    case OP_SLTIU: return set_if(a, u, in, true, CC_B);
    case OP_SLT: return set_if(a, u, in, false, CC_L);
    case OP_SLTU: return set_if(a, u, in, false, CC_B);
    case OP_SLLI: {
        struct insn f;
        if (fuse_shift_add(u, in, u->cur, &f)) {
            u->fused_next = true;
            return shadd(a, u, &f, (uint8_t)(in->imm & 63), false);
        }
        return shift_imm(a, u, in, 1, SH_SHL);
    }
    case OP_SRLI: return shift_imm(a, u, in, 1, SH_SHR);
    case OP_SRAI: return shift_imm(a, u, in, 1, SH_SAR);
    case OP_SLLIW: return shift_imm(a, u, in, 0, SH_SHL);
    case OP_SRLIW: return shift_imm(a, u, in, 0, SH_SHR);
    case OP_SRAIW: return shift_imm(a, u, in, 0, SH_SAR);
    case OP_ADD: return alu_reg(a, u, in, 1, ALU_ADD);
    case OP_SUB: return alu_reg(a, u, in, 1, ALU_SUB);
    case OP_XOR: return alu_reg(a, u, in, 1, ALU_XOR);
    case OP_OR: return alu_reg(a, u, in, 1, ALU_OR);
    case OP_AND: return alu_reg(a, u, in, 1, ALU_AND);
    case OP_ADDW: return alu_reg(a, u, in, 0, ALU_ADD);
    case OP_SUBW: return alu_reg(a, u, in, 0, ALU_SUB);
    case OP_SLL: return shift_reg(a, u, in, 1, SH_SHL);
    case OP_SRL: return shift_reg(a, u, in, 1, SH_SHR);
    case OP_SRA: return shift_reg(a, u, in, 1, SH_SAR);
    case OP_SLLW: return shift_reg(a, u, in, 0, SH_SHL);
    case OP_SRLW: return shift_reg(a, u, in, 0, SH_SHR);
    case OP_SRAW: return shift_reg(a, u, in, 0, SH_SAR);
    case OP_MUL: return mul(a, u, in, 1);
    case OP_MULW: return mul(a, u, in, 0);
    case OP_MULH: return mul_high(a, u, in, 1, 1);
    case OP_MULHSU: return mul_high(a, u, in, 1, 0);
    case OP_MULHU: return mul_high(a, u, in, 0, 0);
    case OP_DIV: return divide(a, u, in, 1, 1, 0);
    case OP_DIVU: return divide(a, u, in, 1, 0, 0);
    case OP_REM: return divide(a, u, in, 1, 1, 1);
    case OP_REMU: return divide(a, u, in, 1, 0, 1);
    case OP_DIVW: return divide(a, u, in, 0, 1, 0);
    case OP_DIVUW: return divide(a, u, in, 0, 0, 0);
    case OP_REMW: return divide(a, u, in, 0, 1, 1);
    case OP_REMUW: return divide(a, u, in, 0, 0, 1);
    case OP_SH1ADD: return shadd(a, u, in, 1, false);
    case OP_SH2ADD: return shadd(a, u, in, 2, false);
    case OP_SH3ADD: return shadd(a, u, in, 3, false);
    case OP_ADD_UW: return shadd(a, u, in, 0, true);
    case OP_SH1ADD_UW: return shadd(a, u, in, 1, true);
    case OP_SH2ADD_UW: return shadd(a, u, in, 2, true);
    case OP_SH3ADD_UW: return shadd(a, u, in, 3, true);
    case OP_SLLI_UW:
        jx_ld(a, u, RAX, in->rs1);
        x86_mov32(a, RAX, RAX);
        x86_shift_imm(a, 1, SH_SHL, RAX, (uint8_t)(in->imm & 63));
        return jx_result(a, u, in, 1);
    case OP_ANDN: return alu_not(a, u, in, ALU_AND);
    case OP_ORN: return alu_not(a, u, in, ALU_OR);
    case OP_XNOR:
        jx_ld(a, u, RAX, in->rs1);
        jx_alu(a, u, 1, ALU_XOR, RAX, in->rs2);
        x86_not(a, RAX);
        return jx_result(a, u, in, 1);
    case OP_CLZ: return count_zeros(a, u, in, 1, true);
    case OP_CTZ: return count_zeros(a, u, in, 1, false);
    case OP_CLZW: return count_zeros(a, u, in, 0, true);
    case OP_CTZW: return count_zeros(a, u, in, 0, false);
    case OP_CPOP:
    case OP_CPOPW:
        if (!__builtin_cpu_supports("popcnt"))
            return JIT_E_NONE;
        jx_ld(a, u, RCX, in->rs1);
        x86_bitscan(a, in->op == OP_CPOP, BS_POPCNT, RAX, RCX);
        return jx_result(a, u, in, 1);
    case OP_MAX: return pick(a, u, in, CC_L);
    case OP_MIN: return pick(a, u, in, CC_G);
    case OP_MAXU: return pick(a, u, in, CC_B);
    case OP_MINU: return pick(a, u, in, CC_A);
    case OP_SEXT_B: return extend(a, u, in, 1, 1);
    case OP_SEXT_H: return extend(a, u, in, 2, 1);
    case OP_ZEXT_H: return extend(a, u, in, 2, 0);
    case OP_ROL: return shift_reg(a, u, in, 1, SH_ROL);
    case OP_ROR: return shift_reg(a, u, in, 1, SH_ROR);
    case OP_ROLW: return shift_reg(a, u, in, 0, SH_ROL);
    case OP_RORW: return shift_reg(a, u, in, 0, SH_ROR);
    case OP_RORI: return shift_imm(a, u, in, 1, SH_ROR);
    case OP_RORIW: return shift_imm(a, u, in, 0, SH_ROR);
    case OP_REV8:
        jx_ld(a, u, RAX, in->rs1);
        x86_bswap(a, RAX);
        return jx_result(a, u, in, 1);
    case OP_ORC_B:
        /* each byte's top bit: set when the byte is not zero, from its
         * low seven bits plus 0x7f, or its own top bit */
        jx_ld(a, u, RAX, in->rs1);
        x86_mov_imm64(a, RCX, 0x7f7f7f7f7f7f7f7full);
        x86_mov(a, RDX, RAX);
        x86_alu_rr(a, 1, ALU_AND, RDX, RCX);
        x86_alu_rr(a, 1, ALU_ADD, RDX, RCX);
        x86_alu_rr(a, 1, ALU_OR, RAX, RDX);
        x86_not(a, RCX);                        /* 0x80 in each byte */
        x86_alu_rr(a, 1, ALU_AND, RAX, RCX);
        /* 0x80 -> 0xff: or in 0x80 - 1 */
        x86_mov(a, RDX, RAX);
        x86_shift_imm(a, 1, SH_SHR, RDX, 7);
        x86_mov(a, RCX, RAX);
        x86_alu_rr(a, 1, ALU_SUB, RCX, RDX);
        x86_alu_rr(a, 1, ALU_OR, RAX, RCX);
        return jx_result(a, u, in, 1);
    case OP_BCLR: return bit_reg(a, u, in, BIT_CLEAR);
    case OP_BSET: return bit_reg(a, u, in, BIT_SET);
    case OP_BINV: return bit_reg(a, u, in, BIT_FLIP);
    case OP_BEXT: return bit_reg(a, u, in, BIT_TEST);
    case OP_BCLRI: return bit_imm(a, u, in, BIT_CLEAR);
    case OP_BSETI: return bit_imm(a, u, in, BIT_SET);
    case OP_BINVI: return bit_imm(a, u, in, BIT_FLIP);
    case OP_BEXTI: return bit_imm(a, u, in, BIT_TEST);
    default:
        return JIT_E_NONE;
    }
}
