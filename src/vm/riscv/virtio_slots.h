/* The board's virtio devices, in slot order: the devices the command line
 * asked for (disks, networks, shares, in the order given), then the
 * console and the entropy source every machine has. The board table's
 * virtio-mmio slot i holds the i-th. */
#ifndef CELLA_VM_RISCV_VIRTIO_SLOTS_H
#define CELLA_VM_RISCV_VIRTIO_SLOTS_H

#include <stdbool.h>

struct board_dev;
struct err;
struct machine;
struct rec_in;
struct rec_out;

/* Make every device (not yet on the bus); -1 with e filled on the first
 * that fails, or when there are more than the board has slots. */
int virtio_devices_make(struct machine *m, struct err *e);
/* A slot's constructor in the board table: put the slot's device, if
 * there is one, on the bus at the slot's window and interrupt. */
int virtio_slot_create(struct machine *m, const struct board_dev *d,
                       struct err *e);
/* A slot's device-tree writer: the node of the slot's device, if any. */
int virtio_slot_fdt(void *fdt, const struct machine *m,
                    const struct board_dev *d);
/* A slot's state save and load in the board table: the slot's device's
 * records, nothing for an empty slot. */
void virtio_slot_save(const struct machine *m, const struct board_dev *d,
                      struct rec_out *o);
int virtio_slot_load(struct machine *m, const struct board_dev *d,
                     struct rec_in *in, struct err *e);
/* Claim (take) or release every device's host resources that only one
 * machine may hold (disk images' locks): a machine made with
 * cfg.incoming starts with none, and a migration passes them from the
 * source to the target. Returns 0, or -1 with e filled when one is held
 * elsewhere; a failed claim leaves every device released. Main thread. */
int virtio_devices_claim(struct machine *m, bool take, struct err *e);
/* Each NIC tells the network the guest's MAC is now here (RARP frames
 * on its back end over the next half second, so that a bridge learns
 * the port): once, on a migration's target, when its harts start. Does
 * not block: the I/O thread sends them. */
void virtio_devices_announce(struct machine *m);
/* Free them all; the I/O thread must have stopped. */
void virtio_devices_free(struct machine *m);

#endif
