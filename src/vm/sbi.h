/* The SBI as the monitor implements it (paravirtual boot, no firmware):
 * the call the vCPU loop makes on an SBI exit, and the constants other
 * parts of the monitor share. */
#ifndef CELLA_VM_SBI_H
#define CELLA_VM_SBI_H

struct hart;

/* HSM hart states (SBI spec, hart state management extension). */
enum {
    HSM_STARTED = 0,
    HSM_STOPPED = 1,
    HSM_START_PENDING = 2,
};

/* Answer an SBI call (an ecall from S-mode, a7 = extension) of a hart
 * whose engine exited with HART_EXIT_SBI; the caller then steps past the
 * ecall. */
void sbi_call(struct hart *h);

#endif
