/* virtio-blk: a raw disk image as a guest disk (/dev/vdX). */
#ifndef CELLA_VM_VIRTIO_BLK_H
#define CELLA_VM_VIRTIO_BLK_H

#include <stdbool.h>

struct bus;
struct err;
struct virtio_dev;

/* arg is the --disk value: PATH[,readonly][,serial=S]. With claim, the
 * image is locked now (refused when another machine has it); without,
 * only when the device is claimed (ops->claim: a migration's target). */
struct virtio_dev *virtio_blk_new(const struct bus *bus, const char *arg,
                                  bool claim, struct err *e);

#endif
