/* State records: the unit a device writes its state into and reads it back
 * from. Snapshots and migration streams are sequences of records. Each is
 * versioned, little-endian whatever the host, length-checked and
 * checksummed:
 *
 *   name     16 bytes, NUL-padded: whose state ("uart", "hart0", ...)
 *   version  u32: the layout of the payload, the owner's own numbering
 *   length   u32: bytes of payload
 *   payload  length bytes of fields, written and read in the same order
 *   crc      u32: CRC-32 (zlib's) of everything above
 *
 * Writing never fails part-way: an allocation failure is remembered and
 * reported once by rec_out_check. Reading is a cursor: a field past the
 * record's end, or a value its owner rejects (rec_fail), marks the record
 * bad, later reads return 0, and rec_close reports the first cause. */
#ifndef CELLA_BASE_REC_H
#define CELLA_BASE_REC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct err;

#define REC_NAME_MAX 16
#define REC_HEADER_SIZE (REC_NAME_MAX + 8)
#define REC_TRAILER_SIZE 4

struct rec_out {
    uint8_t *buf;
    size_t len, cap;
    size_t start;       /* offset of the open record's header */
    bool nomem;
};

/* A record named name (at most REC_NAME_MAX bytes) with this version. */
void rec_begin(struct rec_out *o, const char *name, uint32_t version);
void rec_u8(struct rec_out *o, uint8_t v);
void rec_u16(struct rec_out *o, uint16_t v);
void rec_u32(struct rec_out *o, uint32_t v);
void rec_u64(struct rec_out *o, uint64_t v);
void rec_bool(struct rec_out *o, bool v);
void rec_bytes(struct rec_out *o, const void *p, size_t n);
/* A string: u32 length, then its bytes (no NUL); NULL is written as "". */
void rec_str(struct rec_out *o, const char *s);
/* count bytes of a ring buffer of size bytes from index head, wrapping at
 * its end: the oldest first. */
void rec_ring(struct rec_out *o, const void *ring, size_t size, size_t head,
              size_t count);
/* Close the open record: its length and checksum. */
void rec_end(struct rec_out *o);
/* 0, or -1 with e filled if memory ran out while writing. */
int rec_out_check(const struct rec_out *o, struct err *e);
void rec_out_free(struct rec_out *o);

struct rec_in {
    const uint8_t *buf; /* the whole stream */
    size_t len, off;    /* off: the next record's header */
    /* The open record. */
    char name[REC_NAME_MAX + 1];
    const uint8_t *p;
    size_t plen, pos;
    uint32_t version;
    char why[128];      /* set once the record is bad */
};

/* Read records from buf[0..len). */
void rec_in_init(struct rec_in *in, const void *buf, size_t len);
/* Open the next record, which must be named name, with a version from 1 to
 * max_version, and be whole with a matching checksum. Returns its version,
 * or -1 with e filled. */
int rec_open(struct rec_in *in, const char *name, uint32_t max_version,
             struct err *e);
uint8_t rec_get_u8(struct rec_in *in);
uint16_t rec_get_u16(struct rec_in *in);
uint32_t rec_get_u32(struct rec_in *in);
uint64_t rec_get_u64(struct rec_in *in);
/* A bool field: only 0 or 1 is valid. */
bool rec_get_bool(struct rec_in *in);
void rec_get_bytes(struct rec_in *in, void *p, size_t n);
/* A string into buf (cap bytes, NUL included); refused when it does not
 * fit or holds a NUL. */
void rec_get_str(struct rec_in *in, char *buf, size_t cap);
/* The owner rejects a value it read: the record is bad for this reason
 * (the first reason given is the one reported). */
void rec_fail(struct rec_in *in, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Whether the record is still good. */
bool rec_ok(const struct rec_in *in);
/* Close the open record: it must be good and read to its last byte.
 * Returns 0, or -1 with e filled ("state of NAME: WHY"). Moves to the next
 * record either way. */
int rec_close(struct rec_in *in, struct err *e);

#endif
