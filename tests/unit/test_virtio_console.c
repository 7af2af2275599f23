/* Unit tests of the virtio console and, through it, of the virtio-mmio
 * transport: a fake guest RAM with virtqueues laid out by hand, the
 * driver's side played through the MMIO registers, and the device's work
 * run with virtio_process. Output is read from a pipe in place of stdout,
 * input is typed into a pipe in place of stdin. Also the transport's
 * refusals: FEATURES_OK without VERSION_1 or with a feature not offered,
 * and NEEDS_RESET for a descriptor loop or a buffer outside RAM. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <linux/virtio_config.h>
#include <linux/virtio_console.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_mmio.h>
#include <linux/virtio_ring.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/err.h"
#include "vm/backend/term.h"
#include "vm/machine.h"
#include "vm/virtio/console.h"
#include "vm/virtio/mmio.h"
#include "test_machine.h"
#include "test_virtio_driver.h"

#define RAM_BASE 0x80000000ull
#define RAM_SIZE (1u << 20)
#define QSIZE 8
#define BUF_GPA (RAM_BASE + 0x10000)    /* the driver's data buffers */
#define RX_CAPACITY 4096                /* the device's input buffer */

enum { RECEIVEQ = 0, TRANSMITQ = 1 };

static const uint64_t VERSION_1 = 1ull << VIRTIO_F_VERSION_1;
static const uint32_t S_ACK = VIRTIO_CONFIG_S_ACKNOWLEDGE,
                      S_DRIVER = VIRTIO_CONFIG_S_DRIVER,
                      S_FEATURES_OK = VIRTIO_CONFIG_S_FEATURES_OK,
                      S_DRIVER_OK = VIRTIO_CONFIG_S_DRIVER_OK,
                      S_NEEDS_RESET = VIRTIO_CONFIG_S_NEEDS_RESET;

static struct machine *m;
static struct virtio_dev *d;
static uint8_t *ram;
static int in_w = -1, out_r = -1;    /* the test's ends of stdin, stdout */
static int saved_stdin = -1, saved_stdout = -1;
static uint16_t next_desc[2];       /* the driver's next free descriptor */

static size_t to_console(void *dev, const uint8_t *buf, size_t len)
{
    return virtio_console_rx(dev, buf, len);
}

static void redirect(int fd, int *saved, int *test_end, bool test_writes)
{
    int p[2];
    assert_int_equal(pipe(p), 0);
    *saved = dup(fd);
    assert_true(*saved >= 0);
    assert_true(dup2(p[test_writes ? 0 : 1], fd) >= 0);
    close(p[test_writes ? 0 : 1]);
    *test_end = p[test_writes ? 1 : 0];
}

/* The board's wiring: the device's output goes to the machine's console. */
static void to_machine(void *opaque, const struct iovec *iov, unsigned n)
{
    machine_console_writev(opaque, iov, n);
}

static int setup(void **state)
{
    (void)state;
    m = test_machine_new(0);
    ram = calloc(1, RAM_SIZE);
    assert_non_null(ram);
    m->bus.ram = ram;
    m->bus.ram_base = RAM_BASE;
    m->bus.ram_size = RAM_SIZE;
    struct err e = {0};
    d = virtio_console_new(&m->bus, to_machine, m, &e);
    assert_non_null(d);
    fflush(stdout);
    redirect(STDIN_FILENO, &saved_stdin, &in_w, true);
    redirect(STDOUT_FILENO, &saved_stdout, &out_r, false);
    assert_int_equal(fcntl(out_r, F_SETFL, O_NONBLOCK), 0);
    m->term = term_open(m->power, to_console, d, &e);
    assert_non_null(m->term);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    close(in_w);
    term_close(m->term);
    assert_true(dup2(saved_stdin, STDIN_FILENO) >= 0);
    assert_true(dup2(saved_stdout, STDOUT_FILENO) >= 0);
    close(saved_stdin);
    close(saved_stdout);
    close(out_r);
    d->ops->destroy(d);
    free(ram);
    test_machine_free(m);
    return 0;
}

static void *gpa(uint64_t a)
{
    assert_true(a >= RAM_BASE && a - RAM_BASE < RAM_SIZE);
    return ram + (a - RAM_BASE);
}

static uint64_t desc_gpa(unsigned q) { return RAM_BASE + 0x1000 * (q + 1); }
static uint64_t avail_gpa(unsigned q) { return desc_gpa(q) + 0x400; }
static uint64_t used_gpa(unsigned q) { return desc_gpa(q) + 0x800; }

static struct vring_desc *desc(unsigned q) { return gpa(desc_gpa(q)); }
static struct vring_avail *avail(unsigned q) { return gpa(avail_gpa(q)); }
static struct vring_used *used(unsigned q) { return gpa(used_gpa(q)); }

static uint32_t rd(uint64_t off)
{
    return (uint32_t)virtio_mmio_read(d, off, 4);
}

static void wr(uint64_t off, uint32_t val)
{
    virtio_mmio_write(d, off, val, 4);
}

static void set_addr(uint64_t low_reg, uint64_t a)
{
    wr(low_reg, (uint32_t)a);
    wr(low_reg + 4, (uint32_t)(a >> 32));
}

/* A driver bring-up as Linux does it, both queues of QSIZE entries. */
static void driver_start(void)
{
    assert_true(virtio_negotiate(d, VERSION_1) & S_FEATURES_OK);
    for (unsigned q = 0; q < 2; q++) {
        memset(gpa(desc_gpa(q)), 0, 0x1000);
        wr(VIRTIO_MMIO_QUEUE_SEL, q);
        assert_int_equal(rd(VIRTIO_MMIO_QUEUE_NUM_MAX), 256);
        assert_int_equal(rd(VIRTIO_MMIO_QUEUE_READY), 0);
        wr(VIRTIO_MMIO_QUEUE_NUM, QSIZE);
        set_addr(VIRTIO_MMIO_QUEUE_DESC_LOW, desc_gpa(q));
        set_addr(VIRTIO_MMIO_QUEUE_AVAIL_LOW, avail_gpa(q));
        set_addr(VIRTIO_MMIO_QUEUE_USED_LOW, used_gpa(q));
        wr(VIRTIO_MMIO_QUEUE_READY, 1);
        assert_int_equal(rd(VIRTIO_MMIO_QUEUE_READY), 1);
        next_desc[q] = 0;
    }
    wr(VIRTIO_MMIO_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
    assert_int_equal(rd(VIRTIO_MMIO_STATUS),
                     S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
    virtio_process(d);      /* the kicks DRIVER_OK makes */
}

struct seg {
    uint64_t addr;
    uint32_t len;
    bool writable;
};

/* Descriptors for the segments, chained in order, then the head made
 * available. Returns the head. */
static uint16_t add_chain(unsigned q, const struct seg *s, unsigned n)
{
    uint16_t head = next_desc[q];
    for (unsigned i = 0; i < n; i++) {
        uint16_t at = (uint16_t)((head + i) % QSIZE);
        desc(q)[at] = (struct vring_desc){
            .addr = s[i].addr,
            .len = s[i].len,
            .flags = (uint16_t)((s[i].writable ? VRING_DESC_F_WRITE : 0) |
                                (i + 1 < n ? VRING_DESC_F_NEXT : 0)),
            .next = (uint16_t)((at + 1) % QSIZE),
        };
    }
    next_desc[q] = (uint16_t)((head + n) % QSIZE);
    struct vring_avail *a = avail(q);
    a->ring[a->idx % QSIZE] = head;
    __atomic_store_n(&a->idx, (uint16_t)(a->idx + 1), __ATOMIC_RELEASE);
    return head;
}

static void notify(unsigned q)
{
    wr(VIRTIO_MMIO_QUEUE_NOTIFY, q);
    virtio_process(d);
}

/* What the device wrote to stdout so far. */
static size_t output(char *buf, size_t size)
{
    ssize_t n = read(out_r, buf, size);
    return n < 0 ? 0 : (size_t)n;
}

static void test_identity(void **state)
{
    (void)state;
    assert_int_equal(rd(VIRTIO_MMIO_MAGIC_VALUE), 0x74726976);
    assert_int_equal(rd(VIRTIO_MMIO_VERSION), 2);
    assert_int_equal(rd(VIRTIO_MMIO_DEVICE_ID), VIRTIO_ID_CONSOLE);
    wr(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
    uint32_t low = rd(VIRTIO_MMIO_DEVICE_FEATURES);
    wr(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
    uint32_t high = rd(VIRTIO_MMIO_DEVICE_FEATURES);
    assert_true(high & (VERSION_1 >> 32));
    /* One port, no size: none of the console's own features. */
    assert_false(low & ((1u << VIRTIO_CONSOLE_F_SIZE) |
                        (1u << VIRTIO_CONSOLE_F_MULTIPORT) |
                        (1u << VIRTIO_CONSOLE_F_EMERG_WRITE)));
    /* Two queues: a third does not exist. */
    wr(VIRTIO_MMIO_QUEUE_SEL, 2);
    assert_int_equal(rd(VIRTIO_MMIO_QUEUE_NUM_MAX), 0);
}

static void test_transmit_gathers_segments(void **state)
{
    (void)state;
    driver_start();
    memcpy(gpa(BUF_GPA), "hel", 3);
    memcpy(gpa(BUF_GPA + 0x100), "lo, ", 4);
    memcpy(gpa(BUF_GPA + 0x200), "world\n", 6);
    memset(gpa(BUF_GPA + 0x300), 'W', 16);
    struct seg s[] = {
        {BUF_GPA, 3, false}, {BUF_GPA + 0x100, 4, false},
        {BUF_GPA + 0x200, 6, false},
        {BUF_GPA + 0x300, 16, true},    /* writable: not output */
    };
    uint16_t head = add_chain(TRANSMITQ, s, 4);
    notify(TRANSMITQ);
    char out[64];
    size_t n = output(out, sizeof out);
    assert_int_equal(n, 13);
    assert_memory_equal(out, "hello, world\n", 13);
    assert_int_equal(used(TRANSMITQ)->idx, 1);
    assert_int_equal(used(TRANSMITQ)->ring[0].id, head);
    assert_int_equal(used(TRANSMITQ)->ring[0].len, 0);
    assert_int_equal(*(uint8_t *)gpa(BUF_GPA + 0x300), 'W');
    /* The driver did not suppress interrupts: one for the used buffer. */
    assert_int_equal(rd(VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_MMIO_INT_VRING);
    wr(VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_VRING);
    assert_int_equal(rd(VIRTIO_MMIO_INTERRUPT_STATUS), 0);

    /* Two chains at once come out in order. */
    memcpy(gpa(BUF_GPA + 0x400), "one ", 4);
    memcpy(gpa(BUF_GPA + 0x500), "two", 3);
    add_chain(TRANSMITQ, &(struct seg){BUF_GPA + 0x400, 4, false}, 1);
    add_chain(TRANSMITQ, &(struct seg){BUF_GPA + 0x500, 3, false}, 1);
    notify(TRANSMITQ);
    n = output(out, sizeof out);
    assert_int_equal(n, 7);
    assert_memory_equal(out, "one two", 7);
    assert_int_equal(used(TRANSMITQ)->idx, 3);
}

static void test_receive_fills_buffers_with_back_pressure(void **state)
{
    (void)state;
    static uint8_t in[8000];
    for (size_t i = 0; i < sizeof in; i++)
        in[i] = (uint8_t)(i * 7 + i / 251);
    /* Input that comes before the driver is held until it is ready, up
     * to the buffer's capacity. */
    assert_int_equal(virtio_console_rx(d, in, sizeof in), RX_CAPACITY);
    assert_int_equal(virtio_console_rx(d, in, 1), 0);
    size_t taken = RX_CAPACITY;
    driver_start();

    /* 3000 bytes into a chain of two segments. */
    uint16_t h1 = add_chain(RECEIVEQ, (struct seg[]){
        {BUF_GPA, 1000, true}, {BUF_GPA + 0x1000, 2000, true}}, 2);
    notify(RECEIVEQ);
    struct vring_used *u = used(RECEIVEQ);
    assert_int_equal(u->idx, 1);
    assert_int_equal(u->ring[0].id, h1);
    assert_int_equal(u->ring[0].len, 3000);
    assert_memory_equal(gpa(BUF_GPA), in, 1000);
    assert_memory_equal(gpa(BUF_GPA + 0x1000), in + 1000, 2000);

    /* Room for exactly 3000 more: the buffer's contents now wrap. */
    assert_int_equal(virtio_console_rx(d, in + taken, sizeof in - taken),
                     3000);
    taken += 3000;
    virtio_process(d);      /* the kick virtio_console_rx made */
    assert_int_equal(u->idx, 1);        /* no buffer to put it in */

    uint16_t h2 = add_chain(RECEIVEQ, &(struct seg){BUF_GPA + 0x2000, 5000,
                                                    true}, 1);
    notify(RECEIVEQ);
    assert_int_equal(u->idx, 2);
    assert_int_equal(u->ring[1].id, h2);
    assert_int_equal(u->ring[1].len, RX_CAPACITY);
    assert_memory_equal(gpa(BUF_GPA + 0x2000), in + 3000, RX_CAPACITY);

    /* The rest, into a chain already waiting. */
    uint16_t h3 = add_chain(RECEIVEQ, &(struct seg){BUF_GPA + 0x4000, 4096,
                                                    true}, 1);
    notify(RECEIVEQ);
    assert_int_equal(u->idx, 2);
    size_t rest = sizeof in - taken;
    assert_int_equal(virtio_console_rx(d, in + taken, rest), rest);
    virtio_process(d);
    assert_int_equal(u->idx, 3);
    assert_int_equal(u->ring[2].id, h3);
    assert_int_equal(u->ring[2].len, rest);
    assert_memory_equal(gpa(BUF_GPA + 0x4000), in + taken, rest);
}

static void test_input_waits_for_a_buffer(void **state)
{
    (void)state;
    driver_start();
    assert_int_equal(virtio_console_rx(d, (const uint8_t *)"abc", 3), 3);
    virtio_process(d);
    assert_int_equal(used(RECEIVEQ)->idx, 0);
    /* The device asked to hear of new buffers (event index off: no
     * suppression), and a notify with one delivers the input. */
    add_chain(RECEIVEQ, &(struct seg){BUF_GPA, 64, true}, 1);
    notify(RECEIVEQ);
    assert_int_equal(used(RECEIVEQ)->idx, 1);
    assert_int_equal(used(RECEIVEQ)->ring[0].len, 3);
    assert_memory_equal(gpa(BUF_GPA), "abc", 3);
}

/* Typed on the fake stdin: the terminal's thread offers it and kicks the
 * receive queue; the kick shows on the device's eventfd. */
static void test_input_through_the_terminal(void **state)
{
    (void)state;
    driver_start();
    add_chain(RECEIVEQ, &(struct seg){BUF_GPA, 64, true}, 1);
    assert_int_equal(write(in_w, "ls\n", 3), 3);
    size_t got = 0;
    for (int tries = 0; got < 3 && tries < 50; tries++) {
        struct pollfd p = { .fd = d->kick_fd, .events = POLLIN };
        assert_int_equal(poll(&p, 1, 5000), 1);
        virtio_process(d);
        got = used(RECEIVEQ)->idx ? used(RECEIVEQ)->ring[0].len : 0;
    }
    assert_int_equal(got, 3);
    assert_memory_equal(gpa(BUF_GPA), "ls\n", 3);
}

static void test_features_ok_refused(void **state)
{
    (void)state;
    /* No VERSION_1: this device has no legacy interface. */
    assert_false(virtio_negotiate(d, 0) & S_FEATURES_OK);
    /* A feature the device did not offer (the console size). */
    assert_false(virtio_negotiate(d, VERSION_1 | (1ull << VIRTIO_CONSOLE_F_SIZE)) &
                 S_FEATURES_OK);
    assert_true(virtio_negotiate(d, VERSION_1) & S_FEATURES_OK);
}

/* A broken ring: NEEDS_RESET and a config interrupt, nothing output, no
 * more chains taken; a reset brings the device back. */
static void expect_broken(void)
{
    assert_true(rd(VIRTIO_MMIO_STATUS) & S_NEEDS_RESET);
    assert_true(rd(VIRTIO_MMIO_INTERRUPT_STATUS) & VIRTIO_MMIO_INT_CONFIG);
    assert_int_equal(used(TRANSMITQ)->idx, 0);
    char out[16];
    assert_int_equal(output(out, sizeof out), 0);

    memcpy(gpa(BUF_GPA), "x", 1);
    add_chain(TRANSMITQ, &(struct seg){BUF_GPA, 1, false}, 1);
    notify(TRANSMITQ);
    assert_int_equal(used(TRANSMITQ)->idx, 0);
    assert_int_equal(output(out, sizeof out), 0);

    wr(VIRTIO_MMIO_STATUS, 0);
    assert_int_equal(rd(VIRTIO_MMIO_STATUS), 0);
    assert_int_equal(rd(VIRTIO_MMIO_INTERRUPT_STATUS), 0);
    driver_start();
    add_chain(TRANSMITQ, &(struct seg){BUF_GPA, 1, false}, 1);
    notify(TRANSMITQ);
    assert_int_equal(used(TRANSMITQ)->idx, 1);
    assert_int_equal(output(out, sizeof out), 1);
    assert_int_equal(out[0], 'x');
}

static void test_descriptor_loop_needs_reset(void **state)
{
    (void)state;
    driver_start();
    desc(TRANSMITQ)[0] = (struct vring_desc){BUF_GPA, 4, VRING_DESC_F_NEXT, 1};
    desc(TRANSMITQ)[1] = (struct vring_desc){BUF_GPA, 4, VRING_DESC_F_NEXT, 0};
    avail(TRANSMITQ)->ring[0] = 0;
    avail(TRANSMITQ)->idx = 1;
    next_desc[TRANSMITQ] = 2;
    notify(TRANSMITQ);
    expect_broken();
}

static void test_buffer_outside_ram_needs_reset(void **state)
{
    (void)state;
    driver_start();
    add_chain(TRANSMITQ, &(struct seg){RAM_BASE + RAM_SIZE - 2, 4, false}, 1);
    notify(TRANSMITQ);
    expect_broken();
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_identity),
        T(test_transmit_gathers_segments),
        T(test_receive_fills_buffers_with_back_pressure),
        T(test_input_waits_for_a_buffer),
        T(test_input_through_the_terminal),
        T(test_features_ok_refused),
        T(test_descriptor_loop_needs_reset),
        T(test_buffer_outside_ram_needs_reset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
