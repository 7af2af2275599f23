/* The vCPU thread's loop: the board runs a hart's engine in slices and
 * answers what leaves it (an SBI call), as a KVM run loop answers exits;
 * the CPU never calls the SBI. Between slices it parks while the machine
 * pauses. */
#include "vm/vcpu.h"

#include <stdatomic.h>

#include "vm/machine.h"
#include "vm/riscv/sbi.h"
#include "vm/rv/engine.h"

/* Taken branches, jumps and page changes per slice (a few thousand
 * instructions): interrupts, timers and requests from other threads are
 * looked at between slices. */
#define SLICE 1024

void *vcpu_thread(void *arg)
{
    struct vcpu *v = arg;
    struct machine *m = v->m;
    struct hart *h = m->harts[v->index];
    while (atomic_load(&m->exit_status) < 0) {
        if (atomic_load_explicit(&m->pausing, memory_order_relaxed)) {
            machine_park(m);
            continue;
        }
        if (m->engine->run(h, SLICE) == HART_EXIT_SBI) {
            sbi_call(m, h);
            h->pc += 4;     /* the ecall retires */
        }
    }
    return 0;
}
