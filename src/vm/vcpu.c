/* The vCPU thread's loop: the board runs a hart's engine in slices and
 * answers what leaves it (an SBI call), as a KVM run loop answers exits;
 * the CPU never calls the SBI. Between slices it parks while the machine
 * pauses, and sleeps while a migration throttles it. */
#include "vm/vcpu.h"

#include <stdatomic.h>
#include <time.h>


#include "vm/machine.h"
#include "vm/riscv/sbi.h"
#include "vm/rv/engine.h"

/* Taken branches, jumps and page changes per slice (a few thousand
 * instructions): interrupts, timers and requests from other threads are
 * looked at between slices. */
#define SLICE 1024
/* A throttled vCPU sleeps once it owes this much, a slice of this at a
 * time, and never owes more than the cap. */
#define THROTTLE_SLEEP_NS 2000000ull
#define THROTTLE_CAP_NS 100000000ull

/* CPU time of this thread: what a slice ran, not what it slept (in WFI,
 * or stopped by the HSM). */
static uint64_t cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Throttled to pct percent: after a slice that ran ran ns, the sleep it
 * owes grows (it sleeps pct of its time), and is slept once large enough,
 * in short naps that end early when the machine pauses or ends. */
static void throttle(struct machine *m, uint64_t *owed, unsigned pct,
                     uint64_t ran)
{
    *owed += ran * pct / (100 - pct);
    if (*owed > THROTTLE_CAP_NS)
        *owed = THROTTLE_CAP_NS;
    if (*owed < THROTTLE_SLEEP_NS)
        return;
    while (*owed && !atomic_load(&m->pausing) &&
           atomic_load(&m->exit_status) < 0) {
        uint64_t nap = *owed < THROTTLE_SLEEP_NS ? *owed : THROTTLE_SLEEP_NS;
        nanosleep(&(struct timespec){0, (long)nap}, NULL);
        *owed -= nap;
    }
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
        uint64_t start = pct ? cpu_ns() : 0;
        if (m->engine->run(h, SLICE) == HART_EXIT_SBI) {
            sbi_call(m, h);
            h->pc += 4;     /* the ecall retires */
        }
        if (pct)
            throttle(m, &owed, pct, cpu_ns() - start);
    }
    return 0;
}
