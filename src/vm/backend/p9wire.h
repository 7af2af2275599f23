/* 9P marshalling: a bounds-checked reader over a request body and a
 * bounds-checked writer into a reply, little-endian integers, counted
 * strings and qids. Neither ever touches a byte outside its buffer: a read
 * past the end yields zeros and marks the reader bad; a write that does not
 * fit is dropped and marks the writer full. */
#ifndef CELLA_VM_BACKEND_P9WIRE_H
#define CELLA_VM_BACKEND_P9WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct p9r {
    const uint8_t *p;
    size_t len, pos;
    bool bad;                   /* something ran past the end */
};

struct p9w {
    uint8_t *p;
    size_t cap, pos;
    bool full;                  /* something did not fit */
};

struct p9qid {
    uint8_t type;
    uint32_t version;
    uint64_t path;
};

uint8_t p9r_u8(struct p9r *r);
uint16_t p9r_u16(struct p9r *r);
uint32_t p9r_u32(struct p9r *r);
uint64_t p9r_u64(struct p9r *r);
/* Take n raw bytes; NULL (and bad) when fewer remain. */
const uint8_t *p9r_bytes(struct p9r *r, size_t n);
/* Take a string into buf as a C string. Returns 0, or an errno: EINVAL
 * when it runs past the end (bad is set) or holds a NUL byte,
 * ENAMETOOLONG when it needs more than cap bytes with its terminator. */
int p9r_str(struct p9r *r, char *buf, size_t cap);
/* Skip a string (bad when it runs past the end). */
void p9r_skip_str(struct p9r *r);

void p9w_u8(struct p9w *w, uint8_t v);
void p9w_u16(struct p9w *w, uint16_t v);
void p9w_u32(struct p9w *w, uint32_t v);
void p9w_u64(struct p9w *w, uint64_t v);
void p9w_bytes(struct p9w *w, const void *data, size_t n);
void p9w_str(struct p9w *w, const char *s, size_t len);
void p9w_qid(struct p9w *w, const struct p9qid *q);
/* Room left for writing in place; p9w_advance(w, n) then commits n bytes
 * of it (n at most p9w_room). */
size_t p9w_room(const struct p9w *w);
void p9w_advance(struct p9w *w, size_t n);
/* Overwrite a 32-bit value at an earlier offset (a count known only later). */
void p9w_patch_u32(struct p9w *w, size_t at, uint32_t v);

#endif
