/* libFuzzer target for the migration stream a target reads
 * (vm/migrate): the input is a stream, read as --incoming reads it
 * through a file descriptor: the header, then frames, a CONFIG frame's
 * config record, PAGES frames written into a small RAM. Twice: as it is,
 * and with every frame's CRC-32 made to match (so mutations reach the
 * payloads behind the checksums). A config taken must be one a machine
 * could be built from; anything refused must say so with a message. */
#include <endian.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

#include "base/err.h"
#include "base/rec.h"
#include "vm/migrate/pages.h"
#include "vm/migrate/stream.h"
#include "vm/snapshot/config_rec.h"

#define RAM_PAGES 64

static void check(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_migrate: %s\n", what);
        abort();
    }
}

/* Make each whole frame's checksum match. */
static void fix_crcs(uint8_t *p, size_t size)
{
    size_t off = 16;
    while (off + 12 <= size) {
        uint32_t len;
        memcpy(&len, p + off + 4, 4);
        len = le32toh(len);
        if (len > size - off - 12)
            return;
        uint32_t crc = htole32((uint32_t)crc32(0, p + off, 8 + len));
        memcpy(p + off + 8 + len, &crc, 4);
        off += 12 + len;
    }
}

static void config(const struct frame *f)
{
    struct rec_in in;
    struct vm_config c;
    struct err e = {0};
    rec_in_init(&in, f->buf, f->len);
    if (config_rec_load(&in, &c, &e) < 0) {
        check(e.msg[0] != 0, "config refused without a message");
    } else {
        check(c.cpus >= 1 && c.cpus <= VM_MAX_CPUS, "harts out of range");
        check(c.mem_size && c.mem_size % 4096 == 0, "RAM size taken");
        check(c.ndevs <= VM_MAX_DEVS, "devices out of range");
    }
    config_rec_free(&c);
}

static void read_stream(const uint8_t *data, size_t size, int fix)
{
    static uint8_t ram[RAM_PAGES * PAGE_SIZE];
    int fd = memfd_create("fuzz-migrate", MFD_CLOEXEC);
    check(fd >= 0, "memfd");
    uint8_t *copy = malloc(size ? size : 1);
    check(copy != NULL, "out of memory");
    memcpy(copy, data, size);
    if (fix)
        fix_crcs(copy, size);
    check(write(fd, copy, size) == (ssize_t)size, "write");
    free(copy);
    lseek(fd, 0, SEEK_SET);
    struct err e = {0};
    struct frame f = {0};
    if (stream_recv_header(fd, &e) == 0) {
        while (frame_recv(fd, &f, &e) == 0) {
            check(f.len <= FRAME_MAX, "frame too long taken");
            if (f.type == FRAME_CONFIG)
                config(&f);
            else if (f.type == FRAME_PAGES &&
                     pages_apply(f.buf, f.len, ram, RAM_PAGES, -1, &e) < 0)
                check(e.msg[0] != 0, "pages refused without a message");
            e = (struct err){0};
        }
    }
    check(e.msg[0] != 0, "the stream ended without a message");
    free(f.buf);
    close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    read_stream(data, size, 0);
    read_stream(data, size, 1);
    return 0;
}
