/* virtio-9p: a host folder served to the guest over 9P2000.L. */
#ifndef CELLA_VM_VIRTIO_9P_H
#define CELLA_VM_VIRTIO_9P_H

struct bus;
struct err;
struct virtio_dev;

/* arg is the --share value: DIR,tag=NAME[,readonly]. */
struct virtio_dev *virtio_9p_new(const struct bus *bus, const char *arg,
                                 struct err *e);

#endif
