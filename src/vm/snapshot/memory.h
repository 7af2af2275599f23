/* A snapshot's memory file: guest RAM as a file of its size in which only
 * the pages that hold something are written (the rest are holes and take
 * no disk space), and RAM mapped back from it privately, so a restore
 * reads only the pages the guest touches and never changes the file. */
#ifndef CELLA_VM_SNAPSHOT_MEMORY_H
#define CELLA_VM_SNAPSHOT_MEMORY_H

#include <stdint.h>

struct err;

/* Write ram[0..size) to path (made anew, mode 0600), skipping pages of
 * zeros, and fsync it. When RAM is a mapping of the file ram_fd (else
 * -1), only its data is read: a page in one of its holes was never
 * touched, and reading it would allocate it. -1 with e filled (and path
 * removed). */
int memory_file_write(const char *path, const uint8_t *ram, uint64_t size,
                      int ram_fd, struct err *e);

/* The next run of pages of the memfd fd (size bytes) that may hold data,
 * at or past byte from: 1 with [*start, *end) (page-aligned, within
 * size), 0 when there is none, -1 with errno set when fd cannot say
 * (SEEK_DATA/SEEK_HOLE). Pages outside such runs were never touched. */
int memory_data_range(int fd, uint64_t from, uint64_t size, uint64_t *start,
                      uint64_t *end);

/* Map path, which must be exactly size bytes, as guest RAM: private and
 * copy-on-write. NULL with e filled. */
uint8_t *memory_file_map(const char *path, uint64_t size, struct err *e);

#endif
