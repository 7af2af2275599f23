/* The RISC-V "virt" board as data: one table of its devices, each with its
 * place on the memory map (the same addresses as QEMU's virt board), its
 * interrupt, how it is made, how the device tree describes it and how its
 * state is saved and restored. The bus, the device tree and the machine's
 * state all come from this table; the memory map is written nowhere
 * else. */
#ifndef CELLA_VM_RISCV_BOARD_H
#define CELLA_VM_RISCV_BOARD_H

#include <stdint.h>

struct err;
struct machine;
struct rec_in;
struct rec_out;

#define BOARD_RAM_BASE 0x80000000ull
#define BOARD_VIRTIO_SLOTS 8
#define PLIC_NUM_SOURCES 32

/* The table's entries, in address order (the device tree's order too). */
enum board_slot {
    BOARD_TEST,             /* sifive,test: power-off, reboot */
    BOARD_RTC,              /* goldfish RTC */
    BOARD_CLINT,
    BOARD_PLIC,
    BOARD_UART,
    BOARD_VIRTIO0,          /* virtio-mmio slot i is BOARD_VIRTIO0 + i */
    BOARD_NDEVS = BOARD_VIRTIO0 + BOARD_VIRTIO_SLOTS,
};

struct board_dev {
    const char *name;       /* device-tree node name */
    uint64_t base, size;
    unsigned irq;           /* PLIC source, 0 for none */
    /* Make the device and put it on m's bus; -1 with e filled. */
    int (*create)(struct machine *m, const struct board_dev *d,
                  struct err *e);
    /* Write its device-tree node (libfdt sequential write); 0 or a
     * negative libfdt error. */
    int (*fdt)(void *fdt, const struct machine *m, const struct board_dev *d);
    /* Write its state record (none for an empty virtio slot); read it
     * back, 0 or -1 with e filled. */
    void (*save)(const struct machine *m, const struct board_dev *d,
                 struct rec_out *o);
    int (*load)(struct machine *m, const struct board_dev *d,
                struct rec_in *in, struct err *e);
};

extern const struct board_dev board_devs[BOARD_NDEVS];

/* Make every device of the table, in order; -1 with e filled on the first
 * that fails (the machine frees what was made). */
int board_create(struct machine *m, struct err *e);

/* The machine's state as records: the machine's own (harts, mtime), each
 * hart's, then the table's devices in order. board_load reads them into a machine made from the same config
 * (board_create), paused; -1 with e filled on the first record that is
 * refused, and the machine, partly loaded, is then to be thrown away. */
void board_save(const struct machine *m, struct rec_out *o);
int board_load(struct machine *m, struct rec_in *in, struct err *e);

#endif
