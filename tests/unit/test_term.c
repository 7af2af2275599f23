/* Unit tests of the console back end with pipes in place of stdin and
 * stdout: escapes, end of input, back pressure into a full UART, closing
 * while blocked, and output. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/err.h"
#include "vm/backend/term.h"
#include "vm/bus.h"
#include "vm/dev/uart16550.h"
#include "vm/machine.h"
#include "test_machine.h"

#define UART_DEV board_devs[BOARD_UART]

static struct machine *m;
static struct uart *u;
static int in_w = -1;           /* the test's end of the fake stdin */
static int saved_stdin = -1;

static size_t to_uart(void *uart, const uint8_t *buf, size_t len)
{
    return uart_rx(uart, buf, len);
}

static int setup(void **state)
{
    (void)state;
    m = test_machine_new(0);
    u = uart_new(machine_irq_line(m, UART_DEV.irq), NULL, NULL);
    assert_non_null(u);
    uart_attach(u, &m->bus, UART_DEV.base, UART_DEV.size);
    int p[2];
    assert_int_equal(pipe(p), 0);
    saved_stdin = dup(STDIN_FILENO);
    assert_true(saved_stdin >= 0);
    assert_true(dup2(p[0], STDIN_FILENO) >= 0);
    close(p[0]);
    in_w = p[1];
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    if (in_w >= 0)
        close(in_w);
    assert_true(dup2(saved_stdin, STDIN_FILENO) >= 0);
    close(saved_stdin);
    uart_free(u);
    test_machine_free(m);
    return 0;
}

static void send(const void *buf, size_t len)
{
    assert_int_equal(write(in_w, buf, len), (ssize_t)len);
}

static void sleep_ms(long ms)
{
    struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = ms % 1000 * 1000000 };
    nanosleep(&ts, NULL);
}

/* Read n bytes from the UART as the guest would, waiting up to 5 s. */
static void receive(uint8_t *buf, size_t n)
{
    size_t got = 0;
    for (int waited = 0; got < n; ) {
        uint64_t lsr = 0, c = 0;
        assert_true(bus_mmio_read(&m->bus, UART_DEV.base + 5, 1, &lsr));
        if (!(lsr & 1)) {
            assert_true(waited++ < 5000);
            sleep_ms(1);
            continue;
        }
        assert_true(bus_mmio_read(&m->bus, UART_DEV.base, 1, &c));
        buf[got++] = (uint8_t)c;
    }
}

static bool uart_has_data(void)
{
    uint64_t lsr = 0;
    assert_true(bus_mmio_read(&m->bus, UART_DEV.base + 5, 1, &lsr));
    return lsr & 1;
}

static int wait_exit_status(void)
{
    for (int i = 0; i < 5000 && atomic_load(&m->exit_status) < 0; i++)
        sleep_ms(1);
    return atomic_load(&m->exit_status);
}

static void test_escapes(void **state)
{
    (void)state;
    struct err e = { 0 };
    struct term *t = term_open(m->power, to_uart, u, &e);
    assert_non_null(t);
    /* Ctrl-A Ctrl-A sends one Ctrl-A, Ctrl-A q is dropped, Ctrl-A x ends
     * the machine and nothing after it is read. */
    send("ab\x01\x01" "c\x01qd\x01xafter", 14);
    uint8_t buf[5];
    receive(buf, sizeof buf);
    assert_memory_equal(buf, "ab\x01" "cd", 5);
    assert_int_equal(wait_exit_status(), EXIT_POWEROFF);
    sleep_ms(20);
    assert_false(uart_has_data());
    term_close(t);
}

static void test_escape_split_across_reads(void **state)
{
    (void)state;
    struct term *t = term_open(m->power, to_uart, u, NULL);
    assert_non_null(t);
    send("z\x01", 2);
    uint8_t c;
    receive(&c, 1);
    assert_int_equal(c, 'z');
    sleep_ms(20);
    send("\x01", 1);
    receive(&c, 1);
    assert_int_equal(c, 0x01);
    assert_int_equal(atomic_load(&m->exit_status), -1);
    term_close(t);
}

static void test_eof_leaves_guest_running(void **state)
{
    (void)state;
    struct term *t = term_open(m->power, to_uart, u, NULL);
    assert_non_null(t);
    send("hello", 5);
    close(in_w);
    in_w = -1;
    uint8_t buf[5];
    receive(buf, sizeof buf);
    assert_memory_equal(buf, "hello", 5);
    sleep_ms(20);
    assert_int_equal(atomic_load(&m->exit_status), -1);
    term_close(t);
}

#define STREAM_LEN 20000

static void *writer(void *arg)
{
    (void)arg;
    static uint8_t buf[STREAM_LEN];
    for (size_t i = 0; i < STREAM_LEN; i++)
        buf[i] = (uint8_t)('0' + i % 64);    /* never Ctrl-A */
    send(buf, sizeof buf);
    return NULL;
}

static void test_back_pressure_loses_nothing(void **state)
{
    (void)state;
    struct term *t = term_open(m->power, to_uart, u, NULL);
    assert_non_null(t);
    pthread_t w;
    assert_int_equal(pthread_create(&w, NULL, writer, NULL), 0);
    /* Let the UART's buffer fill before reading anything. */
    sleep_ms(50);
    static uint8_t buf[STREAM_LEN];
    receive(buf, sizeof buf);
    for (size_t i = 0; i < STREAM_LEN; i++)
        assert_int_equal(buf[i], '0' + i % 64);
    assert_int_equal(pthread_join(w, NULL), 0);
    term_close(t);
}

static void test_close_while_uart_full(void **state)
{
    (void)state;
    struct term *t = term_open(m->power, to_uart, u, NULL);
    assert_non_null(t);
    static uint8_t buf[6000];
    memset(buf, 'k', sizeof buf);
    send(buf, sizeof buf);
    sleep_ms(50);
    term_close(t);          /* must not hang on the retry loop */
    assert_true(uart_has_data());
    assert_int_equal(atomic_load(&m->exit_status), -1);
    term_close(NULL);
}

static void test_write_goes_to_stdout(void **state)
{
    (void)state;
    struct term *t = term_open(m->power, to_uart, u, NULL);
    assert_non_null(t);
    int p[2];
    assert_int_equal(pipe(p), 0);
    int saved = dup(STDOUT_FILENO);
    assert_true(saved >= 0);
    assert_true(dup2(p[1], STDOUT_FILENO) >= 0);
    term_write(t, (const uint8_t *)"guest\r\n", 7);
    term_write(t, (const uint8_t *)"", 0);
    term_write(t, (const uint8_t *)"!", 1);
    assert_true(dup2(saved, STDOUT_FILENO) >= 0);
    close(saved);
    close(p[1]);
    char buf[16] = { 0 };
    assert_int_equal(read(p[0], buf, sizeof buf), 8);
    close(p[0]);
    assert_memory_equal(buf, "guest\r\n!", 8);
    term_close(t);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_escapes),
        T(test_escape_split_across_reads),
        T(test_eof_leaves_guest_running),
        T(test_back_pressure_loses_nothing),
        T(test_close_while_uart_full),
        T(test_write_goes_to_stdout),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
