/* The x86-64 emitter's ops done by calling the interpreter's own C
 * functions from the block (jit_x86.h): F/D arithmetic that jit_x86_fp.c
 * does not do inline (fpu_exec), the
 * CSRs that FP code and timing loops touch (fflags, frm, fcsr, cycle,
 * time, instret: csr_exec) and LR/SC (rv_atomic). The block goes on after
 * the call; when the function fails (an illegal instruction, a fault),
 * nothing has changed and the block leaves before the instruction, so
 * that the interpreter does it again and raises the exception. */
#include "vm/rv/jit_x86.h"

#include <stdbool.h>
#include <string.h>

#include "vm/rv/cpu.h"
#include "vm/rv/fpu.h"

_Static_assert(sizeof(struct insn) == 16, "an insn is passed as two words");

/* rax = fn(h, in), with in copied to the hart's jit_insn. The function
 * sees the hart's registers as they are and may change them. */
static void call(struct x86 *a, struct jit_unit *u, const struct insn *in,
                 const void *fn)
{
    jx_flush(a, u);
    jx_fp_off(a, u);
    uint64_t half[2];
    memcpy(half, in, sizeof half);
    for (int i = 0; i < 2; i++) {
        x86_mov_imm64(a, RAX, half[i]);
        x86_store(a, 1, RAX, HART, HOFF(jit_insn) + 8 * i);
    }
    x86_lea(a, RDI, HART, -HART_BIAS);
    x86_lea(a, RSI, HART, HOFF(jit_insn));
    x86_mov_imm64(a, RAX, (uintptr_t)fn);
    x86_call_reg(a, RAX);
    jx_reload(a, u);
}

/* Leave before instruction n (at d) when the call's result in al
 * (ok_nonzero) or eax (else) says it failed. */
static void unless_ok(struct x86 *a, struct jit_unit *u, bool ok_nonzero,
                      int32_t d, uint32_t n)
{
    if (ok_nonzero)
        x86_test8(a, RAX);      /* a bool: only al is defined */
    else
        x86_test_rr(a, 0, RAX, RAX);
    uint8_t *ok = x86_jcc8(a, ok_nonzero ? CC_NE : CC_E);
    jx_exit_at(a, u, d, n | JIT_BAIL);
    x86_patch8(a, ok);
}

void jx_fpu_call(struct x86 *a, struct jit_unit *u, const struct insn *in,
                 int32_t d, uint32_t n)
{
    call(a, u, in, (const void *)fpu_exec);
    unless_ok(a, u, false, d, n);
    jx_fs_dirty(a, u);
}

/* minstret must be exact when csr_exec reads it: the interpreter counts
 * what it retired into it before it enters a block (exec.c), the block
 * counts the instructions before this one into it now (COUNT plus the
 * budget, plus n), and the budget is made minus COUNT less n, so that
 * COUNT counts from this one (an exit after it adds only what came
 * since) and has as far to go as before. */
static enum jit_emitted csr(struct x86 *a, struct jit_unit *u,
                            const struct insn *in, int32_t d, uint32_t n)
{
    unsigned no = (unsigned)in->imm & 0xfff;
    if (no == CSR_CYCLE || no == CSR_INSTRET) {
        x86_load(a, 1, RAX, HART, HOFF(jit_budget));
        x86_lea_scaled(a, RAX, RAX, COUNT, 0, (int32_t)n);
        x86_alu_mr(a, 1, ALU_ADD, HART, HOFF(instret), RAX);
        x86_lea(a, RAX, COUNT, (int32_t)n);
        x86_neg(a, 1, RAX);
        x86_store(a, 1, RAX, HART, HOFF(jit_budget));
    }
    call(a, u, in, (const void *)csr_exec);
    unless_ok(a, u, true, d, n);
    return JIT_E_NEXT;
}

static enum jit_emitted atomic(struct x86 *a, struct jit_unit *u,
                               const struct insn *in, int32_t d, uint32_t n)
{
    call(a, u, in, (const void *)rv_atomic);
    unless_ok(a, u, true, d, n);
    return JIT_E_NEXT;
}

/* The CSRs a block does itself (through csr_exec): none changes the
 * privilege, the interrupts or the translation. */
bool jx_csr_takes(const struct insn *in)
{
    unsigned no = (unsigned)in->imm & 0xfff;
    return no == CSR_FFLAGS || no == CSR_FRM || no == CSR_FCSR ||
           no == CSR_CYCLE || no == CSR_TIME || no == CSR_INSTRET;
}

enum jit_emitted jx_call(struct x86 *a, struct jit_unit *u,
                         const struct insn *in, int32_t d, uint32_t n)
{
    if (in->op >= OP_FIRST_FPU && in->op <= OP_LAST_FPU) {
        jx_need_fs(a, u, d, n);
        jx_fpu_call(a, u, in, d, n);
        return JIT_E_NEXT;
    }
    switch (in->op) {
    case OP_CSRRW: case OP_CSRRS: case OP_CSRRC:
    case OP_CSRRWI: case OP_CSRRSI: case OP_CSRRCI:
        return csr(a, u, in, d, n);
    case OP_LR_W: case OP_SC_W: case OP_LR_D: case OP_SC_D:
        return atomic(a, u, in, d, n);
    default:
        return JIT_E_NONE;
    }
}
