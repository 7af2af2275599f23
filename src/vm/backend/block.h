/* A disk image on the host: a raw file (or block device) read and written
 * with vectored I/O straight from and into guest memory. */
#ifndef CELLA_VM_BACKEND_BLOCK_H
#define CELLA_VM_BACKEND_BLOCK_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

struct err;

struct block {
    int fd;
    bool readonly;
    uint64_t size;      /* bytes the guest sees: the image, rounded up to
                         * whole 512-byte sectors (the tail reads as 0) */
};

/* Open and lock the image (shared for read-only, exclusive otherwise, so
 * two machines cannot write one image). */
int block_open(struct block *b, const char *path, bool readonly,
               struct err *e);
void block_close(struct block *b);

/* Whole-request I/O at byte offset off (the caller checked the range).
 * Return 0, or -1 with errno set. */
int block_read(struct block *b, uint64_t off, const struct iovec *iov,
               unsigned n);
int block_write(struct block *b, uint64_t off, const struct iovec *iov,
                unsigned n);
int block_flush(struct block *b);
/* Deallocate (discard) or zero len bytes; zeroing may deallocate when
 * unmap is set. */
int block_discard(struct block *b, uint64_t off, uint64_t len);
int block_zero(struct block *b, uint64_t off, uint64_t len, bool unmap);

#endif
