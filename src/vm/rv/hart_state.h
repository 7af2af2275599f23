/* A hart's architectural state as a state record (base/rec.h), for
 * snapshots and migration. Both run while the hart does not. */
#ifndef CELLA_VM_RV_HART_STATE_H
#define CELLA_VM_RV_HART_STATE_H

struct err;
struct hart;
struct rec_in;
struct rec_out;

/* Append the record "hart<id>" holding h's state: registers, pc, the
 * privilege mode, CSRs, counters, the LR reservation, pending interrupts
 * (but mip.MSIP and mtimecmp, which are the CLINT's), stimecmp and the
 * SBI HSM state. */
void hart_save(const struct hart *h, struct rec_out *o);

/* Read the next record, which must be h's, into h. A record that is
 * damaged, of another hart or of another ISA, or that holds a value the
 * hart could not have reached, changes nothing: -1 with e saying why.
 * Caches are dropped. The timer bits of mip stay as the record has them
 * until the hart next runs: hart_run compares mtimecmp and stimecmp with
 * the clock, all restored by then (the CLINT's and the machine's records
 * may come after this one). */
int hart_load(struct hart *h, struct rec_in *in, struct err *e);

#endif
