/* For unit tests of a whole board: a machine of n harts, 1 MiB of RAM and
 * every device of the board table (with the I/O thread made, not
 * started). Include after cmocka.h. */
#ifndef CELLA_TEST_BOARD_H
#define CELLA_TEST_BOARD_H

#include <stdlib.h>

#include "base/err.h"
#include "vm/dev/uart16550.h"
#include "vm/iothread.h"
#include "vm/riscv/board.h"
#include "vm/riscv/plic.h"
#include "vm/riscv/virtio_slots.h"
#include "test_machine.h"

#define TEST_BOARD_RAM (1u << 20)

static inline struct machine *board_new(unsigned nharts)
{
    struct machine *m = test_machine_new(nharts);
    m->cfg.cpus = nharts;
    m->cfg.mem_size = TEST_BOARD_RAM;
    m->bus.ram_base = BOARD_RAM_BASE;
    m->bus.ram_size = TEST_BOARD_RAM;
    m->bus.ram = calloc(1, TEST_BOARD_RAM);
    assert_non_null(m->bus.ram);
    struct err e = {0};
    m->io = iothread_new(&e);
    assert_non_null(m->io);
    assert_int_equal(board_create(m, &e), 0);
    return m;
}

/* Free it, RAM included (malloc'd). */
static inline void board_free(struct machine *m)
{
    iothread_free(m->io);
    virtio_devices_free(m);
    uart_free(m->uart);
    plic_free(m->plic);
    free(m->bus.ram);
    test_machine_free(m);
}

#endif
