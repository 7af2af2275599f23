/* Guest RAM in a migration stream: PAGES frames. A payload is a run of
 * entries, each
 *
 *   index  u64: (page number in RAM << 1) | zero
 *   data   4096 bytes, only when zero is 0
 *
 * so a page of zeros costs 8 bytes. The source gathers pages into a batch
 * and sends it as a frame when full; the target writes each into its RAM. */
#ifndef CELLA_VM_MIGRATE_PAGES_H
#define CELLA_VM_MIGRATE_PAGES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct err;

#define PAGE_SIZE 4096u
#define BATCH_PAGES 256

struct page_batch {
    uint8_t buf[BATCH_PAGES * (8 + PAGE_SIZE)];
    size_t len;
    unsigned count;         /* pages in buf */
    uint64_t zeros;         /* zero pages added, ever */
};

/* Add page number index (its bytes at page) to b; returns whether b is
 * now full (send it, then batch_clear). */
bool batch_add(struct page_batch *b, uint64_t index, const uint8_t *page);
void batch_clear(struct page_batch *b);

/* Write the pages of a PAGES payload p (len bytes) into ram (npages
 * pages; ram_fd its memfd, whose pages of zeros are punched out, or -1).
 * 0, or -1 with e filled when the payload is malformed (a page out of
 * RAM, a cut entry): then some pages may have been written. */
int pages_apply(const uint8_t *p, size_t len, uint8_t *ram, uint64_t npages,
                int ram_fd, struct err *e);

#endif
