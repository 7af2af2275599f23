/* Unit tests of the CLINT: msip, mtimecmp (whole and in halves), mtime, and
 * accesses that hit nothing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>

#include "vm/bus.h"
#include "vm/riscv/clint.h"
#include "vm/machine.h"
#include "vm/rv/hart.h"
#include "test_machine.h"

#define CLINT_DEV board_devs[BOARD_CLINT]

#define NHARTS 2
#define MSIP(h) (4u * (h))
#define MTIMECMP(h) (0x4000u + 8u * (h))
#define MTIME 0xbff8u

static struct machine *m;

static int setup(void **state)
{
    (void)state;
    m = test_machine_new(NHARTS);
    clint_attach(m, CLINT_DEV.base,
                 CLINT_DEV.size);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    test_machine_free(m);
    return 0;
}

static uint64_t rd(uint64_t off, unsigned size)
{
    uint64_t v = 0xdead;
    assert_true(bus_mmio_read(&m->bus, CLINT_DEV.base + off, size, &v));
    return v;
}

static void wr(uint64_t off, uint64_t val, unsigned size)
{
    assert_true(bus_mmio_write(&m->bus, CLINT_DEV.base + off, size, val));
}

static void test_msip(void **state)
{
    (void)state;
    wr(MSIP(1), 1, 4);
    assert_int_equal(atomic_load(&m->harts[1]->mip), MIP_MSIP);
    assert_int_equal(atomic_load(&m->harts[0]->mip), 0);
    assert_int_equal(rd(MSIP(1), 4), 1);
    assert_int_equal(rd(MSIP(0), 4), 0);
    wr(MSIP(1), 0xfffffffe, 4);           /* only bit 0 counts */
    assert_int_equal(atomic_load(&m->harts[1]->mip), 0);
    assert_int_equal(rd(MSIP(1), 4), 0);
}

static void test_mtimecmp_64(void **state)
{
    (void)state;
    wr(MTIMECMP(0), 0x1122334455667788ull, 8);
    assert_int_equal(atomic_load(&m->harts[0]->mtimecmp), 0x1122334455667788ull);
    assert_int_equal(atomic_load(&m->harts[1]->mtimecmp), UINT64_MAX);
    assert_int_equal(rd(MTIMECMP(0), 8), 0x1122334455667788ull);
    assert_int_equal(rd(MTIMECMP(0), 4), 0x55667788);
    assert_int_equal(rd(MTIMECMP(0) + 4, 4), 0x11223344);
}

static void test_mtimecmp_halves(void **state)
{
    (void)state;
    /* The RV32 sequence: high half to all ones first, then low, then high. */
    wr(MTIMECMP(1) + 4, 0xffffffff, 4);
    wr(MTIMECMP(1), 0xaabbccdd, 4);
    assert_int_equal(atomic_load(&m->harts[1]->mtimecmp), 0xffffffffaabbccddull);
    wr(MTIMECMP(1) + 4, 0x00000012, 4);
    assert_int_equal(atomic_load(&m->harts[1]->mtimecmp), 0x00000012aabbccddull);
    /* Upper bits of a 32-bit store's value are not part of it. */
    wr(MTIMECMP(1), 0xffffffff00000001ull, 4);
    assert_int_equal(atomic_load(&m->harts[1]->mtimecmp), 0x0000001200000001ull);
}

static void test_mtime(void **state)
{
    (void)state;
    uint64_t t0 = rd(MTIME, 8);
    uint64_t hi = rd(MTIME + 4, 4);
    uint64_t t1 = rd(MTIME, 8);
    assert_true(t1 >= t0);
    assert_true(t0 != 0);
    assert_true(hi == t0 >> 32 || hi == t1 >> 32);
    /* Writes are ignored: the clock does not go back to 0. */
    wr(MTIME, 0, 8);
    wr(MTIME, 0, 4);
    wr(MTIME + 4, 0, 4);
    assert_true(rd(MTIME, 8) >= t1);
}

#define FAR 0x7000000000000000ull

/* mtimecmp writes re-evaluate MTIP at once: in the past raises it, far
 * ahead clears it, without waiting for the hart's next time slice. */
static void test_mtimecmp_updates_mtip(void **state)
{
    (void)state;
    wr(MTIMECMP(1), 0, 8);
    assert_true(atomic_load(&m->harts[1]->mip) & MIP_MTIP);
    wr(MTIMECMP(1), FAR, 8);
    assert_false(atomic_load(&m->harts[1]->mip) & MIP_MTIP);
}

static void test_hostile_accesses(void **state)
{
    (void)state;
    /* far in the future, so MTIP stays clear */
    wr(MTIMECMP(0), FAR, 8);
    /* Harts that do not exist. */
    wr(MSIP(NHARTS), 1, 4);
    wr(MSIP(4095), 1, 4);
    wr(MTIMECMP(NHARTS), 1, 8);
    wr(MTIMECMP(1000), 1, 8);
    assert_int_equal(rd(MSIP(NHARTS), 4), 0);
    assert_int_equal(rd(MTIMECMP(NHARTS), 8), 0);
    assert_int_equal(rd(MTIMECMP(1000), 4), 0);
    /* Odd sizes and alignments. */
    wr(MSIP(0), 1, 1);
    wr(MSIP(0), 1, 8);
    wr(MSIP(0) + 2, 1, 4);
    wr(MTIMECMP(0), 7, 1);
    wr(MTIMECMP(0), 7, 2);
    wr(MTIMECMP(0) + 2, 7, 4);
    wr(MTIMECMP(0) + 4, 7, 8);
    assert_int_equal(rd(MSIP(0), 8), 0);
    assert_int_equal(rd(MTIMECMP(0), 2), 0);
    assert_int_equal(rd(MTIMECMP(0) + 2, 4), 0);
    assert_int_equal(rd(MTIME, 2), 0);
    assert_int_equal(rd(MTIME + 4, 8), 0);
    /* The gap between mtimecmp and mtime, and the end of the window. */
    assert_int_equal(rd(0xbff0, 8), 0);
    assert_int_equal(rd(CLINT_DEV.size - 8, 8), 0);
    wr(CLINT_DEV.size - 8, 1, 8);
    /* None of it touched the real state. */
    assert_int_equal(atomic_load(&m->harts[0]->mip), 0);
    assert_int_equal(atomic_load(&m->harts[1]->mip), 0);
    assert_int_equal(atomic_load(&m->harts[0]->mtimecmp), FAR);
    assert_int_equal(atomic_load(&m->harts[1]->mtimecmp), UINT64_MAX);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_msip),
        T(test_mtimecmp_64),
        T(test_mtimecmp_halves),
        T(test_mtime),
        T(test_hostile_accesses),
        T(test_mtimecmp_updates_mtip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
