/* The x86-64 encoder: REX prefix, opcode, ModRM (and SIB) for the forms
 * in x86.h. */
#include "vm/rv/x86.h"

#include <assert.h>
#include <stdbool.h>
#include <string.h>

static void put(struct x86 *a, uint8_t b)
{
    *a->p++ = b;
}

static void put32(struct x86 *a, uint32_t v)
{
    memcpy(a->p, &v, 4);
    a->p += 4;
}

static void rex(struct x86 *a, int w, int reg, int index, int base)
{
    uint8_t r = 0x40 | (w ? 8 : 0) | (reg & 8 ? 4 : 0) |
                (index != X86_NOREG && (index & 8) ? 2 : 0) |
                (base & 8 ? 1 : 0);
    if (r != 0x40)
        put(a, r);
}

/* opcode: one byte, or two (0x0F first) as 0x0Fxx */
static void opcode(struct x86 *a, unsigned op)
{
    if (op > 0xff)
        put(a, (uint8_t)(op >> 8));
    put(a, (uint8_t)op);
}

/* op with ModRM reg = reg and r/m = [base + index + disp], the
 * displacement left out when it is 0 (an address with one is slower to
 * make on some hosts; but rbp and r13 as base always need one), in one
 * byte when it fits (the register file's first 16 registers, the stack
 * frame) and in four otherwise */
static void modrm_mem(struct x86 *a, int reg, int base, int index,
                      unsigned scale, int32_t disp);

/* op with [base + (index << scale) + disp] */
static void op_mem_scaled(struct x86 *a, int w, unsigned op, int reg,
                          int base, int index, unsigned scale, int32_t disp)
{
    rex(a, w, reg, index, base);
    opcode(a, op);
    modrm_mem(a, reg, base, index, scale, disp);
}

static void op_mem(struct x86 *a, int w, unsigned op, int reg, int base,
                   int index, int32_t disp)
{
    op_mem_scaled(a, w, op, reg, base, index, 0, disp);
}

/* ModRM (and SIB, displacement) for reg and
 * [base + (index << scale) + disp] */
static void modrm_mem(struct x86 *a, int reg, int base, int index,
                      unsigned scale, int32_t disp)
{
    assert(index != RSP && scale <= 3);
    uint8_t mod = disp == 0 && (base & 7) != RBP ? 0x00
                  : disp == (int8_t)disp ? 0x40 : 0x80;
    if (index == X86_NOREG && (base & 7) != RSP) {
        put(a, (uint8_t)(mod | (reg & 7) << 3 | (base & 7)));
    } else {
        put(a, (uint8_t)(mod | (reg & 7) << 3 | 4));
        put(a, (uint8_t)(scale << 6 |
                         (index == X86_NOREG ? 4 : index & 7) << 3 |
                         (base & 7)));
    }
    if (mod == 0x40)
        put(a, (uint8_t)disp);
    else if (mod == 0x80)
        put32(a, (uint32_t)disp);
}

/* op with ModRM reg = reg and r/m = register rm */
static void op_reg(struct x86 *a, int w, unsigned op, int reg, int rm)
{
    rex(a, w, reg, X86_NOREG, rm);
    opcode(a, op);
    put(a, (uint8_t)(0xc0 | (reg & 7) << 3 | (rm & 7)));
}

void x86_load(struct x86 *a, int w, int dst, int base, int32_t disp)
{
    op_mem(a, w, 0x8b, dst, base, X86_NOREG, disp);
}

void x86_load_idx(struct x86 *a, int dst, int base, int index, int32_t disp)
{
    op_mem(a, 1, 0x8b, dst, base, index, disp);
}

void x86_store(struct x86 *a, int w, int src, int base, int32_t disp)
{
    op_mem(a, w, 0x89, src, base, X86_NOREG, disp);
}

void x86_mov(struct x86 *a, int dst, int src)
{
    op_reg(a, 1, 0x89, src, dst);
}

void x86_mov_imm32(struct x86 *a, int dst, uint32_t imm)
{
    rex(a, 0, 0, X86_NOREG, dst);
    put(a, (uint8_t)(0xb8 | (dst & 7)));
    put32(a, imm);
}

void x86_lea(struct x86 *a, int dst, int base, int32_t disp)
{
    x86_lea_scaled(a, dst, base, X86_NOREG, 0, disp);
}

void x86_lea_scaled(struct x86 *a, int dst, int base, int index,
                    unsigned scale, int32_t disp)
{
    if (index == X86_NOREG && !disp) {
        if (dst != base)
            x86_mov(a, dst, base);
        return;
    }
    op_mem_scaled(a, 1, 0x8d, dst, base, index, scale, disp);
}

void x86_lea32(struct x86 *a, int dst, int base, uint32_t disp)
{
    op_mem(a, 0, 0x8d, dst, base, X86_NOREG, (int32_t)disp);
}

void x86_alu_rr(struct x86 *a, int w, enum x86_alu op, int dst, int src)
{
    op_reg(a, w, op * 8u + 1, src, dst);
}

void x86_alu_rm(struct x86 *a, int w, enum x86_alu op, int dst, int base,
                int index, int32_t disp)
{
    op_mem(a, w, op * 8u + 3, dst, base, index, disp);
}

void x86_alu_imm(struct x86 *a, int w, enum x86_alu op, int dst, int32_t imm)
{
    if (imm >= -128 && imm <= 127) {    /* the sign-extended imm8 form */
        op_reg(a, w, 0x83, op, dst);
        put(a, (uint8_t)imm);
        return;
    }
    op_reg(a, w, 0x81, op, dst);
    put32(a, (uint32_t)imm);
}

void x86_shift_imm(struct x86 *a, int w, enum x86_shift op, int dst,
                   uint8_t n)
{
    op_reg(a, w, 0xc1, op, dst);
    put(a, n);
}

void x86_shift_cl(struct x86 *a, int w, enum x86_shift op, int dst)
{
    op_reg(a, w, 0xd3, op, dst);
}

/* The three-byte VEX prefix (its R, X, B and vvvv inverted) of an op in
 * the 0F38 map, then the op and a register ModRM. */
void x86_shiftx(struct x86 *a, int w, enum x86_shift op, int dst, int src,
                int count)
{
    assert(op == SH_SHL || op == SH_SHR || op == SH_SAR);
    uint8_t pp = op == SH_SHL ? 1 : op == SH_SAR ? 2 : 3;   /* 66 F3 F2 */
    put(a, 0xc4);
    put(a, (uint8_t)((dst & 8 ? 0 : 0x80) | 0x40 | (src & 8 ? 0 : 0x20) |
                     0x02));
    put(a, (uint8_t)((w ? 0x80 : 0) | (~count & 15) << 3 | pp));
    put(a, 0xf7);
    put(a, (uint8_t)(0xc0 | (dst & 7) << 3 | (src & 7)));
}

void x86_imul_imm(struct x86 *a, int dst, int src, int32_t imm)
{
    op_reg(a, 1, 0x69, dst, src);
    put32(a, (uint32_t)imm);
}

void x86_test_imm(struct x86 *a, int reg, int32_t imm)
{
    op_reg(a, 0, 0xf7, 0, reg);
    put32(a, (uint32_t)imm);
}

void x86_atomic(struct x86 *a, int w, enum x86_atomic op, int src, int base)
{
    if (op != AT_XCHG)
        put(a, 0xf0);       /* lock (xchg with memory always is) */
    op_mem(a, w, op, src, base, X86_NOREG, 0);
}

void x86_not(struct x86 *a, int dst)
{
    op_reg(a, 1, 0xf7, 2, dst);
}

void x86_neg(struct x86 *a, int w, int dst)
{
    op_reg(a, w, 0xf7, 3, dst);
}

void x86_test_rr(struct x86 *a, int w, int r1, int r2)
{
    op_reg(a, w, 0x85, r2, r1);
}

void x86_test8(struct x86 *a, int r)
{
    op_reg(a, 0, 0x84, r, r);
}

void x86_test_mi(struct x86 *a, int base, int32_t disp, int32_t imm)
{
    op_mem(a, 1, 0xf7, 0, base, X86_NOREG, disp);
    put32(a, (uint32_t)imm);
}

void x86_alu_mi(struct x86 *a, int w, enum x86_alu op, int base, int32_t disp,
                int32_t imm)
{
    op_mem(a, w, 0x81, op, base, X86_NOREG, disp);
    put32(a, (uint32_t)imm);
}

void x86_alu_mr(struct x86 *a, int w, enum x86_alu op, int base, int32_t disp,
                int src)
{
    op_mem(a, w, op * 8u + 1, src, base, X86_NOREG, disp);
}

void x86_div(struct x86 *a, int w, int sign, int src)
{
    op_reg(a, w, 0xf7, sign ? 7 : 6, src);
}

void x86_cqo(struct x86 *a, int w)
{
    if (w)
        put(a, 0x48);
    put(a, 0x99);
}

void x86_cmov(struct x86 *a, int w, enum x86_cc cc, int dst, int src)
{
    op_reg(a, w, 0x0f40u | cc, dst, src);
}

void x86_bitscan(struct x86 *a, int w, enum x86_bitscan op, int dst, int src)
{
    if (op == BS_POPCNT)
        put(a, 0xf3);
    op_reg(a, w, op, dst, src);
}

void x86_imul_rr(struct x86 *a, int w, int dst, int src)
{
    op_reg(a, w, 0x0faf, dst, src);
}

void x86_imul_rm(struct x86 *a, int w, int dst, int base, int32_t disp)
{
    op_mem(a, w, 0x0faf, dst, base, X86_NOREG, disp);
}

void x86_mul_r(struct x86 *a, int sign, int src)
{
    op_reg(a, 1, 0xf7, sign ? 5 : 4, src);
}

void x86_cmov_m(struct x86 *a, int w, enum x86_cc cc, int dst, int base,
                int32_t disp)
{
    op_mem(a, w, 0x0f40u | cc, dst, base, X86_NOREG, disp);
}

void x86_extend(struct x86 *a, int dst, int src, unsigned size, int sign)
{
    if (size == 4) {
        if (sign)
            x86_sext32(a, dst, src);
        else
            op_reg(a, 0, 0x8b, dst, src);
        return;
    }
    /* spl, bpl, sil and dil are byte registers only with a REX prefix */
    uint8_t r = (uint8_t)(0x40 | (sign ? 8 : 0) | (dst & 8 ? 4 : 0) |
                          (src & 8 ? 1 : 0));
    if (r != 0x40 || (size == 1 && src >= RSP))
        put(a, r);
    opcode(a, size == 1 ? (sign ? 0x0fbe : 0x0fb6) : (sign ? 0x0fbf : 0x0fb7));
    put(a, (uint8_t)(0xc0 | (dst & 7) << 3 | (src & 7)));
}

void x86_mov_sx(struct x86 *a, int dst, int32_t imm)
{
    op_reg(a, 1, 0xc7, 0, dst);
    put32(a, (uint32_t)imm);
}

void x86_mov32(struct x86 *a, int dst, int src)
{
    op_reg(a, 0, 0x89, src, dst);
}

uint8_t *x86_jcc32(struct x86 *a, enum x86_cc cc)
{
    put(a, 0x0f);
    put(a, (uint8_t)(0x80 | cc));
    put32(a, 0);
    return a->p - 4;
}

uint8_t *x86_jmp32(struct x86 *a)
{
    put(a, 0xe9);
    put32(a, 0);
    return a->p - 4;
}

void x86_patch32(struct x86 *a, uint8_t *at)
{
    uint32_t rel = (uint32_t)(a->p - (at + 4));
    memcpy(at, &rel, 4);
}

void x86_bswap(struct x86 *a, int r)
{
    rex(a, 1, 0, X86_NOREG, r);
    put(a, 0x0f);
    put(a, (uint8_t)(0xc8 | (r & 7)));
}

void x86_bit(struct x86 *a, enum x86_bit op, int dst, int bit)
{
    op_reg(a, 1, 0x0f83u | (unsigned)op << 3, bit, dst);
}

void x86_bit_imm(struct x86 *a, enum x86_bit op, int dst, uint8_t bit)
{
    op_reg(a, 1, 0x0fba, (int)op, dst);
    put(a, bit);
}

void x86_call_reg(struct x86 *a, int r)
{
    op_reg(a, 0, 0xff, 2, r);
}

void x86_sext32(struct x86 *a, int dst, int src)
{
    op_reg(a, 1, 0x63, dst, src);
}

void x86_setcc(struct x86 *a, enum x86_cc cc, int dst)
{
    op_reg(a, 0, 0x0f90u | cc, 0, dst);
    op_reg(a, 0, 0x0fb6, dst, dst);
}

void x86_load_ext(struct x86 *a, int dst, int base, int index,
                  unsigned scale, int32_t disp, unsigned size, int sign)
{
    unsigned op;
    switch (size) {
    case 1: op = sign ? 0x0fbe : 0x0fb6; break;
    case 2: op = sign ? 0x0fbf : 0x0fb7; break;
    case 4: op = sign ? 0x63 : 0x8b; break;
    default: op = 0x8b; sign = 1; break;
    }
    op_mem_scaled(a, sign, op, dst, base, index, scale, disp);
}

void x86_store_n(struct x86 *a, int src, int base, int index, int32_t disp,
                 unsigned size)
{
    switch (size) {
    case 1: op_mem(a, 0, 0x88, src, base, index, disp); break;
    case 2: put(a, 0x66); op_mem(a, 0, 0x89, src, base, index, disp); break;
    case 4: op_mem(a, 0, 0x89, src, base, index, disp); break;
    default: op_mem(a, 1, 0x89, src, base, index, disp); break;
    }
}

void x86_push(struct x86 *a, int r)
{
    rex(a, 0, 0, X86_NOREG, r);
    put(a, (uint8_t)(0x50 | (r & 7)));
}

void x86_pop(struct x86 *a, int r)
{
    rex(a, 0, 0, X86_NOREG, r);
    put(a, (uint8_t)(0x58 | (r & 7)));
}

void x86_ret(struct x86 *a)
{
    put(a, 0xc3);
}

void x86_mfence(struct x86 *a)
{
    put(a, 0x0f);
    put(a, 0xae);
    put(a, 0xf0);
}

uint8_t *x86_jcc8(struct x86 *a, enum x86_cc cc)
{
    put(a, (uint8_t)(0x70 | cc));
    put(a, 0);
    return a->p - 1;
}

uint8_t *x86_jmp8(struct x86 *a)
{
    put(a, 0xeb);
    put(a, 0);
    return a->p - 1;
}

void x86_mov_imm64(struct x86 *a, int dst, uint64_t imm)
{
    rex(a, 1, 0, X86_NOREG, dst);
    put(a, (uint8_t)(0xb8 | (dst & 7)));
    put32(a, (uint32_t)imm);
    put32(a, (uint32_t)(imm >> 32));
}

void x86_store8_imm(struct x86 *a, int base, int32_t disp, uint8_t imm)
{
    op_mem(a, 0, 0xc6, 0, base, X86_NOREG, disp);
    put(a, imm);
}

void x86_cmp8_imm(struct x86 *a, int base, int32_t disp, uint8_t imm)
{
    op_mem(a, 0, 0x80, 7, base, X86_NOREG, disp);
    put(a, imm);
}

void x86_load_sx32(struct x86 *a, int dst, int base, int32_t disp)
{
    op_mem(a, 1, 0x63, dst, base, X86_NOREG, disp);
}

void x86_jmp_reg(struct x86 *a, int r)
{
    op_reg(a, 0, 0xff, 4, r);
}

/* A rel32 field at the current position, aiming at target: relative to
 * where the next instruction runs. */
static void rel32(struct x86 *a, const uint8_t *target)
{
    put32(a, (uint32_t)((uintptr_t)target - (uintptr_t)(x86_here(a) + 4)));
}

void x86_call(struct x86 *a, const uint8_t *target)
{
    put(a, 0xe8);
    rel32(a, target);
}

void x86_jmp(struct x86 *a, const uint8_t *target)
{
    put(a, 0xe9);
    rel32(a, target);
}

void x86_jcc(struct x86 *a, enum x86_cc cc, const uint8_t *target)
{
    put(a, 0x0f);
    put(a, (uint8_t)(0x80 | cc));
    rel32(a, target);
}

void x86_patch8(struct x86 *a, uint8_t *at)
{
    assert(a->p - (at + 1) <= 127);   /* the code jumped over is short */
    *at = (uint8_t)(a->p - (at + 1));
}

/* An SSE instruction: its mandatory prefix (0 for none) before the REX
 * prefix, then 0F op, with ModRM reg = reg and r/m = [base + disp], or the
 * register rm when base is X86_NOREG. */
static void sse(struct x86 *a, uint8_t prefix, int w, unsigned op, int reg,
                int base, int32_t disp, int rm)
{
    if (prefix)
        put(a, prefix);
    if (base == X86_NOREG)
        op_reg(a, w, 0x0f00u | op, reg, rm);
    else
        op_mem(a, w, 0x0f00u | op, reg, base, X86_NOREG, disp);
}

static uint8_t scalar(int dbl)
{
    return dbl ? 0xf2 : 0xf3;
}

void x86_fp_m(struct x86 *a, enum x86_fp op, int dbl, int xmm, int base,
              int32_t disp)
{
    sse(a, scalar(dbl), 0, op, xmm, base, disp, 0);
}

void x86_fp_store(struct x86 *a, int dbl, int xmm, int base, int32_t disp)
{
    sse(a, scalar(dbl), 0, 0x11, xmm, base, disp, 0);
}

void x86_fp_compare(struct x86 *a, int dbl, int quiet, int x1, int x2)
{
    sse(a, dbl ? 0x66 : 0, 0, quiet ? 0x2e : 0x2f, x1, X86_NOREG, 0, x2);
}

void x86_fp_from_gpr(struct x86 *a, int w, int xmm, int r)
{
    sse(a, 0x66, w, 0x6e, xmm, X86_NOREG, 0, r);
}

void x86_fp_to_gpr(struct x86 *a, int w, int r, int xmm)
{
    sse(a, 0x66, w, 0x7e, xmm, X86_NOREG, 0, r);
}

void x86_fp_from_int(struct x86 *a, int dbl, int w, int xmm, int r)
{
    sse(a, scalar(dbl), w, 0x2a, xmm, X86_NOREG, 0, r);
}

void x86_fp_to_int(struct x86 *a, int dbl, int w, int r, int xmm)
{
    sse(a, scalar(dbl), w, 0x2d, r, X86_NOREG, 0, xmm);
}

void x86_fp_truncate(struct x86 *a, int dbl, int w, int r, int xmm)
{
    sse(a, scalar(dbl), w, 0x2c, r, X86_NOREG, 0, xmm);
}

void x86_mxcsr(struct x86 *a, int store, int base, int32_t disp)
{
    sse(a, 0, 0, 0xae, store ? 3 : 2, base, disp, 0);
}

void x86_store32_imm(struct x86 *a, int base, int32_t disp, int32_t imm)
{
    op_mem(a, 0, 0xc7, 0, base, X86_NOREG, disp);
    put32(a, (uint32_t)imm);
}

void x86_fma(struct x86 *a, enum x86_fma op, int dbl, int xmm, int src2,
             int base, int32_t disp)
{
    /* VEX, three bytes: inverted R, X, B and the 0F38 map; W (double),
     * inverted vvvv (the second source), L = 0, pp = 66 */
    put(a, 0xc4);
    put(a, (uint8_t)((xmm & 8 ? 0 : 0x80) | 0x40 | (base & 8 ? 0 : 0x20) |
                     0x02));
    put(a, (uint8_t)((dbl ? 0x80 : 0) | (~src2 & 15) << 3 | 0x01));
    put(a, (uint8_t)op);
    modrm_mem(a, xmm, base, X86_NOREG, 0, disp);
}
