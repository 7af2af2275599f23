/* Unit tests of the CLINT: msip, mtimecmp (whole and in halves), mtime,
 * accesses that hit nothing, and its state record. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>

#include "vm/bus.h"
#include "vm/riscv/clint.h"
#include "vm/machine.h"
#include "vm/rv/hart.h"
#include "test_machine.h"
#include "test_state.h"

#define CLINT_DEV board_devs[BOARD_CLINT]

#define NHARTS 2
#define MSIP(h) (4u * (h))
#define MTIMECMP(h) (0x4000u + 8u * (h))
#define MTIME 0xbff8u

static struct machine *m;

static int setup(void **state)
{
    (void)state;
    m = test_machine_new(NHARTS);
    clint_attach(m, CLINT_DEV.base,
                 CLINT_DEV.size);
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
    assert_true(bus_mmio_read(&m->bus, CLINT_DEV.base + off, size, &v));
    return v;
}

static void wr(uint64_t off, uint64_t val, unsigned size)
{
    assert_true(bus_mmio_write(&m->bus, CLINT_DEV.base + off, size, val));
}

static void test_msip(void **state)
{
    (void)state;
    wr(MSIP(1), 1, 4);
    assert_int_equal(atomic_load(&m->harts[1]->mip), MIP_MSIP);
    assert_int_equal(atomic_load(&m->harts[0]->mip), 0);
    assert_int_equal(rd(MSIP(1), 4), 1);
    assert_int_equal(rd(MSIP(0), 4), 0);
    wr(MSIP(1), 0xfffffffe, 4);           /* only bit 0 counts */
    assert_int_equal(atomic_load(&m->harts[1]->mip), 0);
    assert_int_equal(rd(MSIP(1), 4), 0);
}

static void test_mtimecmp_64(void **state)
{
    (void)state;
    wr(MTIMECMP(0), 0x1122334455667788ull, 8);
    assert_int_equal(atomic_load(&m->harts[0]->mtimecmp), 0x1122334455667788ull);
    assert_int_equal(atomic_load(&m->harts[1]->mtimecmp), UINT64_MAX);
    assert_int_equal(rd(MTIMECMP(0), 8), 0x1122334455667788ull);
    assert_int_equal(rd(MTIMECMP(0), 4), 0x55667788);
    assert_int_equal(rd(MTIMECMP(0) + 4, 4), 0x11223344);
}

static void test_mtimecmp_halves(void **state)
{
    (void)state;
    /* The RV32 sequence: high half to all ones first, then low, then high. */
    wr(MTIMECMP(1) + 4, 0xffffffff, 4);
    wr(MTIMECMP(1), 0xaabbccdd, 4);
    assert_int_equal(atomic_load(&m->harts[1]->mtimecmp), 0xffffffffaabbccddull);
    wr(MTIMECMP(1) + 4, 0x00000012, 4);
    assert_int_equal(atomic_load(&m->harts[1]->mtimecmp), 0x00000012aabbccddull);
    /* Upper bits of a 32-bit store's value are not part of it. */
    wr(MTIMECMP(1), 0xffffffff00000001ull, 4);
    assert_int_equal(atomic_load(&m->harts[1]->mtimecmp), 0x0000001200000001ull);
}

static void test_mtime(void **state)
{
    (void)state;
    uint64_t t0 = rd(MTIME, 8);
    uint64_t hi = rd(MTIME + 4, 4);
    uint64_t t1 = rd(MTIME, 8);
    assert_true(t1 >= t0);
    assert_true(t0 != 0);
    assert_true(hi == t0 >> 32 || hi == t1 >> 32);
    /* Writes are ignored: the clock does not go back to 0. */
    wr(MTIME, 0, 8);
    wr(MTIME, 0, 4);
    wr(MTIME + 4, 0, 4);
    assert_true(rd(MTIME, 8) >= t1);
}

#define FAR 0x7000000000000000ull

/* mtimecmp writes re-evaluate MTIP at once: in the past raises it, far
 * ahead clears it, without waiting for the hart's next time slice. */
static void test_mtimecmp_updates_mtip(void **state)
{
    (void)state;
    wr(MTIMECMP(1), 0, 8);
    assert_true(atomic_load(&m->harts[1]->mip) & MIP_MTIP);
    wr(MTIMECMP(1), FAR, 8);
    assert_false(atomic_load(&m->harts[1]->mip) & MIP_MTIP);
}

static void test_hostile_accesses(void **state)
{
    (void)state;
    /* far in the future, so MTIP stays clear */
    wr(MTIMECMP(0), FAR, 8);
    /* Harts that do not exist. */
    wr(MSIP(NHARTS), 1, 4);
    wr(MSIP(4095), 1, 4);
    wr(MTIMECMP(NHARTS), 1, 8);
    wr(MTIMECMP(1000), 1, 8);
    assert_int_equal(rd(MSIP(NHARTS), 4), 0);
    assert_int_equal(rd(MTIMECMP(NHARTS), 8), 0);
    assert_int_equal(rd(MTIMECMP(1000), 4), 0);
    /* Odd sizes and alignments. */
    wr(MSIP(0), 1, 1);
    wr(MSIP(0), 1, 8);
    wr(MSIP(0) + 2, 1, 4);
    wr(MTIMECMP(0), 7, 1);
    wr(MTIMECMP(0), 7, 2);
    wr(MTIMECMP(0) + 2, 7, 4);
    wr(MTIMECMP(0) + 4, 7, 8);
    assert_int_equal(rd(MSIP(0), 8), 0);
    assert_int_equal(rd(MTIMECMP(0), 2), 0);
    assert_int_equal(rd(MTIMECMP(0) + 2, 4), 0);
    assert_int_equal(rd(MTIME, 2), 0);
    assert_int_equal(rd(MTIME + 4, 8), 0);
    /* The gap between mtimecmp and mtime, and the end of the window. */
    assert_int_equal(rd(0xbff0, 8), 0);
    assert_int_equal(rd(CLINT_DEV.size - 8, 8), 0);
    wr(CLINT_DEV.size - 8, 1, 8);
    /* None of it touched the real state. */
    assert_int_equal(atomic_load(&m->harts[0]->mip), 0);
    assert_int_equal(atomic_load(&m->harts[1]->mip), 0);
    assert_int_equal(atomic_load(&m->harts[0]->mtimecmp), FAR);
    assert_int_equal(atomic_load(&m->harts[1]->mtimecmp), UINT64_MAX);
}

/* State records. */

static void save_c(struct rec_out *o)
{
    clint_save(m, o);
}

static int load_c(struct rec_in *in, struct err *e)
{
    return clint_load(m, in, e);
}

/* What the CLINT sets in the harts besides its record: MTIP. */
static uint64_t mips(void)
{
    return atomic_load(&m->harts[0]->mip) |
           atomic_load(&m->harts[1]->mip) << 32;
}

static void test_state_round_trip(void **state)
{
    (void)state;
    wr(MSIP(1), 1, 4);
    wr(MTIMECMP(0), FAR, 8);
    wr(MTIMECMP(1), 1, 8);
    assert_int_equal(atomic_load(&m->harts[1]->mip), MIP_MSIP | MIP_MTIP);
    struct rec_out rec;
    state_save(save_c, &rec);
    /* nharts, then (msip, mtimecmp) per hart. */
    assert_int_equal(rec.len, REC_HEADER_SIZE + 4 + 2 * 9 + REC_TRAILER_SIZE);

    wr(MSIP(0), 1, 4);
    wr(MSIP(1), 0, 4);
    wr(MTIMECMP(0), 0, 8);
    wr(MTIMECMP(1), FAR, 8);
    assert_int_equal(atomic_load(&m->harts[0]->mip), MIP_MSIP | MIP_MTIP);
    assert_int_equal(atomic_load(&m->harts[1]->mip), 0);

    struct err e = {0};
    assert_int_equal(state_load(load_c, rec.buf, rec.len, &e), 0);
    struct rec_out again;
    state_save(save_c, &again);
    assert_int_equal(again.len, rec.len);
    assert_memory_equal(again.buf, rec.buf, rec.len);
    rec_out_free(&again);
    rec_out_free(&rec);
    /* The registers read as saved, and MTIP follows mtimecmp at once. */
    assert_int_equal(rd(MSIP(0), 4), 0);
    assert_int_equal(rd(MSIP(1), 4), 1);
    assert_int_equal(rd(MTIMECMP(0), 8), FAR);
    assert_int_equal(rd(MTIMECMP(1), 8), 1);
    assert_int_equal(atomic_load(&m->harts[0]->mip), 0);
    assert_int_equal(atomic_load(&m->harts[1]->mip), MIP_MSIP | MIP_MTIP);
}

/* The load leaves the harts' other mip bits alone. */
static void test_state_other_mip_bits(void **state)
{
    (void)state;
    wr(MTIMECMP(0), FAR, 8);
    wr(MTIMECMP(1), FAR, 8);
    struct rec_out rec;
    state_save(save_c, &rec);
    uint64_t others = MIP_SSIP | MIP_SEIP | MIP_MEIP | MIP_STIP;
    atomic_store(&m->harts[0]->mip, others | MIP_MSIP | MIP_MTIP);
    struct err e = {0};
    assert_int_equal(state_load(load_c, rec.buf, rec.len, &e), 0);
    assert_int_equal(atomic_load(&m->harts[0]->mip), others);
    rec_out_free(&rec);
}

/* A record in the layout of version 1, field by field. */
static void write_fields(struct rec_out *o, uint32_t version, uint32_t count,
                         unsigned nwritten, const uint8_t *msip,
                         const uint64_t *mtimecmp)
{
    *o = (struct rec_out){0};
    rec_begin(o, "clint", version);
    rec_u32(o, count);
    for (unsigned i = 0; i < nwritten; i++) {
        rec_u8(o, msip[i]);
        rec_u64(o, mtimecmp[i]);
    }
    rec_end(o);
}

static void expect_refused(uint32_t version, uint32_t count,
                           unsigned nwritten, const uint8_t *msip,
                           const uint64_t *mtimecmp, const char *msg)
{
    struct rec_out o;
    write_fields(&o, version, count, nwritten, msip, mtimecmp);
    state_expect_refused(save_c, load_c, mips, o.buf, o.len, msg);
    rec_out_free(&o);
}

static void test_state_refused(void **state)
{
    (void)state;
    wr(MSIP(0), 1, 4);
    wr(MTIMECMP(0), FAR, 8);
    wr(MTIMECMP(1), 0, 8);
    const uint8_t msip[3] = { 0, 1, 0 }, bad_msip[3] = { 0, 2, 0 };
    const uint64_t cmp[3] = { 0, FAR, 0 };

    expect_refused(1, 1, 1, msip, cmp,
                   "state of clint: 1 harts, this machine has 2");
    expect_refused(1, 3, 3, msip, cmp,
                   "state of clint: 3 harts, this machine has 2");
    expect_refused(1, 0xffffffff, 0, msip, cmp,
                   "state of clint: 4294967295 harts, this machine has 2");
    expect_refused(1, 2, 2, bad_msip, cmp,
                   "state of clint: boolean field holds 2");
    expect_refused(1, 2, 1, msip, cmp, "state of clint: truncated record");
    expect_refused(1, 2, 3, msip, cmp,
                   "state of clint: 9 bytes left unread");
    expect_refused(2, 2, 2, msip, cmp,
                   "state of clint: version 2 (this build reads 1-1)");
    state_expect_refused(save_c, load_c, mips, "", 0,
                         "state of clint: missing or truncated record");

    /* A record from a machine of one hart. */
    struct machine *one = test_machine_new(1);
    struct rec_out o = {0};
    clint_save(one, &o);
    state_expect_refused(save_c, load_c, mips, o.buf, o.len,
                         "state of clint: 1 harts, this machine has 2");
    rec_out_free(&o);
    test_machine_free(one);

    /* Every truncation of a real record. */
    state_save(save_c, &o);
    for (size_t len = 0; len < o.len; len++)
        state_expect_refused(save_c, load_c, mips, o.buf, len, NULL);
    rec_out_free(&o);

    /* The good one is taken. */
    write_fields(&o, 1, 2, 2, msip, cmp);
    struct err e = {0};
    assert_int_equal(state_load(load_c, o.buf, o.len, &e), 0);
    assert_int_equal(atomic_load(&m->harts[0]->mip), MIP_MTIP);
    assert_int_equal(atomic_load(&m->harts[1]->mip), MIP_MSIP);
    rec_out_free(&o);
}

/* Property: whatever one payload byte is changed to, the CLINT takes the
 * whole record (and saves it back unchanged) or none of it. */
static void test_state_every_byte(void **state)
{
    (void)state;
    wr(MSIP(1), 1, 4);
    wr(MTIMECMP(0), FAR, 8);
    wr(MTIMECMP(1), FAR, 8);
    struct rec_out good;
    state_save(save_c, &good);
    unsigned taken = state_check_every_byte(save_c, load_c, mips, &good);
    assert_true(taken > 0);
    rec_out_free(&good);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_msip),
        T(test_mtimecmp_64),
        T(test_mtimecmp_halves),
        T(test_mtime),
        T(test_hostile_accesses),
        T(test_mtimecmp_updates_mtip),
        T(test_state_round_trip),
        T(test_state_other_mip_bits),
        T(test_state_refused),
        T(test_state_every_byte),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
