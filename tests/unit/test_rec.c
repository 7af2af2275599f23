/* Unit tests of state records: fields come back as written (a ring
 * buffer's oldest first), and every truncation, corruption, wrong name or
 * version, unread tail and rejected value is refused with a message naming
 * the record. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/rec.h"

static void write_sample(struct rec_out *o)
{
    rec_begin(o, "sample", 2);
    rec_u8(o, 0xab);
    rec_u16(o, 0xbeef);
    rec_u32(o, 0xdeadbeef);
    rec_u64(o, 0x0123456789abcdefull);
    rec_bool(o, true);
    rec_bytes(o, "xyz", 3);
    rec_end(o);
}

static void test_round_trip(void **state)
{
    (void)state;
    struct rec_out o = {0};
    write_sample(&o);
    rec_begin(&o, "empty", 1);
    rec_end(&o);
    assert_int_equal(rec_out_check(&o, NULL), 0);
    assert_int_equal(o.len, 2 * (REC_HEADER_SIZE + REC_TRAILER_SIZE) + 19);
    /* Little-endian whatever the host: the u16 right after the header. */
    assert_int_equal(o.buf[REC_HEADER_SIZE + 1], 0xef);
    assert_int_equal(o.buf[REC_HEADER_SIZE + 2], 0xbe);

    struct rec_in in;
    struct err e = {0};
    rec_in_init(&in, o.buf, o.len);
    assert_int_equal(rec_open(&in, "sample", 3, &e), 2);
    assert_int_equal(rec_get_u8(&in), 0xab);
    assert_int_equal(rec_get_u16(&in), 0xbeef);
    assert_int_equal(rec_get_u32(&in), 0xdeadbeef);
    assert_true(rec_get_u64(&in) == 0x0123456789abcdefull);
    assert_true(rec_get_bool(&in));
    char b[3];
    rec_get_bytes(&in, b, 3);
    assert_memory_equal(b, "xyz", 3);
    assert_int_equal(rec_close(&in, &e), 0);
    assert_int_equal(rec_open(&in, "empty", 1, &e), 1);
    assert_int_equal(rec_close(&in, &e), 0);
    assert_int_equal(in.off, o.len);
    rec_out_free(&o);
}

/* A ring's bytes come out oldest first: wrapped, unwrapped, ending at the
 * ring's end, and none. */
static void test_ring(void **state)
{
    (void)state;
    static const struct {
        size_t head, count;
        const char *want;
    } cases[] = {
        { 6, 4, "ghab" }, { 1, 3, "bcd" }, { 5, 3, "fgh" }, { 7, 0, "" },
        { 3, 8, "defghabc" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct rec_out o = {0};
        rec_begin(&o, "ring", 1);
        rec_ring(&o, "abcdefgh", 8, cases[i].head, cases[i].count);
        rec_end(&o);
        assert_int_equal(o.len, REC_HEADER_SIZE + cases[i].count +
                                REC_TRAILER_SIZE);
        assert_memory_equal(o.buf + REC_HEADER_SIZE, cases[i].want,
                            cases[i].count);
        rec_out_free(&o);
    }
}

/* Opening the sample as name/max_version fails with this message. */
static void expect_open_error(const uint8_t *buf, size_t len,
                              const char *name, uint32_t max_version,
                              const char *msg)
{
    struct rec_in in;
    struct err e = {0};
    rec_in_init(&in, buf, len);
    assert_int_equal(rec_open(&in, name, max_version, &e), -1);
    assert_string_equal(e.msg, msg);
}

static void test_header_errors(void **state)
{
    (void)state;
    struct rec_out o = {0};
    write_sample(&o);
    expect_open_error(o.buf, o.len, "other", 2,
                      "state of other: found a record named \"sample\"");
    expect_open_error(o.buf, o.len, "sampl", 2,
                      "state of sampl: found a record named \"sample\"");
    expect_open_error(o.buf, o.len, "sample", 1,
                      "state of sample: version 2 (this build reads 1-1)");
    expect_open_error(o.buf, 10, "sample", 2,
                      "state of sample: missing or truncated record");
    expect_open_error(o.buf, o.len - 1, "sample", 2,
                      "state of sample: record of 19 bytes runs past the "
                      "end");
    o.buf[REC_HEADER_SIZE + 5] ^= 1;
    expect_open_error(o.buf, o.len, "sample", 2,
                      "state of sample: checksum mismatch");
    rec_out_free(&o);
}

/* Property: every truncation and every single-bit flip of a record is
 * refused, by rec_open or by rec_close. */
static void test_every_damage_is_refused(void **state)
{
    (void)state;
    struct rec_out o = {0};
    write_sample(&o);
    uint8_t *copy = malloc(o.len);
    for (size_t len = 0; len < o.len; len++) {
        struct rec_in in;
        rec_in_init(&in, o.buf, len);
        assert_int_equal(rec_open(&in, "sample", 2, NULL), -1);
    }
    for (size_t bit = 0; bit < 8 * o.len; bit++) {
        memcpy(copy, o.buf, o.len);
        copy[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        struct rec_in in;
        rec_in_init(&in, copy, o.len);
        assert_int_equal(rec_open(&in, "sample", 2, NULL), -1);
    }
    free(copy);
    rec_out_free(&o);
}

static void test_payload_errors(void **state)
{
    (void)state;
    struct rec_out o = {0};
    rec_begin(&o, "r", 1);
    rec_u8(&o, 7);
    rec_u32(&o, 5);
    rec_end(&o);
    struct rec_in in;
    struct err e = {0};

    /* Read past the end: bad, and the later reads give 0. */
    rec_in_init(&in, o.buf, o.len);
    assert_int_equal(rec_open(&in, "r", 1, &e), 1);
    rec_get_u8(&in);
    assert_true(rec_get_u64(&in) == 0);
    assert_false(rec_ok(&in));
    assert_int_equal(rec_get_u32(&in), 0);
    assert_int_equal(rec_close(&in, &e), -1);
    assert_string_equal(e.msg, "state of r: truncated record");

    /* A tail left unread. */
    rec_in_init(&in, o.buf, o.len);
    assert_int_equal(rec_open(&in, "r", 1, &e), 1);
    rec_get_u8(&in);
    assert_int_equal(rec_close(&in, &e), -1);
    assert_string_equal(e.msg, "state of r: 4 bytes left unread");

    /* A boolean that is neither 0 nor 1. */
    rec_in_init(&in, o.buf, o.len);
    assert_int_equal(rec_open(&in, "r", 1, &e), 1);
    assert_false(rec_get_bool(&in));
    rec_get_u32(&in);
    assert_int_equal(rec_close(&in, &e), -1);
    assert_string_equal(e.msg, "state of r: boolean field holds 7");

    /* The owner's own check: the first reason is the one reported. */
    rec_in_init(&in, o.buf, o.len);
    assert_int_equal(rec_open(&in, "r", 1, &e), 1);
    rec_get_u8(&in);
    if (rec_get_u32(&in) > 4)
        rec_fail(&in, "queue %u out of range", 5);
    rec_fail(&in, "second");
    assert_int_equal(rec_close(&in, &e), -1);
    assert_string_equal(e.msg, "state of r: queue 5 out of range");
    rec_out_free(&o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_ring),
        cmocka_unit_test(test_header_errors),
        cmocka_unit_test(test_every_damage_is_refused),
        cmocka_unit_test(test_payload_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
