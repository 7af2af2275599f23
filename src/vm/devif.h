/* What a device sees of the machine it sits in, and no more: an interrupt
 * line, the machine's power switch (to end it with an exit status) and its
 * clock.
 * The board fills these in; files under dev/, virtio/ and backend/ use
 * them instead of the board's own header, so data flows one way. */
#ifndef CELLA_VM_DEVIF_H
#define CELLA_VM_DEVIF_H

#include <stdbool.h>
#include <stdint.h>

#include "base/util.h"

/* Exit statuses of `cella vm run` (documented in the README). */
enum {
    EXIT_POWEROFF = 0,   /* guest powered off */
    EXIT_ERROR = 1,      /* bad input, or a fatal monitor error */
    EXIT_REBOOT = 3,     /* guest asked for a reboot */
    EXIT_GUEST_FAIL = 4, /* guest reported failure (test device, tohost) */
};

/* One interrupt source of the board's interrupt controller. */
struct irq_line {
    void (*set)(void *opaque, unsigned irq, bool level);
    void *opaque;
    unsigned irq;
};

static inline void irq_line_set(const struct irq_line *l, bool level)
{
    l->set(l->opaque, l->irq, level);
}

/* Ends the machine with an exit status (the first call wins); safe from
 * any thread. */
struct vm_power {
    void (*stop)(void *opaque, int status);
    void *opaque;
};

static inline void vm_power_stop(const struct vm_power *p, int status)
{
    p->stop(p->opaque, status);
}

/* The machine's clock (mtime): TIMEBASE_HZ ticks since origin_ns, host
 * monotonic time. While the machine is paused it stands still at
 * frozen_ns; resuming moves origin_ns on by the pause, so the guest never
 * sees the time it was paused (machine_pause, machine_resume). */
#define TIMEBASE_HZ 10000000ull     /* 10 MHz, like QEMU's virt */

struct vm_clock {
    uint64_t origin_ns;
    uint64_t frozen_ns;     /* 0: running */
};

static inline uint64_t vm_clock_now(const struct vm_clock *c)
{
    uint64_t t = c->frozen_ns ? c->frozen_ns : now_ns();
    return (t - c->origin_ns) / (1000000000ull / TIMEBASE_HZ);
}

#endif
