/* Unit tests of the goldfish RTC: host wall-clock time through the
 * TIME_LOW/TIME_HIGH latch, and registers that read 0 and ignore writes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "vm/bus.h"
#include "vm/dev/goldfish_rtc.h"
#include "vm/machine.h"
#include "test_machine.h"

#define RTC_DEV board_devs[BOARD_RTC]

static struct machine *m;

static int setup(void **state)
{
    (void)state;
    m = test_machine_new(0);
    goldfish_rtc_attach(&m->bus, RTC_DEV.base, RTC_DEV.size);
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
    assert_true(bus_mmio_read(&m->bus, RTC_DEV.base + off, size, &v));
    return v;
}

static uint64_t host_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t guest_read_time(void)
{
    uint64_t lo = rd(0x00, 4);
    uint64_t hi = rd(0x04, 4);
    assert_true(lo <= UINT32_MAX);
    return hi << 32 | lo;
}

static void test_time_is_host_realtime(void **state)
{
    (void)state;
    uint64_t before = host_ns();
    uint64_t t = guest_read_time();
    uint64_t after = host_ns();
    assert_true(t >= before);
    assert_true(t <= after);
}

static void *read_in_thread(void *arg)
{
    *(uint64_t *)arg = guest_read_time();
    return NULL;
}

static void test_reads_from_two_threads(void **state)
{
    (void)state;
    uint64_t before = host_ns(), other = 0;
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, read_in_thread, &other), 0);
    uint64_t mine = guest_read_time();
    assert_int_equal(pthread_join(t, NULL), 0);
    uint64_t after = host_ns();
    assert_true(mine >= before && mine <= after);
    assert_true(other >= before && other <= after);
}

static void test_other_registers_and_writes(void **state)
{
    (void)state;
    for (uint64_t off = 0; off < RTC_DEV.size; off += 4)
        assert_true(bus_mmio_write(&m->bus, RTC_DEV.base + off, 4, 0));
    for (uint64_t off = 0x08; off < RTC_DEV.size; off += 4)
        assert_int_equal(rd(off, 4), 0);
    /* Setting the clock is ignored: it still reads host time. */
    uint64_t before = host_ns();
    assert_true(guest_read_time() >= before);
    /* Only 32-bit accesses read the clock. */
    assert_int_equal(rd(0x00, 8), 0);
    assert_int_equal(rd(0x00, 1), 0);
    assert_int_equal(rd(0x04, 2), 0);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_time_is_host_realtime),
        T(test_reads_from_two_threads),
        T(test_other_registers_and_writes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
