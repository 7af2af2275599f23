/* Inside the x86-64 emitter (jit_emit.h): where a running block keeps its
 * state in host registers, and the pieces every op's code is made of.
 * jit_x86.c owns a block's frame and control flow (entry, exits, chaining,
 * the lookup and link stubs, branches and jumps), jit_x86_regs.c the
 * guest registers it holds in host registers; the ops are in jit_x86_int.c
 * (integer, M, Zba/Zbb/Zbs), jit_x86_mem.c (loads, stores, AMOs, F/D
 * loads and stores), jit_x86_fp.c (F/D arithmetic with SSE) and
 * jit_x86_call.c (ops a block hands to the interpreter's own C functions:
 * the rest of F/D, CSRs, LR/SC).
 *
 * A block holds the guest registers it uses most in host registers (the
 * pool: rsi, rdi, r8-r11), loaded where it starts (or by a block on its
 * page that jumps in past those loads) and written back to the hart at
 * every exit, so a block can stop anywhere and the interpreter go on
 * with exact state. A block's own state lives in callee-saved host
 * registers, so it survives a call into C; rax, rcx and rdx are scratch. */
#ifndef CELLA_VM_RV_JIT_X86_H
#define CELLA_VM_RV_JIT_X86_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vm/rv/jit_emit.h"
#include "vm/rv/x86.h"

#define HART RBX        /* the hart, HART_BIAS bytes in */
#define DTLB RBP        /* the data TLB slot: h->tlb[h->data_slot] */
#define PC0 R12         /* the block's first instruction's address */
/* The instructions retired by the blocks before this one, chained, less
 * the budget (the hart's jit_budget): it counts up from minus the budget,
 * so a jump that spends it (a jump back, a JALR, a return) checks the
 * sign of the sum it made. */
#define COUNT R13
#define ITLB R15        /* the fetch TLB: h->tlb[h->priv][TLB_X] */
/* HART points this far into the hart, so that every x register is at a
 * one-byte displacement from it. */
#define HART_BIAS 128
#define HOFF(field) ((int32_t)offsetof(struct hart, field) - HART_BIAS)
#define XOFF(r) (HOFF(x) + 8 * (int32_t)(r))
#define FOFF(r) (HOFF(f) + 8 * (int32_t)(r))

/* Choose the guest registers u's block (u->run, u->n, u->at) holds
 * (jit_x86_regs.c, as the functions to jx_reload). */
void jx_choose(struct jit_unit *u);
/* reg = x[xr]; x[xr] = reg (from the pool's register when the block
 * holds xr, else the hart) */
void jx_ld(struct x86 *a, const struct jit_unit *u, int reg, unsigned xr);
void jx_st(struct x86 *a, struct jit_unit *u, int reg, unsigned xr);
/* reg = x[xr] + imm */
void jx_addr(struct x86 *a, const struct jit_unit *u, int reg, unsigned xr,
             int32_t imm);
/* dst op= x[xr]; if cc, dst = x[xr] */
void jx_alu(struct x86 *a, const struct jit_unit *u, int w, enum x86_alu op,
            int dst, unsigned xr);
void jx_cmov(struct x86 *a, const struct jit_unit *u, int w, enum x86_cc cc,
             int dst, unsigned xr);
/* Where an op computes rd: rd's host register when the block holds it,
 * else rax; then jx_done, with w = 0 for a W op (sign-extends the low 32
 * bits first). */
int jx_dst(const struct jit_unit *u, unsigned rd);
enum jit_emitted jx_done(struct x86 *a, struct jit_unit *u,
                         const struct insn *in, int r, int w);
/* rd = rax (sign-extended from 32 bits first for a W op: w = 0) */
enum jit_emitted jx_result(struct x86 *a, struct jit_unit *u,
                           const struct insn *in, int w);
/* Once u's loads are made (u->loop set): its notes, for jx_enter. */
void jx_notes(const struct jit_unit *u);
/* Go into the block made at next (its body; this block's written
 * registers already written back): load those of its held registers
 * this block does not hold where it does, and enter it past its loads. */
void jx_enter(struct x86 *a, const struct jit_unit *u, const uint8_t *next);
/* Write the held registers written so far back to the hart (on the path
 * being emitted: an exit, or before a call). */
void jx_flush(struct x86 *a, const struct jit_unit *u);
/* After a call into C: the pool's registers are lost and the hart is
 * up to date; load them again. */
void jx_reload(struct x86 *a, struct jit_unit *u);
/* Leave to the interpreter with pc = the block's start + pc_off and n
 * retired (n | JIT_BAIL: it must do the instruction at pc_off). */
void jx_exit_at(struct x86 *a, const struct jit_unit *u, int32_t pc_off,
                uint32_t n);
/* Ops a block makes inline, never leaving it. 1: one that reads only
 * the low 32 bits of its sources (a W op, a mask of 11 bits, a shift
 * left by 32 or more, an extension of a byte or half), 2: another such
 * op, 0: any other. */
int jx_inline_op(const struct insn *in);
/* Whether a branch of the block (made before it) jumps to its
 * instruction k. */
bool jx_jumped_to(const struct jit_unit *u, uint32_t k);
/* Out-of-line code: a jump on cc from a to the block's out-of-line code,
 * which the cursor returned writes (it ends with a jump: back into the
 * block, or away); then jx_cold_done. */
struct x86 jx_cold(struct x86 *a, const struct jit_unit *u, enum x86_cc cc);
void jx_cold_done(struct jit_unit *u, const struct x86 *c);
/* r = the offset in a TLB set of the entry for the address in rax:
 * its page number modulo TLB_SIZE, times the entry's 16 bytes */
void jx_tlb_slot(struct x86 *a, int r);
/* rax = its low 32 bits NaN-boxed, as a single in an f register (rcx is
 * clobbered) */
void jx_box(struct x86 *a);
/* Leave before instruction n (at pc_off) unless the F/D unit is on
 * (mstatus.FS); mark it dirty. Each is emitted once per block, by its
 * first F/D instruction: mstatus does not change within a block. */
void jx_need_fs(struct x86 *a, struct jit_unit *u, int32_t pc_off,
                uint32_t n);
void jx_fs_dirty(struct x86 *a, struct jit_unit *u);

/* The frame below the saved registers: room that leaves the stack
 * 16-byte aligned for calls into C. What a block keeps while it runs is
 * in the hart (its jit_ fields), for the stack below the frame holds the
 * return-address stack (jit_x86.c), 16 bytes an entry. */
#define FRAME 8

/* Write the FP stubs at a (jit_x86_fp.c), setting j->fp_on and fp_off. */
void jx_fp_stubs(struct x86 *a, struct jit *j);
/* Before control leaves translated code (a call into C, the exit): the
 * guest's exception flags gathered in MXCSR into fflags, and MXCSR back
 * to the host's. */
void jx_fp_off(struct x86 *a, const struct jit_unit *u);

/* An F/D arithmetic op through fpu_exec (mstatus.FS already checked). */
void jx_fpu_call(struct x86 *a, struct jit_unit *u, const struct insn *in,
                 int32_t d, uint32_t n);

/* Whether jx_call does the CSR op in (some CSRs only). */
bool jx_csr_takes(const struct insn *in);

/* The ops of each file: JIT_E_NONE when in is not theirs. */
enum jit_emitted jx_int(struct x86 *a, struct jit_unit *u,
                        const struct insn *in);
enum jit_emitted jx_mem(struct x86 *a, struct jit_unit *u,
                        const struct insn *in, int32_t d, uint32_t n);
enum jit_emitted jx_fp(struct x86 *a, struct jit_unit *u,
                       const struct insn *in, int32_t d, uint32_t n);
enum jit_emitted jx_call(struct x86 *a, struct jit_unit *u,
                         const struct insn *in, int32_t d, uint32_t n);

#endif
