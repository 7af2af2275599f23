/* The dirty log (bus.h) as the harts keep it: a store marks its page the
 * first time the hart maps the page for writing, not again while the
 * mapping is cached, and again after tlb_forget_writes; a store across
 * two pages marks both; an atomic marks its page, a load none; the page
 * walker's A/D updates mark the page-table page they write; a store that
 * faults marks nothing. And as the devices keep it: a chain handed back
 * marks the pages of its writable buffers and the used ring, not those
 * the device only read. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "base/err.h"
#include "test_machine.h"
#include "test_virtio_driver.h"
#include "vm/rv/cpu.h"
#include "vm/virtio/rng.h"

#define RAM (BOARD_RAM_BASE)
#define RAM_SIZE (1u << 24)
#define NWORDS (RAM_SIZE / 4096 / 64)
#define V (1ull << 0)
#define R (1ull << 1)
#define W (1ull << 2)
#define A (1ull << 6)

static struct machine *m;
static struct hart *h;

static int setup(void **state)
{
    (void)state;
    m = test_machine_new(1);
    m->bus.ram_base = RAM;
    m->bus.ram_size = RAM_SIZE;
    m->bus.ram = calloc(1, RAM_SIZE);
    m->bus.dirty = calloc(NWORDS, 8);
    h = m->harts[0];
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free(m->bus.ram);
    free((void *)m->bus.dirty);
    test_machine_free(m);
    return 0;
}

static bool dirty(uint64_t pa)
{
    uint64_t pg = (pa - RAM) >> 12;
    return m->bus.dirty[pg / 64] >> (pg % 64) & 1;
}

static unsigned count(void)
{
    unsigned n = 0;
    for (unsigned w = 0; w < NWORDS; w++)
        n += (unsigned)__builtin_popcountll(m->bus.dirty[w]);
    return n;
}

static void clear(void)
{
    memset((void *)m->bus.dirty, 0, NWORDS * 8);
}

static void test_stores(void **state)
{
    (void)state;
    assert_true(mem_store(h, RAM + 0x5008, 8, 1));
    assert_true(dirty(RAM + 0x5000));
    assert_int_equal(count(), 1);
    clear();
    /* The mapping is cached: the page was marked when it was made. */
    assert_true(mem_store(h, RAM + 0x5010, 8, 2));
    assert_int_equal(count(), 0);
    tlb_forget_writes(h);
    assert_true(mem_store(h, RAM + 0x5018, 4, 3));
    assert_true(dirty(RAM + 0x5000));
    assert_int_equal(count(), 1);
    clear();
    /* Across two pages: both. */
    assert_true(mem_store(h, RAM + 0x7ffc, 8, ~0ull));
    assert_true(dirty(RAM + 0x7000) && dirty(RAM + 0x8000));
    assert_int_equal(count(), 2);
    clear();
    /* A load marks nothing; an atomic its page. */
    uint64_t v;
    assert_true(mem_load(h, RAM + 0x9000, 8, &v));
    assert_int_equal(count(), 0);
    assert_non_null(mem_atomic_ptr(h, RAM + 0xa000, 8, false));
    assert_true(dirty(RAM + 0xa000));
    assert_int_equal(count(), 1);
    /* Outside RAM: a fault, nothing marked. */
    clear();
    assert_false(mem_store(h, RAM + RAM_SIZE, 8, 1));
    assert_int_equal(count(), 0);
}

static void test_walker_updates(void **state)
{
    (void)state;
    /* Sv39, S-mode: root at +0x1000 -> +0x2000 -> +0x3000, whose leaf
     * maps va 0 to RAM + 0x100000 without A set. */
    uint64_t *root = (uint64_t *)(m->bus.ram + 0x1000);
    uint64_t *l1 = (uint64_t *)(m->bus.ram + 0x2000);
    uint64_t *l0 = (uint64_t *)(m->bus.ram + 0x3000);
    root[0] = ((RAM + 0x2000) >> 12) << 10 | V;
    l1[0] = ((RAM + 0x3000) >> 12) << 10 | V;
    l0[0] = ((RAM + 0x100000) >> 12) << 10 | V | R | W;
    h->satp = (8ull << 60) | ((RAM + 0x1000) >> 12);
    h->priv = PRV_S;
    hart_mode_changed(h);
    tlb_flush(h);
    uint64_t v;
    assert_true(mem_load(h, 0x10, 8, &v));
    assert_true(l0[0] & A);
    assert_true(dirty(RAM + 0x3000));           /* A set: a write */
    assert_false(dirty(RAM + 0x100000));        /* the load's page: no */
    assert_int_equal(count(), 1);
    clear();
    assert_true(mem_store(h, 0x18, 8, 5));
    assert_true(dirty(RAM + 0x3000) && dirty(RAM + 0x100000));
    assert_int_equal(count(), 2);
}

static void wr(struct virtio_dev *d, uint64_t off, uint64_t val)
{
    virtio_mmio_write(d, off, (uint32_t)val, 4);
}

/* virtio-rng's queue at RAM + 0x1000 (descriptors), + 0x1400 (available),
 * + 0x1800 (used); a chain of a readable buffer at + 0x20000 and a
 * writable one from + 0x30ff0 across three pages. */
static void test_devices(void **state)
{
    (void)state;
    struct err e = {0};
    struct virtio_dev *d = virtio_rng_new(&m->bus, &e);
    assert_non_null(d);
    assert_true(virtio_negotiate(d, 1ull << VIRTIO_F_VERSION_1) &
                VIRTIO_CONFIG_S_FEATURES_OK);
    wr(d, VIRTIO_MMIO_QUEUE_SEL, 0);
    wr(d, VIRTIO_MMIO_QUEUE_NUM, 8);
    wr(d, VIRTIO_MMIO_QUEUE_DESC_LOW, RAM + 0x1000);
    wr(d, VIRTIO_MMIO_QUEUE_DESC_HIGH, (RAM + 0x1000) >> 32);
    wr(d, VIRTIO_MMIO_QUEUE_AVAIL_LOW, RAM + 0x1400);
    wr(d, VIRTIO_MMIO_QUEUE_AVAIL_HIGH, (RAM + 0x1400) >> 32);
    wr(d, VIRTIO_MMIO_QUEUE_USED_LOW, RAM + 0x1800);
    wr(d, VIRTIO_MMIO_QUEUE_USED_HIGH, (RAM + 0x1800) >> 32);
    wr(d, VIRTIO_MMIO_QUEUE_READY, 1);
    wr(d, VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE |
       VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_FEATURES_OK |
       VIRTIO_CONFIG_S_DRIVER_OK);
    struct vring_desc *desc = (void *)(m->bus.ram + 0x1000);
    struct vring_avail *avail = (void *)(m->bus.ram + 0x1400);
    desc[0] = (struct vring_desc){RAM + 0x20000, 64, VRING_DESC_F_NEXT, 1};
    desc[1] = (struct vring_desc){RAM + 0x30ff0, 0x1020, VRING_DESC_F_WRITE,
                                  0};
    avail->ring[0] = 0;
    avail->idx = 1;
    clear();
    wr(d, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
    virtio_process(d);
    assert_int_equal(((struct vring_used *)(m->bus.ram + 0x1800))->idx, 1);
    assert_true(dirty(RAM + 0x30000) && dirty(RAM + 0x31000) &&
                dirty(RAM + 0x32000));
    assert_true(dirty(RAM + 0x1000));           /* the used ring's page */
    assert_false(dirty(RAM + 0x20000));
    assert_int_equal(count(), 4);
    d->ops->destroy(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_stores, setup, teardown),
        cmocka_unit_test_setup_teardown(test_walker_updates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_devices, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
