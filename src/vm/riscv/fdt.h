/* The board's device tree, generated with libfdt: exactly what exists.
 * Also the pieces the board table's node writers share. */
#ifndef CELLA_VM_RISCV_FDT_H
#define CELLA_VM_RISCV_FDT_H

#include <stddef.h>
#include <stdint.h>

struct board_dev;
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

/* Phandles: the PLIC and the test device, then two per hart (the cpu node
 * and its interrupt controller). */
enum { PH_PLIC = 1, PH_TEST = 2, PH_CPU0 = 3 };

/* Each step returns 0 or a negative libfdt error; the first error ends the
 * build. */
#define TRY(expr)              \
    do {                       \
        int r_ = (expr);       \
        if (r_ < 0)            \
            return r_;         \
    } while (0)

/* A string list property from a literal with embedded NULs. */
#define STRLIST(fdt, name, lit) fdt_property(fdt, name, lit, sizeof(lit))

/* The phandle of hart's local interrupt controller. */
uint32_t fdt_phandle_intc(unsigned hart);
/* Begin node "name@addr" (addr in hex). */
int fdt_begin_node_at(void *fdt, const char *name, uint64_t addr);
/* reg = <addr size> with #address-cells = #size-cells = 2. */
int fdt_prop_reg(void *fdt, uint64_t addr, uint64_t size);
/* interrupts-extended = <&intc0 a &intc0 b &intc1 a ...>: the two local
 * interrupt lines a device drives in every hart. */
int fdt_prop_irqs_ext(void *fdt, unsigned nharts, uint32_t a, uint32_t b);
/* Begin d's node with compatible, reg and its PLIC interrupt (the caller
 * adds what else it has and ends the node). */
int fdt_plic_child(void *fdt, const struct board_dev *d,
                   const char *compatible);

#endif
