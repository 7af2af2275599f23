/* The board's device tree, generated with libfdt: exactly what exists. */
#ifndef CELLA_VM_FDT_H
#define CELLA_VM_FDT_H

#include <stddef.h>
#include <stdint.h>

struct err;
struct machine;

struct fdt_params {
    const char *bootargs;        /* NULL: no bootargs property */
    uint64_t initrd_start;       /* 0: no initrd */
    uint64_t initrd_end;
};

/* Build the tree for m into buf (size bytes). Returns the tree's total
 * size, or -1 with e filled. */
int fdt_build(const struct machine *m, const struct fdt_params *p, void *buf,
              size_t size, struct err *e);

#endif
