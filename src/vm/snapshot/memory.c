/* The snapshot memory file (memory.h): sparse on write, mapped lazily and
 * privately on restore. */
#include "vm/snapshot/memory.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/err.h"
#include "base/util.h"

#define PAGE 4096u

/* Write the run of non-zero pages at off, n bytes. */
static int write_run(int fd, const uint8_t *p, uint64_t off, uint64_t n)
{
    while (n) {
        ssize_t w = pwrite(fd, p, n, (off_t)off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        off += (uint64_t)w;
        n -= (uint64_t)w;
    }
    return 0;
}

/* Write the pages of [off, end) that are not all zeros. */
static int write_pages(int fd, const uint8_t *ram, uint64_t off, uint64_t end)
{
    while (off < end) {
        if (all_zero(ram + off, PAGE)) {
            off += PAGE;
            continue;
        }
        uint64_t run = off + PAGE;
        while (run < end && !all_zero(ram + run, PAGE))
            run += PAGE;
        if (write_run(fd, ram + off, off, run - off) < 0)
            return -1;
        off = run;
    }
    return 0;
}

int memory_data_range(int fd, uint64_t from, uint64_t size, uint64_t *start,
                      uint64_t *end)
{
    if (from >= size)
        return 0;
    off_t d = lseek(fd, (off_t)from, SEEK_DATA);
    if (d < 0)
        return errno == ENXIO ? 0 : -1;    /* ENXIO: no data after from */
    off_t h = lseek(fd, d, SEEK_HOLE);
    if (h < 0)
        return -1;
    *start = (uint64_t)d & ~(uint64_t)(PAGE - 1);
    *end = ((uint64_t)h + PAGE - 1) & ~(uint64_t)(PAGE - 1);
    if (*end > size)
        *end = size;
    return *start < size;
}

/* Write the pages of RAM in ram_fd's data ranges. */
static int write_data(int fd, const uint8_t *ram, uint64_t size, int ram_fd)
{
    uint64_t start, end;
    int r;
    for (uint64_t off = 0;
         (r = memory_data_range(ram_fd, off, size, &start, &end)) > 0;
         off = end)
        if (write_pages(fd, ram, start, end) < 0)
            return -1;
    return r;
}

int memory_file_write(const char *path, const uint8_t *ram, uint64_t size,
                      int ram_fd, struct err *e)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return err_set(e, errno, "cannot create %s", path);
    int r = ftruncate(fd, (off_t)size);
    if (r == 0)
        r = ram_fd < 0 ? write_pages(fd, ram, 0, size)
                       : write_data(fd, ram, size, ram_fd);
    if (r == 0)
        r = fsync(fd);
    int en = errno ? errno : EIO;
    if (close(fd) < 0 && r == 0) {
        r = -1;
        en = errno;
    }
    if (r < 0) {
        unlink(path);
        return err_set(e, en, "cannot write %s", path);
    }
    return 0;
}

uint8_t *memory_file_map(const char *path, uint64_t size, struct err *e)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        err_set(e, errno, "cannot open %s", path);
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) < 0) {
        err_set(e, errno, "cannot stat %s", path);
        close(fd);
        return NULL;
    }
    if ((uint64_t)st.st_size != size) {
        close(fd);
        err_set(e, 0, "%s: %" PRIu64 " bytes, the state says %" PRIu64,
                path, (uint64_t)st.st_size, size);
        return NULL;
    }
    void *p = mmap(0, size, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_NORESERVE, fd, 0);
    int en = errno;
    close(fd);
    if (p == MAP_FAILED) {
        err_set(e, en, "cannot map %s", path);
        return NULL;
    }
    return p;
}
