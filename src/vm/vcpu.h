/* A vCPU: the host thread that runs one hart of a machine. */
#ifndef CELLA_VM_VCPU_H
#define CELLA_VM_VCPU_H

#include <pthread.h>

struct machine;

struct vcpu {
    struct machine *m;
    unsigned index;         /* the hart it runs: m->harts[index] */
    pthread_t thread;
};

/* The thread's body (arg: its struct vcpu): runs the hart's engine in
 * slices until the machine ends, answering its SBI exits. */
void *vcpu_thread(void *arg);

#endif
