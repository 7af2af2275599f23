/* Unit tests of the goldfish RTC: host wall-clock time through the
 * TIME_LOW/TIME_HIGH latch, registers that read 0 and ignore writes, and
 * its (empty) state record. */
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
#include "test_state.h"

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

/* State records: the RTC keeps no state, so its record is empty; it is
 * there so that a snapshot names the device. */

static void save_r(struct rec_out *o)
{
    goldfish_rtc_save(o);
}

static int load_r(struct rec_in *in, struct err *e)
{
    return goldfish_rtc_load(in, e);
}

static void test_state_round_trip(void **state)
{
    (void)state;
    struct rec_out o;
    state_save(save_r, &o);
    assert_int_equal(o.len, REC_HEADER_SIZE + REC_TRAILER_SIZE);
    assert_memory_equal(o.buf, "rtc\0\0\0\0\0\0\0\0\0\0\0\0\0", REC_NAME_MAX);
    assert_int_equal(o.buf[REC_NAME_MAX], 1);     /* version 1 */
    struct err e = {0};
    assert_int_equal(state_load(load_r, o.buf, o.len, &e), 0);
    rec_out_free(&o);
    /* And the clock is the host's as before. */
    uint64_t before = host_ns();
    uint64_t t = guest_read_time();
    assert_true(t >= before && t <= host_ns());
}

static void test_state_refused(void **state)
{
    (void)state;
    struct rec_out o = {0};
    rec_begin(&o, "rtc", 2);
    rec_end(&o);
    state_expect_refused(save_r, load_r, NULL, o.buf, o.len,
                         "state of rtc: version 2 (this build reads 1-1)");
    rec_out_free(&o);
    o = (struct rec_out){0};
    rec_begin(&o, "rtc", 1);
    rec_u8(&o, 0);
    rec_end(&o);
    state_expect_refused(save_r, load_r, NULL, o.buf, o.len,
                         "state of rtc: 1 bytes left unread");
    rec_out_free(&o);
    o = (struct rec_out){0};
    rec_begin(&o, "syscon", 1);
    rec_end(&o);
    state_expect_refused(save_r, load_r, NULL, o.buf, o.len,
                         "state of rtc: found a record named \"syscon\"");
    rec_out_free(&o);
    state_save(save_r, &o);
    for (size_t len = 0; len < o.len; len++)
        state_expect_refused(save_r, load_r, NULL, o.buf, len, NULL);
    o.buf[REC_HEADER_SIZE] ^= 1;
    state_expect_refused(save_r, load_r, NULL, o.buf, o.len,
                         "state of rtc: checksum mismatch");
    rec_out_free(&o);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_time_is_host_realtime),
        T(test_reads_from_two_threads),
        T(test_other_registers_and_writes),
        T(test_state_round_trip),
        T(test_state_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
