/* A migration stream: one machine sent over one connection, both ways
 * framed alike. It opens with a header the source sends,
 *
 *   magic    8 bytes "CELLAMIG"
 *   version  u32: MIGRATE_FORMAT
 *   reserved u32: 0
 *
 * then frames, each
 *
 *   type     u32: enum frame_type
 *   length   u32: bytes of payload, at most FRAME_MAX
 *   payload  length bytes
 *   crc      u32: CRC-32 (zlib's) of type, length and payload
 *
 * all little-endian. The source sends CONFIG (the config record), PAGES
 * frames round after round while the guest runs, and SYNC, which the
 * target answers SYNCED once it has written every page before it (so
 * the pause does not wait on pages still on their way); then, the guest
 * paused, the last PAGES, STATE (the machine's records) and END. The target
 * answers READY once it holds all of it, the source GO once it has let go
 * of what the two cannot hold at once (disk locks), the target RUNNING
 * once it has taken them, just before its harts start; or FAILED (a line
 * saying why) instead of any answer. */
#ifndef CELLA_VM_MIGRATE_STREAM_H
#define CELLA_VM_MIGRATE_STREAM_H

#include <stddef.h>
#include <stdint.h>

struct err;

#define MIGRATE_FORMAT 1
#define FRAME_MAX (64u << 20)

enum frame_type {
    FRAME_CONFIG = 1,
    FRAME_PAGES,
    FRAME_STATE,
    FRAME_END,
    FRAME_READY,
    FRAME_GO,
    FRAME_RUNNING,
    FRAME_FAILED,
    FRAME_SYNC,
    FRAME_SYNCED,
};

/* A frame read: its payload in buf (len bytes), which frame_recv grows
 * and reuses; free buf when done. */
struct frame {
    uint32_t type;
    uint8_t *buf;
    size_t len, cap;
};

/* Send or check the header. recv: -1 with e filled when fd ends first
 * or it is not a migration stream, or one of another version. */
int stream_send_header(int fd, struct err *e);
int stream_recv_header(int fd, struct err *e);

/* One frame of type with len bytes of payload p. 0, or -1 with e filled
 * (the connection failed). */
int frame_send(int fd, uint32_t type, const void *p, size_t len,
               struct err *e);
/* The next frame into f: -1 with e filled when the connection ends or
 * fails before it is whole, or it is too long, or of an unknown type, or
 * its checksum does not match. */
int frame_recv(int fd, struct frame *f, struct err *e);

#endif
