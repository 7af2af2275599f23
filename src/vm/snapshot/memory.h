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

/* Map path, which must be exactly size bytes, as guest RAM: private and
 * copy-on-write. NULL with e filled. */
uint8_t *memory_file_map(const char *path, uint64_t size, struct err *e);

#endif
