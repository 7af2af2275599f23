/* Unit tests of the 16550A UART: transmit, receive with back pressure, the
 * interrupt identification and its THRE re-arming, divisor latch, FIFO
 * reset, loopback, hostile accesses, and its state record. The interrupt
 * line is observed through a real PLIC's pending register. */
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
#include "test_state.h"

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

/* State records. */

static void save_u(struct rec_out *o)
{
    uart_save(u, o);
}

static int load_u(struct rec_in *in, struct err *e)
{
    return uart_load(u, in, e);
}

static uint64_t line_u(void)
{
    return irq_line();
}

static uint8_t pattern(size_t i)
{
    return (uint8_t)(i * 13 + 5);
}

/* A state far from reset: divisor, line and modem control, scratch, FIFOs
 * on, both interrupts enabled with THRE pending, and 3000 received bytes
 * that wrap around the end of the receive ring. */
static void make_busy_state(void)
{
    static uint8_t in[4000];
    wr(FCR, 0x01);
    wr(LCR, 0x80);
    wr(DLL, 0x0c);
    wr(DLM, 0x01);
    wr(LCR, 0x1b);
    wr(MCR, 0x0b);
    wr(SCR, 0x77);
    for (size_t i = 0; i < sizeof in; i++)
        in[i] = pattern(i);
    assert_int_equal(uart_rx(u, in, sizeof in), sizeof in);
    for (size_t i = 0; i < 3000; i++)
        assert_int_equal(rd(RBR), pattern(i));
    for (size_t i = 0; i < 2000; i++)
        in[i] = pattern(4000 + i);
    assert_int_equal(uart_rx(u, in, 2000), 2000);
    wr(IER, 0x03);                        /* THRE pending from here */
    assert_true(irq_line());
}

static void test_state_round_trip(void **state)
{
    (void)state;
    make_busy_state();
    struct rec_out rec;
    state_save(save_u, &rec);

    /* Change everything; the interrupt line goes low. */
    wr(IER, 0);
    while (rd(LSR) & 1)
        rd(RBR);
    wr(FCR, 0);
    wr(LCR, 0x80);
    wr(DLL, 0);
    wr(DLM, 0);
    wr(LCR, 0);
    wr(MCR, 0);
    wr(SCR, 0);
    assert_false(irq_line());

    struct err e = {0};
    assert_int_equal(state_load(load_u, rec.buf, rec.len, &e), 0);
    /* It saves the same record again (the ring now starts at its head). */
    struct rec_out again;
    state_save(save_u, &again);
    assert_int_equal(again.len, rec.len);
    assert_memory_equal(again.buf, rec.buf, rec.len);
    rec_out_free(&again);

    /* And behaves as the saved UART would. */
    assert_true(irq_line());
    assert_int_equal(rd(LCR), 0x1b);
    assert_int_equal(rd(IER), 0x03);
    assert_int_equal(rd(MCR), 0x0b);
    assert_int_equal(rd(SCR), 0x77);
    assert_int_equal(rd(LSR), 0x61);
    assert_int_equal(rd(IIR), 0xc4);
    for (size_t i = 3000; i < 6000; i++)
        assert_int_equal(rd(RBR), pattern(i));
    assert_int_equal(rd(LSR), 0x60);
    assert_true(irq_line());              /* THRE, still pending */
    assert_int_equal(rd(IIR), 0xc2);
    assert_false(irq_line());
    assert_int_equal(rd(IIR), 0xc1);
    wr(LCR, 0x9b);
    assert_int_equal(rd(DLL), 0x0c);
    assert_int_equal(rd(DLM), 0x01);
    wr(LCR, 0x1b);
    /* The ring goes on from where the load put it. */
    static uint8_t big[RX_CAPACITY + 1];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = pattern(i);
    assert_int_equal(uart_rx(u, big, sizeof big), RX_CAPACITY);
    for (size_t i = 0; i < RX_CAPACITY; i++)
        assert_int_equal(rd(RBR), pattern(i));
    rec_out_free(&rec);
}

/* An interrupt line that remembers what it is told. */
static int other_level = -1;
static unsigned other_calls;

static void other_set(void *opaque, unsigned irq, bool level)
{
    (void)opaque;
    assert_int_equal(irq, 3);
    other_level = level;
    other_calls++;
}

/* Into a new UART: the same state, and its line is told the loaded level
 * even when that is the level a new UART starts with (what the interrupt
 * controller held before is not known). */
static void test_state_into_new_uart(void **state)
{
    (void)state;
    make_busy_state();
    struct rec_out busy, quiet;
    state_save(save_u, &busy);
    wr(IER, 0);
    assert_false(irq_line());
    state_save(save_u, &quiet);

    struct irq_line line = { .set = other_set, .irq = 3 };
    struct uart *n = uart_new(line, NULL, NULL);
    assert_non_null(n);
    struct rec_in in;
    struct err e = {0};
    other_calls = 0;
    rec_in_init(&in, quiet.buf, quiet.len);
    assert_int_equal(uart_load(n, &in, &e), 0);
    assert_int_equal(other_calls, 1);
    assert_int_equal(other_level, 0);
    rec_in_init(&in, busy.buf, busy.len);
    assert_int_equal(uart_load(n, &in, &e), 0);
    assert_int_equal(other_calls, 2);
    assert_int_equal(other_level, 1);
    struct rec_out o = {0};
    uart_save(n, &o);
    assert_int_equal(o.len, busy.len);
    assert_memory_equal(o.buf, busy.buf, o.len);
    rec_out_free(&o);
    uart_free(n);

    /* And back into the UART it came from, whose line is low now. */
    assert_int_equal(state_load(load_u, busy.buf, busy.len, &e), 0);
    assert_true(irq_line());
    rec_out_free(&busy);
    rec_out_free(&quiet);
}

/* A record in the layout of version 1, field by field. */
struct uart_fields {
    uint32_t version;
    uint8_t ier, lcr, mcr, scr, dll, dlm, fifo, thre, irq;
    uint32_t count;
    uint32_t nbytes;    /* how many received bytes follow */
};

static void write_fields(struct rec_out *o, const char *name,
                         const struct uart_fields *f)
{
    *o = (struct rec_out){0};
    rec_begin(o, name, f->version);
    rec_u8(o, f->ier);
    rec_u8(o, f->lcr);
    rec_u8(o, f->mcr);
    rec_u8(o, f->scr);
    rec_u8(o, f->dll);
    rec_u8(o, f->dlm);
    rec_u8(o, f->fifo);
    rec_u8(o, f->thre);
    rec_u8(o, f->irq);
    rec_u32(o, f->count);
    for (uint32_t i = 0; i < f->nbytes; i++)
        rec_u8(o, (uint8_t)('a' + i));
    rec_end(o);
}

static void expect_refused(const char *name, const struct uart_fields *f,
                           const char *msg)
{
    struct rec_out o;
    write_fields(&o, name, f);
    state_expect_refused(save_u, load_u, line_u, o.buf, o.len, msg);
    rec_out_free(&o);
}

/* Records that are not whole or hold what the UART cannot: refused with a
 * reason, and the UART (in a busy state) keeps all it had. */
static void test_state_refused(void **state)
{
    (void)state;
    make_busy_state();
    const struct uart_fields good = {
        .version = 1, .ier = 0x01, .lcr = 0x03, .fifo = 1, .irq = 1,
        .count = 3, .nbytes = 3,
    };
    struct uart_fields f;

    f = good, f.ier = 0x10;
    expect_refused("uart", &f, "state of uart: IER 0x10 has undefined bits");
    f = good, f.mcr = 0x20;
    expect_refused("uart", &f, "state of uart: MCR 0x20 has undefined bits");
    f = good, f.count = RX_CAPACITY + 1;
    expect_refused("uart", &f,
                   "state of uart: 4097 received bytes (at most 4096)");
    f = good, f.count = 0xffffffff, f.nbytes = 0;
    expect_refused("uart", &f,
                   "state of uart: 4294967295 received bytes (at most 4096)");
    f = good, f.nbytes = 2;
    expect_refused("uart", &f, "state of uart: truncated record");
    f = good, f.nbytes = 4;
    expect_refused("uart", &f, "state of uart: 1 bytes left unread");
    f = good, f.fifo = 2;
    expect_refused("uart", &f, "state of uart: boolean field holds 2");
    f = good, f.thre = 0xff;
    expect_refused("uart", &f, "state of uart: boolean field holds 255");
    /* The line's level must be the one the registers give. */
    f = good, f.irq = 0;
    expect_refused("uart", &f, "state of uart: interrupt line low while "
                   "the registers say high");
    f = good, f.count = 0, f.nbytes = 0;
    expect_refused("uart", &f, "state of uart: interrupt line high while "
                   "the registers say low");
    f = good, f.ier = 0x02, f.thre = 0;
    expect_refused("uart", &f, "state of uart: interrupt line high while "
                   "the registers say low");
    f = good, f.version = 2;
    expect_refused("uart", &f,
                   "state of uart: version 2 (this build reads 1-1)");
    f = good, f.version = 0;
    expect_refused("uart", &f,
                   "state of uart: version 0 (this build reads 1-1)");
    expect_refused("plic", &good,
                   "state of uart: found a record named \"plic\"");
    state_expect_refused(save_u, load_u, line_u, "", 0,
                         "state of uart: missing or truncated record");

    /* Every truncation of a real record. */
    struct rec_out o;
    state_save(save_u, &o);
    for (size_t len = 0; len < o.len; len += len < 64 ? 1 : 397)
        state_expect_refused(save_u, load_u, line_u, o.buf, len, NULL);
    rec_out_free(&o);

    /* The good one is taken: the three bytes, RDA. */
    write_fields(&o, "uart", &good);
    struct err e = {0};
    assert_int_equal(state_load(load_u, o.buf, o.len, &e), 0);
    assert_true(irq_line());
    assert_int_equal(rd(IIR), 0xc4);
    assert_int_equal(rd(RBR), 'a');
    assert_int_equal(rd(RBR), 'b');
    assert_int_equal(rd(RBR), 'c');
    assert_false(irq_line());
    assert_int_equal(rd(LSR), 0x60);
    rec_out_free(&o);
}

/* Property: whatever one payload byte is changed to, the UART takes the
 * whole record (and saves it back unchanged) or none of it. */
static void test_state_every_byte(void **state)
{
    (void)state;
    wr(FCR, 0x01);
    wr(IER, 0x01);
    wr(MCR, 0x03);
    uart_rx(u, (const uint8_t *)"xy", 2);
    struct rec_out good;
    state_save(save_u, &good);
    unsigned taken = state_check_every_byte(save_u, load_u, line_u, &good);
    assert_true(taken > 0);
    rec_out_free(&good);
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
        T(test_state_round_trip),
        T(test_state_into_new_uart),
        T(test_state_refused),
        T(test_state_every_byte),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
