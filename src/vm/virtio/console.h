/* virtio-console: the guest's hvc console. One port, no multiport; output
 * goes to the machine's console, input comes from the terminal. */
#ifndef CELLA_VM_VIRTIO_CONSOLE_H
#define CELLA_VM_VIRTIO_CONSOLE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

struct bus;
struct err;
struct virtio_dev;

/* Where the guest's output goes: n segments, written together. */
typedef void console_out_fn(void *opaque, const struct iovec *iov,
                            unsigned n);

/* The device on bus b (its guest RAM), its output going to
 * out(opaque, ...). */
struct virtio_dev *virtio_console_new(const struct bus *b,
                                      console_out_fn *out, void *opaque,
                                      struct err *e);
/* Offer input for the guest; returns how many bytes were taken (0 while
 * the input buffer is full: the caller retries later). Any thread. */
size_t virtio_console_rx(struct virtio_dev *d, const uint8_t *buf,
                         size_t len);

#endif
