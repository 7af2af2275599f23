/* PLIC (riscv,plic0): PLIC_NUM_SOURCES sources, two contexts per hart
 * (context 2*h is hart h's M-mode, 2*h+1 its S-mode), driving MEIP/SEIP. */
#ifndef CELLA_VM_RISCV_PLIC_H
#define CELLA_VM_RISCV_PLIC_H

#include <stdbool.h>
#include <stdint.h>

struct err;
struct machine;
struct plic;
struct rec_in;
struct rec_out;

struct plic *plic_new(struct machine *m);
void plic_free(struct plic *p);
/* Add the PLIC's MMIO window at base (size bytes) to the machine's bus. */
void plic_attach(struct plic *p, uint64_t base, uint64_t size);
/* Level of interrupt source irq (1..PLIC_NUM_SOURCES-1); any thread. */
void plic_set_irq(struct plic *p, unsigned irq, bool level);

/* The PLIC's state record ("plic"): priorities, line levels, claimed
 * sources, and each context's enables and threshold. Any thread.
 * plic_load refuses a record of another number of contexts and changes
 * nothing unless the whole record is good (else -1 with e filled); then it
 * drives every context's output into its hart's MEIP or SEIP. */
void plic_save(const struct plic *p, struct rec_out *o);
int plic_load(struct plic *p, struct rec_in *in, struct err *e);

#endif
