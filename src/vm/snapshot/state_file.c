/* The snapshot state file (state_file.h): its header and checksum around
 * the machine's records, checked whole before any record is read. */
#include "vm/snapshot/state_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "base/err.h"
#include "base/util.h"

#define MAGIC "CELLASNP"
#define HEADER_SIZE 24
#define TRAILER_SIZE 4
/* Far above any machine's records (a few hundred KiB): a larger file is
 * not one of ours. */
#define STATE_MAX (64u << 20)

static uint64_t le(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static void put_le(uint8_t *p, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

int state_file_parse(const uint8_t *buf, size_t len, const char *name,
                     const uint8_t **records, size_t *nrecords,
                     struct err *e)
{
    if (len > STATE_MAX)
        return err_set(e, 0, "%s: %zu bytes, too large for a state file",
                       name, len);
    if (len < HEADER_SIZE + TRAILER_SIZE || memcmp(buf, MAGIC, 8))
        return err_set(e, 0, "%s: not a cella snapshot state file", name);
    uint32_t version = (uint32_t)le(buf + 8, 4);
    if (version != SNAPSHOT_FORMAT)
        return err_set(e, 0, "%s: snapshot format %u (this cella reads %u)",
                       name, version, SNAPSHOT_FORMAT);
    uint64_t body = le(buf + 16, 8);
    if (body != len - HEADER_SIZE - TRAILER_SIZE)
        return err_set(e, 0, "%s: truncated (%zu bytes; the header says "
                       "%llu)", name, len,
                       (unsigned long long)body + HEADER_SIZE + TRAILER_SIZE);
    uint32_t crc = (uint32_t)crc32(0, buf, (uInt)(len - TRAILER_SIZE));
    if (crc != (uint32_t)le(buf + len - TRAILER_SIZE, 4))
        return err_set(e, 0, "%s: checksum mismatch (corrupted)", name);
    if (le(buf + 12, 4) != 0)
        return err_set(e, 0, "%s: reserved header field is not 0", name);
    *records = buf + HEADER_SIZE;
    *nrecords = body;
    return 0;
}

int state_file_write(const char *path, const uint8_t *records, size_t len,
                     struct err *e)
{
    char tmp[4096];
    if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", path) >= sizeof tmp)
        return err_set(e, ENAMETOOLONG, "%s", path);
    if (len > STATE_MAX - HEADER_SIZE - TRAILER_SIZE)
        return err_set(e, EFBIG, "cannot write %s", path);
    uint8_t head[HEADER_SIZE] = MAGIC;
    put_le(head + 8, SNAPSHOT_FORMAT, 4);
    put_le(head + 16, len, 8);
    uLong crc = crc32(0, head, HEADER_SIZE);
    crc = crc32(crc, records, (uInt)len);
    uint8_t tail[TRAILER_SIZE];
    put_le(tail, crc, 4);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return err_set(e, errno, "cannot create %s", tmp);
    if (write_all(fd, head, sizeof head) < 0 ||
        write_all(fd, records, len) < 0 ||
        write_all(fd, tail, sizeof tail) < 0 || fsync(fd) < 0) {
        int en = errno ? errno : EIO;
        close(fd);
        unlink(tmp);
        return err_set(e, en, "cannot write %s", tmp);
    }
    if (close(fd) < 0 || rename(tmp, path) < 0) {
        int en = errno;
        unlink(tmp);
        return err_set(e, en, "cannot write %s", path);
    }
    return 0;
}
