/* Inside the x86-64 emitter (jit_emit.h): where a running block keeps its
 * state in host registers, and the pieces every op's code is made of.
 * jit_x86.c owns a block's frame and control flow (entry, exits, chaining,
 * the lookup stub, branches and jumps); the ops are in jit_x86_int.c
 * (integer, M, Zba/Zbb/Zbs), jit_x86_mem.c (loads, stores, AMOs, F/D
 * loads and stores) and jit_x86_call.c (ops a block hands to the
 * interpreter's own C functions: F/D arithmetic, CSRs, LR/SC).
 *
 * The guest registers stay in the hart, so a block can stop anywhere and
 * the interpreter go on. A block's state lives in callee-saved host
 * registers, so it survives a call into C; rax, rcx, rdx and r8-r11 are
 * scratch. */
#ifndef CELLA_VM_RV_JIT_X86_H
#define CELLA_VM_RV_JIT_X86_H

#include <stddef.h>
#include <stdint.h>

#include "vm/rv/jit_emit.h"
#include "vm/rv/x86.h"

#define HART RBX
#define DTLB RBP        /* the data TLB slot: h->tlb[h->data_slot] */
#define PC0 R12         /* the block's first instruction's address */
#define RETIRED R13     /* by the blocks before this one, chained */
#define LEFT R14        /* budget: chained jumps to go */
#define ITLB R15        /* the fetch TLB: h->tlb[h->priv][TLB_X] */
#define XOFF(r) ((int32_t)(offsetof(struct hart, x) + 8 * (size_t)(r)))
#define FOFF(r) ((int32_t)(offsetof(struct hart, f) + 8 * (size_t)(r)))
#define HOFF(field) ((int32_t)offsetof(struct hart, field))

/* rax = hart's x[xr]; x[xr] = reg */
void jx_ld(struct x86 *a, int reg, unsigned xr);
void jx_st(struct x86 *a, int reg, unsigned xr);
/* rd = rax (sign-extended from 32 bits first for a W op: w = 0) */
enum jit_emitted jx_result(struct x86 *a, const struct insn *in, int w);
/* Leave to the interpreter with pc = the block's start + pc_off and n
 * retired (n | JIT_BAIL: it must do the instruction at pc_off). */
void jx_exit_at(struct x86 *a, const struct jit_unit *u, int32_t pc_off,
                uint32_t n);
/* Leave before instruction n (at pc_off) unless the F/D unit is on
 * (mstatus.FS); then mark it dirty. */
void jx_need_fs(struct x86 *a, const struct jit_unit *u, int32_t pc_off,
                uint32_t n);
void jx_fs_dirty(struct x86 *a);

/* The ops of each file: JIT_E_NONE when in is not theirs. */
enum jit_emitted jx_int(struct x86 *a, const struct insn *in);
enum jit_emitted jx_mem(struct x86 *a, const struct jit_unit *u,
                        const struct insn *in, int32_t d, uint32_t n);
enum jit_emitted jx_call(struct x86 *a, const struct jit_unit *u,
                         const struct insn *in, int32_t d, uint32_t n);

#endif
