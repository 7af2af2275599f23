/* For unit tests of a virtio device through the virtio-mmio transport:
 * the driver's side of initialisation up to FEATURES_OK. */
#ifndef CELLA_TEST_VIRTIO_DRIVER_H
#define CELLA_TEST_VIRTIO_DRIVER_H

#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>
#include <stdint.h>

#include "vm/virtio/mmio.h"

/* Reset, ACKNOWLEDGE, DRIVER, the 64 feature bits, FEATURES_OK; returns
 * the status read back (FEATURES_OK stays set if the device agreed). */
static inline uint32_t virtio_negotiate(struct virtio_dev *d,
                                        uint64_t features)
{
    const uint32_t ack = VIRTIO_CONFIG_S_ACKNOWLEDGE,
                   driver = VIRTIO_CONFIG_S_DRIVER;
    virtio_mmio_write(d, VIRTIO_MMIO_STATUS, 0, 4);
    virtio_mmio_write(d, VIRTIO_MMIO_STATUS, ack, 4);
    virtio_mmio_write(d, VIRTIO_MMIO_STATUS, ack | driver, 4);
    for (uint32_t sel = 0; sel < 2; sel++) {
        virtio_mmio_write(d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, sel, 4);
        virtio_mmio_write(d, VIRTIO_MMIO_DRIVER_FEATURES,
                          (uint32_t)(features >> (32 * sel)), 4);
    }
    virtio_mmio_write(d, VIRTIO_MMIO_STATUS,
                      ack | driver | VIRTIO_CONFIG_S_FEATURES_OK, 4);
    return (uint32_t)virtio_mmio_read(d, VIRTIO_MMIO_STATUS, 4);
}

#endif
