/* Unit tests of the PLIC: priorities, thresholds, claim/complete gating,
 * per-context enables and the MEIP/SEIP lines, through its MMIO window;
 * and its state record. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>

#include "vm/bus.h"
#include "vm/riscv/plic.h"
#include "vm/machine.h"
#include "vm/rv/hart.h"
#include "test_machine.h"
#include "test_state.h"

#define PLIC_DEV board_devs[BOARD_PLIC]

#define NHARTS 2

#define PRIORITY(irq) (4u * (irq))
#define PENDING 0x1000u
#define ENABLE(ctx) (0x2000u + 0x80u * (ctx))
#define THRESHOLD(ctx) (0x200000u + 0x1000u * (ctx))
#define CLAIM(ctx) (THRESHOLD(ctx) + 4)

/* Contexts: 2h is hart h in M-mode, 2h+1 in S-mode. */
#define M0 0
#define S0 1
#define M1 2
#define S1 3

static struct machine *m;

static int setup(void **state)
{
    (void)state;
    m = test_machine_new(NHARTS);
    m->plic = plic_new(m);
    assert_non_null(m->plic);
    plic_attach(m->plic, PLIC_DEV.base,
                PLIC_DEV.size);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    plic_free(m->plic);
    test_machine_free(m);
    return 0;
}

static uint64_t rd_size(uint64_t off, unsigned size)
{
    uint64_t v = 0xdead;
    assert_true(bus_mmio_read(&m->bus, PLIC_DEV.base + off, size, &v));
    return v;
}

static uint32_t rd(uint64_t off)
{
    return (uint32_t)rd_size(off, 4);
}

static void wr_size(uint64_t off, uint64_t val, unsigned size)
{
    assert_true(bus_mmio_write(&m->bus, PLIC_DEV.base + off, size, val));
}

static void wr(uint64_t off, uint32_t val)
{
    wr_size(off, val, 4);
}

static uint64_t mip(unsigned hart)
{
    return atomic_load(&m->harts[hart]->mip);
}

static void test_claim_complete_gates_level_source(void **state)
{
    (void)state;
    wr(PRIORITY(10), 1);
    wr(ENABLE(S0), 1u << 10);
    plic_set_irq(m->plic, 10, true);

    assert_int_equal(mip(0), MIP_SEIP);
    assert_int_equal(mip(1), 0);
    assert_int_equal(rd(PENDING), 1u << 10);

    assert_int_equal(rd(CLAIM(S0)), 10);
    /* Claimed: no longer pending although the line is still high. */
    assert_int_equal(mip(0), 0);
    assert_int_equal(rd(PENDING), 0);
    assert_int_equal(rd(CLAIM(S0)), 0);

    /* Completion with the line still high: pending again. */
    wr(CLAIM(S0), 10);
    assert_int_equal(mip(0), MIP_SEIP);
    assert_int_equal(rd(PENDING), 1u << 10);

    /* The device lowers its line: the request goes away. */
    plic_set_irq(m->plic, 10, false);
    assert_int_equal(mip(0), 0);
    assert_int_equal(rd(PENDING), 0);
    assert_int_equal(rd(CLAIM(S0)), 0);
}

static void test_line_lowered_while_claimed(void **state)
{
    (void)state;
    wr(PRIORITY(3), 1);
    wr(ENABLE(M0), 1u << 3);
    plic_set_irq(m->plic, 3, true);
    assert_int_equal(rd(CLAIM(M0)), 3);
    plic_set_irq(m->plic, 3, false);
    wr(CLAIM(M0), 3);
    assert_int_equal(mip(0), 0);
    assert_int_equal(rd(PENDING), 0);
    /* Raised again after completion: a new request. */
    plic_set_irq(m->plic, 3, true);
    assert_int_equal(mip(0), MIP_MEIP);
    assert_int_equal(rd(CLAIM(M0)), 3);
}

static void test_priority_order_and_ties(void **state)
{
    (void)state;
    wr(PRIORITY(1), 2);
    wr(PRIORITY(2), 5);
    wr(PRIORITY(3), 5);
    wr(ENABLE(M0), (1u << 1) | (1u << 2) | (1u << 3));
    for (unsigned irq = 1; irq <= 3; irq++)
        plic_set_irq(m->plic, irq, true);
    assert_int_equal(mip(0), MIP_MEIP);
    assert_int_equal(rd(CLAIM(M0)), 2);   /* highest, lowest id */
    assert_int_equal(rd(CLAIM(M0)), 3);
    assert_int_equal(rd(CLAIM(M0)), 1);
    assert_int_equal(rd(CLAIM(M0)), 0);
    assert_int_equal(mip(0), 0);
}

static void test_threshold_masks(void **state)
{
    (void)state;
    wr(PRIORITY(7), 5);
    wr(ENABLE(M0), 1u << 7);
    wr(THRESHOLD(M0), 5);
    plic_set_irq(m->plic, 7, true);
    assert_int_equal(mip(0), 0);
    assert_int_equal(rd(CLAIM(M0)), 0);
    assert_int_equal(rd(THRESHOLD(M0)), 5);

    wr(THRESHOLD(M0), 4);
    assert_int_equal(mip(0), MIP_MEIP);
    wr(THRESHOLD(M0), 7);
    assert_int_equal(mip(0), 0);
}

static void test_priority_zero_never_interrupts(void **state)
{
    (void)state;
    wr(ENABLE(M0), 1u << 4);
    plic_set_irq(m->plic, 4, true);
    assert_int_equal(rd(PENDING), 1u << 4);
    assert_int_equal(mip(0), 0);
    assert_int_equal(rd(CLAIM(M0)), 0);
    wr(PRIORITY(4), 1);
    assert_int_equal(mip(0), MIP_MEIP);
    wr(PRIORITY(4), 0);
    assert_int_equal(mip(0), 0);
}

static void test_contexts_are_independent(void **state)
{
    (void)state;
    wr(PRIORITY(5), 1);
    wr(ENABLE(M1), 1u << 5);
    plic_set_irq(m->plic, 5, true);
    assert_int_equal(mip(0), 0);
    assert_int_equal(mip(1), MIP_MEIP);
    assert_int_equal(rd(CLAIM(S1)), 0);   /* not enabled there */

    wr(ENABLE(S1), 1u << 5);
    assert_int_equal(mip(1), MIP_MEIP | MIP_SEIP);
    /* A claim by one context takes the source from every context. */
    assert_int_equal(rd(CLAIM(S1)), 5);
    assert_int_equal(mip(1), 0);
    assert_int_equal(rd(CLAIM(M1)), 0);
    assert_int_equal(rd(ENABLE(M1)), 1u << 5);
    assert_int_equal(rd(ENABLE(S0)), 0);
}

static void test_complete_ignored_when_not_enabled(void **state)
{
    (void)state;
    wr(PRIORITY(9), 1);
    wr(ENABLE(S0), 1u << 9);
    plic_set_irq(m->plic, 9, true);
    assert_int_equal(rd(CLAIM(S0)), 9);
    wr(ENABLE(S0), 0);
    wr(CLAIM(S0), 9);                    /* ignored: not enabled */
    assert_int_equal(rd(PENDING), 0);
    wr(ENABLE(S0), 1u << 9);
    assert_int_equal(mip(0), 0);
    wr(CLAIM(S0), 9);
    assert_int_equal(rd(PENDING), 1u << 9);
    assert_int_equal(mip(0), MIP_SEIP);
}

static void test_complete_of_unclaimed_source_is_harmless(void **state)
{
    (void)state;
    wr(PRIORITY(6), 1);
    wr(ENABLE(M0), 1u << 6);
    wr(CLAIM(M0), 6);                    /* never claimed */
    plic_set_irq(m->plic, 6, true);
    assert_int_equal(rd(CLAIM(M0)), 6);
    assert_int_equal(rd(PENDING), 0);
}

static void test_registers_are_warl(void **state)
{
    (void)state;
    wr(PRIORITY(1), 0xffffffff);
    assert_int_equal(rd(PRIORITY(1)), 7);
    wr(THRESHOLD(S1), 0xffffffff);
    assert_int_equal(rd(THRESHOLD(S1)), 7);
    /* Source 0 does not exist: no priority, no enable bit. */
    wr(PRIORITY(0), 3);
    assert_int_equal(rd(PRIORITY(0)), 0);
    wr(ENABLE(M0), 0xffffffff);
    assert_int_equal(rd(ENABLE(M0)), 0xfffffffe);
    /* Pending is read-only. */
    wr(PENDING, 0xffffffff);
    assert_int_equal(rd(PENDING), 0);
}

static void test_hostile_accesses(void **state)
{
    (void)state;
    wr(PRIORITY(2), 1);
    wr(ENABLE(M0), 1u << 2);
    plic_set_irq(m->plic, 2, true);

    /* Sources that do not exist. */
    plic_set_irq(m->plic, 0, true);
    plic_set_irq(m->plic, PLIC_NUM_SOURCES, true);
    plic_set_irq(m->plic, 100000, true);
    assert_int_equal(rd(PENDING), 1u << 2);
    assert_int_equal(rd(PRIORITY(PLIC_NUM_SOURCES)), 0);
    wr(PRIORITY(PLIC_NUM_SOURCES), 5);
    assert_int_equal(rd(PRIORITY(PLIC_NUM_SOURCES)), 0);

    /* Contexts beyond the harts. */
    for (unsigned ctx = 2 * NHARTS; ctx < 2 * NHARTS + 3; ctx++) {
        wr(ENABLE(ctx), 0xffffffff);
        wr(THRESHOLD(ctx), 1);
        assert_int_equal(rd(ENABLE(ctx)), 0);
        assert_int_equal(rd(THRESHOLD(ctx)), 0);
        assert_int_equal(rd(CLAIM(ctx)), 0);
    }
    assert_int_equal(rd(ENABLE(1000)), 0);
    assert_int_equal(rd(PLIC_DEV.size - 4), 0);
    wr(PLIC_DEV.size - 4, 0xffffffff);

    /* Sizes and alignments other than 32-bit. */
    assert_int_equal(rd_size(CLAIM(M0), 8), 0);
    assert_int_equal(rd_size(CLAIM(M0), 1), 0);
    assert_int_equal(rd_size(PRIORITY(2) + 1, 4), 0);
    wr_size(PRIORITY(2), 7, 1);
    wr_size(PRIORITY(2), 7, 8);
    wr_size(PRIORITY(2) + 2, 7, 4);
    assert_int_equal(rd(PRIORITY(2)), 1);

    /* Completions of nonsense ids. */
    wr(CLAIM(M0), 0);
    wr(CLAIM(M0), 0xffffffff);
    wr(CLAIM(M0), PLIC_NUM_SOURCES);

    /* Everything above left source 2 exactly as it was. */
    assert_int_equal(mip(0), MIP_MEIP);
    assert_int_equal(mip(1), 0);
    assert_int_equal(rd(CLAIM(M0)), 2);
}

/* State records. */

static void save_p(struct rec_out *o)
{
    plic_save(m->plic, o);
}

static int load_p(struct rec_in *in, struct err *e)
{
    return plic_load(m->plic, in, e);
}

/* All the PLIC drives: both harts' mip. */
static uint64_t mips(void)
{
    return mip(0) | mip(1) << 32;
}

/* Something in every part of the state: priorities, enables and
 * thresholds of all four contexts, lines high, one source claimed.
 * Hart 0 gets MEIP and SEIP, hart 1 MEIP. */
static void make_busy_state(void)
{
    wr(PRIORITY(1), 2);
    wr(PRIORITY(2), 5);
    wr(PRIORITY(3), 5);
    wr(PRIORITY(10), 7);
    wr(PRIORITY(31), 1);
    wr(ENABLE(M0), (1u << 1) | (1u << 2) | (1u << 3));
    wr(ENABLE(S0), 1u << 10);
    wr(ENABLE(M1), (1u << 3) | (1u << 31));
    wr(ENABLE(S1), 1u << 1);
    wr(THRESHOLD(M0), 1);
    wr(THRESHOLD(M1), 4);
    wr(THRESHOLD(S1), 7);
    for (unsigned irq = 1; irq < PLIC_NUM_SOURCES; irq++)
        if ((1u << 1 | 1u << 2 | 1u << 3 | 1u << 10 | 1u << 31) >> irq & 1)
            plic_set_irq(m->plic, irq, true);
    assert_int_equal(rd(CLAIM(M0)), 2);
    assert_int_equal(mip(0), MIP_MEIP | MIP_SEIP);
    assert_int_equal(mip(1), MIP_MEIP);
}

static void test_state_round_trip(void **state)
{
    (void)state;
    make_busy_state();
    struct rec_out rec;
    state_save(save_p, &rec);

    /* Change everything; both harts' lines go low. */
    wr(CLAIM(M0), 2);
    for (unsigned irq = 1; irq < PLIC_NUM_SOURCES; irq++) {
        plic_set_irq(m->plic, irq, false);
        wr(PRIORITY(irq), 0);
    }
    for (unsigned ctx = 0; ctx < 2 * NHARTS; ctx++) {
        wr(ENABLE(ctx), 0);
        wr(THRESHOLD(ctx), 0);
    }
    assert_int_equal(mips(), 0);

    struct err e = {0};
    assert_int_equal(state_load(load_p, rec.buf, rec.len, &e), 0);
    struct rec_out again;
    state_save(save_p, &again);
    assert_int_equal(again.len, rec.len);
    assert_memory_equal(again.buf, rec.buf, rec.len);
    rec_out_free(&again);
    rec_out_free(&rec);

    /* The harts' lines are back, and the registers read as saved. */
    assert_int_equal(mip(0), MIP_MEIP | MIP_SEIP);
    assert_int_equal(mip(1), MIP_MEIP);
    assert_int_equal(rd(PRIORITY(2)), 5);
    assert_int_equal(rd(PRIORITY(10)), 7);
    assert_int_equal(rd(PRIORITY(31)), 1);
    assert_int_equal(rd(ENABLE(M1)), (1u << 3) | (1u << 31));
    assert_int_equal(rd(ENABLE(S1)), 1u << 1);
    assert_int_equal(rd(THRESHOLD(M1)), 4);
    assert_int_equal(rd(THRESHOLD(S1)), 7);
    /* 2 is still claimed: not pending though its line is high. */
    assert_int_equal(rd(PENDING),
                     (1u << 1) | (1u << 3) | (1u << 10) | (1u << 31));
    assert_int_equal(rd(CLAIM(M0)), 3);
    assert_int_equal(mip(1), 0);          /* 3 was hart 1's only source */
    assert_int_equal(rd(CLAIM(M0)), 1);
    assert_int_equal(rd(CLAIM(M0)), 0);
    assert_int_equal(mip(0), MIP_SEIP);
    /* Its completion lets it through again. */
    wr(CLAIM(M0), 2);
    assert_int_equal(mip(0), MIP_MEIP | MIP_SEIP);
    assert_int_equal(rd(CLAIM(M0)), 2);
    assert_int_equal(rd(CLAIM(S0)), 10);
    assert_int_equal(mip(0), 0);
}

/* The load drives every context's line into its hart, whatever the hart
 * held and whatever the PLIC last drove; other mip bits are left alone. */
static void test_state_redrives_harts(void **state)
{
    (void)state;
    wr(PRIORITY(4), 1);
    wr(ENABLE(S0), 1u << 4);
    wr(ENABLE(M1), 1u << 4);
    plic_set_irq(m->plic, 4, true);
    assert_int_equal(mip(0), MIP_SEIP);
    assert_int_equal(mip(1), MIP_MEIP);
    struct rec_out rec;
    state_save(save_p, &rec);

    /* The harts' bits changed behind the PLIC's back (a hart record
     * loaded, say): the outputs it last drove have not moved. */
    atomic_store(&m->harts[0]->mip, MIP_MEIP | MIP_MSIP);
    atomic_store(&m->harts[1]->mip, MIP_SEIP | MIP_SSIP);
    struct err e = {0};
    assert_int_equal(state_load(load_p, rec.buf, rec.len, &e), 0);
    assert_int_equal(mip(0), MIP_SEIP | MIP_MSIP);
    assert_int_equal(mip(1), MIP_MEIP | MIP_SSIP);
    rec_out_free(&rec);
}

/* A record from a PLIC of another number of harts. */
static void test_state_other_context_count(void **state)
{
    (void)state;
    make_busy_state();
    struct machine *one = test_machine_new(1);
    one->plic = plic_new(one);
    assert_non_null(one->plic);
    struct rec_out rec = {0};
    plic_save(one->plic, &rec);
    state_expect_refused(save_p, load_p, mips, rec.buf, rec.len,
                         "state of plic: 2 contexts, this PLIC has 4");
    rec_out_free(&rec);

    /* And the other way. */
    state_save(save_p, &rec);
    struct rec_in in;
    struct err e = {0};
    rec_in_init(&in, rec.buf, rec.len);
    assert_int_equal(plic_load(one->plic, &in, &e), -1);
    assert_string_equal(e.msg, "state of plic: 4 contexts, this PLIC has 2");
    rec_out_free(&rec);
    plic_free(one->plic);
    test_machine_free(one);
}

/* A record in the layout of version 1, field by field. */
struct plic_fields {
    uint32_t version, nctx, nsources;
    uint32_t priority[PLIC_NUM_SOURCES];
    uint32_t level, claimed;
    uint32_t enable[2 * NHARTS], threshold[2 * NHARTS];
    bool short_by_one;  /* leave the last threshold out */
};

static void write_fields(struct rec_out *o, const struct plic_fields *f)
{
    *o = (struct rec_out){0};
    rec_begin(o, "plic", f->version);
    rec_u32(o, f->nctx);
    rec_u32(o, f->nsources);
    for (unsigned i = 1; i < PLIC_NUM_SOURCES; i++)
        rec_u32(o, f->priority[i]);
    rec_u32(o, f->level);
    rec_u32(o, f->claimed);
    for (unsigned ctx = 0; ctx < 2 * NHARTS; ctx++) {
        rec_u32(o, f->enable[ctx]);
        if (!f->short_by_one || ctx + 1 < 2 * NHARTS)
            rec_u32(o, f->threshold[ctx]);
    }
    rec_end(o);
}

static void expect_refused(const struct plic_fields *f, const char *msg)
{
    struct rec_out o;
    write_fields(&o, f);
    state_expect_refused(save_p, load_p, mips, o.buf, o.len, msg);
    rec_out_free(&o);
}

static void test_state_refused(void **state)
{
    (void)state;
    make_busy_state();
    const struct plic_fields good = {
        .version = 1, .nctx = 2 * NHARTS, .nsources = PLIC_NUM_SOURCES,
        .priority = { [6] = 3 }, .level = 1u << 6, .claimed = 1u << 31,
        .enable = { [S1] = 1u << 6 }, .threshold = { [S1] = 2, [M0] = 7 },
    };
    struct plic_fields f;

    f = good, f.priority[5] = 8;
    expect_refused(&f, "state of plic: priority of source 5 is 8 (at most 7)");
    f = good, f.priority[31] = 0xffffffff;
    expect_refused(&f, "state of plic: priority of source 31 is 4294967295 "
                   "(at most 7)");
    f = good, f.threshold[S1] = 9;
    expect_refused(&f, "state of plic: threshold of context 3 is 9 "
                   "(at most 7)");
    /* Source 0 does not exist: no level, claim or enable bit. */
    f = good, f.level |= 1;
    expect_refused(&f, "state of plic: level word 0 is 0x00000041: sources "
                   "that do not exist");
    f = good, f.claimed = 1;
    expect_refused(&f, "state of plic: claimed word 0 is 0x00000001: "
                   "sources that do not exist");
    f = good, f.enable[M1] = 0xffffffff;
    expect_refused(&f, "state of plic: enable word 0 is 0xffffffff: sources "
                   "that do not exist");
    f = good, f.nsources = 64;
    expect_refused(&f, "state of plic: 64 sources, this PLIC has 32");
    f = good, f.nctx = 0;
    expect_refused(&f, "state of plic: 0 contexts, this PLIC has 4");
    f = good, f.short_by_one = true;
    expect_refused(&f, "state of plic: truncated record");
    f = good, f.version = 2;
    expect_refused(&f, "state of plic: version 2 (this build reads 1-1)");
    state_expect_refused(save_p, load_p, mips, "", 0,
                         "state of plic: missing or truncated record");

    /* Every truncation of a real record. */
    struct rec_out o;
    state_save(save_p, &o);
    for (size_t len = 0; len < o.len; len++)
        state_expect_refused(save_p, load_p, mips, o.buf, len, NULL);
    rec_out_free(&o);

    /* The good one is taken: source 6 reaches hart 1's S-mode only. */
    write_fields(&o, &good);
    struct err e = {0};
    assert_int_equal(state_load(load_p, o.buf, o.len, &e), 0);
    assert_int_equal(mip(0), 0);
    assert_int_equal(mip(1), MIP_SEIP);
    assert_int_equal(rd(PENDING), 1u << 6);
    assert_int_equal(rd(CLAIM(S1)), 6);
    assert_int_equal(mips(), 0);
    rec_out_free(&o);
}

/* Property: whatever one payload byte is changed to, the PLIC takes the
 * whole record (and saves it back unchanged) or none of it, its harts'
 * lines included. */
static void test_state_every_byte(void **state)
{
    (void)state;
    make_busy_state();
    struct rec_out good;
    state_save(save_p, &good);
    unsigned taken = state_check_every_byte(save_p, load_p, mips, &good);
    assert_true(taken > 0);
    rec_out_free(&good);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_claim_complete_gates_level_source),
        T(test_line_lowered_while_claimed),
        T(test_priority_order_and_ties),
        T(test_threshold_masks),
        T(test_priority_zero_never_interrupts),
        T(test_contexts_are_independent),
        T(test_complete_ignored_when_not_enabled),
        T(test_complete_of_unclaimed_source_is_harmless),
        T(test_registers_are_warl),
        T(test_hostile_accesses),
        T(test_state_round_trip),
        T(test_state_redrives_harts),
        T(test_state_other_context_count),
        T(test_state_refused),
        T(test_state_every_byte),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
