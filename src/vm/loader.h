/* Putting boot images into guest RAM: Linux flat Images, ELF files
 * (kernels, firmware, bare-metal test programs), raw firmware binaries
 * and initrds. Every offset and size read from a file is checked. */
#ifndef CELLA_VM_LOADER_H
#define CELLA_VM_LOADER_H

#include <stdint.h>

struct bus;
struct err;

struct loaded {
    uint64_t entry;         /* guest physical entry point */
    uint64_t end;           /* first guest physical byte past the image */
    uint64_t tohost;        /* address of an ELF's `tohost` symbol, or 0 */
};

/* A kernel: a RISC-V Linux Image (placed at load_addr) or an ELF (at its
 * physical addresses when those are in RAM, else relocated to load_addr). */
int load_kernel(struct bus *b, const char *path, uint64_t load_addr,
                struct loaded *out, struct err *e);

/* Firmware: an ELF at its physical addresses, or a raw binary at the start
 * of RAM. */
int load_firmware(struct bus *b, const char *path, struct loaded *out,
                  struct err *e);

/* An initrd, placed as high as possible below `below` and above `above`
 * (page aligned). */
int load_initrd(struct bus *b, const char *path, uint64_t above,
                uint64_t below, uint64_t *start, uint64_t *end,
                struct err *e);

#endif
