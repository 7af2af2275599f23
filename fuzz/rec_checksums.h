/* For the fuzz targets that load state records: each whole record of a
 * stream given the checksum of what it holds, so that a mutated field
 * reaches the checks behind the checksum. */
#ifndef CELLA_FUZZ_REC_CHECKSUMS_H
#define CELLA_FUZZ_REC_CHECKSUMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <zlib.h>

#include "base/rec.h"

/* Give every whole record of the stream the checksum of what it holds:
 * false when there was nothing to change. */
static bool fix_checksums(uint8_t *buf, size_t size)
{
    bool changed = false;
    size_t off = 0;
    while (size - off >= REC_HEADER_SIZE + REC_TRAILER_SIZE) {
        const uint8_t *l = buf + off + REC_NAME_MAX + 4;
        size_t plen = (size_t)l[0] | (size_t)l[1] << 8 |
                      (size_t)l[2] << 16 | (size_t)l[3] << 24;
        if (plen > size - off - REC_HEADER_SIZE - REC_TRAILER_SIZE)
            break;
        size_t whole = REC_HEADER_SIZE + plen;
        uint32_t crc = (uint32_t)crc32(0, buf + off, (uInt)whole);
        for (unsigned i = 0; i < 4; i++) {
            uint8_t c = (uint8_t)(crc >> (8 * i));
            changed |= buf[off + whole + i] != c;
            buf[off + whole + i] = c;
        }
        off += whole + REC_TRAILER_SIZE;
    }
    return changed;
}

#endif
