/* The SBI as the monitor implements it (paravirtual boot, no firmware):
 * the call the vCPU loop makes on an SBI exit. */
#ifndef CELLA_VM_RISCV_SBI_H
#define CELLA_VM_RISCV_SBI_H

struct hart;
struct machine;

/* Answer an SBI call (an ecall from S-mode, a7 = extension) of hart h of
 * m, whose engine exited with HART_EXIT_SBI; the caller then steps past
 * the ecall. */
void sbi_call(struct machine *m, struct hart *h);

#endif
