/* 9P marshalling: little-endian integers, counted strings and qids, with
 * every access checked against its buffer. */
#include "vm/backend/p9wire.h"

#include <errno.h>
#include <string.h>

static const uint8_t *take(struct p9r *r, size_t n)
{
    if (r->bad || r->len - r->pos < n) {
        r->bad = true;
        return NULL;
    }
    const uint8_t *p = r->p + r->pos;
    r->pos += n;
    return p;
}

static uint64_t get_le(struct p9r *r, size_t n)
{
    const uint8_t *p = take(r, n);
    uint64_t v = 0;
    for (size_t i = 0; p && i < n; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

uint8_t p9r_u8(struct p9r *r) { return (uint8_t)get_le(r, 1); }
uint16_t p9r_u16(struct p9r *r) { return (uint16_t)get_le(r, 2); }
uint32_t p9r_u32(struct p9r *r) { return (uint32_t)get_le(r, 4); }
uint64_t p9r_u64(struct p9r *r) { return get_le(r, 8); }

const uint8_t *p9r_bytes(struct p9r *r, size_t n)
{
    return take(r, n);
}

int p9r_str(struct p9r *r, char *buf, size_t cap)
{
    size_t len = p9r_u16(r);
    const uint8_t *s = take(r, len);
    if (!s)
        return EINVAL;
    if (len >= cap)
        return ENAMETOOLONG;
    if (memchr(s, 0, len))
        return EINVAL;
    memcpy(buf, s, len);
    buf[len] = 0;
    return 0;
}

void p9r_skip_str(struct p9r *r)
{
    take(r, p9r_u16(r));
}

static uint8_t *put(struct p9w *w, size_t n)
{
    if (w->full || w->cap - w->pos < n) {
        w->full = true;
        return NULL;
    }
    uint8_t *p = w->p + w->pos;
    w->pos += n;
    return p;
}

static void put_le(struct p9w *w, uint64_t v, size_t n)
{
    uint8_t *p = put(w, n);
    for (size_t i = 0; p && i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

void p9w_u8(struct p9w *w, uint8_t v) { put_le(w, v, 1); }
void p9w_u16(struct p9w *w, uint16_t v) { put_le(w, v, 2); }
void p9w_u32(struct p9w *w, uint32_t v) { put_le(w, v, 4); }
void p9w_u64(struct p9w *w, uint64_t v) { put_le(w, v, 8); }

void p9w_bytes(struct p9w *w, const void *data, size_t n)
{
    uint8_t *p = put(w, n);
    if (p && n)
        memcpy(p, data, n);
}

void p9w_str(struct p9w *w, const char *s, size_t len)
{
    if (len > UINT16_MAX) {
        w->full = true;
        return;
    }
    p9w_u16(w, (uint16_t)len);
    p9w_bytes(w, s, len);
}

void p9w_qid(struct p9w *w, const struct p9qid *q)
{
    p9w_u8(w, q->type);
    p9w_u32(w, q->version);
    p9w_u64(w, q->path);
}

size_t p9w_room(const struct p9w *w)
{
    return w->full ? 0 : w->cap - w->pos;
}

void p9w_advance(struct p9w *w, size_t n)
{
    put(w, n);
}

void p9w_patch_u32(struct p9w *w, size_t at, uint32_t v)
{
    if (at > w->pos || w->pos - at < 4)
        return;
    for (size_t i = 0; i < 4; i++)
        w->p[at + i] = (uint8_t)(v >> (8 * i));
}
