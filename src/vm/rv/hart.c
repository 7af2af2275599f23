/* A hart's life between slices: set-up and tear-down, the timer bits,
 * interrupts' wake-ups, parking in WFI (or while stopped by the SBI HSM)
 * until another thread wakes it. The vCPU thread's loop is the board's
 * (vm/vcpu.c). */
#include "vm/rv/cpu.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "base/err.h"
#include "base/util.h"
#include "vm/rv/jit.h"

void hart_kick(struct hart *h)
{
    pthread_mutex_lock(&h->lock);
    if (h->sleeping)
        pthread_cond_signal(&h->wake);
    pthread_mutex_unlock(&h->lock);
}

void hart_set_mip(struct hart *h, uint64_t bits, bool level)
{
    uint64_t old = level ? atomic_fetch_or(&h->mip, bits)
                         : atomic_fetch_and(&h->mip, ~bits);
    if (level && (old & bits) != bits)
        hart_kick(h);
}

void hart_serve_flushes(struct hart *h)
{
    uint64_t req = atomic_load(&h->flush_req);
    if (req != atomic_load_explicit(&h->flush_done, memory_order_relaxed)) {
        tlb_flush(h);
        icache_flush(h);
        atomic_store(&h->flush_done, req);
    }
}

/* Timer bits: MTIP follows mtimecmp; STIP follows stimecmp when Sstc is
 * on, or always when the monitor is the firmware (the SBI timer uses the
 * same comparator); otherwise STIP belongs to M-mode software. */
static bool stip_from_stimecmp(const struct hart *h)
{
    return h->env.paravirt || (h->menvcfg & MENVCFG_STCE);
}

static void set_level(struct hart *h, uint64_t bit, bool level)
{
    bool now = (atomic_load_explicit(&h->mip, memory_order_relaxed) & bit) != 0;
    if (level != now)
        hart_set_mip(h, bit, level);
}

void hart_update_timer(struct hart *h)
{
    uint64_t t = vm_clock_now(h->env.clock);
    if (!h->env.paravirt)
        set_level(h, MIP_MTIP, t >= atomic_load(&h->mtimecmp));
    if (stip_from_stimecmp(h))
        set_level(h, MIP_STIP, t >= atomic_load(&h->stimecmp));
}

/* The earliest compare value of a timer whose interrupt is enabled: a
 * disabled one (Linux masks STIE after each tick, leaving stimecmp in the
 * past) must not end the sleep. */
static uint64_t next_deadline(const struct hart *h)
{
    uint64_t d = UINT64_MAX;
    if (!h->env.paravirt && (h->mie & MIP_MTIP))
        d = atomic_load(&h->mtimecmp);
    if (stip_from_stimecmp(h) && (h->mie & MIP_STIP)) {
        uint64_t s = atomic_load(&h->stimecmp);
        if (s < d)
            d = s;
    }
    return d;
}

/* The machine is ending or pausing: a sleeping hart goes back to its
 * vCPU loop (a WFI that returns early is allowed by the ISA). */
static bool stopping(const struct hart *h)
{
    return atomic_load(h->env.ending) >= 0 || atomic_load(h->env.pausing);
}

static bool flush_pending(struct hart *h)
{
    return atomic_load(&h->flush_req) != atomic_load(&h->flush_done);
}

/* Absolute CLOCK_MONOTONIC time when mtime reaches cmp, capped at one
 * second from now so a lost wakeup can never hang a hart for long. */
static struct timespec deadline(const struct hart *h, uint64_t cmp)
{
    uint64_t now_t = vm_clock_now(h->env.clock);
    uint64_t ticks = cmp > now_t ? cmp - now_t : 0;
    if (ticks > TIMEBASE_HZ)
        ticks = TIMEBASE_HZ;
    uint64_t ns = now_ns() + ticks * (1000000000ull / TIMEBASE_HZ);
    return (struct timespec){.tv_sec = (time_t)(ns / 1000000000u),
                             .tv_nsec = (long)(ns % 1000000000u)};
}

/* Sleep until an enabled interrupt is pending or the machine stops or
 * pauses.
 * Other harts' flush requests are served meanwhile without waking the
 * guest. hart_set_mip sets mip before it takes the lock to signal, and
 * the sleeper looks at mip after setting `sleeping` under the lock, so no
 * wakeup is lost. */
void hart_wfi(struct hart *h)
{
    for (;;) {
        hart_serve_flushes(h);
        hart_update_timer(h);
        if (irq_wakeup(h) || stopping(h))
            return;
        uint64_t cmp = next_deadline(h);
        pthread_mutex_lock(&h->lock);
        h->sleeping = true;
        if (!irq_wakeup(h) && !stopping(h) && !flush_pending(h) &&
            vm_clock_now(h->env.clock) < cmp) {
            struct timespec ts = deadline(h, cmp);
            pthread_cond_timedwait(&h->wake, &h->lock, &ts);
        }
        h->sleeping = false;
        pthread_mutex_unlock(&h->lock);
    }
}

/* A hart the SBI HSM has stopped waits here until hart_start, a pause or
 * the machine's end; a pending start is then taken (pc, a0, a1, S-mode). */
static void park_stopped(struct hart *h)
{
    pthread_mutex_lock(&h->lock);
    while (atomic_load(&h->hsm_state) == HSM_STOPPED && !stopping(h)) {
        h->sleeping = true;
        pthread_cond_wait(&h->wake, &h->lock);
        h->sleeping = false;
    }
    pthread_mutex_unlock(&h->lock);
    if (atomic_load(&h->hsm_state) == HSM_START_PENDING) {
        h->priv = PRV_S;
        h->pc = h->hsm_start_addr;
        h->x[10] = h->id;
        h->x[11] = h->hsm_opaque;
        h->satp = 0;
        h->mstatus &= ~MSTATUS_SIE;
        tlb_flush(h);
        hart_mode_changed(h);
        atomic_store(&h->hsm_state, HSM_STARTED);
    }
}

enum hart_exit hart_run(struct hart *h, unsigned n)
{
    if (atomic_load(&h->hsm_state) != HSM_STARTED) {
        park_stopped(h);
        return HART_RAN;
    }
    hart_serve_flushes(h);
    hart_update_timer(h);
    trap_interrupt(h);
    return hart_exec(h, n);
}

int hart_init(struct hart *h, const struct hart_env *env, bool translate,
              unsigned id, struct err *e)
{
    memset(h, 0, sizeof *h);
    h->icache = calloc(ICACHE_PAGES, sizeof *h->icache);
    if (!h->icache)
        return err_set(e, ENOMEM, "cannot allocate hart %u", id);
#ifndef __x86_64__
    translate = false;      /* the translator writes x86-64 code */
#endif
    bool refused = false;
    if (translate && !(h->jit = jit_new(env->perf_map, &refused, e)) &&
        !refused) {
        free(h->icache);
        return -1;
    }
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&h->wake, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&h->lock, 0);
    h->id = id;
    h->env = *env;
    h->jit_site_nfilled = sizeof h->jit_site_filled;    /* empty them all */
    h->jit_vgen = 1;
    hart_reset(h);
    return refused ? 1 : 0;
}

void hart_reset(struct hart *h)
{
    memset(h->x, 0, sizeof h->x);
    memset(h->f, 0, sizeof h->f);
    h->pc = 0;
    h->fflags = h->frm = 0;
    h->priv = PRV_M;
    h->mstatus = h->medeleg = h->mideleg = h->mie = h->mtvec = 0;
    h->mscratch = h->mepc = h->mcause = h->mtval = h->mcounteren = 0;
    h->mcountinhibit = h->menvcfg = h->mseccfg = 0;
    memset(h->pmpcfg, 0, sizeof h->pmpcfg);
    memset(h->pmpaddr, 0, sizeof h->pmpaddr);
    h->stvec = h->sscratch = h->sepc = h->scause = h->stval = h->satp = 0;
    h->scounteren = h->senvcfg = 0;
    h->instret = h->cycle_offset = 0;
    h->resv_valid = false;
    /* RV64 with A C D F I M S U */
    h->misa = (2ull << 62) | (1u << 0) | (1u << 2) | (1u << 3) | (1u << 5) |
              (1u << 8) | (1u << 12) | (1u << 18) | (1u << 20);
    atomic_store(&h->mip, 0);
    atomic_store(&h->mtimecmp, UINT64_MAX);
    atomic_store(&h->stimecmp, UINT64_MAX);
    atomic_store(&h->hsm_state, HSM_STARTED);
    tlb_flush(h);
    icache_flush(h);
    hart_mode_changed(h);
}

void hart_destroy(struct hart *h)
{
    pthread_mutex_destroy(&h->lock);
    pthread_cond_destroy(&h->wake);
    free(h->icache);
    jit_free(h->jit);
}
