/* libFuzzer target for the state records of the board's simple devices:
 * the input is a record stream, loaded into the UART, the PLIC, the CLINT
 * (of a machine of two harts), the RTC and the test finisher, each fresh
 * and first put in a state of its own through its registers. A load that
 * fails must leave the device as it was: every register reads as before
 * (the UART's against a twin that was not loaded), and the harts' mip bits
 * are untouched. A load that succeeds must have taken a record the device
 * writes back byte for byte, and left its outputs (interrupt lines, MEIP
 * and SEIP, MTIP) agreeing with its registers. Every input is loaded twice:
 * as it is, and with each record's checksum made to match, so that the
 * mutations reach the fields behind it. The layout is in fuzz/README.md. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/rec.h"
#include "base/util.h"
#include "vm/bus.h"
#include "vm/dev/goldfish_rtc.h"
#include "vm/dev/syscon.h"
#include "vm/dev/uart16550.h"
#include "vm/machine.h"
#include "vm/riscv/clint.h"
#include "vm/riscv/plic.h"
#include "vm/rv/engine.h"
#include "rec_checksums.h"

#define NHARTS 2
#define NCTX (2 * NHARTS)
#define UART_DEV board_devs[BOARD_UART]
#define PLIC_DEV board_devs[BOARD_PLIC]
#define CLINT_DEV board_devs[BOARD_CLINT]
#define UART_A UART_DEV.base
#define UART_B (UART_DEV.base + UART_DEV.size)
#define FAR_AHEAD 0x7000000000000000ull

static void check(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_state: %s\n", what);
        abort();
    }
}

/* One machine for the whole run: two harts (interpreting, so no code
 * memory), a bus the devices of each input are attached to afresh. */
static struct machine *m;

static void machine_make(void)
{
    m = calloc(1, sizeof *m);
    check(m != NULL, "out of memory");
    atomic_init(&m->exit_status, -1);
    m->power = machine_power(m);
    m->engine = engine_ops(ENGINE_INTERP);
    m->clock.origin_ns = now_ns();
    struct hart_env env = machine_hart_env(m);
    for (unsigned i = 0; i < NHARTS; i++) {
        struct hart *h = calloc(1, sizeof *h);
        struct err e;
        check(h && m->engine->init(h, &env, i, &e) == 0, "cannot make a hart");
        m->harts[i] = h;
        m->nharts = i + 1;
    }
}

static uint64_t rd(uint64_t pa, unsigned size)
{
    uint64_t v = 0;
    check(bus_mmio_read(&m->bus, pa, size, &v), "no device answers");
    return v;
}

static void wr(uint64_t pa, uint64_t val, unsigned size)
{
    check(bus_mmio_write(&m->bus, pa, size, val), "no device answers");
}

static uint64_t mip(unsigned hart)
{
    return atomic_load(&m->harts[hart]->mip);
}

/* What a successful load took, [0, in->off) of the stream, is what the
 * device saves now. */
static void check_saved(const struct rec_out *o, const uint8_t *data,
                        const struct rec_in *in, const char *what)
{
    check(o->nomem == 0, "out of memory");
    check(o->len == in->off && memcmp(o->buf, data, o->len) == 0, what);
}

static void check_failed(const struct err *e)
{
    check(strncmp(e->msg, "state of ", 9) == 0, "a failure without a reason");
}

/* The UART. */

struct line {
    int level;          /* -1 until told */
};

static void line_set(void *opaque, unsigned irq, bool level)
{
    (void)irq;
    ((struct line *)opaque)->level = level;
}

static void uart_prepare(uint64_t base, struct uart *u)
{
    wr(base + 2, 0x01, 1);              /* FIFOs on */
    wr(base + 3, 0x83, 1);              /* DLAB */
    wr(base + 0, 0x0c, 1);
    wr(base + 1, 0x00, 1);
    wr(base + 3, 0x03, 1);
    wr(base + 4, 0x0b, 1);
    wr(base + 7, 0x5a, 1);
    wr(base + 1, 0x03, 1);              /* RDA and THRE, THRE pending */
    check(uart_rx(u, (const uint8_t *)"hello", 5) == 5, "uart_rx");
}

/* The registers of A and B read the same, in the same order (reads of
 * IIR and RBR change the state, alike in both). */
static void uart_compare(void)
{
    for (uint64_t off = 1; off < 8; off++)
        check(rd(UART_A + off, 1) == rd(UART_B + off, 1),
              "a failed uart_load changed a register");
    for (unsigned i = 0; i <= 4096; i++) {
        uint64_t lsr = rd(UART_A + 5, 1);
        check(lsr == rd(UART_B + 5, 1), "a failed uart_load changed LSR");
        if (!(lsr & 1))
            break;
        check(rd(UART_A, 1) == rd(UART_B, 1),
              "a failed uart_load changed the received bytes");
    }
    uint64_t lcr = rd(UART_A + 3, 1);
    wr(UART_A + 3, lcr | 0x80, 1);
    wr(UART_B + 3, lcr | 0x80, 1);
    check(rd(UART_A, 1) == rd(UART_B, 1) && rd(UART_A + 1, 1) ==
          rd(UART_B + 1, 1), "a failed uart_load changed the divisor");
}

static void fuzz_uart(const uint8_t *data, size_t size)
{
    struct line la = { -1 }, lb = { -1 };
    struct uart *a = uart_new((struct irq_line){ line_set, &la, 1 }, NULL, NULL);
    struct uart *b = uart_new((struct irq_line){ line_set, &lb, 1 }, NULL, NULL);
    check(a && b, "out of memory");
    uart_attach(a, &m->bus, UART_A, UART_DEV.size);
    uart_attach(b, &m->bus, UART_B, UART_DEV.size);
    uart_prepare(UART_A, a);
    uart_prepare(UART_B, b);

    struct rec_in in;
    struct err e;
    rec_in_init(&in, data, size);
    if (uart_load(a, &in, &e) == 0) {
        struct rec_out o = {0};
        uart_save(a, &o);
        check_saved(&o, data, &in, "uart_load took what uart_save changes");
        rec_out_free(&o);
        /* The line was driven to what IIR says (read before it can
         * clear THRE). */
        check(la.level == !(rd(UART_A + 2, 1) & 1),
              "uart_load left the line at another level");
    } else {
        check_failed(&e);
        check(la.level == lb.level, "a failed uart_load moved the line");
        uart_compare();
    }
    uart_free(a);
    uart_free(b);
}

/* The PLIC. */

#define PRIORITY(irq) (PLIC_DEV.base + 4u * (irq))
#define PENDING (PLIC_DEV.base + 0x1000u)
#define ENABLE(ctx) (PLIC_DEV.base + 0x2000u + 0x80u * (ctx))
#define THRESHOLD(ctx) (PLIC_DEV.base + 0x200000u + 0x1000u * (ctx))
#define CLAIM(ctx) (THRESHOLD(ctx) + 4)

static void plic_prepare(struct plic *p)
{
    for (unsigned irq = 1; irq < PLIC_NUM_SOURCES; irq++)
        wr(PRIORITY(irq), irq % 8, 4);
    wr(ENABLE(0), 0x0000fff0, 4);
    wr(ENABLE(1), 0x00ff0000, 4);
    wr(ENABLE(2), 0xff000000, 4);
    wr(ENABLE(3), 0x0f0f0f0e, 4);
    for (unsigned ctx = 0; ctx < NCTX; ctx++)
        wr(THRESHOLD(ctx), ctx + 2, 4);
    for (unsigned irq = 1; irq < PLIC_NUM_SOURCES; irq += 3)
        plic_set_irq(p, irq, true);
    rd(CLAIM(0), 4);
}

/* Everything the PLIC shows without changing: its registers but claim,
 * and the harts' lines. */
struct plic_seen {
    uint32_t reg[PLIC_NUM_SOURCES + 1 + 2 * NCTX];
    uint64_t mip[NHARTS];
};

static void plic_look(struct plic_seen *s)
{
    memset(s, 0, sizeof *s);    /* the padding too: compared whole */
    unsigned n = 0;
    for (unsigned irq = 0; irq < PLIC_NUM_SOURCES; irq++)
        s->reg[n++] = (uint32_t)rd(PRIORITY(irq), 4);
    s->reg[n++] = (uint32_t)rd(PENDING, 4);
    for (unsigned ctx = 0; ctx < NCTX; ctx++) {
        s->reg[n++] = (uint32_t)rd(ENABLE(ctx), 4);
        s->reg[n++] = (uint32_t)rd(THRESHOLD(ctx), 4);
    }
    for (unsigned h = 0; h < NHARTS; h++)
        s->mip[h] = mip(h);
}

static bool ctx_line(unsigned ctx)
{
    return mip(ctx / 2) & (ctx & 1 ? MIP_SEIP : MIP_MEIP);
}

static void fuzz_plic(const uint8_t *data, size_t size)
{
    struct plic *p = plic_new(m);
    check(p != NULL, "out of memory");
    m->plic = p;
    plic_attach(p, PLIC_DEV.base, PLIC_DEV.size);
    plic_prepare(p);
    struct plic_seen before, after;
    plic_look(&before);

    struct rec_in in;
    struct err e;
    rec_in_init(&in, data, size);
    if (plic_load(p, &in, &e) == 0) {
        struct rec_out o = {0};
        plic_save(p, &o);
        check_saved(&o, data, &in, "plic_load took what plic_save changes");
        rec_out_free(&o);
        /* Each context's line is up exactly when a claim would give a
         * source: claim in one context at a time, on a fresh load. */
        bool line[NCTX];
        for (unsigned ctx = 0; ctx < NCTX; ctx++)
            line[ctx] = ctx_line(ctx);
        for (unsigned ctx = 0; ctx < NCTX; ctx++) {
            rec_in_init(&in, data, size);
            check(plic_load(p, &in, &e) == 0, "plic_load took it once only");
            check(ctx_line(ctx) == line[ctx], "plic_load drove another line");
            check((rd(CLAIM(ctx), 4) != 0) == line[ctx],
                  "plic_load left a line disagreeing with the registers");
        }
    } else {
        check_failed(&e);
        plic_look(&after);
        check(memcmp(&before, &after, sizeof before) == 0,
              "a failed plic_load changed the PLIC");
    }
    m->plic = NULL;
    plic_free(p);
}

/* The CLINT. */

#define MSIP(h) (CLINT_DEV.base + 4u * (h))
#define MTIMECMP(h) (CLINT_DEV.base + 0x4000u + 8u * (h))

struct clint_seen {
    uint64_t msip[NHARTS], mtimecmp[NHARTS], mip[NHARTS];
};

static void clint_look(struct clint_seen *s)
{
    memset(s, 0, sizeof *s);
    for (unsigned h = 0; h < NHARTS; h++) {
        s->msip[h] = rd(MSIP(h), 4);
        s->mtimecmp[h] = rd(MTIMECMP(h), 8);
        s->mip[h] = mip(h);
    }
}

static void fuzz_clint(const uint8_t *data, size_t size)
{
    clint_attach(m, CLINT_DEV.base, CLINT_DEV.size);
    wr(MSIP(1), 1, 4);
    wr(MTIMECMP(0), FAR_AHEAD, 8);
    wr(MTIMECMP(1), FAR_AHEAD + 1, 8);
    struct clint_seen before, after;
    clint_look(&before);

    struct rec_in in;
    struct err e;
    rec_in_init(&in, data, size);
    uint64_t t0 = vm_clock_now(&m->clock);
    if (clint_load(m, &in, &e) == 0) {
        uint64_t t1 = vm_clock_now(&m->clock);
        struct rec_out o = {0};
        clint_save(m, &o);
        check_saved(&o, data, &in, "clint_load took what clint_save changes");
        rec_out_free(&o);
        clint_look(&after);
        for (unsigned h = 0; h < NHARTS; h++) {
            check(after.msip[h] == !!(after.mip[h] & MIP_MSIP),
                  "msip is not mip.MSIP");
            bool mtip = after.mip[h] & MIP_MTIP;
            check(!(after.mtimecmp[h] <= t0 && !mtip) &&
                  !(after.mtimecmp[h] > t1 && mtip),
                  "clint_load left MTIP disagreeing with mtimecmp");
            check((after.mip[h] & ~(MIP_MSIP | MIP_MTIP)) ==
                  (before.mip[h] & ~(MIP_MSIP | MIP_MTIP)),
                  "clint_load changed another mip bit");
        }
    } else {
        check_failed(&e);
        clint_look(&after);
        check(memcmp(&before, &after, sizeof before) == 0,
              "a failed clint_load changed the CLINT");
    }
}

/* The RTC and the finisher: no state, an empty record. */
static void fuzz_stateless(const uint8_t *data, size_t size,
                           void (*save)(struct rec_out *),
                           int (*load)(struct rec_in *, struct err *))
{
    struct rec_in in;
    struct err e;
    rec_in_init(&in, data, size);
    if (load(&in, &e) == 0) {
        struct rec_out o = {0};
        save(&o);
        check_saved(&o, data, &in, "a stateless device took another record");
        rec_out_free(&o);
    } else {
        check_failed(&e);
    }
}

static void run(const uint8_t *data, size_t size)
{
    /* Fresh harts and devices: the harts' interrupt bits clear, their
     * timers off, no device on the bus. */
    for (unsigned h = 0; h < NHARTS; h++) {
        atomic_store(&m->harts[h]->mip, 0);
        atomic_store(&m->harts[h]->mtimecmp, UINT64_MAX);
    }
    m->bus.ndevs = 0;
    fuzz_uart(data, size);
    fuzz_plic(data, size);
    fuzz_clint(data, size);
    fuzz_stateless(data, size, goldfish_rtc_save, goldfish_rtc_load);
    fuzz_stateless(data, size, syscon_save, syscon_load);
    check(atomic_load(&m->exit_status) == -1, "a load stopped the machine");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!m)
        machine_make();
    run(data, size);
    uint8_t *fixed = malloc(size ? size : 1);
    check(fixed != NULL, "out of memory");
    memcpy(fixed, data, size);
    if (fix_checksums(fixed, size))
        run(fixed, size);
    free(fixed);
    return 0;
}
