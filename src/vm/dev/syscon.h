/* "sifive,test" finisher: a 32-bit write of 0x5555 powers off, 0x7777
 * reboots, 0x3333 | code << 16 reports failure. */
#ifndef CELLA_VM_DEV_SYSCON_H
#define CELLA_VM_DEV_SYSCON_H

#include <stdint.h>

struct bus;
struct err;
struct rec_in;
struct rec_out;
struct vm_power;

/* Add the device at base (size bytes) to bus; its writes end the machine
 * through power, which must outlive the bus. */
void syscon_attach(struct bus *bus, uint64_t base, uint64_t size,
                   const struct vm_power *power);

/* The finisher's state record ("syscon"). It keeps no state, so the
 * record is empty; the device has no object either, and these stand for
 * the one finisher of a machine. syscon_load returns 0, or -1 with e
 * filled. */
void syscon_save(struct rec_out *o);
int syscon_load(struct rec_in *in, struct err *e);

#endif
