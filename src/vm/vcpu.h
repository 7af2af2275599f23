/* The vCPU threads: one per hart, running it until the machine stops. */
#ifndef CELLA_VM_VCPU_H
#define CELLA_VM_VCPU_H

/* The thread's body (arg is the hart): slices of the engine, with timers,
 * interrupts and other harts' requests looked at between them, SBI exits
 * answered, and the SBI HSM's stops parked. */
void *vcpu_thread(void *arg);

#endif
