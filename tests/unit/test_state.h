/* For unit tests of a device's state record: loading a stream, and the
 * property that a load either takes the whole record or changes nothing.
 * Include after cmocka.h. */
#ifndef CELLA_TEST_STATE_H
#define CELLA_TEST_STATE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/rec.h"

/* The device under test, as the test file wraps it: its record written
 * into o, and a load of the next record of in. */
typedef void state_save_fn(struct rec_out *o);
typedef int state_load_fn(struct rec_in *in, struct err *e);
/* What else the device shows outside its record (an interrupt line, a
 * hart's mip bits), or NULL. */
typedef uint64_t state_observe_fn(void);

static inline void state_save(state_save_fn *save, struct rec_out *o)
{
    *o = (struct rec_out){0};
    save(o);
    assert_int_equal(rec_out_check(o, NULL), 0);
}

/* Load buf[0..len) as a stream holding one record: returns load's result,
 * and on success checks the record was read to its end. */
static inline int state_load(state_load_fn *load, const void *buf, size_t len,
                             struct err *e)
{
    struct rec_in in;
    rec_in_init(&in, buf, len);
    int r = load(&in, e);
    if (r == 0)
        assert_int_equal(in.off, len);
    return r;
}

/* Whether the device's record and what it shows are what they were. */
struct state_seen {
    struct rec_out rec;
    uint64_t shown;
};

static inline void state_look(state_save_fn *save, state_observe_fn *observe,
                              struct state_seen *s)
{
    state_save(save, &s->rec);
    s->shown = observe ? observe() : 0;
}

static inline void state_assert_same(const struct state_seen *a,
                                     const struct state_seen *b)
{
    assert_int_equal(a->rec.len, b->rec.len);
    assert_memory_equal(a->rec.buf, b->rec.buf, a->rec.len);
    assert_true(a->shown == b->shown);
}

/* Loading buf[0..len) fails with msg (NULL: any message about a record)
 * and changes nothing. */
static inline void state_expect_refused(state_save_fn *save,
                                        state_load_fn *load,
                                        state_observe_fn *observe,
                                        const void *buf, size_t len,
                                        const char *msg)
{
    struct state_seen before, after;
    state_look(save, observe, &before);
    struct err e = {0};
    assert_int_equal(state_load(load, buf, len, &e), -1);
    if (msg)
        assert_string_equal(e.msg, msg);
    else
        assert_true(strncmp(e.msg, "state of ", 9) == 0);
    state_look(save, observe, &after);
    state_assert_same(&before, &after);
    rec_out_free(&before.rec);
    rec_out_free(&after.rec);
}

/* CRC-32 (IEEE 802.3, zlib's), bit by bit: zlib.h's macros (FAR) would
 * collide with the tests'. */
static inline uint32_t state_crc32(const uint8_t *p, size_t n)
{
    uint32_t crc = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        for (int k = 0; k < 8; k++)
            crc = crc >> 1 ^ (0xedb88320u & -(crc & 1));
    }
    return ~crc;
}

/* Give the one record in buf[0..len) the checksum of what it now holds,
 * after a test changed its payload. */
static inline void state_fix_crc(uint8_t *buf, size_t len)
{
    assert_true(len >= REC_HEADER_SIZE + REC_TRAILER_SIZE);
    uint32_t crc = state_crc32(buf, len - REC_TRAILER_SIZE);
    for (unsigned i = 0; i < 4; i++)
        buf[len - REC_TRAILER_SIZE + i] = (uint8_t)(crc >> (8 * i));
}

/* Property: with every byte of good's payload set to each of a few values
 * (the checksum made to match), a load either fails and changes nothing,
 * or succeeds and the device then saves exactly that record: every value
 * it takes is one it can hold and write back. Returns how many of the
 * changed records were taken. */
static inline unsigned state_check_every_byte(state_save_fn *save,
                                              state_load_fn *load,
                                              state_observe_fn *observe,
                                              const struct rec_out *good)
{
    static const uint8_t vals[] = { 0x00, 0x01, 0x02, 0x07, 0x08, 0x0f,
                                    0x10, 0x1f, 0x20, 0x80, 0xfe, 0xff };
    uint8_t *buf = malloc(good->len);
    assert_non_null(buf);
    unsigned taken = 0;
    for (size_t pos = REC_HEADER_SIZE; pos < good->len - REC_TRAILER_SIZE;
         pos++) {
        for (size_t v = 0; v < sizeof vals; v++) {
            memcpy(buf, good->buf, good->len);
            buf[pos] = vals[v];
            state_fix_crc(buf, good->len);
            struct state_seen before, after;
            state_look(save, observe, &before);
            struct err e = {0};
            if (state_load(load, buf, good->len, &e) == 0) {
                struct rec_out o;
                state_save(save, &o);
                assert_int_equal(o.len, good->len);
                assert_memory_equal(o.buf, buf, o.len);
                rec_out_free(&o);
                taken++;
            } else {
                assert_true(strncmp(e.msg, "state of ", 9) == 0);
                state_look(save, observe, &after);
                state_assert_same(&before, &after);
                rec_out_free(&after.rec);
            }
            rec_out_free(&before.rec);
        }
    }
    free(buf);
    return taken;
}

#endif
