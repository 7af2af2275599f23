/* Unit tests of split virtqueues against a fake guest RAM with rings laid
 * out by hand: direct and indirect chains, copies across segments,
 * event-idx suppression both ways, and every way a guest can break a
 * ring or place it badly. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "vm/bus.h"
#include "vm/virtio/virtqueue.h"

#define RAM_BASE 0x80000000ull
#define RAM_SIZE 0x10000ull
#define NUM 8

/* Where the rings, indirect tables and buffers sit in guest RAM. */
#define DESC (RAM_BASE + 0x0000)
#define AVAIL (RAM_BASE + 0x1000)
#define USED (RAM_BASE + 0x2000)
#define TABLE (RAM_BASE + 0x3000)     /* room for VQ_MAX_SEGS entries */
#define DATA (RAM_BASE + 0x8000)

static struct bus bus;
static struct vq q;
static struct vq_req req;

static void *host(uint64_t gpa)
{
    return bus.ram + (gpa - RAM_BASE);
}

static int setup(void **state)
{
    (void)state;
    memset(&bus, 0, sizeof bus);
    bus.ram = aligned_alloc(4096, RAM_SIZE);
    assert_non_null(bus.ram);
    memset(bus.ram, 0, RAM_SIZE);
    bus.ram_base = RAM_BASE;
    bus.ram_size = RAM_SIZE;
    vq_reset(&q);
    q.num = NUM;
    q.desc_gpa = DESC;
    q.avail_gpa = AVAIL;
    q.used_gpa = USED;
    assert_true(vq_enable(&q, &bus));
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free(bus.ram);
    return 0;
}

/* Entry i of the descriptor table at gpa (the ring's or an indirect one). */
static void set_desc(uint64_t table, unsigned i, uint64_t addr, uint32_t len,
                     uint16_t flags, uint16_t next)
{
    struct vring_desc *d = (struct vring_desc *)host(table) + i;
    d->addr = addr;
    d->len = len;
    d->flags = flags;
    d->next = next;
}

static struct vring_avail *avail(void)
{
    return host(AVAIL);
}

static struct vring_used *used(void)
{
    return host(USED);
}

/* The event words past each ring (virtio 1.2, 2.7.10). */
static uint16_t *used_event(void)
{
    return &avail()->ring[NUM];
}

static uint16_t *avail_event(void)
{
    return (uint16_t *)&used()->ring[NUM];
}

static void offer(uint16_t head)
{
    avail()->ring[avail()->idx % NUM] = head;
    avail()->idx++;
}

static int pop(void)
{
    const char *why = NULL;
    int got = vq_pop(&q, &bus, &req, &why);
    if (got < 0)
        fail_msg("chain rejected: %s", why);
    return got;
}

/* The next chain breaks the ring for the given reason and is not taken. */
static void assert_rejected(const char *reason)
{
    uint16_t before = q.last_avail;
    const char *why = NULL;
    assert_int_equal(vq_pop(&q, &bus, &req, &why), -1);
    assert_non_null(why);
    assert_string_equal(why, reason);
    assert_int_equal(q.last_avail, before);
}

static void test_direct_chain(void **state)
{
    (void)state;
    set_desc(DESC, 0, DATA, 16, VRING_DESC_F_NEXT, 1);
    set_desc(DESC, 1, DATA + 0x100, 32, VRING_DESC_F_WRITE, 0);
    offer(0);
    assert_int_equal(pop(), 1);
    assert_int_equal(req.head, 0);
    assert_int_equal(req.nout, 1);
    assert_int_equal(req.nin, 1);
    assert_int_equal(req.out_len, 16);
    assert_int_equal(req.in_len, 32);
    assert_ptr_equal(req.iov[0].iov_base, host(DATA));
    assert_int_equal(req.iov[0].iov_len, 16);
    assert_ptr_equal(req.iov[1].iov_base, host(DATA + 0x100));
    assert_int_equal(req.iov[1].iov_len, 32);
    assert_int_equal(pop(), 0);

    vq_push(&q, req.head, 32);
    assert_int_equal(used()->idx, 1);
    assert_int_equal(used()->ring[0].id, 0);
    assert_int_equal(used()->ring[0].len, 32);

    /* A chain that starts anywhere and jumps around the table. */
    set_desc(DESC, 3, DATA, 4, VRING_DESC_F_NEXT, 7);
    set_desc(DESC, 7, DATA + 0x10, 8, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE,
             2);
    set_desc(DESC, 2, DATA + 0x20, 2, VRING_DESC_F_WRITE, 0);
    offer(3);
    assert_int_equal(pop(), 1);
    assert_int_equal(req.head, 3);
    assert_int_equal(req.nout, 1);
    assert_int_equal(req.nin, 2);
    assert_int_equal(req.out_len, 4);
    assert_int_equal(req.in_len, 10);
    assert_ptr_equal(req.iov[2].iov_base, host(DATA + 0x20));
    vq_push(&q, req.head, 1);
    assert_int_equal(used()->idx, 2);
    assert_int_equal(used()->ring[1].id, 3);
    assert_int_equal(used()->ring[1].len, 1);
}

/* Descriptor 2 points at a three-entry table chained 0 -> 2 -> 1. */
static void lay_out_indirect_chain(void)
{
    set_desc(DESC, 2, TABLE, 3 * sizeof(struct vring_desc),
             VRING_DESC_F_INDIRECT, 0);
    set_desc(TABLE, 0, DATA, 8, VRING_DESC_F_NEXT, 2);
    set_desc(TABLE, 2, DATA + 0x100, 64,
             VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1);
    set_desc(TABLE, 1, DATA + 0x200, 16, VRING_DESC_F_WRITE, 0);
    offer(2);
}

static void test_indirect_chain(void **state)
{
    (void)state;
    q.indirect = true;
    lay_out_indirect_chain();
    assert_int_equal(pop(), 1);
    assert_int_equal(req.head, 2);
    assert_int_equal(req.nout, 1);
    assert_int_equal(req.nin, 2);
    assert_int_equal(req.out_len, 8);
    assert_int_equal(req.in_len, 80);
    assert_ptr_equal(req.iov[0].iov_base, host(DATA));
    assert_ptr_equal(req.iov[1].iov_base, host(DATA + 0x100));
    assert_ptr_equal(req.iov[2].iov_base, host(DATA + 0x200));
    assert_int_equal(pop(), 0);
}

static void test_indirect_needs_the_feature(void **state)
{
    (void)state;
    q.indirect = false;
    lay_out_indirect_chain();
    assert_rejected("indirect descriptor not allowed here");
}

/* Readable segments of 3, 5 and 4 bytes holding 0..11, then writable
 * segments of 4 and 6 bytes. */
static void lay_out_segments(void)
{
    static const struct { uint64_t addr; uint32_t len; } segs[] = {
        { DATA + 0x000, 3 }, { DATA + 0x040, 5 }, { DATA + 0x080, 4 },
        { DATA + 0x100, 4 }, { DATA + 0x140, 6 },
    };
    uint8_t byte = 0;
    for (unsigned i = 0; i < 5; i++) {
        bool writable = i >= 3;
        set_desc(DESC, i, segs[i].addr, segs[i].len,
                 (writable ? VRING_DESC_F_WRITE : 0) |
                 (i < 4 ? VRING_DESC_F_NEXT : 0), i + 1);
        uint8_t *p = host(segs[i].addr);
        for (unsigned j = 0; j < segs[i].len; j++)
            p[j] = writable ? 0xee : byte++;
    }
    offer(0);
    assert_int_equal(pop(), 1);
    assert_int_equal(req.nout, 3);
    assert_int_equal(req.nin, 2);
}

static void test_gather_across_segments(void **state)
{
    (void)state;
    lay_out_segments();
    uint8_t buf[32];
    uint8_t want[12];
    for (unsigned i = 0; i < sizeof want; i++)
        want[i] = i;

    memset(buf, 0xaa, sizeof buf);
    assert_int_equal(vq_gather(&req, 0, buf, 12), 12);
    assert_memory_equal(buf, want, 12);
    assert_int_equal(buf[12], 0xaa);

    memset(buf, 0xaa, sizeof buf);
    assert_int_equal(vq_gather(&req, 2, buf, 8), 8);
    assert_memory_equal(buf, want + 2, 8);
    assert_int_equal(buf[8], 0xaa);

    /* Short chain: only what the readable part holds, never the writable
     * part after it. */
    memset(buf, 0xaa, sizeof buf);
    assert_int_equal(vq_gather(&req, 10, buf, sizeof buf), 2);
    assert_memory_equal(buf, want + 10, 2);
    assert_int_equal(buf[2], 0xaa);
    assert_int_equal(vq_gather(&req, 12, buf, 4), 0);
    assert_int_equal(vq_gather(&req, 1000, buf, 4), 0);
    assert_int_equal(vq_gather(&req, 0, buf, 0), 0);
}

static void test_scatter_across_segments(void **state)
{
    (void)state;
    lay_out_segments();
    const uint8_t *w0 = host(DATA + 0x100), *w1 = host(DATA + 0x140);

    assert_int_equal(vq_scatter(&req, 3, "abcdefg", 7), 7);
    assert_memory_equal(w0, "\xee\xee\xee" "a", 4);
    assert_memory_equal(w1, "bcdefg", 6);

    /* Short chain: 10 writable bytes in all. */
    assert_int_equal(vq_scatter(&req, 8, "0123456789", 10), 2);
    assert_memory_equal(w1 + 4, "01", 2);
    assert_int_equal(vq_scatter(&req, 10, "x", 1), 0);

    /* The readable part is never written. */
    uint8_t buf[12];
    assert_int_equal(vq_gather(&req, 0, buf, 12), 12);
    for (unsigned i = 0; i < 12; i++)
        assert_int_equal(buf[i], i);

    /* A chain with no writable part takes nothing. */
    set_desc(DESC, 6, DATA, 3, 0, 0);
    offer(6);
    assert_int_equal(pop(), 1);
    assert_int_equal(req.nin, 0);
    assert_int_equal(vq_scatter(&req, 0, "x", 1), 0);
}

static void test_event_idx_interrupts(void **state)
{
    (void)state;
    q.event_idx = true;
    *used_event() = 0;
    vq_push(&q, 0, 0);
    assert_true(vq_should_interrupt(&q));       /* used idx passed 0 */
    vq_push(&q, 0, 0);
    assert_false(vq_should_interrupt(&q));      /* already told about 0 */

    *used_event() = 2;
    vq_push(&q, 0, 0);
    assert_true(vq_should_interrupt(&q));       /* 2 -> 3 crosses 2 */

    *used_event() = 10;
    vq_push(&q, 0, 0);
    assert_false(vq_should_interrupt(&q));      /* 4: not yet */
    for (unsigned i = 0; i < 7; i++)
        vq_push(&q, 0, 0);
    assert_true(vq_should_interrupt(&q));       /* 4 -> 11 crosses 10 */

    /* Across the 16-bit wrap. */
    q.used_idx = q.signalled = 0xfffe;
    *used_event() = 0xffff;
    vq_push(&q, 0, 0);
    assert_false(vq_should_interrupt(&q));      /* 0xffff: not past it */
    vq_push(&q, 0, 0);
    assert_true(vq_should_interrupt(&q));       /* 0 is past 0xffff */
}

static void test_interrupt_flag_without_event_idx(void **state)
{
    (void)state;
    *used_event() = 0x1234;     /* meaningless without event-idx */
    vq_push(&q, 0, 0);
    assert_true(vq_should_interrupt(&q));
    avail()->flags = VRING_AVAIL_F_NO_INTERRUPT;
    vq_push(&q, 0, 0);
    assert_false(vq_should_interrupt(&q));
    avail()->flags = 0;
    vq_push(&q, 0, 0);
    assert_true(vq_should_interrupt(&q));
}

static void test_arm_notify_writes_avail_event(void **state)
{
    (void)state;
    q.event_idx = true;
    set_desc(DESC, 0, DATA, 4, VRING_DESC_F_WRITE, 0);
    offer(0);
    offer(0);
    assert_int_equal(pop(), 1);
    assert_int_equal(pop(), 1);
    assert_false(vq_arm_notify(&q));
    assert_int_equal(*avail_event(), 2);

    offer(0);       /* arrived after the last pop: pop again */
    assert_true(vq_arm_notify(&q));
    assert_int_equal(*avail_event(), 2);
    assert_int_equal(pop(), 1);
    assert_false(vq_arm_notify(&q));
    assert_int_equal(*avail_event(), 3);

    /* Without event-idx the word past the used ring is the driver's. */
    q.event_idx = false;
    *avail_event() = 0xabcd;
    offer(0);
    assert_true(vq_arm_notify(&q));
    assert_int_equal(*avail_event(), 0xabcd);

    q.ready = false;
    assert_false(vq_arm_notify(&q));
}

static void test_reject_avail_index_jump(void **state)
{
    (void)state;
    avail()->idx = NUM + 1;
    assert_rejected("available index moved by more than the queue size");
    avail()->idx = 0xffff;      /* backwards */
    assert_rejected("available index moved by more than the queue size");
}

static void test_reject_head_past_queue(void **state)
{
    (void)state;
    offer(NUM);
    assert_rejected("head index past the queue size");
}

static void test_reject_next_past_queue(void **state)
{
    (void)state;
    set_desc(DESC, 0, DATA, 4, VRING_DESC_F_NEXT, NUM);
    offer(0);
    assert_rejected("next index past the queue size");
}

static void test_reject_loops(void **state)
{
    (void)state;
    set_desc(DESC, 0, DATA, 4, VRING_DESC_F_NEXT, 1);
    set_desc(DESC, 1, DATA, 4, VRING_DESC_F_NEXT, 0);
    offer(0);
    assert_rejected("loop in a descriptor chain");

    set_desc(DESC, 0, DATA, 4, VRING_DESC_F_NEXT, 0);
    assert_rejected("loop in a descriptor chain");
}

static void test_reject_loop_in_indirect_table(void **state)
{
    (void)state;
    q.indirect = true;
    set_desc(DESC, 0, TABLE, 2 * sizeof(struct vring_desc),
             VRING_DESC_F_INDIRECT, 0);
    set_desc(TABLE, 0, DATA, 4, VRING_DESC_F_NEXT, 1);
    set_desc(TABLE, 1, DATA, 4, VRING_DESC_F_NEXT, 0);
    offer(0);
    assert_rejected("loop in an indirect table");
}

static void test_reject_descriptor_outside_ram(void **state)
{
    (void)state;
    static const struct { uint64_t addr; uint32_t len; } bad[] = {
        { 0, 0 },
        { RAM_BASE - 16, 16 },                  /* below RAM */
        { RAM_BASE - 1, 2 },                    /* straddles its start */
        { RAM_BASE + RAM_SIZE - 4, 8 },         /* straddles its end */
        { RAM_BASE + RAM_SIZE, 1 },             /* just past it */
        { RAM_BASE, 0xffffffff },
        { UINT64_MAX - 7, 16 },                 /* wraps past 2^64 */
        /* addr + len wraps to an address inside RAM. */
        { 0ull - 0x1000, 0x1000 + RAM_BASE + 0x10 },
    };
    offer(0);
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        set_desc(DESC, 0, bad[i].addr, bad[i].len, 0, 0);
        assert_rejected("descriptor outside guest RAM");
    }
    /* The last bytes of RAM are fine. */
    set_desc(DESC, 0, RAM_BASE + RAM_SIZE - 8, 8, 0, 0);
    assert_int_equal(pop(), 1);
    assert_ptr_equal(req.iov[0].iov_base, bus.ram + RAM_SIZE - 8);
}

static void test_reject_indirect_outside_ram(void **state)
{
    (void)state;
    q.indirect = true;
    set_desc(DESC, 0, RAM_BASE + RAM_SIZE - 16, 32, VRING_DESC_F_INDIRECT, 0);
    offer(0);
    assert_rejected("indirect table outside guest RAM");

    set_desc(DESC, 0, TABLE, 16, VRING_DESC_F_INDIRECT, 0);
    set_desc(TABLE, 0, UINT64_MAX - 3, 8, 0, 0);
    assert_rejected("descriptor outside guest RAM");
}

static void test_reject_readable_after_writable(void **state)
{
    (void)state;
    set_desc(DESC, 0, DATA, 4, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1);
    set_desc(DESC, 1, DATA, 4, 0, 0);
    offer(0);
    assert_rejected("readable descriptor after a writable one");

    q.indirect = true;
    set_desc(DESC, 0, TABLE, 2 * sizeof(struct vring_desc),
             VRING_DESC_F_INDIRECT, 0);
    set_desc(TABLE, 0, DATA, 4, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1);
    set_desc(TABLE, 1, DATA, 4, 0, 0);
    assert_rejected("readable descriptor after a writable one");
}

static void test_reject_indirect_inside_indirect(void **state)
{
    (void)state;
    q.indirect = true;
    set_desc(DESC, 0, TABLE, 2 * sizeof(struct vring_desc),
             VRING_DESC_F_INDIRECT, 0);
    set_desc(TABLE, 0, DATA, 4, VRING_DESC_F_NEXT, 1);
    set_desc(TABLE, 1, TABLE, 16, VRING_DESC_F_INDIRECT, 0);
    offer(0);
    assert_rejected("indirect descriptor inside an indirect table");
}

static void test_reject_indirect_with_next(void **state)
{
    (void)state;
    q.indirect = true;
    set_desc(DESC, 0, TABLE, 16, VRING_DESC_F_INDIRECT | VRING_DESC_F_NEXT,
             1);
    set_desc(DESC, 1, DATA, 4, VRING_DESC_F_WRITE, 0);
    set_desc(TABLE, 0, DATA, 4, 0, 0);
    offer(0);
    assert_rejected("indirect descriptor not allowed here");
}

static void test_reject_bad_indirect_length(void **state)
{
    (void)state;
    q.indirect = true;
    static const uint32_t bad[] = {
        0, 8, 24, (VQ_MAX_SEGS + 1) * sizeof(struct vring_desc),
    };
    offer(0);
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        set_desc(DESC, 0, TABLE, bad[i], VRING_DESC_F_INDIRECT, 0);
        assert_rejected("bad indirect table length");
    }
}

/* A full indirect table is fine alone; one direct descriptor before it
 * makes the chain one segment too long. */
static void test_reject_chain_too_long(void **state)
{
    (void)state;
    q.indirect = true;
    for (unsigned i = 0; i < VQ_MAX_SEGS; i++)
        set_desc(TABLE, i, DATA, 1,
                 i + 1 < VQ_MAX_SEGS ? VRING_DESC_F_NEXT : 0, i + 1);
    set_desc(DESC, 1, TABLE, VQ_MAX_SEGS * sizeof(struct vring_desc),
             VRING_DESC_F_INDIRECT, 0);
    offer(1);
    assert_int_equal(pop(), 1);
    assert_int_equal(req.nout, VQ_MAX_SEGS);
    assert_int_equal(req.out_len, VQ_MAX_SEGS);

    set_desc(DESC, 0, DATA, 1, VRING_DESC_F_NEXT, 1);
    offer(0);
    assert_rejected("descriptor chain too long");
}

/* A device may finish a chain after the driver wrote QueueReady 0 and a
 * new QueueNum (allowed while the queue is not ready), or reset the
 * device: the chain has nowhere to go and the rings are not touched. */
static void test_push_after_queue_disabled(void **state)
{
    (void)state;
    q.event_idx = true;
    set_desc(DESC, 0, DATA, 4, VRING_DESC_F_WRITE, 0);
    offer(0);
    offer(0);
    assert_int_equal(pop(), 1);
    assert_int_equal(pop(), 1);
    static uint8_t before[RAM_SIZE];
    memcpy(before, bus.ram, RAM_SIZE);

    q.ready = false;
    q.num = 0;
    vq_push(&q, 0, 4);
    assert_false(vq_should_interrupt(&q));
    q.num = 0x8000;     /* its event word would lie far past guest RAM */
    vq_push(&q, 0, 4);
    assert_false(vq_should_interrupt(&q));
    assert_memory_equal(bus.ram, before, RAM_SIZE);

    vq_reset(&q);
    vq_push(&q, 0, 4);
    assert_false(vq_should_interrupt(&q));
    assert_memory_equal(bus.ram, before, RAM_SIZE);
}

/* vq_enable on a fresh queue with one thing changed from the good set-up. */
static bool enable_with(uint16_t num, uint64_t desc, uint64_t avail_gpa,
                        uint64_t used_gpa)
{
    vq_reset(&q);
    q.num = num;
    q.desc_gpa = desc;
    q.avail_gpa = avail_gpa;
    q.used_gpa = used_gpa;
    bool ok = vq_enable(&q, &bus);
    assert_int_equal(q.ready, ok);
    return ok;
}

static void test_enable_refuses_bad_rings(void **state)
{
    (void)state;
    const uint64_t end = RAM_BASE + RAM_SIZE;
    assert_true(enable_with(NUM, DESC, AVAIL, USED));
    assert_true(enable_with(VQ_MAX_SIZE, DESC, AVAIL, USED));
    /* Each ring may end exactly at the end of RAM (the used ring 2 bytes
     * short of it, to stay aligned). */
    assert_true(enable_with(NUM, end - 16 * NUM, AVAIL, USED));
    assert_true(enable_with(NUM, DESC, end - (6 + 2 * NUM), USED));
    assert_true(enable_with(NUM, DESC, AVAIL, end - (6 + 8 * NUM) - 2));

    /* Outside RAM, in part or whole. */
    assert_false(enable_with(NUM, end - 16 * NUM + 16, AVAIL, USED));
    assert_false(enable_with(NUM, DESC, end - (6 + 2 * NUM) + 2, USED));
    assert_false(enable_with(NUM, DESC, AVAIL, end - 8 * NUM));
    assert_false(enable_with(NUM, 0x1000, AVAIL, USED));
    assert_false(enable_with(NUM, DESC, AVAIL, UINT64_MAX - 63));

    /* Misaligned. */
    assert_false(enable_with(NUM, DESC + 8, AVAIL, USED));
    assert_false(enable_with(NUM, DESC, AVAIL + 1, USED));
    assert_false(enable_with(NUM, DESC, AVAIL, USED + 2));

    /* Sizes: zero, not a power of 2, past the maximum. */
    assert_false(enable_with(0, DESC, AVAIL, USED));
    assert_false(enable_with(6, DESC, AVAIL, USED));
    assert_false(enable_with(NUM + 1, DESC, AVAIL, USED));
    assert_false(enable_with(VQ_MAX_SIZE * 2, DESC, AVAIL, USED));
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_direct_chain),
        T(test_indirect_chain),
        T(test_indirect_needs_the_feature),
        T(test_gather_across_segments),
        T(test_scatter_across_segments),
        T(test_event_idx_interrupts),
        T(test_interrupt_flag_without_event_idx),
        T(test_arm_notify_writes_avail_event),
        T(test_reject_avail_index_jump),
        T(test_reject_head_past_queue),
        T(test_reject_next_past_queue),
        T(test_reject_loops),
        T(test_reject_loop_in_indirect_table),
        T(test_reject_descriptor_outside_ram),
        T(test_reject_indirect_outside_ram),
        T(test_reject_readable_after_writable),
        T(test_reject_indirect_inside_indirect),
        T(test_reject_indirect_with_next),
        T(test_reject_bad_indirect_length),
        T(test_reject_chain_too_long),
        T(test_push_after_queue_disabled),
        T(test_enable_refuses_bad_rings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
