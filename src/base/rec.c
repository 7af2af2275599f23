/* State records (rec.h): writing fields little-endian into a growing
 * buffer, and reading them back with every length and checksum checked. */
#include "base/rec.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "base/err.h"

static uint8_t *grow(struct rec_out *o, size_t n)
{
    if (o->nomem)
        return NULL;
    if (o->cap - o->len < n) {
        size_t cap = o->cap ? o->cap : 256;
        while (cap - o->len < n)
            cap *= 2;
        uint8_t *b = realloc(o->buf, cap);
        if (!b) {
            o->nomem = true;
            return NULL;
        }
        o->buf = b;
        o->cap = cap;
    }
    uint8_t *p = o->buf + o->len;
    o->len += n;
    return p;
}

static void put_le(uint8_t *p, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static void put(struct rec_out *o, uint64_t v, unsigned n)
{
    uint8_t *p = grow(o, n);
    if (p)
        put_le(p, v, n);
}

void rec_begin(struct rec_out *o, const char *name, uint32_t version)
{
    o->start = o->len;
    uint8_t *p = grow(o, REC_HEADER_SIZE);
    if (!p)
        return;
    memset(p, 0, REC_NAME_MAX);
    memcpy(p, name, strnlen(name, REC_NAME_MAX));
    put_le(p + REC_NAME_MAX, version, 4);
}

void rec_u8(struct rec_out *o, uint8_t v) { put(o, v, 1); }
void rec_u16(struct rec_out *o, uint16_t v) { put(o, v, 2); }
void rec_u32(struct rec_out *o, uint32_t v) { put(o, v, 4); }
void rec_u64(struct rec_out *o, uint64_t v) { put(o, v, 8); }
void rec_bool(struct rec_out *o, bool v) { put(o, v, 1); }

void rec_bytes(struct rec_out *o, const void *p, size_t n)
{
    uint8_t *d = grow(o, n);
    if (d && n)
        memcpy(d, p, n);
}

void rec_ring(struct rec_out *o, const void *ring, size_t size, size_t head,
              size_t count)
{
    const uint8_t *r = ring;
    size_t first = size - head;     /* up to where the ring wraps */
    if (first > count)
        first = count;
    rec_bytes(o, r + head, first);
    rec_bytes(o, r, count - first);
}

void rec_str(struct rec_out *o, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    rec_u32(o, (uint32_t)n);
    rec_bytes(o, s, n);
}

void rec_end(struct rec_out *o)
{
    if (o->nomem)
        return;
    size_t payload = o->len - o->start - REC_HEADER_SIZE;
    if (payload > UINT32_MAX) {
        o->nomem = true;
        return;
    }
    put_le(o->buf + o->start + REC_NAME_MAX + 4, payload, 4);
    uLong crc = crc32(0, o->buf + o->start, (uInt)(o->len - o->start));
    put(o, crc, 4);
}

int rec_out_check(const struct rec_out *o, struct err *e)
{
    return o->nomem ? err_set(e, ENOMEM, "cannot write machine state") : 0;
}

void rec_out_free(struct rec_out *o)
{
    free(o->buf);
    *o = (struct rec_out){0};
}

void rec_in_init(struct rec_in *in, const void *buf, size_t len)
{
    *in = (struct rec_in){.buf = buf, .len = len};
}

int rec_open(struct rec_in *in, const char *name, uint32_t max_version,
             struct err *e)
{
    in->p = NULL;
    in->plen = in->pos = 0;
    in->why[0] = 0;
    snprintf(in->name, sizeof in->name, "%.*s", REC_NAME_MAX, name);
    size_t left = in->len - in->off;
    if (left < REC_HEADER_SIZE + REC_TRAILER_SIZE)
        return err_set(e, 0, "state of %s: missing or truncated record",
                       in->name);
    const uint8_t *h = in->buf + in->off;
    char want[REC_NAME_MAX] = {0};
    memcpy(want, name, strnlen(name, REC_NAME_MAX));
    if (memcmp(h, want, REC_NAME_MAX) != 0) {
        char got[REC_NAME_MAX + 1] = {0};
        for (unsigned i = 0; i < REC_NAME_MAX && h[i]; i++)
            got[i] = h[i] >= 0x20 && h[i] <= 0x7e ? (char)h[i] : '?';
        return err_set(e, 0, "state of %s: found a record named \"%s\"",
                       in->name, got);
    }
    uint32_t version = (uint32_t)get_le(h + REC_NAME_MAX, 4);
    uint64_t plen = get_le(h + REC_NAME_MAX + 4, 4);
    if (plen > left - REC_HEADER_SIZE - REC_TRAILER_SIZE)
        return err_set(e, 0, "state of %s: record of %llu bytes runs past "
                       "the end", in->name, (unsigned long long)plen);
    size_t whole = REC_HEADER_SIZE + plen;
    uint32_t crc = (uint32_t)crc32(0, h, (uInt)whole);
    if (crc != (uint32_t)get_le(h + whole, 4))
        return err_set(e, 0, "state of %s: checksum mismatch", in->name);
    if (version < 1 || version > max_version)
        return err_set(e, 0, "state of %s: version %u (this build reads "
                       "1-%u)", in->name, version, max_version);
    in->version = version;
    in->p = h + REC_HEADER_SIZE;
    in->plen = plen;
    return (int)version;
}

void rec_fail(struct rec_in *in, const char *fmt, ...)
{
    if (in->why[0])
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(in->why, sizeof in->why, fmt, ap);
    va_end(ap);
}

bool rec_ok(const struct rec_in *in)
{
    return in->p && !in->why[0];
}

/* n bytes of the open record, or NULL (the record is then bad). */
static const uint8_t *take(struct rec_in *in, size_t n)
{
    if (!rec_ok(in))
        return NULL;
    if (in->plen - in->pos < n) {
        rec_fail(in, "truncated record");
        return NULL;
    }
    const uint8_t *p = in->p + in->pos;
    in->pos += n;
    return p;
}

static uint64_t get(struct rec_in *in, unsigned n)
{
    const uint8_t *p = take(in, n);
    return p ? get_le(p, n) : 0;
}

uint8_t rec_get_u8(struct rec_in *in) { return (uint8_t)get(in, 1); }
uint16_t rec_get_u16(struct rec_in *in) { return (uint16_t)get(in, 2); }
uint32_t rec_get_u32(struct rec_in *in) { return (uint32_t)get(in, 4); }
uint64_t rec_get_u64(struct rec_in *in) { return get(in, 8); }

bool rec_get_bool(struct rec_in *in)
{
    uint8_t v = rec_get_u8(in);
    if (v > 1)
        rec_fail(in, "boolean field holds %u", v);
    return v == 1;
}

void rec_get_bytes(struct rec_in *in, void *p, size_t n)
{
    const uint8_t *s = take(in, n);
    if (s)
        memcpy(p, s, n);
    else if (n)
        memset(p, 0, n);
}

void rec_get_str(struct rec_in *in, char *buf, size_t cap)
{
    uint32_t n = rec_get_u32(in);
    buf[0] = 0;
    if (n >= cap) {
        rec_fail(in, "a string of %u bytes (at most %zu)", n, cap - 1);
        return;
    }
    rec_get_bytes(in, buf, n);
    buf[n] = 0;
    if (memchr(buf, 0, n))
        rec_fail(in, "a string holding a NUL");
}

int rec_close(struct rec_in *in, struct err *e)
{
    if (!in->p)
        return err_set(e, 0, "state of %s: no record open", in->name);
    in->off += REC_HEADER_SIZE + in->plen + REC_TRAILER_SIZE;
    in->p = NULL;
    if (in->why[0])
        return err_set(e, 0, "state of %s: %s", in->name, in->why);
    if (in->pos != in->plen)
        return err_set(e, 0, "state of %s: %zu bytes left unread", in->name,
                       in->plen - in->pos);
    return 0;
}
