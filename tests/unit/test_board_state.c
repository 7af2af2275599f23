/* Unit tests of the whole machine's state (board_save/board_load): a
 * machine of the board table's devices, put in a state of its own through
 * its registers and harts, saved and loaded into a fresh machine of the
 * same config, answers alike and saves the same records; a machine of
 * another shape, or a stream cut short, is refused. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/rec.h"
#include "test_board.h"

#define UART_DEV board_devs[BOARD_UART]
#define PLIC_DEV board_devs[BOARD_PLIC]
#define CLINT_DEV board_devs[BOARD_CLINT]

static uint64_t rd(struct machine *m, uint64_t pa, unsigned size)
{
    uint64_t v = 0;
    assert_true(bus_mmio_read(&m->bus, pa, size, &v));
    return v;
}

static void wr(struct machine *m, uint64_t pa, unsigned size, uint64_t v)
{
    assert_true(bus_mmio_write(&m->bus, pa, size, v));
}

/* A state of its own: UART line control and scratch, a PLIC source's
 * priority and enable, hart 1's timer compare, registers of both harts,
 * the virtio console's status. */
static void dirty(struct machine *m)
{
    wr(m, UART_DEV.base + 3, 1, 0x03);
    wr(m, UART_DEV.base + 7, 1, 0x5a);
    wr(m, PLIC_DEV.base + 4 * UART_DEV.irq, 4, 5);
    wr(m, PLIC_DEV.base + 0x2000 + 0x80 * 1, 4, 1u << UART_DEV.irq);
    wr(m, CLINT_DEV.base + 0x4000 + 8, 8, 0x123456789ull);
    m->harts[0]->x[5] = 42;
    m->harts[1]->pc = BOARD_RAM_BASE + 0x1000;
    wr(m, board_devs[BOARD_VIRTIO0].base + 0x70, 4, 1);   /* ACKNOWLEDGE */
}

static struct rec_out save(const struct machine *m)
{
    struct rec_out o = {0};
    board_save(m, &o);
    assert_int_equal(rec_out_check(&o, NULL), 0);
    return o;
}

/* Bytes of the stream's first record (the machine's own, with mtime). */
static size_t first_record(const struct rec_out *o)
{
    assert_true(o->len >= REC_HEADER_SIZE + REC_TRAILER_SIZE);
    const uint8_t *len = o->buf + REC_NAME_MAX + 4;
    return REC_HEADER_SIZE + REC_TRAILER_SIZE +
           (len[0] | len[1] << 8 | len[2] << 16 | (size_t)len[3] << 24);
}

static int load(struct machine *m, const struct rec_out *o, size_t len,
                struct err *e)
{
    struct rec_in in;
    rec_in_init(&in, o->buf, len);
    int r = board_load(m, &in, e);
    if (r == 0)
        assert_int_equal(in.off, len);
    return r;
}

static void test_saved_machine_loads_alike(void **state)
{
    (void)state;
    struct machine *a = board_new(2);
    dirty(a);
    /* Read before the save: the saved mtime is at least this. */
    uint64_t mtime = vm_clock_now(&a->clock);
    struct rec_out sa = save(a);

    struct machine *b = board_new(2);
    struct err e = {0};
    assert_int_equal(load(b, &sa, sa.len, &e), 0);
    /* The clock goes on from where it was. */
    assert_true(vm_clock_now(&b->clock) >= mtime);
    /* Every record but the machine's (its mtime has moved) is the same. */
    struct rec_out sb = save(b);
    size_t skip = first_record(&sa);
    assert_int_equal(sa.len, sb.len);
    assert_memory_equal(sa.buf + skip, sb.buf + skip, sa.len - skip);
    /* And the devices answer alike. */
    assert_int_equal(rd(b, UART_DEV.base + 7, 1), 0x5a);
    assert_int_equal(rd(b, UART_DEV.base + 3, 1), 0x03);
    assert_int_equal(rd(b, PLIC_DEV.base + 4 * UART_DEV.irq, 4), 5);
    assert_int_equal(rd(b, CLINT_DEV.base + 0x4000 + 8, 8), 0x123456789ull);
    assert_int_equal(rd(b, board_devs[BOARD_VIRTIO0].base + 0x70, 4), 1);
    assert_int_equal(b->harts[0]->x[5], 42);
    assert_true(b->harts[1]->pc == BOARD_RAM_BASE + 0x1000);
    rec_out_free(&sa);
    rec_out_free(&sb);
    board_free(a);
    board_free(b);
}

static void test_other_shape_or_cut_is_refused(void **state)
{
    (void)state;
    struct machine *a = board_new(2);
    dirty(a);
    struct rec_out sa = save(a);
    struct err e = {0};

    struct machine *one = board_new(1);
    assert_int_equal(load(one, &sa, sa.len, &e), -1);
    assert_string_equal(e.msg, "state of machine: 2 harts, this machine "
                               "has 1");
    board_free(one);

    /* Cut anywhere, the stream is refused, naming the record. */
    for (size_t len = 0; len < sa.len; len += 97) {
        struct machine *b = board_new(2);
        assert_int_equal(load(b, &sa, len, &e), -1);
        assert_memory_equal(e.msg, "state of ", 9);
        board_free(b);
    }
    rec_out_free(&sa);
    board_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_saved_machine_loads_alike),
        cmocka_unit_test(test_other_shape_or_cut_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
