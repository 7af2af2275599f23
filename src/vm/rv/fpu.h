/* The F and D extensions' arithmetic (everything but loads and stores):
 * IEEE 754 binary32/binary64 with RISC-V rounding modes, exception flags,
 * canonical NaNs and NaN-boxing of singles. */
#ifndef CELLA_VM_RV_FPU_H
#define CELLA_VM_RV_FPU_H

struct hart;
struct insn;

/* Execute in->op (OP_FIRST_FPU..OP_LAST_FPU) on h: reads h->f / h->x,
 * writes the destination (never x0), ORs new flags into h->fflags.
 * The caller has checked mstatus.FS != Off and marks FS dirty afterwards.
 * Returns 0, or -1 when the instruction is illegal (reserved rounding
 * mode, static or dynamic via h->frm). */
int fpu_exec(struct hart *h, const struct insn *in);

#endif
