/* CLINT (ACLINT MSWI + MTIMER layout): msip per hart, mtimecmp per hart,
 * mtime. The hart itself turns mtime >= mtimecmp into MTIP. */
#ifndef CELLA_VM_RISCV_CLINT_H
#define CELLA_VM_RISCV_CLINT_H

#include <stdint.h>

struct err;
struct machine;
struct rec_in;
struct rec_out;

/* Add the CLINT's MMIO window at base (size bytes) to the machine's bus. */
void clint_attach(struct machine *m, uint64_t base, uint64_t size);

/* The CLINT's state record ("clint"): the number of harts, and each
 * hart's msip and mtimecmp (held in the harts; mtime is the machine's
 * clock and not part of it). clint_load refuses a record of another
 * number of harts and changes nothing unless the whole record is good
 * (else -1 with e filled); then it sets each hart's MSIP and mtimecmp as
 * the registers' writes do, MTIP following the current mtime, so the
 * machine's clock is best restored first. */
void clint_save(const struct machine *m, struct rec_out *o);
int clint_load(struct machine *m, struct rec_in *in, struct err *e);

#endif
