/* Unit tests of the "sifive,test" finisher: power-off, reboot, reported
 * failure, writes that must do nothing, and its (empty) state record. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vm/bus.h"
#include "vm/dev/syscon.h"
#include "vm/machine.h"
#include "test_machine.h"
#include "test_state.h"

#define SYSCON_DEV board_devs[BOARD_TEST]

static struct machine *m;

static int setup(void **state)
{
    (void)state;
    m = test_machine_new(0);
    syscon_attach(&m->bus, SYSCON_DEV.base, SYSCON_DEV.size, &m->power);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    test_machine_free(m);
    return 0;
}

static void wr(uint64_t off, uint64_t val, unsigned size)
{
    assert_true(bus_mmio_write(&m->bus, SYSCON_DEV.base + off, size, val));
}

static void test_poweroff(void **state)
{
    (void)state;
    wr(0, 0x5555, 4);
    assert_int_equal(atomic_load(&m->exit_status), EXIT_POWEROFF);
}

static void test_reboot(void **state)
{
    (void)state;
    wr(0, 0x7777, 4);
    assert_int_equal(atomic_load(&m->exit_status), EXIT_REBOOT);
}

static void test_failure_reports_code(void **state)
{
    (void)state;
    /* Catch stderr in a file for the duration of the write. */
    FILE *cap = tmpfile();
    assert_non_null(cap);
    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    assert_true(saved >= 0);
    assert_true(dup2(fileno(cap), STDERR_FILENO) >= 0);
    wr(0, 0x3333 | (42u << 16), 4);
    fflush(stderr);
    assert_true(dup2(saved, STDERR_FILENO) >= 0);
    close(saved);

    char line[128] = { 0 };
    rewind(cap);
    assert_non_null(fgets(line, sizeof line, cap));
    fclose(cap);
    assert_string_equal(line, "cella: guest reported failure (code 42)\n");
    assert_int_equal(atomic_load(&m->exit_status), EXIT_GUEST_FAIL);
}

/* OpenSBI's sifive_test driver writes the finisher with a 16-bit store. */
static void test_halfword_poweroff(void **state)
{
    (void)state;
    wr(0, 0x5555, 2);
    assert_int_equal(atomic_load(&m->exit_status), EXIT_POWEROFF);
}

static void test_ignored_writes(void **state)
{
    (void)state;
    wr(0, 0x5555, 1);
    wr(0, 0x5555, 8);
    wr(4, 0x5555, 4);
    wr(SYSCON_DEV.size - 4, 0x7777, 4);
    wr(0, 0, 4);
    wr(0, 0x1234, 4);
    wr(0, 0x5556, 4);
    assert_int_equal(atomic_load(&m->exit_status), -1);
    uint64_t v = 0xdead;
    assert_true(bus_mmio_read(&m->bus, SYSCON_DEV.base, 4, &v));
    assert_int_equal(v, 0);
}

/* State records: the finisher keeps no state, so its record is empty; it
 * is there so that a snapshot names the device. */

static void save_s(struct rec_out *o)
{
    syscon_save(o);
}

static int load_s(struct rec_in *in, struct err *e)
{
    return syscon_load(in, e);
}

static void test_state_round_trip(void **state)
{
    (void)state;
    struct rec_out o;
    state_save(save_s, &o);
    assert_int_equal(o.len, REC_HEADER_SIZE + REC_TRAILER_SIZE);
    assert_memory_equal(o.buf, "syscon\0\0\0\0\0\0\0\0\0\0", REC_NAME_MAX);
    assert_int_equal(o.buf[REC_NAME_MAX], 1);     /* version 1 */
    struct err e = {0};
    assert_int_equal(state_load(load_s, o.buf, o.len, &e), 0);
    rec_out_free(&o);
    /* The loaded finisher did nothing, and works as before. */
    assert_int_equal(atomic_load(&m->exit_status), -1);
    wr(0, 0x5555, 4);
    assert_int_equal(atomic_load(&m->exit_status), EXIT_POWEROFF);
}

static void test_state_refused(void **state)
{
    (void)state;
    struct rec_out o = {0};
    rec_begin(&o, "syscon", 2);
    rec_end(&o);
    state_expect_refused(save_s, load_s, NULL, o.buf, o.len,
                         "state of syscon: version 2 (this build reads 1-1)");
    rec_out_free(&o);
    o = (struct rec_out){0};
    rec_begin(&o, "syscon", 1);
    rec_u32(&o, 0x5555);
    rec_end(&o);
    state_expect_refused(save_s, load_s, NULL, o.buf, o.len,
                         "state of syscon: 4 bytes left unread");
    rec_out_free(&o);
    o = (struct rec_out){0};
    rec_begin(&o, "rtc", 1);
    rec_end(&o);
    state_expect_refused(save_s, load_s, NULL, o.buf, o.len,
                         "state of syscon: found a record named \"rtc\"");
    rec_out_free(&o);
    state_save(save_s, &o);
    for (size_t len = 0; len < o.len; len++)
        state_expect_refused(save_s, load_s, NULL, o.buf, len, NULL);
    o.buf[REC_NAME_MAX + 4] ^= 0x80;
    state_expect_refused(save_s, load_s, NULL, o.buf, o.len, NULL);
    rec_out_free(&o);
    assert_int_equal(atomic_load(&m->exit_status), -1);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_poweroff),
        T(test_reboot),
        T(test_failure_reports_code),
        T(test_ignored_writes),
        T(test_halfword_poweroff),
        T(test_state_round_trip),
        T(test_state_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
