/* The board's virtio-mmio slots, in order: the devices the command line
 * asked for (disks, networks, shares, in the order given), then the
 * console and the entropy source every machine has. Slot i sits at
 * MEM_VIRTIO_BASE + i * MEM_VIRTIO_STRIDE with interrupt IRQ_VIRTIO0 + i. */
#ifndef CELLA_VM_BOARD_VIRTIO_H
#define CELLA_VM_BOARD_VIRTIO_H

struct err;
struct machine;

/* Create every device and attach it; -1 with e filled on the first that
 * fails (those already attached are freed by virtio_devices_free). */
int virtio_devices_add(struct machine *m, struct err *e);
/* Free them all; the I/O thread must have stopped. */
void virtio_devices_free(struct machine *m);

#endif
