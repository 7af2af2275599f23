/* Unit tests of the 16550A UART: transmit, receive with back pressure, the
 * interrupt identification and its THRE re-arming, divisor latch, FIFO
 * reset, loopback, and hostile accesses. The interrupt line is observed
 * through a real PLIC's pending register. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "vm/bus.h"
#include "vm/riscv/plic.h"
#include "vm/dev/uart16550.h"
#include "vm/machine.h"
#include "vm/rv/hart.h"
#include "test_machine.h"

#define PLIC_DEV board_devs[BOARD_PLIC]
#define UART_DEV board_devs[BOARD_UART]

enum { RBR = 0, THR = 0, DLL = 0, IER = 1, DLM = 1, IIR = 2, FCR = 2,
       LCR = 3, MCR = 4, LSR = 5, MSR = 6, SCR = 7 };

#define RX_CAPACITY 4096

static struct machine *m;
static struct hart *hart0;
static struct uart *u;
static uint8_t sent[8192];
static size_t nsent;

static void capture(void *opaque, const uint8_t *buf, size_t len)
{
    assert_ptr_equal(opaque, &nsent);
    assert_true(nsent + len <= sizeof sent);
    memcpy(sent + nsent, buf, len);
    nsent += len;
}

static int setup(void **state)
{
    (void)state;
    m = test_machine_new(1);
    hart0 = m->harts[0];
    m->plic = plic_new(m);
    assert_non_null(m->plic);
    plic_attach(m->plic, PLIC_DEV.base,
                PLIC_DEV.size);
    u = uart_new(machine_irq_line(m, UART_DEV.irq), capture, &nsent);
    assert_non_null(u);
    m->uart = u;
    uart_attach(u, &m->bus, UART_DEV.base, UART_DEV.size);
    nsent = 0;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    uart_free(u);
    plic_free(m->plic);
    test_machine_free(m);
    return 0;
}

static uint64_t rd_size(uint64_t off, unsigned size)
{
    uint64_t v = 0xdead;
    assert_true(bus_mmio_read(&m->bus, UART_DEV.base + off, size, &v));
    return v;
}

static uint8_t rd(uint64_t off)
{
    uint64_t v = rd_size(off, 1);
    assert_true(v <= 0xff);
    return (uint8_t)v;
}

static void wr_size(uint64_t off, uint64_t val, unsigned size)
{
    assert_true(bus_mmio_write(&m->bus, UART_DEV.base + off, size, val));
}

static void wr(uint64_t off, uint8_t val)
{
    wr_size(off, val, 1);
}

/* The UART's interrupt line, as the PLIC sees it. */
static bool irq_line(void)
{
    uint64_t pending = 0;
    assert_true(bus_mmio_read(&m->bus, PLIC_DEV.base + 0x1000, 4, &pending));
    return pending & (1u << UART_DEV.irq);
}

static void test_transmit(void **state)
{
    (void)state;
    assert_int_equal(rd(LSR), 0x60);      /* THRE | TEMT, no data */
    wr(THR, 'h');
    wr(THR, 'i');
    assert_int_equal(nsent, 2);
    assert_memory_equal(sent, "hi", 2);
    assert_int_equal(rd(LSR), 0x60);
    assert_false(irq_line());             /* no interrupt enabled */
}

static void test_receive(void **state)
{
    (void)state;
    assert_int_equal(uart_rx(u, (const uint8_t *)"abc", 3), 3);
    assert_int_equal(rd(LSR), 0x61);
    assert_int_equal(rd(RBR), 'a');
    assert_int_equal(rd(RBR), 'b');
    assert_int_equal(rd(LSR) & 1, 1);
    assert_int_equal(rd(RBR), 'c');
    assert_int_equal(rd(LSR), 0x60);
    assert_int_equal(rd(RBR), 0);         /* empty */
    assert_int_equal(nsent, 0);
}

static void test_receive_back_pressure(void **state)
{
    (void)state;
    static uint8_t big[RX_CAPACITY + 1000];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (uint8_t)(i * 7);
    assert_int_equal(uart_rx(u, big, sizeof big), RX_CAPACITY);
    assert_int_equal(uart_rx(u, big, 1), 0);
    assert_int_equal(rd(RBR), big[0]);
    assert_int_equal(uart_rx(u, big + RX_CAPACITY, 5), 1);
    for (size_t i = 1; i <= RX_CAPACITY; i++)
        assert_int_equal(rd(RBR), big[i]);
    assert_int_equal(rd(LSR) & 1, 0);
}

static void test_rx_interrupt(void **state)
{
    (void)state;
    wr(FCR, 0x01);
    wr(IER, 0x01);                        /* ERBFI */
    assert_false(irq_line());
    assert_int_equal(rd(IIR), 0xc1);      /* FIFOs on, nothing pending */
    assert_int_equal(uart_rx(u, (const uint8_t *)"xy", 2), 2);
    assert_true(irq_line());
    assert_int_equal(rd(IIR), 0xc4);
    assert_true(irq_line());              /* reading IIR does not clear RDA */
    rd(RBR);
    assert_true(irq_line());
    rd(RBR);
    assert_false(irq_line());
    assert_int_equal(rd(IIR), 0xc1);

    /* Data arriving with the interrupt disabled, then enabled. */
    wr(IER, 0);
    uart_rx(u, (const uint8_t *)"z", 1);
    assert_false(irq_line());
    wr(IER, 0x01);
    assert_true(irq_line());
}

static void test_thre_interrupt_rearm(void **state)
{
    (void)state;
    wr(FCR, 0x01);
    /* Enabling ETBEI with THR empty raises THRE. */
    wr(IER, 0x02);
    assert_true(irq_line());
    assert_int_equal(rd(IIR), 0xc2);
    /* That IIR read cleared it. */
    assert_false(irq_line());
    assert_int_equal(rd(IIR), 0xc1);
    /* Writing THR empties it again at once: THRE again. */
    wr(THR, 'a');
    assert_true(irq_line());
    assert_int_equal(rd(IIR), 0xc2);
    assert_false(irq_line());
    /* Linux's THRE probe: IER off then on must re-assert it. */
    wr(IER, 0);
    wr(IER, 0x02);
    assert_int_equal(rd(IIR), 0xc2);
    /* Rewriting IER with ETBEI still set does not. */
    wr(IER, 0x03);
    assert_int_equal(rd(IIR), 0xc1);
    /* Disabling ETBEI hides a pending THRE. */
    wr(THR, 'b');
    assert_true(irq_line());
    wr(IER, 0x01);
    assert_false(irq_line());
    assert_int_equal(nsent, 2);
}

static void test_rx_has_priority_over_thre(void **state)
{
    (void)state;
    wr(FCR, 0x01);
    wr(IER, 0x03);
    uart_rx(u, (const uint8_t *)"q", 1);
    assert_int_equal(rd(IIR), 0xc4);
    assert_int_equal(rd(IIR), 0xc4);      /* THRE not consumed meanwhile */
    assert_int_equal(rd(RBR), 'q');
    assert_int_equal(rd(IIR), 0xc2);
    assert_int_equal(rd(IIR), 0xc1);
}

static void test_fifo_disabled_iir(void **state)
{
    (void)state;
    assert_int_equal(rd(IIR), 0x01);
    wr(FCR, 0x01);
    assert_int_equal(rd(IIR), 0xc1);
    wr(FCR, 0x00);
    assert_int_equal(rd(IIR), 0x01);
}

static void test_divisor_latch(void **state)
{
    (void)state;
    wr(IER, 0x01);
    wr(LCR, 0x83);                        /* DLAB, 8N1 */
    wr(DLL, 0x12);
    wr(DLM, 0x34);
    assert_int_equal(rd(DLL), 0x12);
    assert_int_equal(rd(DLM), 0x34);
    assert_int_equal(rd(LCR), 0x83);
    assert_int_equal(nsent, 0);           /* DLL write did not transmit */
    wr(LCR, 0x03);
    assert_int_equal(rd(IER), 0x01);
    assert_int_equal(rd(LCR), 0x03);
    wr(LCR, 0x83);
    assert_int_equal(rd(DLL), 0x12);
}

static void test_fifo_reset_drops_fifo_depth(void **state)
{
    (void)state;
    uint8_t in[100];
    for (size_t i = 0; i < sizeof in; i++)
        in[i] = (uint8_t)i;
    assert_int_equal(uart_rx(u, in, sizeof in), sizeof in);
    wr(FCR, 0x07);                        /* enable, clear RX and TX */
    assert_int_equal(rd(RBR), 16);
    wr(FCR, 0x01);                        /* no clear bit: nothing dropped */
    assert_int_equal(rd(RBR), 17);
    uart_rx(u, in, 3);
    wr(FCR, 0x03);
    /* 82 old bytes + 3 new, minus 16. */
    size_t left = 0;
    while (rd(LSR) & 1) {
        rd(RBR);
        left++;
    }
    assert_int_equal(left, 82 + 3 - 16);
    wr(FCR, 0x03);                        /* on an empty FIFO */
    assert_int_equal(rd(LSR), 0x60);
}

static void test_loopback(void **state)
{
    (void)state;
    assert_int_equal(rd(MSR), 0xb0);      /* DCD, DSR, CTS */
    wr(MCR, 0x1a);                        /* LOOP | OUT2 | RTS */
    assert_int_equal(rd(MCR), 0x1a);
    assert_int_equal(rd(MSR) & 0xf0, 0x90);
    wr(MCR, 0x1f);
    assert_int_equal(rd(MSR), 0xf0);
    wr(THR, 'z');
    assert_int_equal(nsent, 0);
    assert_int_equal(rd(LSR), 0x61);
    assert_int_equal(rd(RBR), 'z');
    wr(MCR, 0x00);
    assert_int_equal(rd(MSR), 0xb0);
    wr(THR, 'w');
    assert_int_equal(nsent, 1);
    assert_int_equal(sent[0], 'w');
}

static void test_scratch(void **state)
{
    (void)state;
    wr(SCR, 0x5a);
    assert_int_equal(rd(SCR), 0x5a);
    wr(SCR, 0xa5);
    assert_int_equal(rd(SCR), 0xa5);
}

static void test_hostile_accesses(void **state)
{
    (void)state;
    wr(IER, 0x01);
    wr(SCR, 0x11);
    for (uint64_t off = 8; off < UART_DEV.size; off++) {
        wr(off, 0xff);
        assert_int_equal(rd(off), 0);
    }
    /* Wide accesses touch only the register at their offset. */
    wr_size(SCR, 0xffffffffffff0022ull, 1);
    assert_int_equal(rd_size(SCR, 1), 0x22);
    wr_size(LCR, 0x1234567803ull, 4);
    assert_int_equal(rd_size(LCR, 4), 0x03);
    assert_int_equal(rd_size(IER, 8), 0x01);
    wr_size(THR, 0x4142ull, 2);
    assert_int_equal(nsent, 1);
    assert_int_equal(sent[0], 0x42);
    assert_int_equal(uart_rx(u, (const uint8_t *)"", 0), 0);
    assert_int_equal(rd(LSR), 0x60);
    assert_int_equal(rd(IER), 0x01);
    /* IER keeps only its four defined bits. */
    wr(IER, 0xff);
    assert_int_equal(rd(IER), 0x0f);
}

/* A console thread pushing with retries against a reader: nothing lost,
 * nothing reordered. */
#define STREAM_LEN 200000

static void *producer(void *arg)
{
    (void)arg;
    static uint8_t buf[STREAM_LEN];
    for (size_t i = 0; i < STREAM_LEN; i++)
        buf[i] = (uint8_t)(i % 251);
    size_t off = 0;
    while (off < STREAM_LEN)
        off += uart_rx(u, buf + off, STREAM_LEN - off);
    return NULL;
}

static void test_concurrent_receive(void **state)
{
    (void)state;
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, producer, NULL), 0);
    size_t got = 0;
    while (got < STREAM_LEN) {
        if (!(rd(LSR) & 1))
            continue;
        assert_int_equal(rd(RBR), (uint8_t)(got % 251));
        got++;
    }
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_int_equal(rd(LSR), 0x60);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_transmit),
        T(test_receive),
        T(test_receive_back_pressure),
        T(test_rx_interrupt),
        T(test_thre_interrupt_rearm),
        T(test_rx_has_priority_over_thre),
        T(test_fifo_disabled_iir),
        T(test_divisor_latch),
        T(test_fifo_reset_drops_fifo_depth),
        T(test_loopback),
        T(test_scratch),
        T(test_hostile_accesses),
        T(test_concurrent_receive),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
