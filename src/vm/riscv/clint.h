/* CLINT (ACLINT MSWI + MTIMER layout): msip per hart, mtimecmp per hart,
 * mtime. The hart itself turns mtime >= mtimecmp into MTIP. */
#ifndef CELLA_VM_RISCV_CLINT_H
#define CELLA_VM_RISCV_CLINT_H

struct machine;

/* Add the CLINT's MMIO window at MEM_CLINT_BASE to the machine's bus. */
void clint_attach(struct machine *m);

#endif
