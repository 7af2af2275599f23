/* "sifive,test" finisher: a 32-bit write of 0x5555 powers off, 0x7777
 * reboots, 0x3333 | code << 16 reports failure. */
#ifndef CELLA_VM_DEV_SYSCON_H
#define CELLA_VM_DEV_SYSCON_H

struct machine;

/* Add the device at MEM_TEST_BASE to the machine's bus. */
void syscon_attach(struct machine *m);

#endif
