/* An encoder for the x86-64 instruction forms the translator's emitter
 * (jit_x86*.c) emits: moves between registers and memory, integer ALU,
 * shifts, compares, multiply and divide, bit operations, jumps and calls,
 * and the scalar SSE arithmetic of F and D. Memory operands are [base +
 * index + disp] (index optional), which covers the register file (hart +
 * 8*n) and the TLB (table + scaled slot). Bytes go into a buffer the
 * caller sized, through a writable view of memory that runs from another
 * view (W^X): every address a jump aims at, or the code is labelled with,
 * is where the code runs, never where it is written. */
#ifndef CELLA_VM_RV_X86_H
#define CELLA_VM_RV_X86_H

#include <stdint.h>

enum x86_reg {
    RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI,
    R8, R9, R10, R11, R12, R13, R14, R15,
    X86_NOREG = -1,
};

/* Condition codes (the low nibble of Jcc and SETcc). */
enum x86_cc {
    CC_B = 2, CC_AE = 3, CC_E = 4, CC_NE = 5, CC_BE = 6, CC_A = 7,
    CC_S = 8, CC_NS = 9, CC_P = 10, CC_NP = 11, CC_L = 12, CC_GE = 13,
    CC_LE = 14, CC_G = 15,
};

/* ALU operations: the /digit of opcode 81 (reg, imm32); the reg-reg and
 * reg-memory forms are 8 * digit + 1 and + 3. */
enum x86_alu { ALU_ADD = 0, ALU_OR = 1, ALU_SBB = 3, ALU_AND = 4,
               ALU_SUB = 5, ALU_XOR = 6, ALU_CMP = 7 };

/* Shifts: the /digit of C1 (by imm8) and D3 (by CL). */
enum x86_shift { SH_ROL = 0, SH_ROR = 1, SH_SHL = 4, SH_SHR = 5, SH_SAR = 7 };

/* Bit scans (the lowest and highest set bit's index; ZF when there is
 * none) and the count of ones (F3 0F B8). */
enum x86_bitscan { BS_FORWARD = 0x0fbc, BS_REVERSE = 0x0fbd,
                   BS_POPCNT = 0x0fb8 };

/* Single-bit operations: test (into CF), set, clear, complement. */
enum x86_bit { BIT_TEST = 4, BIT_SET = 5, BIT_CLEAR = 6, BIT_FLIP = 7 };

/* Read-modify-writes of memory, locked: their opcodes. */
enum x86_atomic { AT_XCHG = 0x87, AT_XADD = 0x0fc1, AT_CMPXCHG = 0x0fb1 };

struct x86 {
    uint8_t *p;         /* next byte, in the writable view */
    intptr_t delta;     /* the executable view's address minus p's */
};

/* Where the next byte will run: a label for jumps to aim at. */
static inline const uint8_t *x86_here(const struct x86 *a)
{
    return (const uint8_t *)((uintptr_t)a->p + (uintptr_t)a->delta);
}

/* w: 1 for 64-bit operands, 0 for 32-bit. */
void x86_load(struct x86 *a, int w, int dst, int base, int32_t disp);
void x86_store(struct x86 *a, int w, int src, int base, int32_t disp);
/* dst = qword [base + index + disp] */
void x86_load_idx(struct x86 *a, int dst, int base, int index, int32_t disp);
void x86_mov(struct x86 *a, int dst, int src);
void x86_mov_imm32(struct x86 *a, int dst, uint32_t imm);  /* zero-extends */
/* dst = base + disp: a move where disp is 0, nothing where dst is base
 * too (as x86_lea_scaled with no index) */
void x86_lea(struct x86 *a, int dst, int base, int32_t disp);
/* 32-bit lea: the sum's low 32 bits, zero-extended */
void x86_lea32(struct x86 *a, int dst, int base, uint32_t disp);
/* dst = base + (index << scale) + disp, scale 0-3 */
void x86_lea_scaled(struct x86 *a, int dst, int base, int index,
                    unsigned scale, int32_t disp);
void x86_alu_rr(struct x86 *a, int w, enum x86_alu op, int dst, int src);
void x86_alu_rm(struct x86 *a, int w, enum x86_alu op, int dst, int base,
                int index, int32_t disp);
void x86_alu_imm(struct x86 *a, int w, enum x86_alu op, int dst, int32_t imm);
void x86_shift_imm(struct x86 *a, int w, enum x86_shift op, int dst,
                   uint8_t n);
void x86_shift_cl(struct x86 *a, int w, enum x86_shift op, int dst);
/* dst = src shifted by count (SHL, SHR or SAR; BMI2's shlx, shrx, sarx,
 * which not every x86-64 has: the caller checks the host has them). The
 * count is masked as by CL; no flags change. */
void x86_shiftx(struct x86 *a, int w, enum x86_shift op, int dst, int src,
                int count);
/* test reg32, imm: flags of reg & imm */
void x86_test_imm(struct x86 *a, int reg, int32_t imm);
/* [base] op= src, atomically: xchg and xadd leave the old value in src;
 * cmpxchg stores src if [base] equals rax, else loads [base] into rax. */
void x86_atomic(struct x86 *a, int w, enum x86_atomic op, int src, int base);
/* dst = src * imm (64-bit) */
void x86_imul_imm(struct x86 *a, int dst, int src, int32_t imm);
void x86_not(struct x86 *a, int dst);
void x86_neg(struct x86 *a, int w, int dst);
/* flags of r1 & r2 */
void x86_test_rr(struct x86 *a, int w, int r1, int r2);
/* flags of the low byte of r (RAX-RBX) */
void x86_test8(struct x86 *a, int r);
/* flags of qword [base + disp] & imm */
void x86_test_mi(struct x86 *a, int base, int32_t disp, int32_t imm);
/* [base + disp] op= imm, and op= src */
void x86_alu_mi(struct x86 *a, int w, enum x86_alu op, int base, int32_t disp,
                int32_t imm);
void x86_alu_mr(struct x86 *a, int w, enum x86_alu op, int base, int32_t disp,
                int src);
/* rax, rdx = rdx:rax / src, rdx:rax % src (edx:eax for w = 0) */
void x86_div(struct x86 *a, int w, int sign, int src);
/* rdx (edx) = the sign of rax (eax), for a signed division */
void x86_cqo(struct x86 *a, int w);
/* if cc: dst = src */
void x86_cmov(struct x86 *a, int w, enum x86_cc cc, int dst, int src);
/* dst = op of src (POPCNT is not in every x86-64: the caller checks the
 * host has it) */
void x86_bitscan(struct x86 *a, int w, enum x86_bitscan op, int dst, int src);
void x86_imul_rr(struct x86 *a, int w, int dst, int src);
/* dst *= [base + disp] */
void x86_imul_rm(struct x86 *a, int w, int dst, int base, int32_t disp);
/* rdx:rax = rax * src, signed or not */
void x86_mul_r(struct x86 *a, int sign, int src);
/* if cc: dst = [base + disp] */
void x86_cmov_m(struct x86 *a, int w, enum x86_cc cc, int dst, int base,
                int32_t disp);
/* dst = the low size bytes (1, 2, 4) of src, sign- or zero-extended */
void x86_extend(struct x86 *a, int dst, int src, unsigned size, int sign);
/* dst = imm, sign-extended to 64 bits */
void x86_mov_sx(struct x86 *a, int dst, int32_t imm);
/* dst = the low 32 bits of src, zero-extended */
void x86_mov32(struct x86 *a, int dst, int src);
void x86_bswap(struct x86 *a, int r);
/* op on bit (bit & 63) of dst (BIT_TEST: CF = the bit) */
void x86_bit(struct x86 *a, enum x86_bit op, int dst, int bit);
void x86_bit_imm(struct x86 *a, enum x86_bit op, int dst, uint8_t bit);
void x86_call_reg(struct x86 *a, int r);
/* dst = sign-extended low 32 bits of src (movsxd) */
void x86_sext32(struct x86 *a, int dst, int src);
/* dst = cc ? 1 : 0 (setcc dst8; movzx dst, dst8); dst must be RAX-RBX */
void x86_setcc(struct x86 *a, enum x86_cc cc, int dst);
/* Load size bytes (1, 2, 4, 8) at [base + (index << scale) + disp]
 * (index may be X86_NOREG) into dst, sign- or zero-extended to 64 bits. */
void x86_load_ext(struct x86 *a, int dst, int base, int index,
                  unsigned scale, int32_t disp, unsigned size, int sign);
/* Store the low size bytes of src to [base + index + disp]. */
void x86_store_n(struct x86 *a, int src, int base, int index, int32_t disp,
                 unsigned size);
void x86_push(struct x86 *a, int r);
void x86_pop(struct x86 *a, int r);
void x86_ret(struct x86 *a);
void x86_mfence(struct x86 *a);
/* Jcc rel8 with the offset left 0; x86_patch8 points it at the current
 * position later. Returns where the offset byte is (writable view). */
uint8_t *x86_jcc8(struct x86 *a, enum x86_cc cc);
/* jmp rel8, left 0 as x86_jcc8's */
uint8_t *x86_jmp8(struct x86 *a);
void x86_mov_imm64(struct x86 *a, int dst, uint64_t imm);
/* mov byte [base + disp], imm */
void x86_store8_imm(struct x86 *a, int base, int32_t disp, uint8_t imm);
/* call rel32 to target, an executable-view address (within 2 GiB) */
void x86_call(struct x86 *a, const uint8_t *target);
/* cmp byte [base + disp], imm */
void x86_cmp8_imm(struct x86 *a, int base, int32_t disp, uint8_t imm);
/* dst = sign-extended dword [base + disp] */
void x86_load_sx32(struct x86 *a, int dst, int base, int32_t disp);
void x86_jmp_reg(struct x86 *a, int r);
/* jmp rel32 to target, an executable-view address (within 2 GiB) */
void x86_jmp(struct x86 *a, const uint8_t *target);
/* Jcc rel32 to target, an executable-view address (within 2 GiB) */
void x86_jcc(struct x86 *a, enum x86_cc cc, const uint8_t *target);
void x86_patch8(struct x86 *a, uint8_t *at);
/* Jcc rel32 with the offset left 0, for x86_patch32 (a jump over code
 * that may be longer than 127 bytes) */
uint8_t *x86_jcc32(struct x86 *a, enum x86_cc cc);
uint8_t *x86_jmp32(struct x86 *a);
void x86_patch32(struct x86 *a, uint8_t *at);

/* Scalar SSE arithmetic (F2 0F op for double, F3 0F op for single):
 * xmm op= [base + disp]; FP_LOAD loads, FP_CONVERT turns a double into a
 * single or the other way (dbl names the source). */
enum x86_fp { FP_LOAD = 0x10, FP_SQRT = 0x51, FP_ADD = 0x58, FP_MUL = 0x59,
              FP_CONVERT = 0x5a, FP_SUB = 0x5c, FP_MIN = 0x5d, FP_DIV = 0x5e,
              FP_MAX = 0x5f };
void x86_fp_m(struct x86 *a, enum x86_fp op, int dbl, int xmm, int base,
              int32_t disp);
/* [base + disp] = the low double or single of xmm */
void x86_fp_store(struct x86 *a, int dbl, int xmm, int base, int32_t disp);
/* flags of x1 against x2 (ZF, PF, CF as an unsigned compare; all three
 * when unordered); quiet: only a signalling NaN raises invalid */
void x86_fp_compare(struct x86 *a, int dbl, int quiet, int x1, int x2);
/* xmm = the low 64 (w) or 32 bits of r, and back */
void x86_fp_from_gpr(struct x86 *a, int w, int xmm, int r);
void x86_fp_to_gpr(struct x86 *a, int w, int r, int xmm);
/* xmm = the signed 64- (w) or 32-bit integer r, rounded; r = xmm rounded
 * to a signed integer (the "indefinite" 1 << 63 or 31 when it does not
 * fit), both under MXCSR's rounding mode */
void x86_fp_from_int(struct x86 *a, int dbl, int w, int xmm, int r);
void x86_fp_to_int(struct x86 *a, int dbl, int w, int r, int xmm);
/* r = xmm truncated to a signed integer (indefinite as above) */
void x86_fp_truncate(struct x86 *a, int dbl, int w, int r, int xmm);
/* Fused multiply-add (FMA3, 213 form: VEX.66.0F38, W for double):
 * xmm = src2 * xmm op [base + disp], rounded once; FNMADD negates the
 * product before adding, FNMSUB before subtracting. Not in every x86-64:
 * the caller checks the host has it. */
enum x86_fma { FMA_ADD = 0xa9, FMA_SUB = 0xab, FMA_NADD = 0xad,
               FMA_NSUB = 0xaf };
void x86_fma(struct x86 *a, enum x86_fma op, int dbl, int xmm, int src2,
             int base, int32_t disp);
/* stmxcsr / ldmxcsr [base + disp] */
void x86_mxcsr(struct x86 *a, int store, int base, int32_t disp);
/* mov dword [base + disp], imm */
void x86_store32_imm(struct x86 *a, int base, int32_t disp, int32_t imm);

#endif
