/* virtio-blk: a raw disk image as a guest disk (/dev/vdX). */
#ifndef CELLA_VM_VIRTIO_BLK_H
#define CELLA_VM_VIRTIO_BLK_H

struct bus;
struct err;
struct virtio_dev;

/* arg is the --disk value: PATH[,readonly][,serial=S]. */
struct virtio_dev *virtio_blk_new(const struct bus *bus, const char *arg,
                                  struct err *e);

#endif
