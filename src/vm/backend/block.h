/* A disk image on the host: a raw file (or block device) read and written
 * with vectored I/O straight from and into guest memory, and the lock that
 * makes it one machine's (claimed), which a migration passes from the
 * source to the target. */
#ifndef CELLA_VM_BACKEND_BLOCK_H
#define CELLA_VM_BACKEND_BLOCK_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

struct err;

struct block {
    int fd;
    bool readonly;
    bool claimed;       /* holds the image's lock */
    char *path;         /* for messages */
    uint64_t size;      /* bytes the guest sees: the image, rounded up to
                         * whole 512-byte sectors (the tail reads as 0) */
};

/* Open the image, unclaimed: it takes no lock until block_claim. */
int block_open(struct block *b, const char *path, bool readonly,
               struct err *e);
/* Close it (and so release it); again is fine. */
void block_close(struct block *b);

/* Take the image's lock, without waiting: shared for a read-only disk,
 * exclusive otherwise, so that two machines never write one image.
 * Returns 0 (at once when already claimed), or -1 with e filled ("--disk:
 * 'PATH' is in use by another process") when another holds it. */
int block_claim(struct block *b, struct err *e);
/* Flush what was written, then let go of the lock (an unclaimed image:
 * nothing); the image stays open. */
void block_release(struct block *b);

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
