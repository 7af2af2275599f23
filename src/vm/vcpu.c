/* The vCPU thread's loop: the board runs a hart's engine in slices and
 * answers what leaves it (an SBI call), as a KVM run loop answers exits;
 * the CPU never calls the SBI. Between slices it parks while the machine
 * pauses, and sleeps while a migration throttles it. */
#include "vm/vcpu.h"

#include <stdatomic.h>
#include <time.h>

#include "base/util.h"

#include "vm/machine.h"
#include "vm/riscv/sbi.h"
#include "vm/rv/engine.h"

/* Taken branches, jumps and page changes per slice (a few thousand
 * instructions): interrupts, timers and requests from other threads are
 * looked at between slices. */
#define SLICE 1024
/* A throttled vCPU sleeps once it owes this much. */
#define THROTTLE_SLEEP_NS 2000000ull

/* Throttled to pct percent: after a slice of ran ns, the sleep it owes
 * grows (it sleeps pct of its time), and is slept once large enough. */
static void throttle(uint64_t *owed, unsigned pct, uint64_t ran)
{
    *owed += ran * pct / (100 - pct);
    if (*owed < THROTTLE_SLEEP_NS)
        return;
    struct timespec ts = {(time_t)(*owed / 1000000000ull),
                          (long)(*owed % 1000000000ull)};
    nanosleep(&ts, NULL);
    *owed = 0;
}

void *vcpu_thread(void *arg)
{
    struct vcpu *v = arg;
    struct machine *m = v->m;
    struct hart *h = m->harts[v->index];
    uint64_t owed = 0;
    while (atomic_load(&m->exit_status) < 0) {
        if (atomic_load_explicit(&m->pausing, memory_order_relaxed)) {
            machine_park(m);
            continue;
        }
        unsigned pct = atomic_load_explicit(&m->throttle_pct,
                                            memory_order_relaxed);
        uint64_t start = pct ? now_ns() : 0;
        if (m->engine->run(h, SLICE) == HART_EXIT_SBI) {
            sbi_call(m, h);
            h->pc += 4;     /* the ecall retires */
        }
        if (pct)
            throttle(&owed, pct, now_ns() - start);
    }
    return 0;
}
