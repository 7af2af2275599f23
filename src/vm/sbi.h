/* The SBI as the monitor implements it (paravirtual boot, no firmware):
 * the constants other parts of the monitor share. */
#ifndef CELLA_VM_SBI_H
#define CELLA_VM_SBI_H

/* HSM hart states (SBI spec, hart state management extension). */
enum {
    HSM_STARTED = 0,
    HSM_STOPPED = 1,
    HSM_START_PENDING = 2,
};

#endif
