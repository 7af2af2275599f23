/* PLIC (riscv,plic0): PLIC_NUM_SOURCES sources, two contexts per hart
 * (context 2*h is hart h's M-mode, 2*h+1 its S-mode), driving MEIP/SEIP. */
#ifndef CELLA_VM_RISCV_PLIC_H
#define CELLA_VM_RISCV_PLIC_H

#include <stdbool.h>

struct machine;
struct plic;

struct plic *plic_new(struct machine *m);
void plic_free(struct plic *p);
/* Add the PLIC's MMIO window at MEM_PLIC_BASE to the machine's bus. */
void plic_attach(struct plic *p);
/* Level of interrupt source irq (1..PLIC_NUM_SOURCES-1); any thread. */
void plic_set_irq(struct plic *p, unsigned irq, bool level);

#endif
