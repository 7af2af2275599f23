/* The vCPU thread's loop: the board runs a hart's engine in slices and
 * answers what leaves it (an SBI call), so the CPU never calls the SBI. */
#include "vm/vcpu.h"

#include <stdatomic.h>

#include "vm/machine.h"
#include "vm/rv/cpu.h"
#include "vm/sbi.h"

/* Taken branches, jumps and page changes per slice (a few thousand
 * instructions): interrupts, timers and requests from other threads are
 * looked at between slices. */
#define SLICE 1024

void *vcpu_thread(void *arg)
{
    struct hart *h = arg;
    while (atomic_load(&h->m->exit_status) < 0) {
        if (atomic_load(&h->hsm_state) != HSM_STARTED) {
            hart_park_stopped(h);
            continue;
        }
        hart_serve_flushes(h);
        hart_update_timer(h);
        trap_interrupt(h);
        if (hart_exec(h, SLICE) == HART_EXIT_SBI) {
            sbi_call(h);
            h->pc += 4;     /* the ecall retires */
        }
    }
    return 0;
}
