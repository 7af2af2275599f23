/* The virtio devices of a machine, in slot order: those the command line
 * asked for (disks, networks, shares, in the order given), then the
 * console and the entropy source every machine has. */
#ifndef CELLA_VM_VIRTIO_DEVICES_H
#define CELLA_VM_VIRTIO_DEVICES_H

struct err;
struct machine;

/* Create every device and attach it; -1 with e filled on the first that
 * fails (those already attached are freed by virtio_devices_free). */
int virtio_devices_add(struct machine *m, struct err *e);
/* Free them all; the I/O thread must have stopped. */
void virtio_devices_free(struct machine *m);

#endif
