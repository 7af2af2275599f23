/* CLINT (ACLINT MSWI + MTIMER layout): msip per hart, mtimecmp per hart,
 * mtime. The hart itself turns mtime >= mtimecmp into MTIP. */
#ifndef CELLA_VM_RISCV_CLINT_H
#define CELLA_VM_RISCV_CLINT_H

#include <stdint.h>

struct machine;

/* Add the CLINT's MMIO window at base (size bytes) to the machine's bus. */
void clint_attach(struct machine *m, uint64_t base, uint64_t size);

#endif
