/* Booting the RISC-V board: boot images, device tree, harts' reset state. */
#ifndef CELLA_VM_RISCV_BOOT_H
#define CELLA_VM_RISCV_BOOT_H

struct err;
struct machine;

/* Load the config's firmware, kernel and initrd into RAM, write the device
 * tree at the top of RAM (and to cfg.dump_dtb when asked), and put every
 * hart in its reset state. -1 with e filled on the first failure. */
int board_boot(struct machine *m, struct err *e);

#endif
