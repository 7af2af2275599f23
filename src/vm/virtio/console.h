/* virtio-console: the guest's hvc console. One port, no multiport; output
 * goes to the machine's console, input comes from the terminal. */
#ifndef CELLA_VM_VIRTIO_CONSOLE_H
#define CELLA_VM_VIRTIO_CONSOLE_H

#include <stddef.h>
#include <stdint.h>

struct err;
struct machine;
struct virtio_dev;

struct virtio_dev *virtio_console_new(struct machine *m, struct err *e);
/* Offer input for the guest; returns how many bytes were taken (0 while
 * the input buffer is full: the caller retries later). Any thread. */
size_t virtio_console_rx(struct virtio_dev *d, const uint8_t *buf,
                         size_t len);

#endif
