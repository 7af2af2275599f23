/* virtio-rng: entropy for the guest from the host's getrandom(). */
#ifndef CELLA_VM_VIRTIO_RNG_H
#define CELLA_VM_VIRTIO_RNG_H

struct bus;
struct err;
struct virtio_dev;

struct virtio_dev *virtio_rng_new(const struct bus *bus, struct err *e);

#endif
