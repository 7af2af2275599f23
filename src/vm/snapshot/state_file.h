/* A snapshot's state file: the machine's records (base/rec.h) wrapped in a
 * header that names the format and its version, and a trailer that
 * checksums the whole file:
 *
 *   magic    8 bytes "CELLASNP"
 *   version  u32: SNAPSHOT_FORMAT
 *   reserved u32: 0
 *   length   u64: bytes of records that follow
 *   records  length bytes
 *   crc      u32: CRC-32 (zlib's) of everything above
 *
 * All little-endian. A file is written whole under a temporary name and
 * renamed into place, so no half-written file ever has the real name. */
#ifndef CELLA_VM_SNAPSHOT_STATE_FILE_H
#define CELLA_VM_SNAPSHOT_STATE_FILE_H

#include <stddef.h>
#include <stdint.h>

struct err;

#define SNAPSHOT_FORMAT 1

/* Check a whole state file in buf[0..len): on success *records and
 * *nrecords give the records inside it. -1 with e filled ("NAME: ...")
 * when it is truncated, corrupted, or of another format or version. */
int state_file_parse(const uint8_t *buf, size_t len, const char *name,
                     const uint8_t **records, size_t *nrecords,
                     struct err *e);

/* Write records[0..len) as the state file path (through path + ".tmp",
 * fsync'd, then renamed). -1 with e filled, nothing left at path. */
int state_file_write(const char *path, const uint8_t *records, size_t len,
                     struct err *e);

#endif
