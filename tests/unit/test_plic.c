/* Unit tests of the PLIC: priorities, thresholds, claim/complete gating,
 * per-context enables and the MEIP/SEIP lines, through its MMIO window. */
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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
