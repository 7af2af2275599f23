/* PAGES frames (pages.h): gathering on the source, applying on the
 * target. */
#include "vm/migrate/pages.h"

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <string.h>

#include "base/err.h"
#include "base/util.h"

bool batch_add(struct page_batch *b, uint64_t index, const uint8_t *page)
{
    bool zero = all_zero(page, PAGE_SIZE);
    uint64_t entry = htole64(index << 1 | zero);
    memcpy(b->buf + b->len, &entry, 8);
    b->len += 8;
    if (zero) {
        b->zeros++;
    } else {
        memcpy(b->buf + b->len, page, PAGE_SIZE);
        b->len += PAGE_SIZE;
    }
    return ++b->count == BATCH_PAGES;
}

void batch_clear(struct page_batch *b)
{
    b->len = 0;
    b->count = 0;
}

/* Zeros over pages [first, first + n) of RAM. */
static void zero_run(uint8_t *ram, int ram_fd, uint64_t first, uint64_t n)
{
    if (!n)
        return;
    if (ram_fd < 0 || fallocate(ram_fd, FALLOC_FL_PUNCH_HOLE |
                                FALLOC_FL_KEEP_SIZE,
                                (off_t)(first * PAGE_SIZE),
                                (off_t)(n * PAGE_SIZE)) < 0)
        memset(ram + first * PAGE_SIZE, 0, n * PAGE_SIZE);
}

int pages_apply(const uint8_t *p, size_t len, uint8_t *ram, uint64_t npages,
                int ram_fd, struct err *e)
{
    uint64_t run_first = 0, run_n = 0;     /* zero pages not yet cleared */
    size_t off = 0;
    while (off < len) {
        uint64_t entry;
        if (len - off < 8)
            return err_set(e, 0, "a page entry cut short");
        memcpy(&entry, p + off, 8);
        off += 8;
        entry = le64toh(entry);
        uint64_t index = entry >> 1;
        if (index >= npages)
            return err_set(e, 0, "page %llu past the end of RAM (%llu "
                           "pages)", (unsigned long long)index,
                           (unsigned long long)npages);
        if (entry & 1) {
            if (run_n && run_first + run_n == index) {
                run_n++;
            } else {
                zero_run(ram, ram_fd, run_first, run_n);
                run_first = index;
                run_n = 1;
            }
            continue;
        }
        if (len - off < PAGE_SIZE)
            return err_set(e, 0, "page %llu cut short",
                           (unsigned long long)index);
        if (run_n && index >= run_first && index < run_first + run_n) {
            zero_run(ram, ram_fd, run_first, run_n);
            run_n = 0;
        }
        memcpy(ram + index * PAGE_SIZE, p + off, PAGE_SIZE);
        off += PAGE_SIZE;
    }
    zero_run(ram, ram_fd, run_first, run_n);
    return 0;
}
