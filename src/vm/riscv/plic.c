/* PLIC (riscv,plic0, QEMU virt layout): source priorities, level-triggered
 * gateways with claim/complete, per-context enables and thresholds, and the
 * MEIP/SEIP lines of the harts it drives. */
#include "vm/riscv/plic.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/rec.h"
#include "vm/machine.h"
#include "vm/rv/hart.h"

#define PLIC_PRIORITY   0x000000u   /* + 4 * source */
#define PLIC_PENDING    0x001000u   /* + 4 * word */
#define PLIC_ENABLE     0x002000u   /* + 0x80 * context + 4 * word */
#define PLIC_ENABLE_STRIDE 0x80u
#define PLIC_CONTEXT    0x200000u   /* + 0x1000 * context: threshold */
#define PLIC_CONTEXT_STRIDE 0x1000u
#define PLIC_CLAIM      4u          /* claim/complete, inside a context */

/* Priorities and thresholds are WARL: 3 bits, like QEMU's virt (0..7). */
#define PLIC_PRIO_MASK  7u

#define NWORDS ((PLIC_NUM_SOURCES + 31) / 32)
#define MAX_CTX (2 * VM_MAX_CPUS)

struct plic {
    struct machine *m;
    unsigned nctx;
    pthread_mutex_t lock;
    uint32_t priority[PLIC_NUM_SOURCES];
    /* Line levels as the devices drive them, and the sources claimed but
     * not completed. A source is pending while its line is high and it is
     * not claimed: the gateway holds back a new request until completion. */
    uint32_t level[NWORDS];
    uint32_t claimed[NWORDS];
    uint32_t enable[MAX_CTX][NWORDS];
    uint32_t threshold[MAX_CTX];
    bool out[MAX_CTX];          /* the last level driven into each hart */
};

static uint32_t pending_word(const struct plic *p, unsigned w)
{
    return p->level[w] & ~p->claimed[w];
}

/* The best source for a context: the highest priority above the
 * threshold, ties going to the lowest id; 0 when there is none. */
static unsigned best_source(const struct plic *p, unsigned ctx)
{
    unsigned best = 0;
    uint32_t best_prio = p->threshold[ctx];
    for (unsigned w = 0; w < NWORDS; w++) {
        uint32_t bits = pending_word(p, w) & p->enable[ctx][w];
        while (bits) {
            unsigned irq = w * 32 + (unsigned)__builtin_ctz(bits);
            bits &= bits - 1;
            if (p->priority[irq] > best_prio) {
                best_prio = p->priority[irq];
                best = irq;
            }
        }
    }
    return best;
}

/* Recompute every context's output and drive it into its hart: only
 * where the line moves, or (force) everywhere. */
static void drive(struct plic *p, bool force)
{
    for (unsigned ctx = 0; ctx < p->nctx; ctx++) {
        bool level = best_source(p, ctx) != 0;
        struct hart *h = p->m->harts[ctx / 2];
        if ((level == p->out[ctx] && !force) || !h)
            continue;
        p->out[ctx] = level;
        hart_set_mip(h, ctx & 1 ? MIP_SEIP : MIP_MEIP, level);
    }
}

static void update(struct plic *p)
{
    drive(p, false);
}

static uint32_t claim(struct plic *p, unsigned ctx)
{
    unsigned irq = best_source(p, ctx);
    if (irq) {
        p->claimed[irq / 32] |= 1u << (irq % 32);
        update(p);
    }
    return irq;
}

/* The spec ignores a completion for a source the context has not enabled;
 * Linux re-enables a masked source before completing it for this reason. */
static void complete(struct plic *p, unsigned ctx, uint64_t irq)
{
    if (irq == 0 || irq >= PLIC_NUM_SOURCES)
        return;
    uint32_t bit = 1u << (irq % 32);
    if (!(p->enable[ctx][irq / 32] & bit) || !(p->claimed[irq / 32] & bit))
        return;
    p->claimed[irq / 32] &= ~bit;
    update(p);
}

/* Only naturally aligned 32-bit accesses reach a register; any other
 * access reads 0 and writes nothing. */
static uint64_t plic_read(void *opaque, uint64_t off, unsigned size)
{
    struct plic *p = opaque;
    uint64_t val = 0;
    if (size != 4 || off % 4)
        return 0;
    pthread_mutex_lock(&p->lock);
    if (off < PLIC_PENDING) {
        if (off / 4 < PLIC_NUM_SOURCES)
            val = p->priority[off / 4];
    } else if (off < PLIC_ENABLE) {
        uint64_t w = (off - PLIC_PENDING) / 4;
        if (w < NWORDS)
            val = pending_word(p, (unsigned)w);
    } else if (off < PLIC_CONTEXT) {
        uint64_t ctx = (off - PLIC_ENABLE) / PLIC_ENABLE_STRIDE;
        uint64_t w = (off - PLIC_ENABLE) % PLIC_ENABLE_STRIDE / 4;
        if (ctx < p->nctx && w < NWORDS)
            val = p->enable[ctx][w];
    } else {
        uint64_t ctx = (off - PLIC_CONTEXT) / PLIC_CONTEXT_STRIDE;
        uint64_t reg = (off - PLIC_CONTEXT) % PLIC_CONTEXT_STRIDE;
        if (ctx < p->nctx && reg == 0)
            val = p->threshold[ctx];
        else if (ctx < p->nctx && reg == PLIC_CLAIM)
            val = claim(p, (unsigned)ctx);
    }
    pthread_mutex_unlock(&p->lock);
    return val;
}

/* The sources that exist in enable word w: never source 0, none past
 * PLIC_NUM_SOURCES - 1. */
static uint32_t source_mask(unsigned w)
{
    uint32_t mask = w == 0 ? ~1u : ~0u;
    unsigned left = PLIC_NUM_SOURCES - w * 32;
    return left < 32 ? mask & ((1u << left) - 1) : mask;
}

/* Pending bits are read-only: writes to them fall through. */
static void plic_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    struct plic *p = opaque;
    if (size != 4 || off % 4)
        return;
    uint32_t v = (uint32_t)val;
    pthread_mutex_lock(&p->lock);
    if (off < PLIC_PENDING) {
        /* Source 0 does not exist: its priority stays 0. */
        if (off / 4 != 0 && off / 4 < PLIC_NUM_SOURCES) {
            p->priority[off / 4] = v & PLIC_PRIO_MASK;
            update(p);
        }
    } else if (off >= PLIC_ENABLE && off < PLIC_CONTEXT) {
        uint64_t ctx = (off - PLIC_ENABLE) / PLIC_ENABLE_STRIDE;
        uint64_t w = (off - PLIC_ENABLE) % PLIC_ENABLE_STRIDE / 4;
        if (ctx < p->nctx && w < NWORDS) {
            p->enable[ctx][w] = v & source_mask((unsigned)w);
            update(p);
        }
    } else if (off >= PLIC_CONTEXT) {
        uint64_t ctx = (off - PLIC_CONTEXT) / PLIC_CONTEXT_STRIDE;
        uint64_t reg = (off - PLIC_CONTEXT) % PLIC_CONTEXT_STRIDE;
        if (ctx < p->nctx && reg == 0) {
            p->threshold[ctx] = v & PLIC_PRIO_MASK;
            update(p);
        } else if (ctx < p->nctx && reg == PLIC_CLAIM) {
            complete(p, (unsigned)ctx, v);
        }
    }
    pthread_mutex_unlock(&p->lock);
}

struct plic *plic_new(struct machine *m)
{
    struct plic *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->m = m;
    p->nctx = 2 * (m->nharts < VM_MAX_CPUS ? m->nharts : VM_MAX_CPUS);
    pthread_mutex_init(&p->lock, NULL);
    return p;
}

void plic_free(struct plic *p)
{
    if (!p)
        return;
    pthread_mutex_destroy(&p->lock);
    free(p);
}

void plic_attach(struct plic *p, uint64_t base, uint64_t size)
{
    struct mmio_dev d = {
        .name = "plic",
        .base = base,
        .size = size,
        .read = plic_read,
        .write = plic_write,
        .opaque = p,
    };
    bus_add(&p->m->bus, &d);
}

void plic_set_irq(struct plic *p, unsigned irq, bool level)
{
    if (irq == 0 || irq >= PLIC_NUM_SOURCES)
        return;
    uint32_t bit = 1u << (irq % 32);
    pthread_mutex_lock(&p->lock);
    uint32_t old = p->level[irq / 32];
    p->level[irq / 32] = level ? old | bit : old & ~bit;
    if (p->level[irq / 32] != old)
        update(p);
    pthread_mutex_unlock(&p->lock);
}

/* The state record, version 1 (words are u32):
 *
 *   nctx                       contexts: two per hart
 *   nsources                   PLIC_NUM_SOURCES
 *   priority[1..nsources-1]
 *   level[NWORDS]              the lines as the devices drive them
 *   claimed[NWORDS]
 *   per context: enable[NWORDS], threshold
 *
 * Every value must be one the registers can hold: priorities and
 * thresholds up to PLIC_PRIO_MASK, no bit for source 0 or past the last
 * source. The outputs into the harts are not recorded: they follow. */
#define PLIC_REC_VERSION 1

void plic_save(const struct plic *cp, struct rec_out *o)
{
    /* The lock only: the state is read, not changed. */
    struct plic *p = (struct plic *)cp;
    pthread_mutex_lock(&p->lock);
    rec_begin(o, "plic", PLIC_REC_VERSION);
    rec_u32(o, p->nctx);
    rec_u32(o, PLIC_NUM_SOURCES);
    for (unsigned i = 1; i < PLIC_NUM_SOURCES; i++)
        rec_u32(o, p->priority[i]);
    for (unsigned w = 0; w < NWORDS; w++)
        rec_u32(o, p->level[w]);
    for (unsigned w = 0; w < NWORDS; w++)
        rec_u32(o, p->claimed[w]);
    for (unsigned ctx = 0; ctx < p->nctx; ctx++) {
        for (unsigned w = 0; w < NWORDS; w++)
            rec_u32(o, p->enable[ctx][w]);
        rec_u32(o, p->threshold[ctx]);
    }
    rec_end(o);
    pthread_mutex_unlock(&p->lock);
}

/* A word of source bits from the record; only sources that exist. */
static uint32_t get_sources(struct rec_in *in, const char *what, unsigned w)
{
    uint32_t v = rec_get_u32(in);
    if (v & ~source_mask(w))
        rec_fail(in, "%s word %u is 0x%08x: sources that do not exist",
                 what, w, v);
    return v;
}

static uint32_t get_prio(struct rec_in *in, const char *what, unsigned i)
{
    uint32_t v = rec_get_u32(in);
    if (v > PLIC_PRIO_MASK)
        rec_fail(in, "%s %u is %u (at most %u)", what, i, v, PLIC_PRIO_MASK);
    return v;
}

int plic_load(struct plic *p, struct rec_in *in, struct err *e)
{
    if (rec_open(in, "plic", PLIC_REC_VERSION, e) < 0)
        return -1;
    uint32_t nctx = rec_get_u32(in);
    uint32_t nsources = rec_get_u32(in);
    if (rec_ok(in) && nctx != p->nctx)
        rec_fail(in, "%u contexts, this PLIC has %u", nctx, p->nctx);
    if (rec_ok(in) && nsources != PLIC_NUM_SOURCES)
        rec_fail(in, "%u sources, this PLIC has %u", nsources,
                 PLIC_NUM_SOURCES);
    /* Read into a copy: the PLIC changes only once all of it is good. */
    struct plic n = {0};
    if (rec_ok(in)) {
        for (unsigned i = 1; i < PLIC_NUM_SOURCES; i++)
            n.priority[i] = get_prio(in, "priority of source", i);
        for (unsigned w = 0; w < NWORDS; w++)
            n.level[w] = get_sources(in, "level", w);
        for (unsigned w = 0; w < NWORDS; w++)
            n.claimed[w] = get_sources(in, "claimed", w);
        for (unsigned ctx = 0; ctx < p->nctx; ctx++) {
            for (unsigned w = 0; w < NWORDS; w++)
                n.enable[ctx][w] = get_sources(in, "enable", w);
            n.threshold[ctx] = get_prio(in, "threshold of context", ctx);
        }
    }
    if (rec_close(in, e) < 0)
        return -1;

    pthread_mutex_lock(&p->lock);
    memcpy(p->priority, n.priority, sizeof p->priority);
    memcpy(p->level, n.level, sizeof p->level);
    memcpy(p->claimed, n.claimed, sizeof p->claimed);
    memcpy(p->enable, n.enable, sizeof p->enable);
    memcpy(p->threshold, n.threshold, sizeof p->threshold);
    /* Drive every context's line, moved or not: a hart's MEIP/SEIP now
     * says what this PLIC says, whatever either held before. */
    drive(p, true);
    pthread_mutex_unlock(&p->lock);
    return 0;
}
